"""Hand-made NTU RGB+D ``.skeleton`` text for the ntu_raw tests: bodies with known
coordinates, files written line by line, and a random writable set."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.classes import NTU60_CLASSES
from pipeline.skeleton_set import SkeletonSet

# --------------------------------------------------------------------------- helpers

BODY_A = 72057594037931101
BODY_B = 72057594037931245
INFO_A = f"{BODY_A} 0 1 1 1 1 0 0.02764709 0.05745083 2"
INFO_B = f"{BODY_B} 2 0 0 1 3 0 -0.1127406 0.2419004 1"

# Two joints whose 12 values are checked one by one.
LINE_A_F1_J1 = (
    "-0.2874361 0.1093822 3.102548 222.1374 199.1149 859.8133 501.8824 "
    "-0.1853621 0.04417932 0.9721437 -0.1290811 2"
)
LINE_B_F4_J25 = (
    "0.3318207 -0.7920453 2.648173 301.7983 321.3105 1095.514 863.4317 "
    "0 0 0 0 1"
)


def joint_line(x: float, y: float, z: float, state: int = 2) -> str:
    """A joint line with depth/colour pixels computed like a Kinect v2 (mirrored u)."""
    du, dv = 256 + 365.5 * x / z, 212 - 365.5 * y / z
    cu, cv = 960 + 1081.4 * x / z, 540 - 1081.4 * y / z
    return (
        f"{x:.7g} {y:.7g} {z:.7g} {du:.7g} {dv:.7g} {cu:.7g} {cv:.7g} "
        f"0.1 -0.02 0.97 -0.12 {state}"
    )


def body_a(frame: int, j: int) -> tuple[float, float, float]:
    """A subject standing about 3.1 m away on the sensor's right (x < 0)."""
    return (-0.2874361 + 0.011 * j + 0.004 * frame, -0.79 + 0.06 * j, 3.102548 + 0.003 * j)


def body_b(frame: int, j: int) -> tuple[float, float, float]:
    """A second subject, 2.6 m away on the sensor's left (x > 0)."""
    return (0.31 + 0.0009 * j - 0.01 * frame, 0.69 - 0.06 * j, 2.64 + 0.0003 * j)


def body_lines(info: str, coords, frame: int, override: dict[int, str] | None = None) -> list[str]:
    lines = [info, "25"]
    for j in range(25):
        if override and j in override:
            lines.append(override[j])
        else:
            lines.append(joint_line(*coords(frame, j)))
    return lines


def hand_made_text() -> str:
    """4 frames: one body, two bodies, none (a missing frame), two bodies."""
    lines = ["4"]
    lines += ["1"] + body_lines(INFO_A, body_a, 1, {0: LINE_A_F1_J1})
    lines += ["2"] + body_lines(INFO_A, body_a, 2) + body_lines(INFO_B, body_b, 2)
    lines += ["0"]
    lines += ["2"] + body_lines(INFO_A, body_a, 4) + body_lines(
        INFO_B, body_b, 4, {24: LINE_B_F4_J25}
    )
    return "\n".join(lines) + "\n"


def expected_xyz(coords, frame: int) -> np.ndarray:
    """``(25, 3)`` as written (7 significant digits) then read (float64)."""
    return np.array([[float(f"{v:.7g}") for v in coords(frame, j)] for j in range(25)])


def valid_text_lines() -> list[str]:
    return hand_made_text().split("\n")


def write_lines(tmp_path: Path, lines: list[str], name: str = "S001C001P001R001A001") -> Path:
    path = tmp_path / f"{name}.skeleton"
    path.write_text("\n".join(lines))
    return path


def one_body_file(tmp_path: Path, name: str, frames: int = 3, empty: bool = False) -> Path:
    """A small hand-made file; ``empty``: every frame lists zero bodies."""
    lines = [str(frames)]
    for f in range(1, frames + 1):
        lines += ["0"] if empty else ["1"] + body_lines(INFO_A, body_a, f)
    return write_lines(tmp_path, lines, name)


def random_set(rng: np.random.Generator) -> SkeletonSet:
    names = ["S001C001P001R001A013", "S002C002P003R002A024", "S003C003P008R001A050"]
    n, t = len(names), 12
    data = np.zeros((n, 3, t, 25, 2), dtype=np.float32)
    num_frames = np.array([12, 7, 5])
    for i, nf in enumerate(num_frames):
        xyz = rng.normal(0.0, 0.3, size=(3, nf, 25, 2)).astype(np.float32)
        xyz[1] -= np.float32(0.1)
        xyz[2] = rng.uniform(2.5, 3.8, size=(nf, 25, 2)).astype(np.float32)
        data[i, :, :nf] = xyz
    data[0, :, 3] = 0.0  # a frame with nobody
    data[0, :, 5:8, :, 1] = 0.0  # second body leaves for a while
    data[1, :, :, :, 1] = 0.0  # a one-body sample
    data[2, :, 1, :, 0] = 0.0  # slot 1 absent while slot 2 is present
    labels = [int(s[-3:]) - 1 for s in names]
    return SkeletonSet(
        data=data, label=labels, name=names, num_frames=num_frames, layout="ntu25",
        class_names=list(NTU60_CLASSES),
    )

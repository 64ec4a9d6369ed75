"""``ciasa data synth``: the synthetic NTU-style action dataset.

Per sample: a performer (constant bone lengths drawn around adult Kinect proportions,
stature 1.5-1.95 m), an action from :data:`pipeline.synth.actions.ACTIONS` with its own
amplitude, tempo, side and onset, a recording set-up (sensor height and tilt, subject
distance 2.3-4.0 m, lateral offset, facing yaw within +-45 degrees), then, as a separate
switchable step, Kinect-like observation noise (:mod:`pipeline.synth.observe`).
Sequences are 30 fps with a per-sample valid length; later frames are zero padding.

Every random draw comes from a generator seeded by ``(seed, stream, index)``, so sample
``i`` is the same whatever the total count, and switching the noise off yields exactly
the clean version of the same motions. The split is cross-subject: validation samples
come from a seeded subset of performers, ``val_fraction`` of every class.

Sample names follow NTU's ``SsssCcccPpppRrrrAaaa`` (set-up, camera view, performer,
replication, NTU action number); the camera code stands for the facing direction:
C001 frontal (|yaw| <= 15), C002 turned to the subject's left, C003 to its right.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.errors import ValidationError
from pipeline.skeleton_set import SkeletonSet
from pipeline.synth.actions import ACTIONS, action_pose
from pipeline.synth.body import Subject, forward_kinematics, sample_subject
from pipeline.synth.observe import observe
from pipeline.synth.scene import Placement, body_to_camera

log = logging.getLogger(__name__)

GENERATOR_NAME = "ciasa.synth"
GENERATOR_VERSION = "1"


class SynthConfig(BaseModel):
    """Every setting of the synthetic generator, with its one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(0, description="master seed; sample i depends only on (seed, i)")
    samples: int = Field(2000, ge=1, description="number of sequences")
    frames: int = Field(64, ge=16, le=1000, description="padded length T (frames at 30 fps)")
    min_length: float = Field(0.8, gt=0.2, le=1.0, description="shortest valid length as a fraction of T")
    val_fraction: float = Field(0.2, ge=0.0, lt=1.0, description="share of every class in the validation split")
    performers: int = Field(40, ge=2, le=106, description="number of synthetic performers (NTU names allow 106)")
    setups: int = Field(17, ge=1, le=32, description="number of recording set-ups (sensor height/tilt/distance; NTU names allow 32)")
    noise: bool = Field(True, description="apply the Kinect-like observation step")
    jitter_mm: float = Field(3.0, ge=0.0, description="joint jitter standard deviation, millimetres")
    glitch_rate: float = Field(0.15, ge=0.0, le=1.0, description="probability of occlusion glitches per sequence")
    distance_range: tuple[float, float] = Field((2.3, 4.0), description="subject distance from the sensor, metres")
    yaw_range: float = Field(45.0, ge=0.0, le=90.0, description="facing direction within +- this many degrees")
    height_range: tuple[float, float] = Field((1.5, 1.95), description="performer stature range, metres")

    @model_validator(mode="after")
    def _check(self) -> "SynthConfig":
        if self.distance_range[0] >= self.distance_range[1]:
            raise ValueError("distance_range must be (low, high) with low < high")
        if self.height_range[0] >= self.height_range[1]:
            raise ValueError("height_range must be (low, high) with low < high")
        return self


def _rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream, index])


def is_validation(index: int, num_classes: int, val_fraction: float) -> bool:
    """Deterministic split: the g-th repetition of each class goes to validation when
    ``round((g + 1) * f) > round(g * f)`` (rounding half up), i.e. ``f`` of every class,
    with the first validation repetition early enough (g = 2 for f = 0.2) that small
    sets have one."""
    g = index // num_classes
    return math.floor((g + 1) * val_fraction + 0.5) > math.floor(g * val_fraction + 0.5)


def _performers(cfg: SynthConfig) -> tuple[dict[int, Subject], list[int], list[int]]:
    subjects = {p: sample_subject(_rng(cfg.seed, 2, p), cfg.height_range) for p in range(1, cfg.performers + 1)}
    n_val = max(1, round(cfg.val_fraction * cfg.performers)) if cfg.val_fraction > 0 else 0
    n_val = min(n_val, cfg.performers - 1)
    val = sorted(int(p) for p in _rng(cfg.seed, 1).choice(np.arange(1, cfg.performers + 1), n_val, replace=False))
    train = [p for p in subjects if p not in val]
    return subjects, train, val


def _setups(cfg: SynthConfig) -> list[tuple[float, float, float]]:
    """(sensor height m, tilt deg, base distance m) per set-up."""
    lo, hi = cfg.distance_range
    out = []
    for k in range(cfg.setups):
        r = _rng(cfg.seed, 4, k)
        margin = min(0.3, (hi - lo) / 4)  # 0.3 m for every range of at least 1.2 m (the default)
        out.append((r.uniform(0.7, 1.3), r.uniform(-2.0, 6.0), r.uniform(lo + margin, hi - margin)))
    return out


def _camera_code(yaw: float) -> int:
    return 1 if abs(yaw) <= 15 else (2 if yaw > 0 else 3)


#: NTU names have replications R001 and R002 only.
MAX_REPLICATIONS = 2


def _free_slot(reps: Counter, setup: int, perf: int, yaw: float, action: int, num_setups: int,
               performers: list[int]) -> tuple[int, int]:  # fmt: skip
    """The drawn (set-up, performer), or the next ones with a free replication number, so
    that every name is a valid, unique NTU name. Depends only on earlier samples."""
    cam = _camera_code(yaw)
    start = performers.index(perf)
    for dp in range(len(performers)):
        p = performers[(start + dp) % len(performers)]
        for ds in range(num_setups):
            st = (setup + ds) % num_setups
            if reps[(st + 1, cam, p, action)] < MAX_REPLICATIONS:
                return st, p
    raise ValidationError(
        f"no free NTU name left for action A{action:03d}, camera C{cam:03d}: raise setups "
        "(<= 32) or performers (<= 106), or generate fewer samples",
        field="samples",
    )


def generate_synthetic(cfg: SynthConfig | None = None,
                       progress: Callable[[int], None] | None = None) -> SkeletonSet:  # fmt: skip
    """Generate the dataset described by ``cfg``.

    Returns a SkeletonSet: ``data (N, 3, T, 25, 1)`` float32 metres in the Kinect camera
    frame, labels 0..11 (``class_names`` are NTU class names; ``provenance`` maps them
    to NTU action numbers), splits ``train``/``val`` and per-sample meta (performer
    stature, distance, yaw, sensor height and tilt, valid length, glitch count).
    """
    cfg = cfg or SynthConfig()
    k = len(ACTIONS)
    n, t = cfg.samples, cfg.frames
    subjects, train_p, val_p = _performers(cfg)
    setups = _setups(cfg)
    data = np.zeros((n, 3, t, 25, 1), dtype=np.float32)
    label = np.zeros(n, dtype=np.int64)
    num_frames = np.zeros(n, dtype=np.int64)
    meta = {key: np.zeros(n) for key in ("height", "distance", "lateral", "yaw", "sensor_height", "tilt")}
    meta_i = {key: np.zeros(n, dtype=np.int64) for key in ("performer", "setup", "glitches")}
    names: list[str] = []
    reps: Counter[tuple[int, int, int, int]] = Counter()
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for i in range(n):
        a = i % k
        val = is_validation(i, k, cfg.val_fraction) and bool(val_p)
        rng = _rng(cfg.seed, 0, i)
        perf = int(rng.choice(val_p if val else train_p))
        setup = int(rng.integers(cfg.setups))
        dist_noise = rng.normal(0, 0.2)
        lateral = float(rng.uniform(-0.3, 0.3))
        yaw = float(rng.uniform(-cfg.yaw_range, cfg.yaw_range))
        setup, perf = _free_slot(reps, setup, perf, yaw, ACTIONS[a].ntu_action, cfg.setups,
                                 val_p if val else train_p)  # fmt: skip
        s_height, s_tilt, s_dist = setups[setup]
        lo, hi = cfg.distance_range
        edge = min(0.05, (hi - lo) / 4)  # 5 cm inside the range, less for a narrow one
        place = Placement(
            distance=float(np.clip(s_dist + dist_noise, lo + edge, hi - edge)),
            lateral=lateral,
            yaw=yaw,
            height=s_height,
            tilt=s_tilt,
        )
        length = int(round(t * rng.uniform(cfg.min_length, 1.0)))
        s0 = rng.uniform(0.0, 0.15) * length
        s1 = length - rng.uniform(0.0, 0.12) * length
        s = np.clip((np.arange(length) - s0) / (s1 - s0), 0.0, 1.0)
        pose = action_pose(ACTIONS[a], s, rng)
        cam = body_to_camera(forward_kinematics(pose, subjects[perf]), place)
        glitches = 0
        if cfg.noise:
            cam, glitches = observe(cam, _rng(cfg.seed, 3, i), jitter_mm=cfg.jitter_mm, glitch_rate=cfg.glitch_rate)
        data[i, :, :length, :, 0] = cam.transpose(2, 0, 1)
        label[i], num_frames[i] = a, length
        key = (setup + 1, _camera_code(place.yaw), perf, ACTIONS[a].ntu_action)
        reps[key] += 1
        name = "S{:03d}C{:03d}P{:03d}R{:03d}A{:03d}".format(key[0], key[1], key[2], reps[key], key[3])
        names.append(name)
        splits["val" if val else "train"].append(name)
        for key_m, v in (("height", subjects[perf].height), ("distance", place.distance),
                         ("lateral", place.lateral), ("yaw", place.yaw),
                         ("sensor_height", place.height), ("tilt", place.tilt)):  # fmt: skip
            meta[key_m][i] = v
        meta_i["performer"][i], meta_i["setup"][i], meta_i["glitches"][i] = perf, setup + 1, glitches
        if progress is not None:
            progress(1)
    return SkeletonSet(
        data=data,
        label=label,
        name=np.array(names),
        num_frames=num_frames,
        layout="ntu25",
        fps=30.0,
        coordinate_frame="kinect_camera",
        class_names=[act.name for act in ACTIONS],
        provenance={
            "generator": GENERATOR_NAME,
            "generator_version": GENERATOR_VERSION,
            "config": cfg.model_dump(mode="json"),
            "ntu_action_numbers": [act.ntu_action for act in ACTIONS],
            "train_performers": train_p,
            "val_performers": val_p,
            "meta_units": {"height": "m", "distance": "m", "lateral": "m", "yaw": "deg",
                           "sensor_height": "m", "tilt": "deg (down +)"},
        },  # fmt: skip
        splits={key: v for key, v in splits.items() if v},
        sample_meta={**meta, **meta_i},
    ).validate()


def write_synthetic(sset: SkeletonSet, out: Path) -> list[Path]:
    """Write every split as a SkeletonSet (``<split>.npz`` + ``.json``) and as st-gcn files
    (``<split>_data.npy``, ``<split>_label.pkl``, ``<split>_meta.json``) into ``out``;
    all files appear together or none does."""
    from pipeline.formats import write_set
    from pipeline.io_utils import atomic_outputs

    written: list[Path] = []
    with atomic_outputs():
        for split in sset.splits:
            part = sset.split(split)
            part.provenance = {**sset.provenance, "split": split}
            written += write_set("npz", part, out, part=split)
            written += write_set("stgcn", part, out, part=split)
    log.info("wrote %d files to %s", len(written), out)
    return written

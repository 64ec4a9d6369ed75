"""The ``.skeleton`` writer: round trips, determinism, all-or-nothing output, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import pipeline.formats.ntu_raw as ntu_raw
import pipeline.formats.ntu_raw_write as ntu_raw_write
from pipeline.errors import (
    LabelMismatchError,
    ValidationError,
)
from pipeline.formats import read_set, write_set
from pipeline.formats.ntu_raw import (
    parse_skeleton_file,
    read_ntu_raw,
    write_ntu_raw,
)
from pipeline.skeleton_set import SkeletonSet
from tests.pipeline.formats.ntu_raw_files import (
    random_set,
)

# --------------------------------------------------------------------------- round trip


def test_round_trip(tmp_path: Path) -> None:
    sset = random_set(np.random.default_rng(7))
    out = tmp_path / "raw"
    written = write_ntu_raw(sset, out)
    assert written == [out / f"{s}.skeleton" for s in sset.name.tolist()]
    assert all(p.is_file() for p in written)
    back = read_ntu_raw(out, max_frames=12)
    np.testing.assert_array_equal(back.data, sset.data)  # float32 values round-trip exactly
    assert back.name.tolist() == sset.name.tolist()
    assert back.label.tolist() == sset.label.tolist()
    assert back.num_frames.tolist() == sset.num_frames.tolist()
    assert back.class_names == sset.class_names

    seq = parse_skeleton_file(written[2])
    assert seq.body_counts.tolist() == [2, 2, 2, 2, 2]  # placeholder keeps slot 2 in place
    placeholder = seq.frames[1][0]
    assert placeholder.tracking_state == 0 and not placeholder.joints.any()
    body = seq.frames[0][0]
    assert body.info[1:] == (0, 0, 0, 0, 0, 0, 0.0, 0.0, 2)
    assert body.body_id == ntu_raw.body_id_for("S003C003P008R001A050", 0)
    assert body.body_id != seq.frames[0][1].body_id
    # depth / colour pixels: u = cx + fx X / Z (mirrored, as in real NTU files), v = cy - fy Y / Z.
    x, y, z = body.joints[:, 0], body.joints[:, 1], body.joints[:, 2]
    np.testing.assert_allclose(body.joints[:, 3], 256 + 365.5 * x / z, atol=1e-3)
    np.testing.assert_allclose(body.joints[:, 4], 212 - 365.5 * y / z, atol=1e-3)
    np.testing.assert_allclose(body.joints[:, 5], 960 + 1081.4 * x / z, atol=1e-2)
    np.testing.assert_allclose(body.joints[:, 6], 540 - 1081.4 * y / z, atol=1e-2)
    assert not body.joints[:, 7:11].any() and (body.joints[:, 11] == 2).all()
    assert parse_skeleton_file(written[1]).body_counts.max() == 1


def test_round_trip_through_registry(tmp_path: Path) -> None:
    sset = random_set(np.random.default_rng(3))
    paths = write_set("ntu-raw", sset, tmp_path / "out")
    assert len(paths) == 3
    back = read_set("ntu-raw", tmp_path / "out", max_frames=300)
    assert back.shape == (3, 3, 300, 25, 2)
    np.testing.assert_array_equal(back.data[:, :, :12], sset.data)
    assert not back.data[:, :, 12:].any()
    assert back.num_frames.tolist() == [12, 7, 5]
    one = read_set("ntu-raw", paths[0])
    np.testing.assert_array_equal(one.data[0], sset.data[0])


def test_write_is_deterministic(tmp_path: Path) -> None:
    sset = random_set(np.random.default_rng(5))
    a = write_ntu_raw(sset, tmp_path / "a")
    b = write_ntu_raw(sset, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


# --------------------------------------------------------------------------- bad output


def _no_outputs(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


def test_writer_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sset = random_set(np.random.default_rng(1))
    real = ntu_raw.format_skeleton_text
    calls: list[str] = []

    def failing(xyz: np.ndarray, num_frames: int, name: str) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(xyz, num_frames, name)

    monkeypatch.setattr(ntu_raw_write, "format_skeleton_text", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        write_ntu_raw(sset, out)
    assert len(calls) == 2
    assert not list(out.glob("*.skeleton")) and not list(out.glob(".*.part"))
    assert _no_outputs(out)


def test_writer_rejects_other_layouts(tmp_path: Path) -> None:
    data = np.ones((1, 3, 4, 18, 1), dtype=np.float32)
    sset = SkeletonSet(data=data, label=[0], name=["S001C001P001R001A001"], num_frames=[4],
                       layout="openpose18", coordinate_frame="image_normalized_centered")
    with pytest.raises(ValidationError, match="openpose18"):
        write_ntu_raw(sset, tmp_path / "out")
    ntu = random_set(np.random.default_rng(0))
    ntu.coordinate_frame = "image_pixels"
    with pytest.raises(ValidationError, match="image_pixels"):
        write_ntu_raw(ntu, tmp_path / "out")
    assert _no_outputs(tmp_path / "out")


def test_writer_rejects_bad_names_labels_and_empty_samples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sset = random_set(np.random.default_rng(0))
    sset.name = np.array(["S001C001P001R001A013", "synth_0001", "S003C003P008R001A050"])
    with pytest.raises(ValidationError) as exc:
        write_ntu_raw(sset, out)
    assert exc.value.sample == "synth_0001"

    sset = random_set(np.random.default_rng(0))
    sset.label[2] = 3
    with pytest.raises(LabelMismatchError) as exc2:
        write_ntu_raw(sset, out)
    assert exc2.value.sample == "S003C003P008R001A050"

    sset = random_set(np.random.default_rng(0))
    sset.data[1] = 0.0
    with pytest.raises(ValidationError, match="no body in any frame"):
        write_ntu_raw(sset, out)
    assert _no_outputs(out)

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(ValidationError, match="directory"):
        write_ntu_raw(random_set(np.random.default_rng(0)), blocker)


def test_writer_refuses_names_with_the_skeleton_suffix(tmp_path: Path) -> None:
    """``parse_ntu_name`` accepts ``X.skeleton``; writing it would give
    ``X.skeleton.skeleton``, which reading back refuses. The writer wants the bare name."""
    sset = random_set(np.random.default_rng(0))
    sset.name = np.array(["S001C001P001R001A013.skeleton", "S002C002P003R002A024",
                          "S003C003P008R001A050"])
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="bare NTU name 'S001C001P001R001A013'") as exc:
        write_ntu_raw(sset, out)
    assert exc.value.sample == "S001C001P001R001A013.skeleton" and exc.value.field == "name"
    assert _no_outputs(out)


def test_writer_accepts_a_layout_alias(tmp_path: Path) -> None:
    sset = random_set(np.random.default_rng(0))
    kinect = SkeletonSet(data=sset.data, label=sset.label, name=sset.name,
                         num_frames=sset.num_frames, layout="kinect",
                         class_names=sset.class_names)
    written = write_ntu_raw(kinect, tmp_path / "out")
    back = read_ntu_raw(tmp_path / "out", max_frames=12)
    assert len(written) == 3 and back.layout == "ntu25"
    np.testing.assert_array_equal(back.data, sset.data)


def test_synthetic_set_writes_as_ntu_raw_with_ntu_labels(tmp_path, small_synth):
    """Synthetic labels are dense (0..11) but their class names are NTU names, so the set
    can be written as .skeleton files; reading back gives NTU labels (action - 1)."""
    from pipeline.formats import read_set, write_set

    sub = small_synth.subset(slice(0, 12))
    write_set("ntu-raw", sub, tmp_path / "raw")
    back = read_set("ntu-raw", tmp_path / "raw", max_bodies=1, max_frames=sub.shape[2])
    order = np.argsort(sub.name)
    np.testing.assert_array_equal(back.name, sub.name[order])
    np.testing.assert_array_equal(back.data, sub.data[order])
    numbers = small_synth.provenance["ntu_action_numbers"]
    assert back.label.tolist() == [numbers[k] - 1 for k in sub.label[order]]
    assert [back.class_names[k] for k in back.label] == [sub.class_names[k] for k in sub.label[order]]

"""The 2s-AGCN pre-normalisation and bone transform against independent loop-based references.

The reference below is written from the description of the official ``pre_normalization``
(frame by frame, body by body, joint by joint, in float64), not from the vectorised code
under test:

1. pad null frames: a body whose first frame is empty has its non-empty frames moved to
   the front (in order); then, if the body ends in a run of empty frames starting at frame
   ``L``, frame ``t >= L`` becomes a copy of frame ``t mod L`` (cyclic repetition of frames
   ``0..L-1``, empty frames among them included);
2. subtract body 0's spine_mid of the same frame from every present joint of every body;
3. rotate everything by the Euler-Rodrigues matrix about ``b x z`` by the angle between
   ``b`` and ``z``, where ``b = spine_mid - spine_base`` of body 0 in frame 0; then about
   ``s x x`` with ``s = shoulder_right - shoulder_left`` (after the first rotation). The
   identity where the axis or the angle is below 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from pipeline.layouts import NTU25, OPENPOSE18
from pipeline.models.preprocess import (
    OPENPOSE_BONE_PAIRS,
    agcn_pre_normalize,
    align_rotation,
    bone_partners,
    bone_transform,
    pad_null_frames,
)

SPINE_BASE, SPINE_MID, SH_L, SH_R = 0, 1, 4, 8

#: The 2s-AGCN NTU bone pairs (1-based, joint - partner): the ST-GCN edges plus (21, 21).
NTU_BONES_1BASED = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21),
                    (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1),
                    (18, 17), (19, 18), (20, 19), (21, 21), (22, 23), (23, 8), (24, 25), (25, 12)]  # fmt: skip


# ----------------------------------------------------------------------------- reference


def _rodrigues(axis: np.ndarray, angle: float) -> np.ndarray:
    """Counter-clockwise rotation by ``angle`` about ``axis`` from the Euler-Rodrigues
    parameters ``a = cos(angle/2)``, ``(b, c, d) = unit axis * sin(angle/2)``."""
    if np.abs(axis).sum() < 1e-6 or abs(angle) < 1e-6:
        return np.eye(3)
    k = axis / math.sqrt(float(axis @ axis))
    a = math.cos(angle / 2)
    b, c, d = k * math.sin(angle / 2)
    return np.array([
        [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
        [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
        [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
    ])  # fmt: skip


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    if np.abs(u).sum() < 1e-6 or np.abs(v).sum() < 1e-6:
        return 0.0
    cos = float(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return math.acos(min(1.0, max(-1.0, cos)))


def reference_pre_normalize(data: np.ndarray) -> np.ndarray:
    """Loop-based reference, ``(N, 3, T, V, M) -> (N, 3, T, V, M)`` float64."""
    s = np.array(data, dtype=np.float64).transpose(0, 4, 2, 3, 1).copy()  # N M T V C
    n_samples, n_bodies, n_frames, n_joints, _ = s.shape
    # 1. pad null frames
    for n in range(n_samples):
        for m in range(n_bodies):
            body = s[n, m]
            if not body.any():
                continue
            if not body[0].any():
                kept = [body[t].copy() for t in range(n_frames) if body[t].any()]
                body[:] = 0
                for t, frame in enumerate(kept):
                    body[t] = frame
            end = max(t for t in range(n_frames) if body[t].any()) + 1
            for t in range(end, n_frames):
                body[t] = body[t % end]
    # 2. centre on body 0's spine_mid, frame by frame, present joints only
    for n in range(n_samples):
        centre = s[n, 0, :, SPINE_MID].copy()  # T x 3
        for m in range(n_bodies):
            for t in range(n_frames):
                for v in range(n_joints):
                    if s[n, m, t, v].any():
                        s[n, m, t, v] = s[n, m, t, v] - centre[t]
    # 3. two rotations from frame 0 of body 0
    for n in range(n_samples):
        for a, b, target in ((SPINE_BASE, SPINE_MID, np.array([0.0, 0.0, 1.0])),
                             (SH_L, SH_R, np.array([1.0, 0.0, 0.0]))):
            bone = s[n, 0, 0, b] - s[n, 0, 0, a]
            rot = _rodrigues(np.cross(bone, target), _angle(bone, target))
            for m in range(n_bodies):
                for t in range(n_frames):
                    for v in range(n_joints):
                        s[n, m, t, v] = rot @ s[n, m, t, v]
    return s.transpose(0, 4, 2, 3, 1)


# ----------------------------------------------------------------------------- data


def _body(rng: np.random.Generator, frames: int) -> np.ndarray:
    """``(3, frames, 25)``: a random skeleton about 3 m from the camera, jittering."""
    base = rng.normal(0, 0.3, (3, 1, 25)) + np.array([0.1, 0.2, 3.0])[:, None, None]
    return base + rng.normal(0, 0.02, (3, frames, 25))


def make_batch(seed: int = 0, frames: int = 20) -> np.ndarray:
    """``(7, 3, T, 25, 2)`` covering the official cases:

    0. body 0 with a zero-padded tail, body 1 absent;
    1. body 0 full length; body 1 appears late (frames 6..14): shifted to the front, padded;
    2. body 0 starts late (frames 3..16) and body 1 from frame 0 with a tail;
    3. body 0 with an empty gap (frames 3-4) and an empty tail: the tail repeats frames
       0..L-1, gap included;
    4. a body with a gap in the middle but none at the end (left as is), joints missing in
       some frames (per-joint centring masks);
    5. an all-zero sample;
    6. a sample whose only body is in slot 1.
    """
    rng = np.random.default_rng(seed)
    t = frames
    x = np.zeros((7, 3, t, 25, 2))
    x[0, :, :13, :, 0] = _body(rng, 13)
    x[1, :, :, :, 0] = _body(rng, t)
    x[1, :, 6:15, :, 1] = _body(rng, 9)
    x[2, :, 3:17, :, 0] = _body(rng, 14)
    x[2, :, :17, :, 1] = _body(rng, 17)
    x[3, :, :12, :, 0] = _body(rng, 12)
    x[3, :, 3:5, :, 0] = 0
    x[4, :, :, :, 0] = _body(rng, t)
    x[4, :, 8:10, :, 0] = 0
    x[4, :, :, :, 1] = _body(rng, t)
    x[4, :, 2:5, 7, 1] = 0  # hand_left of body 1 missing
    x[4, :, 5, 20, 0] = 0  # spine_shoulder of body 0 missing in one frame
    x[6, :, :9, :, 1] = _body(rng, 9)
    return x


# ----------------------------------------------------------------------------- tests


def test_reference_rotation_aligns_the_bones():
    """Sanity of the reference itself: body 0's spine_mid at the origin in every frame and
    the shoulders along +x in frame 0; the spine along +z as well when the shoulders are
    perpendicular to it (otherwise the second rotation tilts the spine, as officially)."""
    x = make_batch(1)
    out = reference_pre_normalize(x)
    for n in (0, 1, 2, 3, 4):
        first = out[n, :, 0, :, 0]
        sh = first[:, SH_R] - first[:, SH_L]
        np.testing.assert_allclose(sh[1:], 0, atol=1e-9)
        assert sh[0] > 0
        np.testing.assert_allclose(out[n, :, :, SPINE_MID, 0][:, x[n, :, :, SPINE_MID, 0].any(0)], 0, atol=1e-12)
    # a body whose shoulder line is perpendicular to its spine
    y = x[:1].copy()
    spine = y[0, :, 0, SPINE_MID, 0] - y[0, :, 0, SPINE_BASE, 0]
    sh = y[0, :, 0, SH_R, 0] - y[0, :, 0, SH_L, 0]
    sh_perp = sh - (sh @ spine) / (spine @ spine) * spine
    y[0, :, 0, SH_R, 0] = y[0, :, 0, SH_L, 0] + sh_perp
    first = reference_pre_normalize(y)[0, :, 0, :, 0]
    spine = first[:, SPINE_MID] - first[:, SPINE_BASE]
    np.testing.assert_allclose(spine / np.linalg.norm(spine), [0, 0, 1], atol=1e-9)
    sh = first[:, SH_R] - first[:, SH_L]
    np.testing.assert_allclose(sh / np.linalg.norm(sh), [1, 0, 0], atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pre_normalize_matches_reference_float32(seed):
    x = make_batch(seed)
    expected = reference_pre_normalize(x)
    got = agcn_pre_normalize(torch.tensor(x, dtype=torch.float32), NTU25).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_pre_normalize_matches_reference_float64():
    x = make_batch(4)
    got = agcn_pre_normalize(torch.tensor(x, dtype=torch.float64), NTU25).numpy()
    np.testing.assert_allclose(got, reference_pre_normalize(x), atol=1e-10, rtol=0)


def test_padding_cases_explicitly():
    x = make_batch(0)
    got = pad_null_frames(torch.tensor(x)).numpy()
    # case 0: tail filled by cyclic repetition of the 13 valid frames; body 1 stays absent
    np.testing.assert_array_equal(got[0, :, 13:20, :, 0], x[0, :, 0:7, :, 0])
    assert not got[0, ..., 1].any()
    # case 1: late body moved to the front, then repeated with period 9
    np.testing.assert_array_equal(got[1, :, 0:9, :, 1], x[1, :, 6:15, :, 1])
    np.testing.assert_array_equal(got[1, :, 9:18, :, 1], x[1, :, 6:15, :, 1])
    np.testing.assert_array_equal(got[1, :, 18:20, :, 1], x[1, :, 6:8, :, 1])
    # case 3: empty tail after a gap: frames 12.. repeat frames 0..11, the gap too
    np.testing.assert_array_equal(got[3, :, 12:20, :, 0], x[3, :, 0:8, :, 0])
    assert not got[3, :, 15:17, :, 0].any()
    # case 4: a gap with valid frames after it and no empty tail: unchanged
    np.testing.assert_array_equal(got[4], x[4])
    # case 5: empty sample unchanged
    assert not got[5].any()


def test_pre_normalize_of_an_empty_sample_is_zero():
    out = agcn_pre_normalize(torch.zeros(1, 3, 6, 25, 2), NTU25)
    assert torch.equal(out, torch.zeros_like(out))


def test_align_rotation_is_a_rotation_onto_the_axis():
    g = torch.Generator().manual_seed(0)
    vec = torch.randn(16, 3, generator=g, dtype=torch.float64)
    target = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    rot = align_rotation(vec, target)
    eye = torch.eye(3, dtype=torch.float64).expand(16, 3, 3)
    torch.testing.assert_close(rot @ rot.transpose(1, 2), eye)
    torch.testing.assert_close(torch.linalg.det(rot), torch.ones(16, dtype=torch.float64))
    mapped = (rot @ vec[..., None])[..., 0]
    torch.testing.assert_close(mapped, vec.norm(dim=1, keepdim=True) * target.expand(16, 3))
    # degenerate (zero, parallel, anti-parallel): identity, as the official rule
    special = torch.tensor([[0.0, 0, 0], [0, 0, 2], [0, 0, -1]], dtype=torch.float64)
    torch.testing.assert_close(align_rotation(special, target), torch.eye(3, dtype=torch.float64).expand(3, 3, 3))


def test_ntu_bone_transform_against_explicit_pairs():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 5, 25, 2))
    expected = np.empty_like(x)
    for v1, v2 in NTU_BONES_1BASED:
        expected[:, :, :, v1 - 1] = x[:, :, :, v1 - 1] - x[:, :, :, v2 - 1]
    np.testing.assert_allclose(bone_transform(torch.tensor(x), NTU25).numpy(), expected, atol=1e-12)
    assert sorted(v for v, _ in NTU_BONES_1BASED) == list(range(1, 26))
    assert bone_partners(NTU25)[20] == 20  # spine_shoulder pairs with itself


def test_openpose_bone_transform():
    assert sorted(v for v, _ in OPENPOSE_BONE_PAIRS) == list(range(18))
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 3, 4, 18, 2))
    out = bone_transform(torch.tensor(x), OPENPOSE18).numpy()
    np.testing.assert_allclose(out[:, :, :, 0], 0)  # nose pairs with itself
    np.testing.assert_allclose(out[:, :, :, 1], x[:, :, :, 1] - x[:, :, :, 0])  # neck - nose
    np.testing.assert_allclose(out[:, :, :, 4], x[:, :, :, 4] - x[:, :, :, 3])  # wrist - elbow
    # every channel is differenced, the score channel included
    np.testing.assert_allclose(out[:, 2, :, 16], x[:, 2, :, 16] - x[:, 2, :, 14])


def test_pre_normalize_needs_three_channels():
    with pytest.raises(ValueError, match="C=2"):
        agcn_pre_normalize(torch.zeros(1, 2, 4, 25, 1), NTU25)

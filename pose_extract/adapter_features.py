"""What the learned Kinect adapter sees and how its output becomes joints (pure numpy).

Inputs per video frame (:func:`adapter_inputs`, ``(T, FEATURES)`` float32; zero in frames
without a lifted pose), all independent of the image size and of where the person stands
in the image:

* MediaPipe's 33 world landmarks in Kinect axes, hip-centred (metres; 99 values);
* the 33 image landmarks as metric offsets in the image plane at the root's depth:
  ``(ray_i - ray_root) * tz`` with ``ray = ((cx - u) / fx, (cy - v) / fy)`` (the Kinect
  projection's X/Z and Y/Z) and ``tz`` the lifted root depth (metres; 66 values): what
  the 2D landmarks say about the pose, in the world landmarks' units;
* the 33 visibilities (33 values);
* the root's viewing ray and ``log tz`` (3 values): where the person stands.

Output (:func:`compose`): per frame a root-relative correction ``delta (25, 3)`` metres to
the affine mapping of the world landmarks (:func:`pose_extract.mapping.to_ntu25`) and a
log-scale ``s`` applied to the whole camera-frame skeleton:

    joints = exp(s) * (to_ntu25(world) + delta + t)

with ``t`` the lifted root translation (``delta`` dropped in a frame where it would turn
the body round, :func:`facing`). Scaling the skeleton and its translation together
leaves its image unchanged, so ``s`` moves the person along the viewing rays (the depth
that one view cannot fix and the adapter learns as a prior), and ``delta`` reshapes the pose.
An adapter that outputs zeros is the extractor without adapter.

Mirroring (:func:`mirror_inputs`, :func:`mirror_joints`) is the training augmentation: the
same scene seen in a mirror (X negated, left and right exchanged), exact for a camera whose
principal point is on the image's vertical centre line (the render stage's).
"""

from __future__ import annotations

import numpy as np

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT as NTU25
from pipeline.layouts.ntu25 import MIRROR_PAIRS
from pose_extract.flip import MIRROR_LANDMARKS
from pose_extract.lifting import CameraIntrinsics
from pose_extract.mapping import to_ntu25

#: Landmarks per frame (BlazePose).
LANDMARKS = 33
#: Feature blocks' sizes: world landmarks, image-plane offsets, visibilities, root ray and log depth.
BLOCKS = {"world": LANDMARKS * 3, "image": LANDMARKS * 2, "visibility": LANDMARKS, "root": 3}
#: Values per frame of :func:`adapter_inputs`.
FEATURES = sum(BLOCKS.values())
#: Values per frame the adapter outputs: 25 x 3 joint corrections and one log-scale.
OUTPUTS = 25 * 3 + 1
#: Smallest root depth used for ``log tz`` (metres).
MIN_DEPTH_M = 0.1


_SPINE_BASE, _SHOULDER_L, _SHOULDER_R, _HIP_L, _HIP_R, _SPINE_SHOULDER = (
    NTU25.index(n) for n in ("spine_base", "shoulder_left", "shoulder_right", "hip_left", "hip_right", "spine_shoulder"))


def _ntu_mirror() -> np.ndarray:
    idx = np.arange(25)
    for a, b in MIRROR_PAIRS:
        idx[a], idx[b] = b, a
    return idx


NTU_MIRROR = _ntu_mirror()


def adapter_inputs(world: np.ndarray, image: np.ndarray, visibility: np.ndarray, translation: np.ndarray,
                   ok: np.ndarray, intr: CameraIntrinsics) -> np.ndarray:
    """The adapter's ``(T, FEATURES)`` float32 inputs (module docstring).

    Args:
        world: ``(T, 33, 3)`` world landmarks, Kinect axes, hip-centred, metres.
        image: ``(T, 33, 2)`` image landmarks, pixels.
        visibility: ``(T, 33)`` in [0, 1].
        translation: ``(T, 3)`` the lifted root translation, metres (NaN where not solved).
        ok: ``(T,)`` bool, frames with a detected and lifted pose; the others are zero.
        intr: the camera.
    """
    world = np.asarray(world, np.float64)
    t_len = world.shape[0]
    if world.shape[1:] != (LANDMARKS, 3) or np.shape(image) != (t_len, LANDMARKS, 2) or \
            np.shape(visibility) != (t_len, LANDMARKS) or np.shape(translation) != (t_len, 3):
        raise ValidationError(f"adapter inputs: expected (T, 33, 3), (T, 33, 2), (T, 33), (T, 3); got "
                              f"{world.shape}, {np.shape(image)}, {np.shape(visibility)}, {np.shape(translation)}",
                              field="landmarks")
    ok = np.asarray(ok, bool) & np.isfinite(translation).all(-1) & np.isfinite(world).all((1, 2)) \
        & np.isfinite(image).all((1, 2))
    out = np.zeros((t_len, FEATURES), np.float32)
    if not ok.any():
        return out
    w, px, vis, t = world[ok], np.asarray(image, np.float64)[ok], np.asarray(visibility, np.float64)[ok], \
        np.asarray(translation, np.float64)[ok]
    tz = np.maximum(t[:, 2], MIN_DEPTH_M)
    ray = np.stack([(intr.cx - px[..., 0]) / intr.fx, (intr.cy - px[..., 1]) / intr.fy], -1)  # n x 33 x 2
    root_ray = t[:, :2] / tz[:, None]
    offsets = (ray - root_ray[:, None, :]) * tz[:, None, None]
    out[ok] = np.concatenate([w.reshape(len(w), -1), offsets.reshape(len(w), -1), vis,
                              root_ray, np.log(tz)[:, None]], axis=1).astype(np.float32)
    return out


def compose(world: np.ndarray, translation: np.ndarray, output: np.ndarray) -> np.ndarray:
    """Camera-frame NTU-25 joints ``(T, 25, 3)`` metres from the world landmarks ``(T, 33, 3)``
    (Kinect axes, hip-centred), the lifted translation ``(T, 3)`` and the adapter's output
    ``(T, OUTPUTS)`` (module docstring)."""
    output = np.asarray(output, np.float64)
    base = to_ntu25(world)
    delta = output[:, :75].reshape(-1, 25, 3)
    turned = np.einsum("td,td->t", facing(base), facing(base + delta)) < 0
    delta = np.where(turned[:, None, None], 0.0, delta)  # a correction never turns the body round
    scale = np.exp(output[:, 75])[:, None, None]
    return scale * (base + delta + np.asarray(translation, np.float64)[:, None, :])


def facing(joints: np.ndarray) -> np.ndarray:
    """Which way NTU-25 bodies ``(..., 25, 3)`` face: the normal of the torso, ``across x up``
    with ``across`` from the right to the left shoulder plus from the right to the left hip
    and ``up`` from the spine base to the spine shoulder (unnormalised, ``(..., 3)``).
    :func:`compose` keeps the adapter's pose correction only in frames where it leaves this
    direction within 90 degrees: a body turned round by the correction is a left-right swap
    the extractor did not make (measured on a person walking away, docs/RESULTS.md)."""
    j = np.asarray(joints, np.float64)
    across = (j[..., _SHOULDER_L, :] - j[..., _SHOULDER_R, :]) + (j[..., _HIP_L, :] - j[..., _HIP_R, :])
    up = j[..., _SPINE_SHOULDER, :] - j[..., _SPINE_BASE, :]
    return np.cross(across, up)


def mirror_inputs(features: np.ndarray) -> np.ndarray:
    """Features ``(..., FEATURES)`` of the mirrored scene: X (world, image-plane and root
    ray) negated, left and right landmarks exchanged."""
    f = np.asarray(features)
    idx = np.asarray(MIRROR_LANDMARKS)
    lead = f.shape[:-1]
    w = f[..., :99].reshape(*lead, LANDMARKS, 3)[..., idx, :] * np.array([-1.0, 1.0, 1.0], f.dtype)
    im = f[..., 99:165].reshape(*lead, LANDMARKS, 2)[..., idx, :] * np.array([-1.0, 1.0], f.dtype)
    vis = f[..., 165:198][..., idx]
    root = f[..., 198:201] * np.array([-1.0, 1.0, 1.0], f.dtype)
    return np.concatenate([w.reshape(*lead, -1), im.reshape(*lead, -1), vis, root], -1).astype(f.dtype)


def mirror_joints(joints: np.ndarray) -> np.ndarray:
    """NTU-25 joints ``(..., 25, 3)`` of the mirrored scene: X negated, sides exchanged."""
    j = np.asarray(joints)
    return j[..., NTU_MIRROR, :] * np.array([-1.0, 1.0, 1.0], j.dtype)

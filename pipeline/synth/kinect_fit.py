"""A Kinect v2 body fit that slides joints along the sensor's viewing ray where the depth
image cannot place them: a pose- and view-dependent error of the observed skeleton.

Kinect v2 fits its body model to one depth image per frame. Where a bone points along the
sensor's viewing ray (a forearm reaching towards the camera, a shin seen end-on from a
side camera), its far end is foreshortened in the depth image and the fit cannot tell how
far along the ray the joint sits; it places the joint off by an amount that depends on the
person and on that sensor's view, and that changes as the limb turns. Seen side-on the
same bone is placed well. shared/REFERENCE.md: Kinect v2 joints deviate from motion capture
by roughly 50-100 mm for most joints, and what a sensor sees depends on its view.

Model (:func:`fit_error`): each non-root joint ``j`` with parent ``p`` is moved along the
unit viewing ray ``r_j`` (sensor to joint) by ``fit_mm * FIT_SCALE[j] * a_j * c_j(t)``, with

* ``c_j(t) = (u_j(t) . r_j(t))^2`` in [0, 1], ``u_j`` the unit direction of the bone
  ``p -> j`` in the observed frame: 1 when the bone points along the ray, 0 side-on;
* ``a_j ~ N(0, 1)``, one draw per joint, body and view: how this sensor's fit of this
  person errs (so the three views of one performance err differently, and each view's
  error moves with the pose).

The error is smooth in time wherever the pose is (no jitter of its own), changes bone
lengths as a real fit does, and is zero for a bone seen side-on. Off by default
(``fit_mm = 0`` draws nothing, so every other noise stream is unchanged). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT

_NAMES = LAYOUT.joint_names
#: Error per joint as a multiple of ``fit_mm``: the trunk's joints sit inside a large
#: surface and are placed best, limb ends worst (spine and neck 0.5x, head 0.7x, shoulders
#: and hips 0.8x, elbows and knees 1x, wrists and ankles 1.2x, hands and feet 1.4x, hand
#: tips and thumbs 1.6x; the root 0: it has no bone).
_TRUNK = {"spine_base": 0.0, "spine_mid": 0.5, "neck": 0.5, "head": 0.7, "spine_shoulder": 0.5}
FIT_SCALE = np.array([
    _TRUNK[n] if n in _TRUNK else
    0.8 if n.startswith(("shoulder", "hip")) else
    1.0 if n.startswith(("elbow", "knee")) else
    1.2 if n.startswith(("wrist", "ankle")) else
    1.4 if n.startswith(("hand_left", "hand_right", "foot")) else
    1.6  # hand tips and thumbs
    for n in _NAMES
])
_PARENTS = np.array([max(p, 0) for p in LAYOUT.parents])


def _rays(joints: np.ndarray) -> np.ndarray:
    """``(T, 25, 3)`` unit viewing rays from the sensor (the origin) to each joint."""
    return joints / np.maximum(np.linalg.norm(joints, axis=-1, keepdims=True), 1e-9)


def foreshortening(joints: np.ndarray, rays: np.ndarray | None = None) -> np.ndarray:
    """``(T, 25)`` in [0, 1]: how much each joint's bone (from its parent) points along the
    sensor's viewing ray to the joint, ``(u . r)^2``, for ``joints (T, 25, 3)`` in the camera
    frame (metres, the sensor at the origin); 0 for the root and for zero-length bones.
    ``rays``: the joints' unit viewing rays when the caller has them."""
    bone = joints - joints[:, _PARENTS]
    length = np.linalg.norm(bone, axis=-1, keepdims=True)
    ray = _rays(joints) if rays is None else rays
    cos = np.sum(bone / np.maximum(length, 1e-9) * ray, axis=-1)
    out = np.where(length[..., 0] > 1e-6, cos * cos, 0.0)
    out[:, LAYOUT.root] = 0.0
    return out


def fit_error(joints: np.ndarray, rng: np.random.Generator, fit_mm: float) -> np.ndarray:
    """``(T, 25, 3)`` offsets (metres) of the fit along the viewing ray for one body seen by
    one sensor, ``joints (T, 25, 3)`` in its camera frame: ``fit_mm * FIT_SCALE[j] * a_j *
    c_j(t) * r_j(t)`` (module docstring); one ``a ~ N(0, 1)`` per joint drawn from ``rng``.
    ``fit_mm = 0`` returns zeros without drawing."""
    if fit_mm <= 0:
        return np.zeros_like(joints, dtype=np.float64)
    a = rng.normal(size=len(_NAMES))
    rays = _rays(joints)
    size = foreshortening(joints, rays) * (FIT_SCALE * a * fit_mm / 1000.0)[None, :]
    return size[..., None] * rays


__all__ = ["FIT_SCALE", "fit_error", "foreshortening"]

"""From the 33 BlazePose landmarks to the 25 NTU RGB+D (Kinect v2) joints, and from
MediaPipe's world axes to the Kinect camera axes.

Axes. MediaPipe world landmarks: x towards the image right, y down, z away from the camera
(origin between the hips). Kinect camera frame: X to the sensor's left seen from behind it
(= the image left), Y up, Z into the scene. Hence, up to the root translation
(:mod:`pose_extract.lifting`), ``(X, Y, Z) = (-x, -y, z)`` (:func:`to_kinect_axes`).

Sides. BlazePose's odd landmarks are the subject's left (11 left shoulder, 23 left hip...),
and NTU's joint names are anatomical too (``shoulder_left`` is the subject's left
shoulder), so left maps to left whatever way the subject faces; a subject facing the camera
then has ``shoulder_left`` at the smaller X, as in NTU.

Every NTU joint is an affine combination of landmarks (weights summing to 1), so one
``(25, 33)`` matrix (:func:`ntu_weights`) maps 3D world landmarks, camera-frame landmarks
and 2D pixels alike and commutes with the root translation. With ``H`` the hip midpoint
(23, 24), ``S`` the shoulder midpoint (11, 12), ``E`` the ear midpoint (7, 8), ``W`` a
wrist, ``F`` the midpoint of that hand's pinky and index landmarks (17/19 left, 18/20
right) and ``A`` an ankle:

================  ==========================================  ======================
NTU joint         from BlazePose                              constant (measured)
================  ==========================================  ======================
spine_base        ``H + k (H - S)``                           k = -0.08
spine_mid         ``H + k (S - H)``                           k = 0.57
spine_shoulder    ``S + k (H - S)``                           k = -0.03
neck              ``S + k (E - S)``                           k = 0.40
head              ``S + k (E - S)``                           k = 0.88
shoulder_l/r      ``S + k (shoulder - S)``  (11 / 12)         k = 0.80
elbow_l/r         elbow (13 / 14)                             direct
wrist_l/r         wrist (15 / 16)                             direct
hand_l/r          ``W + k (F - W)``                           k = 0.52
hand_tip_l/r      ``W + k (F - W)``                           k = 1.39
thumb_l/r         ``W + k (thumb - W)``  (21 / 22)            k = 1.96
hip_l/r           ``H + k (hip - H) + m (H - S)``  (23 / 24)  k = 0.83, m = 0.07
knee_l/r          knee (25 / 26)                              direct
ankle_l/r         ankle (27 / 28)                             direct
foot_l/r          ``A + k (foot index - A)``  (31 / 32)       k = 0.89
================  ==========================================  ======================

Where the constants come from. MediaPipe's hips and shoulders are not where a Kinect puts
its joints: on the 12 default renders of ``build/renders12`` (667 detected frames, Anny
bodies, 320x180), against the rendered body's joints at NTU positions
(``ground_truth.npz`` ``body_joints``) with each frame aligned on the unambiguous limb
joints (elbows, wrists, knees, ankles), a least-squares fit of each constant gave: NTU hips
17 % closer together than MediaPipe's (0.83) and lower by 7 % of the hip-to-shoulder
distance (about 3.5 cm); the spine base 8 % of that distance *above* the hip midpoint
(not below it); NTU shoulders 20 % closer together. Against the input skeletons
(``source_joints``) the same fit gives the same values within 0.05. The hand, hand tip,
thumb and foot constants are the mean of the two sides (their per-side fits differ by up
to 1.2 for the thumb: MediaPipe's hand landmarks are noisy at this size); the fit is
weak there. No fixed per-joint offset is added: an offset in the camera frame would be
wrong as soon as the body turns, while the expressions above follow the body. On those
renders the constants lower the root-relative error against ``body_joints`` from 128 to
119 mm (hips from 78 to 23 mm; against ``source_joints`` from 129 to 121 mm), i.e. they fix
the joint definitions; the remaining error is MediaPipe's. They were fitted on the same 12
renders they are evaluated on: a fit on either half of them moves the spine, hip and
shoulder constants by at most 0.02, neck and head by 0.08, the hand, thumb and foot ones by
up to 0.3.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from pipeline.errors import ValidationError
from pipeline.layouts.ntu25 import LAYOUT as NTU25

#: The 33 BlazePose landmark names, index = landmark index (odd = the subject's left).
BLAZEPOSE_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip

#: Left/right BlazePose landmark pairs (left index, right index) for mirroring.
BLAZEPOSE_MIRROR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (i, BLAZEPOSE_NAMES.index(n.replace("left", "right")))
    for i, n in enumerate(BLAZEPOSE_NAMES)
    if "left" in n
)

# The measured constants of the table in the module docstring.
SPINE_BASE_BELOW_HIPS = -0.08
SPINE_MID_UP = 0.57
SPINE_SHOULDER_BELOW_SHOULDERS = -0.03
NECK_TO_EARS = 0.40
HEAD_TO_EARS = 0.88
SHOULDER_WIDTH = 0.80
HAND_TO_FINGERS = 0.52
HAND_TIP_TO_FINGERS = 1.39
THUMB_TO_THUMB = 1.96
HIP_WIDTH = 0.83
HIP_DOWN = 0.07
FOOT_TO_TOES = 0.89

#: Constants recorded in an output's provenance.
CONSTANTS: dict[str, float] = {
    "spine_base_below_hips": SPINE_BASE_BELOW_HIPS,
    "spine_mid_up": SPINE_MID_UP,
    "spine_shoulder_below_shoulders": SPINE_SHOULDER_BELOW_SHOULDERS,
    "neck_to_ears": NECK_TO_EARS,
    "head_to_ears": HEAD_TO_EARS,
    "shoulder_width": SHOULDER_WIDTH,
    "hand_to_fingers": HAND_TO_FINGERS,
    "hand_tip_to_fingers": HAND_TIP_TO_FINGERS,
    "thumb_to_thumb": THUMB_TO_THUMB,
    "hip_width": HIP_WIDTH,
    "hip_down": HIP_DOWN,
    "foot_to_toes": FOOT_TO_TOES,
}

#: Direct correspondences: NTU joint <- BlazePose landmark of the same side.
DIRECT: dict[str, str] = {
    f"{part}_{side}": f"{side}_{part}"
    for part in ("elbow", "wrist", "knee", "ankle")
    for side in ("left", "right")
}


def _bp(name: str) -> np.ndarray:
    """One-hot weight row (33,) of a BlazePose landmark."""
    row = np.zeros(len(BLAZEPOSE_NAMES))
    row[BLAZEPOSE_NAMES.index(name)] = 1.0
    return row


def _mid(a: str, b: str) -> np.ndarray:
    return 0.5 * (_bp(a) + _bp(b))


@cache
def _weights() -> np.ndarray:
    hips, shoulders, ears = _mid("left_hip", "right_hip"), _mid("left_shoulder", "right_shoulder"), \
        _mid("left_ear", "right_ear")
    rows: dict[str, np.ndarray] = {
        "spine_base": hips + SPINE_BASE_BELOW_HIPS * (hips - shoulders),
        "spine_mid": hips + SPINE_MID_UP * (shoulders - hips),
        "spine_shoulder": shoulders + SPINE_SHOULDER_BELOW_SHOULDERS * (hips - shoulders),
        "neck": shoulders + NECK_TO_EARS * (ears - shoulders),
        "head": shoulders + HEAD_TO_EARS * (ears - shoulders),
    }
    for ntu, bp in DIRECT.items():
        rows[ntu] = _bp(bp)
    for side in ("left", "right"):
        wrist = _bp(f"{side}_wrist")
        fingers = _mid(f"{side}_pinky", f"{side}_index")
        ankle = _bp(f"{side}_ankle")
        rows[f"shoulder_{side}"] = shoulders + SHOULDER_WIDTH * (_bp(f"{side}_shoulder") - shoulders)
        rows[f"hand_{side}"] = wrist + HAND_TO_FINGERS * (fingers - wrist)
        rows[f"hand_tip_{side}"] = wrist + HAND_TIP_TO_FINGERS * (fingers - wrist)
        rows[f"thumb_{side}"] = wrist + THUMB_TO_THUMB * (_bp(f"{side}_thumb") - wrist)
        rows[f"hip_{side}"] = hips + HIP_WIDTH * (_bp(f"{side}_hip") - hips) + HIP_DOWN * (hips - shoulders)
        rows[f"foot_{side}"] = ankle + FOOT_TO_TOES * (_bp(f"{side}_foot_index") - ankle)
    w = np.stack([rows[n] for n in NTU25.joint_names])  # 25 x 33
    w.setflags(write=False)
    return w


def ntu_weights() -> np.ndarray:
    """``(25, 33)`` read-only weights: NTU joint ``j`` = ``sum_k W[j, k] landmark_k``;
    rows follow ``pipeline.layouts.ntu25.JOINT_NAMES`` and each sums to 1."""
    return _weights()


def to_ntu25(landmarks: np.ndarray) -> np.ndarray:
    """Map BlazePose landmarks ``(..., 33, D)`` (3D in any frame, or 2D pixels) to NTU-25
    joints ``(..., 25, D)`` in the same frame and units."""
    x = np.asarray(landmarks, dtype=np.float64)
    if x.ndim < 2 or x.shape[-2] != len(BLAZEPOSE_NAMES):
        raise ValidationError(f"expected (..., 33, D) BlazePose landmarks, got shape {x.shape}",
                              field="landmarks")
    return np.einsum("jk,...kd->...jd", _weights(), x)


def to_kinect_axes(world: np.ndarray) -> np.ndarray:
    """MediaPipe world axes (x right, y down, z away) -> Kinect axes (X left, Y up, Z
    away): ``(..., 3) -> (..., 3)``, ``(X, Y, Z) = (-x, -y, z)``."""
    x = np.asarray(world, dtype=np.float64)
    if x.shape[-1:] != (3,):
        raise ValidationError(f"expected (..., 3) points, got shape {x.shape}", field="world")
    return x * np.array([-1.0, -1.0, 1.0])

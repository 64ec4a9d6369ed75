"""Subject anthropometrics and forward kinematics of an NTU-25 (Kinect v2) body.

A :class:`Subject` holds constant segment lengths (metres) drawn around adult Kinect
proportions scaled by stature. :func:`forward_kinematics` maps joint-angle trajectories
(:class:`Pose`, degrees) to ``(T, 25, 3)`` joint positions in the body frame
(x = subject's left, y = up, z = forward, floor at y = 0; see ``kinematics``).

Because every joint is placed as its parent plus a rotated constant offset, bone
lengths are exactly constant within a sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.layouts.ntu25 import JOINT_NAMES
from pipeline.synth.kinematics import MIRROR, apply, direction, rot_x, rot_y, rot_z, swing_from_down

J = {n: i for i, n in enumerate(JOINT_NAMES)}

#: Segment lengths as fractions of stature H (Kinect joint centres, adult proportions).
SEGMENT_FRACTIONS: dict[str, float] = {
    "spine_low": 0.145,  # spine_base -> spine_mid
    "spine_up": 0.135,  # spine_mid -> spine_shoulder
    "neck": 0.040,  # spine_shoulder -> neck
    "head": 0.050,  # neck -> head (centre of the head)
    "shoulder_dx": 0.0775,  # spine_shoulder -> shoulder, lateral
    "shoulder_dy": 0.012,  # spine_shoulder -> shoulder, downwards
    "upper_arm": 0.160,
    "forearm": 0.140,
    "hand": 0.045,  # wrist -> hand
    "hand_tip": 0.045,  # hand -> hand tip
    "thumb": 0.035,  # wrist -> thumb
    "hip_dx": 0.050,  # spine_base -> hip, lateral
    "hip_dy": 0.045,  # spine_base -> hip, downwards
    "thigh": 0.235,
    "shin": 0.235,
    "ankle_height": 0.045,  # ankle above the floor when standing
    "foot": 0.060,  # ankle -> foot (front of the foot)
}

#: Segment groups that share one proportion factor per subject.
SEGMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "trunk": ("spine_low", "spine_up", "neck", "head"),
    "shoulders": ("shoulder_dx", "shoulder_dy"),
    "arms": ("upper_arm", "forearm"),
    "hands": ("hand", "hand_tip", "thumb"),
    "hips": ("hip_dx", "hip_dy"),
    "legs": ("thigh", "shin"),
    "feet": ("ankle_height", "foot"),
}


@dataclass(frozen=True)
class Subject:
    """One synthetic performer.

    Attributes:
        height: stature parameter H in metres (1.5-1.95).
        seg: segment lengths in metres, keys of :data:`SEGMENT_FRACTIONS`.
    """

    height: float
    seg: dict[str, float] = field(hash=False)


def sample_subject(rng: np.random.Generator, height_range: tuple[float, float] = (1.5, 1.95),
                   proportion_sd: float = 0.03) -> Subject:  # fmt: skip
    """Draw a subject: stature ~ N(1.70, 0.09) truncated to ``height_range``, and one
    proportion factor per segment group ~ N(1, ``proportion_sd``) clipped to +-2 sd."""
    lo, hi = height_range
    while True:
        h = rng.normal(1.70, 0.09)
        if lo <= h <= hi:
            break
    seg = {}
    for members in SEGMENT_GROUPS.values():
        f = float(np.clip(rng.normal(1.0, proportion_sd), 1 - 2 * proportion_sd, 1 + 2 * proportion_sd))
        for k in members:
            seg[k] = SEGMENT_FRACTIONS[k] * h * f
    return Subject(height=float(h), seg=seg)


@dataclass
class Pose:
    """Joint-angle trajectories, each ``(T,)`` in degrees (``root_dy`` in metres).

    Trunk: ``trunk_flex`` (forward bend +), ``trunk_lat`` (lean to the left +),
    ``trunk_twist`` (turn left +), ``neck_flex`` (nod forward +), ``neck_twist``.
    Arms (prefix ``l_``/``r_``): ``sh_elev`` (0 hanging .. 180 up), ``sh_azim``
    (0 lateral, 90 forward, >90 across the body), ``sh_twist`` (external rotation +),
    ``elbow`` (flexion), ``wrist`` (flexion). Legs: ``hip_flex`` (thigh forward +),
    ``hip_abd`` (outwards +), ``knee`` (flexion), ``ankle`` (dorsiflexion +; ``None``
    keeps the foot flat: ``knee - hip_flex``). ``root_dy``: extra lift (a jump's flight).
    ``support``: which feet stay planted: ``"both"``, ``"left"`` or ``"right"``, or
    ``"free"``: the root moves by ``root_dx`` / ``root_dz`` (metres, the subject's left /
    forward at frame 0) and the lowest foot point (or, lying, the lowest joint) rests on
    the floor (walking, staggering, falling).

    Optional DOFs (absent: exactly the body of the twelve-class world): ``neck_lat``
    (head roll towards the left shoulder +); per arm ``clav_elev`` (shoulder shrug +),
    ``clav_prot`` (shoulder forwards +), ``forearm_rot`` (supination +: the palm turns
    forwards/up), ``wrist_dev`` (the hand turns towards the midline +), ``grip`` (0 open hand ..
    1 fist: the hand tip curls into the palm, the thumb closes over it); whole body
    ``root_yaw`` (turn left +), ``root_pitch`` (fall forwards +), ``root_roll`` (fall to
    the left +), about the spine base.
    """

    dofs: dict[str, np.ndarray]
    support: str = "both"

    def __getitem__(self, key: str) -> np.ndarray:
        return self.dofs[key]


#: Thumb direction in the hand frame of a left hand: towards the front and the midline.
_THUMB_DIR = np.array([-0.25, -0.55, 0.80]) / np.linalg.norm([-0.25, -0.55, 0.80])
#: Closed-fist directions in the hand frame (left hand): the hand tip curled forwards into
#: the palm, the thumb folded across the fingers.
_TIP_FIST = np.array([0.0, 0.35, 0.94]) / np.linalg.norm([0.0, 0.35, 0.94])
_THUMB_FIST = np.array([-0.75, -0.45, 0.48]) / np.linalg.norm([-0.75, -0.45, 0.48])


def _opt(pose: Pose, key: str) -> np.ndarray | None:
    return pose.dofs.get(key)


def _slerp_dir(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Unit directions ``(T, 3)`` from ``a`` (``w`` = 0) to ``b`` (``w`` = 1) along the great circle."""
    omega = np.arccos(np.clip(a @ b, -1.0, 1.0))
    w = np.clip(w, 0.0, 1.0)[:, None]
    return (np.sin((1 - w) * omega) * a + np.sin(w * omega) * b) / np.sin(omega)


def _arm(pose: Pose, side: str, s: Subject) -> np.ndarray:
    """Left-convention arm chain relative to the shoulder: ``(T, 5, 3)`` for
    elbow, wrist, hand, hand tip, thumb in the trunk frame."""
    p = side + "_"
    u = direction(pose[p + "sh_elev"], pose[p + "sh_azim"])
    r_arm = swing_from_down(u) @ rot_y(pose[p + "sh_twist"])
    r_fore = r_arm @ rot_x(-pose[p + "elbow"])
    rot = _opt(pose, p + "forearm_rot")
    if rot is not None:
        r_fore = r_fore @ rot_y(rot)  # supination turns the thumb (forwards at rest) outwards
    r_hand = r_fore @ rot_x(-pose[p + "wrist"])
    dev = _opt(pose, p + "wrist_dev")
    if dev is not None:
        r_hand = r_hand @ rot_z(-dev)  # towards the midline
    down = np.array([0.0, -1.0, 0.0])
    elbow = apply(r_arm, down * s.seg["upper_arm"])
    wrist = elbow + apply(r_fore, down * s.seg["forearm"])
    hand = wrist + apply(r_hand, down * s.seg["hand"])
    grip = _opt(pose, p + "grip")
    if grip is None:
        tip = hand + apply(r_hand, down * s.seg["hand_tip"])
        thumb = wrist + apply(r_hand, _THUMB_DIR * s.seg["thumb"])
    else:
        tip = hand + apply(r_hand, _slerp_dir(down, _TIP_FIST, grip) * s.seg["hand_tip"])
        thumb = wrist + apply(r_hand, _slerp_dir(_THUMB_DIR, _THUMB_FIST, grip) * s.seg["thumb"])
    return np.stack([elbow, wrist, hand, tip, thumb], 1)


def _leg(pose: Pose, side: str, s: Subject) -> np.ndarray:
    """Left-convention leg chain relative to the hip: ``(T, 3, 3)`` knee, ankle, foot."""
    p = side + "_"
    r_thigh = rot_z(pose[p + "hip_abd"]) @ rot_x(-pose[p + "hip_flex"])
    r_shin = r_thigh @ rot_x(pose[p + "knee"])
    ankle_deg = pose.dofs.get(p + "ankle")
    if ankle_deg is None:
        ankle_deg = pose[p + "knee"] - pose[p + "hip_flex"]
    r_foot = r_shin @ rot_x(-ankle_deg)
    down = np.array([0.0, -1.0, 0.0])
    knee = apply(r_thigh, down * s.seg["thigh"])
    ankle = knee + apply(r_shin, down * s.seg["shin"])
    foot_dir = np.array([0.0, -0.45, 0.89])
    foot = ankle + apply(r_foot, foot_dir / np.linalg.norm(foot_dir) * s.seg["foot"])
    return np.stack([knee, ankle, foot], 1)


def forward_kinematics(pose: Pose, s: Subject) -> np.ndarray:
    """Joint positions ``(T, 25, 3)`` in metres in the body frame, feet on the floor.

    The root (spine base) is placed so that the planted foot (``pose.support``) keeps
    its ankle at standing height and its horizontal position from frame 0, i.e. the
    body moves over planted feet (sitting down moves the pelvis back and down), plus
    ``root_dy`` for flight phases.
    """
    t = len(pose["trunk_flex"])
    out = np.zeros((t, 25, 3))
    half = lambda k: pose[k] * 0.5  # noqa: E731  (the spine bends over two segments)
    seg_rot = rot_y(half("trunk_twist")) @ rot_x(half("trunk_flex")) @ rot_z(-half("trunk_lat"))
    r_low = seg_rot
    r_up = r_low @ seg_rot
    r_neck = r_up @ rot_x(pose["neck_flex"]) @ rot_y(pose["neck_twist"])
    roll = _opt(pose, "neck_lat")
    if roll is not None:
        r_neck = r_neck @ rot_z(-roll)
    up = np.array([0.0, 1.0, 0.0])
    out[:, J["spine_mid"]] = apply(r_low, up * s.seg["spine_low"])
    out[:, J["spine_shoulder"]] = out[:, J["spine_mid"]] + apply(r_up, up * s.seg["spine_up"])
    out[:, J["neck"]] = out[:, J["spine_shoulder"]] + apply(r_neck, up * s.seg["neck"])
    out[:, J["head"]] = out[:, J["neck"]] + apply(r_neck, np.array([0.0, 1.0, 0.12]) * s.seg["head"])
    for side, sign in (("l", 1.0), ("r", -1.0)):
        name = "left" if side == "l" else "right"
        mirror = np.eye(3) if sign > 0 else MIRROR
        sh_off = np.array([sign * s.seg["shoulder_dx"], -s.seg["shoulder_dy"], 0.0])
        elev, prot = _opt(pose, f"{side}_clav_elev"), _opt(pose, f"{side}_clav_prot")
        if elev is not None or prot is not None:  # the clavicle turns about the spine shoulder
            zero = np.zeros(t)
            r_clav = rot_y(-sign * (zero if prot is None else prot)) @ rot_z(sign * (zero if elev is None else elev))
            sh_off = apply(r_clav, sh_off)
        shoulder = out[:, J["spine_shoulder"]] + apply(r_up, sh_off)
        chain = _arm(pose, side, s) @ mirror.T  # (T, 5, 3) in the trunk frame
        out[:, J[f"shoulder_{name}"]] = shoulder
        for k, jn in enumerate(("elbow", "wrist", "hand", "hand_tip", "thumb")):
            out[:, J[f"{jn}_{name}"]] = shoulder + apply(r_up, chain[:, k])
        hip = np.array([sign * s.seg["hip_dx"], -s.seg["hip_dy"], 0.0])
        leg = _leg(pose, side, s) @ mirror.T
        out[:, J[f"hip_{name}"]] = hip
        for k, jn in enumerate(("knee", "ankle", "foot")):
            out[:, J[f"{jn}_{name}"]] = hip + leg[:, k]
    if any(k in pose.dofs for k in ("root_yaw", "root_pitch", "root_roll")):
        zero = np.zeros(t)
        g = lambda k: pose.dofs.get(k, zero)  # noqa: E731
        out = np.einsum("tij,tvj->tvi", rot_y(g("root_yaw")) @ rot_x(g("root_pitch")) @ rot_z(-g("root_roll")), out)
    if pose.support == "free":
        return _place_free(pose, s, out)
    # place the root over the planted feet: the support foot's lowest point (ankle or
    # front of the foot, each against its standing height) stays on the floor
    ankles = out[:, [J["ankle_left"], J["ankle_right"]]]  # (T, 2, 3) relative to the root
    feet = out[:, [J["foot_left"], J["foot_right"]]]
    foot_rest = s.seg["ankle_height"] - 0.45 / np.hypot(0.45, 0.89) * s.seg["foot"]
    contact = np.minimum(ankles[..., 1] - s.seg["ankle_height"], feet[..., 1] - foot_rest)  # (T, 2)
    cols = {"left": [0], "right": [1]}.get(pose.support, [0, 1])
    anchor = ankles[:, cols].mean(1)
    low = contact[:, cols].min(1)
    root = np.zeros((t, 3))
    root[:, 1] = -low + pose.dofs.get("root_dy", np.zeros(t))
    root[:, 0] = anchor[0, 0] - anchor[:, 0]
    root[:, 2] = anchor[0, 2] - anchor[:, 2]
    return out + root[:, None, :]


#: Height above the floor of a joint centre resting on it (a lying body), metres.
_JOINT_CLEARANCE = 0.06


def _place_free(pose: Pose, s: Subject, out: np.ndarray) -> np.ndarray:
    """Root moved by ``root_dx`` / ``root_dz``; vertically, the lowest foot point stands on
    the floor or, when another joint is lower (lying, kneeling), that joint rests on it
    :data:`_JOINT_CLEARANCE` above it (a standing body stands exactly as with support "both")."""
    t = out.shape[0]
    zero = np.zeros(t)
    ankles = out[:, [J["ankle_left"], J["ankle_right"]], 1] - s.seg["ankle_height"]
    foot_rest = s.seg["ankle_height"] - 0.45 / np.hypot(0.45, 0.89) * s.seg["foot"]
    feet = out[:, [J["foot_left"], J["foot_right"]], 1] - foot_rest
    others = np.delete(out[..., 1], [J["ankle_left"], J["ankle_right"], J["foot_left"], J["foot_right"]], axis=1)
    low = np.minimum(np.minimum(ankles, feet).min(1), others.min(1) - _JOINT_CLEARANCE)
    root = np.stack([pose.dofs.get("root_dx", zero), -low + pose.dofs.get("root_dy", zero),
                     pose.dofs.get("root_dz", zero)], -1)
    return out + root[:, None, :]

"""Analytic arm inverse kinematics for motion programs: put a wrist at a point on the body.

Fine-grained NTU classes differ in *where* a hand goes (mouth, forehead, ear, neck, chest,
back, pocket, the other hand), so the NTU-60-like world places wrists at body landmarks
rather than writing shoulder and elbow angles by hand. Targets are given in the upper-trunk
frame of :func:`pipeline.synth.body.forward_kinematics` (origin at the spine shoulder, x the
subject's left, y up along the upper spine, z forward), in units of stature H, for the
*left* arm; a right-arm target is the mirror image (x -> -x), as the arm chains are.

The two-link solution (upper arm, forearm) is exact for the nominal proportions
(:data:`pipeline.synth.body.SEGMENT_FRACTIONS`); a performer's own proportions (+-6 %) move
the wrist by a few millimetres to a couple of centimetres, as different people's reaches
differ. Out-of-reach targets are pulled onto the reachable sphere. The result is clipped to
:data:`pipeline.synth.actions.JOINT_LIMITS` unless ``raw``. Pure numpy, vectorised over
frames. Not bit-exact from call to call: numpy's vectorised arccos / arctan2 process the
first elements before a 64-byte boundary in scalar code, so results depend on where an array
was allocated, by up to about 3e-14 degrees (far below the float32 the sets are stored in).
"""

from __future__ import annotations

import numpy as np

from pipeline.synth.actions import JOINT_LIMITS
from pipeline.synth.body import SEGMENT_FRACTIONS
from pipeline.synth.kinematics import swing_from_down

#: Body landmarks in the upper-trunk frame (origin spine shoulder), fractions of stature,
#: for the left side (mirror x for the right). Head landmarks assume the head upright.
LANDMARKS: dict[str, tuple[float, float, float]] = {
    "mouth": (0.0, 0.062, 0.060),
    "chin": (0.0, 0.045, 0.055),
    "nose": (0.0, 0.080, 0.065),
    "eyes": (0.0, 0.095, 0.060),
    "forehead": (0.0, 0.115, 0.050),
    "head_top": (0.0, 0.140, 0.005),
    "back_of_head": (0.0, 0.095, -0.050),
    "ear": (0.045, 0.090, 0.005),  # the left ear (same side as the arm)
    "temple": (0.040, 0.105, 0.030),
    "neck_front": (0.0, 0.030, 0.035),
    "neck_back": (0.0, 0.030, -0.030),
    "chest": (0.0, -0.060, 0.065),
    "heart": (0.025, -0.070, 0.065),
    "stomach": (0.0, -0.180, 0.075),
    "lower_back": (0.0, -0.200, -0.070),
    "upper_back": (0.0, -0.080, -0.075),
    "opposite_shoulder": (-0.078, -0.012, 0.030),
    "hip_pocket": (0.095, -0.300, 0.010),
    "front_pocket": (0.075, -0.290, 0.050),
    "back_pocket": (0.070, -0.300, -0.060),
    "waist_front": (0.0, -0.250, 0.140),  # in front of the belly (hands at work)
    "chest_front": (0.0, -0.100, 0.220),  # in front of the chest (holding a phone, a book)
    "face_front": (0.0, 0.060, 0.250),  # in front of the face at reading distance
    "overhead": (0.030, 0.330, 0.050),
}


def _lengths() -> tuple[float, float]:
    return SEGMENT_FRACTIONS["upper_arm"], SEGMENT_FRACTIONS["forearm"]


def _shoulder() -> np.ndarray:
    return np.array([SEGMENT_FRACTIONS["shoulder_dx"], -SEGMENT_FRACTIONS["shoulder_dy"], 0.0])


def landmark(name: str, offset: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> np.ndarray:
    """A landmark of :data:`LANDMARKS` plus ``offset`` (fractions of stature), ``(3,)``."""
    return np.asarray(LANDMARKS[name], dtype=np.float64) + np.asarray(offset, dtype=np.float64)


def reach(target: np.ndarray, swivel_deg: np.ndarray | float = 20.0, *, raw: bool = False) -> dict[str, np.ndarray]:
    """Arm angles (degrees) that put the left wrist at ``target`` ``(T, 3)`` or ``(3,)``
    (upper-trunk frame, fractions of stature; mirror x for the right arm).

    ``swivel_deg`` turns the elbow about the shoulder-wrist line: 0 keeps it as low as
    possible, positive moves it outwards (away from the body), negative inwards.

    Returns ``{"sh_elev", "sh_azim", "sh_twist", "elbow"}``, each ``(T,)``.
    """
    p = np.atleast_2d(np.asarray(target, dtype=np.float64)) - _shoulder()
    t = p.shape[0]
    l1, l2 = _lengths()
    dist = np.linalg.norm(p, axis=1)
    dist_c = np.clip(dist, abs(l1 - l2) + 1e-3, l1 + l2 - 1e-4)
    p_hat = p / np.maximum(dist, 1e-9)[:, None]
    cos_inner = (l1 * l1 + l2 * l2 - dist_c ** 2) / (2 * l1 * l2)
    elbow = 180.0 - np.degrees(np.arccos(np.clip(cos_inner, -1.0, 1.0)))
    cos_a = (l1 * l1 + dist_c ** 2 - l2 * l2) / (2 * l1 * dist_c)
    alpha = np.arccos(np.clip(cos_a, -1.0, 1.0))
    # reference for the swivel: "down" made perpendicular to the shoulder-wrist line
    down = np.array([0.0, -1.0, 0.0])
    ref = down - (p_hat @ down)[:, None] * p_hat
    bad = np.linalg.norm(ref, axis=1) < 1e-6
    ref[bad] = np.array([0.0, 0.0, -1.0]) - (p_hat[bad] @ np.array([0.0, 0.0, -1.0]))[:, None] * p_hat[bad]
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    side = np.cross(p_hat, ref)  # with ref "down", this points outwards (+x) for a forward reach
    phi = np.deg2rad(np.broadcast_to(np.asarray(swivel_deg, dtype=np.float64), (t,)))
    u = np.cos(alpha)[:, None] * p_hat + np.sin(alpha)[:, None] * (np.cos(phi)[:, None] * ref +
                                                                   np.sin(phi)[:, None] * side)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    u[:, 1] = np.minimum(u[:, 1], 0.999)  # swing_from_down is undefined for straight up
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    sh_elev = np.degrees(np.arccos(np.clip(-u[:, 1], -1.0, 1.0)))
    sh_azim = np.degrees(np.arctan2(u[:, 2], u[:, 0]))
    # twist: the forearm must bend (local +z after the swing) towards the wrist
    elbow_pos = u * l1
    bend = p_hat * dist_c[:, None] - elbow_pos
    bend -= (np.einsum("ti,ti->t", bend, u))[:, None] * u
    norm = np.linalg.norm(bend, axis=1)
    local = np.einsum("tji,tj->ti", swing_from_down(u), bend / np.maximum(norm, 1e-9)[:, None])
    twist = np.degrees(np.arctan2(local[:, 0], local[:, 2]))
    twist = np.where(norm < 1e-6, 0.0, twist)
    out = {"sh_elev": sh_elev, "sh_azim": sh_azim, "sh_twist": twist, "elbow": elbow}
    return out if raw else {k: np.clip(v, *JOINT_LIMITS[k]) for k, v in out.items()}


#: Elbow swivels (degrees) that give a natural elbow for each landmark: low and in front for
#: the face and the chest, raised to the side for the top and the back of the head, behind
#: for the back. ``set_reach`` uses these when no swivel is given.
DEFAULT_SWIVEL: dict[str, float] = {
    "mouth": 35.0, "chin": 35.0, "nose": 35.0, "eyes": 40.0, "forehead": 45.0, "head_top": 100.0,
    "back_of_head": 140.0, "ear": 80.0, "temple": 60.0, "neck_front": 40.0, "neck_back": 140.0,
    "chest": 45.0, "heart": 40.0, "stomach": 45.0, "lower_back": -40.0, "upper_back": 150.0,
    "opposite_shoulder": 60.0, "hip_pocket": 60.0, "front_pocket": 40.0, "back_pocket": 90.0,
    "waist_front": 30.0, "chest_front": 30.0, "face_front": 30.0, "overhead": 30.0,
}


def _wrap(deg: np.ndarray) -> np.ndarray:
    return (np.asarray(deg) + 180.0) % 360.0 - 180.0


def set_reach(d: dict[str, np.ndarray], side: str, target: np.ndarray, w: np.ndarray,
              swivel_deg: np.ndarray | float | None = None, *, landmark_name: str | None = None) -> None:
    """In place: blend arm ``side`` (``"l"`` / ``"r"``) of the DOF dict ``d`` towards the
    angles that put its wrist at ``target`` ``(3,)`` or ``(T, 3)``, with weight ``w`` ``(T,)``
    in [0, 1]. ``target`` is in the acting arm's own convention (+x is that arm's side: the
    right arm's target is mirrored by the FK), so one target serves either hand. Angles
    blend along the shorter way round (azimuth and twist wrap at +-180 degrees and stay within it). The swivel
    defaults to :data:`DEFAULT_SWIVEL` of ``landmark_name``, else 30 degrees."""
    if swivel_deg is None:
        swivel_deg = DEFAULT_SWIVEL.get(landmark_name or "", 30.0)
    tgt = np.broadcast_to(np.atleast_2d(np.asarray(target, dtype=np.float64)), (len(w), 3))
    angles = reach(tgt, swivel_deg, raw=True)
    for k, v in angles.items():
        key = f"{side}_{k}"
        cur = d[key]
        if k in ("sh_azim", "sh_twist"):  # the shorter way round, kept within +-180
            d[key] = _wrap(cur + w * _wrap(v - cur))
        else:
            d[key] = cur + w * (v - cur)


def reach_landmark(d: dict[str, np.ndarray], side: str, name: str, w: np.ndarray,
                   offset: tuple[float, float, float] = (0.0, 0.0, 0.0),
                   swivel_deg: np.ndarray | float | None = None) -> None:
    """:func:`set_reach` to landmark ``name`` (+ ``offset``, fractions of stature)."""
    set_reach(d, side, landmark(name, offset), w, swivel_deg, landmark_name=name)

"""What every motion program of the NTU-60-like world uses: the class spec, the two-person
interaction record, joint limits with the extra DOFs, and the shape helpers.

A single-person program is ``fn(s, rng, d) -> support`` exactly as in
:mod:`pipeline.synth.actions`: ``s (T,)`` normalised action time (0 before the action, 1
after it; the frames around it hold the idle posture), ``rng`` the sample's generator (every
amplitude, tempo, side and style comes from it), ``d`` the DOF dict of
:func:`pipeline.synth.actions.idle_pose` (degrees; :class:`pipeline.synth.body.Pose` lists
every DOF, the optional ones included) to modify in place; it returns the support
(``"both"``, ``"left"``, ``"right"`` or ``"free"``).

A two-person program is ``fn(s, rng, a, b, subjects=None) -> Interaction``: ``a`` is the
main actor's DOF dict (NTU's first body), ``b`` the partner's, ``subjects`` their two
:class:`~pipeline.synth.body.Subject` (so that contacts fit both statures; None: two nominal
1.70 m bodies); the :class:`Interaction` it returns places the partner relative to the actor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipeline.synth.actions import JOINT_LIMITS, blend, bump, keyframes, osc, ramp, smooth

__all__ = ["ClassSpec", "Interaction", "JOINT_LIMITS_60", "PERIODIC_60", "blend", "bump", "keyframes", "limit_dofs",
           "osc", "ramp", "smooth", "side", "sides"]

#: Joint limits of the NTU-60-like world (degrees; ``grip`` 0-1): the twelve-class limits,
#: the optional DOFs of :class:`pipeline.synth.body.Pose`, and wider shoulder azimuth and
#: twist ranges, since arms placed by :mod:`pipeline.synth.reach` reach behind the head and
#: the back, where this parametrisation's azimuth wraps (it is meaningless for a hanging arm)
#: and the twist compensates. Positions, not these angles, are what the tests check there.
JOINT_LIMITS_60: dict[str, tuple[float, float]] = {
    **JOINT_LIMITS,
    "sh_azim": (-180.0, 180.0),
    "sh_twist": (-160.0, 160.0),
    "neck_lat": (-40.0, 40.0),
    "clav_elev": (-10.0, 30.0),
    "clav_prot": (-20.0, 30.0),
    "forearm_rot": (-90.0, 90.0),
    "wrist_dev": (-30.0, 30.0),
    "grip": (0.0, 1.0),
    "root_yaw": (-180.0, 180.0),
    "root_pitch": (-15.0, 95.0),
    "root_roll": (-95.0, 95.0),
}


def limit_key_60(dof: str) -> str | None:
    """The :data:`JOINT_LIMITS_60` key of a DOF name, or None for translations."""
    key = dof[2:] if dof[:2] in ("l_", "r_") else dof
    return key if key in JOINT_LIMITS_60 else None


#: DOFs that are angles around a full circle (written within [-180, 180) before clipping).
PERIODIC_60 = ("sh_azim", "sh_twist", "root_yaw")


def limit_dofs(d: dict[str, np.ndarray]) -> None:
    """In place: every periodic DOF (:data:`PERIODIC_60`) written within [-180, 180) (the
    same direction), then every DOF with a limit clipped into :data:`JOINT_LIMITS_60`."""
    for key, v in d.items():
        lk = limit_key_60(key)
        if lk is None:
            continue
        if lk in PERIODIC_60:
            v = (v + 180.0) % 360.0 - 180.0
        d[key] = np.clip(v, *JOINT_LIMITS_60[lk])


def side(rng: np.random.Generator, p_right: float = 0.8) -> tuple[str, str]:
    """(acting side, other side) of a one-handed action; most people act with the right."""
    return ("r", "l") if rng.random() < p_right else ("l", "r")


def sides() -> tuple[str, str]:
    return ("l", "r")


@dataclass(frozen=True)
class Interaction:
    """Where the partner of a two-person action is, per frame, in the main actor's body
    frame at frame 0 (x the actor's left, z the actor's forward, metres; yaw degrees about
    +y, 180 = facing the actor).

    Attributes:
        support_a, support_b: supports of the actor and the partner.
        dx, dz, yaw: ``(T,)`` the partner's root position and facing.
    """

    support_a: str
    support_b: str
    dx: np.ndarray
    dz: np.ndarray
    yaw: np.ndarray


@dataclass(frozen=True)
class ClassSpec:
    """One NTU-60 class of the synthetic world.

    Attributes:
        ntu_action: NTU action number A001-A060 (1-based); name: NTU's class name.
        fn: the motion program (module docstring); persons: 1 or 2.
        mean_frames: the class's mean valid length at 30 fps (NTU-like, 55-140).
        group: the fine-grained group it belongs to (docs/SYNTHETIC.md), or "".
        difference: the joints and motion that tell it from its group's other classes.
    """

    ntu_action: int
    name: str
    fn: Callable[..., object]
    mean_frames: int
    persons: int = 1
    group: str = ""
    difference: str = ""


def place_partner(partner: np.ndarray, inter: Interaction) -> np.ndarray:
    """The partner's body-frame joints ``(T, 25, 3)`` (its own frame, floor y = 0) moved into
    the main actor's body frame by ``inter`` (per frame: turned by ``yaw`` about +y, then
    moved to ``(dx, 0, dz)``)."""
    from pipeline.synth.kinematics import rot_y

    r = rot_y(np.asarray(inter.yaw, dtype=np.float64))  # (T, 3, 3)
    out = np.einsum("tij,tvj->tvi", r, partner)
    out[..., 0] += np.asarray(inter.dx)[:, None]
    out[..., 2] += np.asarray(inter.dz)[:, None]
    return out


def blend_programs(d: dict[str, np.ndarray], other: dict[str, np.ndarray], w: float) -> None:
    """In place: ``d``'s joint angles moved ``w`` of the way towards ``other``'s (two
    programs run from one idle posture). Periodic DOFs take the short way round; a DOF one
    program leaves out counts as its neutral value (0; a left-out ankle keeps the foot
    flat, ``knee - hip_flex``)."""
    def value(dofs: dict[str, np.ndarray], key: str) -> np.ndarray:
        if key in dofs:
            return dofs[key]
        if key.endswith("_ankle"):
            side_ = key[:2]
            return dofs[side_ + "knee"] - dofs[side_ + "hip_flex"]
        return np.zeros_like(next(iter(dofs.values())))

    for key in sorted(set(d) | set(other)):
        a, b = value(d, key), value(other, key)
        lk = limit_key_60(key)
        delta = b - a
        if lk in PERIODIC_60:
            delta = (delta + 180.0) % 360.0 - 180.0
        d[key] = a + w * delta
    limit_dofs(d)


def perform(spec: ClassSpec, s: np.ndarray, rng: np.random.Generator, subjects: tuple, *,
            posture: float = 0.0, posture_rng: np.random.Generator | None = None,
            mix: ClassSpec | None = None, mix_weight: float = 0.0,
            mix_rng: np.random.Generator | None = None,
            attitude: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Run ``spec`` over normalised times ``s (T,)`` for ``subjects`` (one
    :class:`~pipeline.synth.body.Subject` per person) and return body-frame joints
    ``(persons, T, 25, 3)`` in the main actor's frame (floor y = 0, actor facing +z).

    ``mix`` (a one-person class) with ``mix_weight`` > 0: the take is performed vaguely,
    its joint angles ``mix_weight`` of the way towards ``mix``'s program run from the same
    idle posture with ``mix_rng`` (:func:`blend_programs`); a neighbour that needs another
    support (sitting against standing) is left out.

    ``posture > 0`` adds :func:`pipeline.synth.posture.postural_adjustment` with that gain to
    every body standing on both feet, its gains drawn from ``posture_rng`` (so ``rng``'s
    stream, hence everything else about the take, is the same with and without it).

    ``attitude`` (:func:`pipeline.synth.attitude.attitude_offsets`, ``(T,)`` per DOF): the
    main actor's whole-body attitude, added after the program and the postural answer.

    Raises:
        ValueError: ``posture > 0`` without ``posture_rng``.
    """
    from pipeline.synth.actions import idle_pose
    from pipeline.synth.attitude import apply_attitude
    from pipeline.synth.body import Pose, forward_kinematics
    from pipeline.synth.posture import postural_adjustment

    if posture > 0.0 and posture_rng is None:
        raise ValueError("perform: posture > 0 needs posture_rng (the stream of the bodies' gains)")
    if mix is not None and mix_weight > 0.0 and (mix_rng is None or mix.persons != 1 or spec.persons != 1):
        raise ValueError("perform: mix needs mix_rng and two one-person classes")

    def adjust(d: dict[str, np.ndarray], support: str, main: bool = True) -> None:
        if posture > 0.0:
            postural_adjustment(d, support, posture_rng, posture)
            limit_dofs(d)
        if main and attitude is not None:
            apply_attitude(d, attitude, support)
            limit_dofs(d)

    t = len(s)
    if spec.persons == 1:
        d = idle_pose(t, rng)
        other = {k: v.copy() for k, v in d.items()} if mix is not None and mix_weight > 0.0 else None
        support = spec.fn(s, rng, d)
        if other is not None and mix.fn(s, mix_rng, other) == support:
            blend_programs(d, other, mix_weight)
        adjust(d, support)
        return forward_kinematics(Pose(dofs=d, support=support), subjects[0])[None]
    a, b = idle_pose(t, rng), idle_pose(t, rng)
    inter = spec.fn(s, rng, a, b, subjects=tuple(subjects))  # contacts depend on both statures
    adjust(a, inter.support_a)
    adjust(b, inter.support_b, main=False)
    ja = forward_kinematics(Pose(dofs=a, support=inter.support_a), subjects[0])
    jb = place_partner(forward_kinematics(Pose(dofs=b, support=inter.support_b), subjects[1]), inter)
    return np.stack([ja, jb])

"""Where each NTU-25 (Kinect v2) joint sits on each body, and which body joints IK drives.

An NTU joint maps to an :class:`Anchor`: a point rigidly attached to one body joint
(``attach``), whose rest position is a combination of the body's rest joints (``lerp``,
weights summing to 1; extrapolation allowed) or of rest-mesh vertices (``region``), so far
one rule:

* ``("centre", bone)``: the centre of the bounding box of the vertices skinned mostly
  (weight >= 0.5) to ``bone``, picked per axis from two extreme vertices.

Vertex ids are chosen once on the rig the map is resolved on; the same ids are used at
other shapes (shape fitting), so the anchors follow the mesh. ``weight`` is the joint's
weight in the IK data term and in the shape fit; weight-0 joints are still posed and
reported (they are part of the render's ground truth) but do not pull the fit.

Kinect joints are not anatomical joint centres. Choices, measured on the rest rigs (Anny
at its neutral phenotype, 1.63 m; numbers are heights z in metres, rest frame) and against
the Kinect-like proportions of ``pipeline.synth.body`` (spine base ~0.045 statures above
the hips, shoulders ~0.0775 statures from the midline, head at the centre of the head):

Anny (104 bones; root/pelvis head at z 0.05, hips ``upperleg01`` at z 0.04, x +-0.10):
  * spine_base: 0.4 root + 0.6 spine04 (z 0.09, ~5 cm above the hip centres), on the root;
  * spine_mid: 0.7 spine02 + 0.3 spine01 (z 0.30, half-way up the trunk), on spine02;
  * spine_shoulder: 0.3 spine01 + 0.7 neck01 (z 0.51, 2-4 cm above the shoulders);
  * neck: the head of neck02 (z 0.59); head: centre of the head region (z 0.70);
  * shoulders: half-way shoulder01 -> upperarm01 (x +-0.13; Anny's glenohumeral heads at
    x +-0.16 are wider than Kinect's shoulder joints, measured 0.085-0.145 m from the
    midline on NTU); elbows lowerarm01, wrists wrist, knees lowerleg01, ankles foot;
  * hand: 0.4 wrist + 0.6 finger3-1 (mid-palm, 6 cm from the wrist); hand tip: the head of
    finger3-3 (the middle finger's last joint, 10 cm beyond the hand); thumb: the head of
    finger1-3 (the thumb's last joint, 10 cm from the wrist); weight 0.25 each: Kinect's
    finger joints are noisy and the hand is rigid here (fingers at rest). Anny's finger
    tips lie 2-3 cm further out; the synthetic generator's hand tip and thumb are
    shorter (8 and 6 cm);
  * foot: 0.3 foot + 0.7 toe3-1 (10 cm in front of the ankle, 3 cm lower).
SMPL-X (55 joints, T-pose; pelvis between the hip joints, spine1 ~11 cm above it):
  * spine_base: 0.6 pelvis + 0.4 spine1 (a few cm above the pelvis joint); spine_mid:
    0.6 spine2 + 0.4 spine3; spine_shoulder: 0.2 spine3 + 0.8 neck; neck: 0.6 neck +
    0.4 head; head: centre of the head region;
  * shoulders: 0.4 collar + 0.6 shoulder; elbows, wrists, hips, knees, ankles: the joints;
  * hand: 0.4 wrist + 0.6 middle1; hand tip / thumb: the middle3 / thumb3 joints (0.25);
  * foot: 0.25 ankle + 0.75 foot (the SMPL-X foot joint is at the ball of the foot).

IK drives the joints in :attr:`BodyMap.priors` (others stay at rest: Anny's fingers, toes,
eyes, twist helpers ``upperarm02``/``upperleg02``/``lowerleg02`` and ``pelvis.L/R``; SMPL-X's
toes, jaw, eyes and fingers). Priors: ``hinge`` joints (knees, elbows) rotate about one
axis, flexing one way (knees backwards, elbows forwards) within [-5, 150] degrees;
``twist`` joints (Anny's ``lowerarm02``, the forearm) rotate about their bone only;
``spine`` joints are bounded balls with a bounded twist about the vertical; ``ball``
joints are bounded balls. Every driven joint has a small prior towards rest, larger for
joints no Kinect joint observes directly (clavicles, shoulder girdle, neck chain).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts.ntu25 import JOINT_NAMES as NTU_JOINTS
from render.bodies.base import BodyRig


@dataclass(frozen=True)
class Anchor:
    """One NTU joint on a body (see the module docstring)."""

    attach: str
    lerp: tuple[tuple[str, float], ...] = ()
    region: tuple[str, str] | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class JointPrior:
    """Limits and rest prior of one IK-driven joint.

    Attributes:
        kind: ``"hinge"``, ``"twist"``, ``"spine"`` or ``"ball"``.
        max_deg: bound on the rotation angle (ball / spine) or the twist (twist).
        rest: weight of the prior towards rest.
        child: for hinge / twist: the NTU joint (anchor) that defines the bone direction.
        flex: for hinge: the direction the child moves when flexing, ``"forward"`` (-Y)
            or ``"backward"`` (+Y), body frame.
    """

    kind: str
    max_deg: float = 120.0
    rest: float = 0.01
    child: str | None = None
    flex: str | None = None


@dataclass(frozen=True)
class BodyMap:
    """The NTU-25 map of one body model.

    Attributes:
        body: body model name.
        anchors: NTU joint name -> :class:`Anchor`, all 25 joints.
        priors: body joint name -> :class:`JointPrior`, the joints IK drives (root first).
        swing_init: ``(body joint, NTU joint, hinge child NTU joint or None)`` in tree order:
            analytic warm start, aiming each joint at its NTU child (and, for a joint above
            a hinge, its hinge axis at the plane of the limb).
    """

    body: str
    anchors: dict[str, Anchor]
    priors: dict[str, JointPrior]
    swing_init: tuple[tuple[str, str, str | None], ...] = field(default=())


def _sides(template: dict[str, object]) -> dict[str, object]:
    """Expand ``{SIDE}``/``{S}``/``{side}`` placeholders in keys and values for both sides."""
    out: dict[str, object] = {}
    for key, value in template.items():
        if "{" not in key:
            out[key] = value
            continue
        for side, s, word in (("left", "L", "left"), ("right", "R", "right")):
            sub = lambda x, side=side, s=s, word=word: x.replace("{side}", side).replace("{S}", s).replace("{word}", word)  # noqa: E731
            if isinstance(value, Anchor):
                v = Anchor(
                    attach=sub(value.attach),
                    lerp=tuple((sub(n), c) for n, c in value.lerp),
                    region=None if value.region is None else (value.region[0], sub(value.region[1])),
                    weight=value.weight,
                )
            elif isinstance(value, JointPrior):
                v = JointPrior(value.kind, value.max_deg, value.rest,
                               None if value.child is None else sub(value.child), value.flex)  # fmt: skip
            else:
                v = value
            out[sub(key)] = v
    return out


_ANNY_ANCHORS = _sides({
    "spine_base": Anchor("root", (("root", 0.4), ("spine04", 0.6))),
    "spine_mid": Anchor("spine02", (("spine02", 0.7), ("spine01", 0.3))),
    "spine_shoulder": Anchor("spine01", (("spine01", 0.3), ("neck01", 0.7))),
    "neck": Anchor("neck02", (("neck02", 1.0),)),
    "head": Anchor("head", region=("centre", "head")),
    "shoulder_{side}": Anchor("shoulder01.{S}", (("shoulder01.{S}", 0.5), ("upperarm01.{S}", 0.5))),
    "elbow_{side}": Anchor("lowerarm01.{S}", (("lowerarm01.{S}", 1.0),)),
    "wrist_{side}": Anchor("wrist.{S}", (("wrist.{S}", 1.0),)),
    "hand_{side}": Anchor("wrist.{S}", (("wrist.{S}", 0.4), ("finger3-1.{S}", 0.6)), weight=0.5),
    "hand_tip_{side}": Anchor("finger3-3.{S}", (("finger3-3.{S}", 1.0),), weight=0.25),
    "thumb_{side}": Anchor("finger1-3.{S}", (("finger1-3.{S}", 1.0),), weight=0.25),
    "hip_{side}": Anchor("upperleg01.{S}", (("upperleg01.{S}", 1.0),)),
    "knee_{side}": Anchor("lowerleg01.{S}", (("lowerleg01.{S}", 1.0),)),
    "ankle_{side}": Anchor("foot.{S}", (("foot.{S}", 1.0),)),
    "foot_{side}": Anchor("foot.{S}", (("foot.{S}", 0.3), ("toe3-1.{S}", 0.7)), weight=0.5),
})  # fmt: skip

_ANNY_PRIORS = _sides({
    "root": JointPrior("ball", 180.0, 0.0),
    "spine05": JointPrior("spine", 30.0, 0.02),
    "spine04": JointPrior("spine", 30.0, 0.02),
    "spine03": JointPrior("spine", 30.0, 0.02),
    "spine02": JointPrior("spine", 30.0, 0.02),
    "spine01": JointPrior("spine", 30.0, 0.02),
    "neck01": JointPrior("ball", 40.0, 0.05),
    "neck02": JointPrior("ball", 40.0, 0.05),
    "neck03": JointPrior("ball", 40.0, 0.05),
    "head": JointPrior("ball", 50.0, 0.05),
    "clavicle.{S}": JointPrior("ball", 25.0, 0.2),
    "shoulder01.{S}": JointPrior("ball", 25.0, 0.2),
    "upperarm01.{S}": JointPrior("ball", 180.0, 0.002),
    "lowerarm01.{S}": JointPrior("hinge", rest=0.002, child="wrist_{side}", flex="forward"),
    "lowerarm02.{S}": JointPrior("twist", 90.0, 0.01, child="wrist_{side}"),
    "wrist.{S}": JointPrior("ball", 80.0, 0.02),
    "upperleg01.{S}": JointPrior("ball", 130.0, 0.002),
    "lowerleg01.{S}": JointPrior("hinge", rest=0.002, child="ankle_{side}", flex="backward"),
    "foot.{S}": JointPrior("ball", 50.0, 0.02),
})  # fmt: skip

_ANNY_SWING = tuple(
    item
    for s, side in (("L", "left"), ("R", "right"))
    for item in (
        (f"upperarm01.{s}", f"elbow_{side}", f"wrist_{side}"),
        (f"lowerarm01.{s}", f"wrist_{side}", None),
        (f"wrist.{s}", f"hand_{side}", None),
        (f"upperleg01.{s}", f"knee_{side}", f"ankle_{side}"),
        (f"lowerleg01.{s}", f"ankle_{side}", None),
        (f"foot.{s}", f"foot_{side}", None),
    )
)

_SMPLX_ANCHORS = _sides({
    "spine_base": Anchor("pelvis", (("pelvis", 0.6), ("spine1", 0.4))),
    "spine_mid": Anchor("spine2", (("spine2", 0.6), ("spine3", 0.4))),
    "spine_shoulder": Anchor("spine3", (("spine3", 0.2), ("neck", 0.8))),
    "neck": Anchor("neck", (("neck", 0.6), ("head", 0.4))),
    "head": Anchor("head", region=("centre", "head")),
    "shoulder_{side}": Anchor("{word}_collar", (("{word}_collar", 0.4), ("{word}_shoulder", 0.6))),
    "elbow_{side}": Anchor("{word}_elbow", (("{word}_elbow", 1.0),)),
    "wrist_{side}": Anchor("{word}_wrist", (("{word}_wrist", 1.0),)),
    "hand_{side}": Anchor("{word}_wrist", (("{word}_wrist", 0.4), ("{word}_middle1", 0.6)), weight=0.5),
    "hand_tip_{side}": Anchor("{word}_middle3", (("{word}_middle3", 1.0),), weight=0.25),
    "thumb_{side}": Anchor("{word}_thumb3", (("{word}_thumb3", 1.0),), weight=0.25),
    "hip_{side}": Anchor("{word}_hip", (("{word}_hip", 1.0),)),
    "knee_{side}": Anchor("{word}_knee", (("{word}_knee", 1.0),)),
    "ankle_{side}": Anchor("{word}_ankle", (("{word}_ankle", 1.0),)),
    "foot_{side}": Anchor("{word}_ankle", (("{word}_ankle", 0.25), ("{word}_foot", 0.75)), weight=0.5),
})  # fmt: skip

_SMPLX_PRIORS = _sides({
    "pelvis": JointPrior("ball", 180.0, 0.0),
    "spine1": JointPrior("spine", 40.0, 0.02),
    "spine2": JointPrior("spine", 40.0, 0.02),
    "spine3": JointPrior("spine", 40.0, 0.02),
    "neck": JointPrior("ball", 50.0, 0.05),
    "head": JointPrior("ball", 50.0, 0.05),
    "{word}_collar": JointPrior("ball", 25.0, 0.2),
    "{word}_shoulder": JointPrior("ball", 180.0, 0.002),
    "{word}_elbow": JointPrior("hinge", rest=0.002, child="wrist_{side}", flex="forward"),
    "{word}_wrist": JointPrior("ball", 90.0, 0.02),
    "{word}_hip": JointPrior("ball", 130.0, 0.002),
    "{word}_knee": JointPrior("hinge", rest=0.002, child="ankle_{side}", flex="backward"),
    "{word}_ankle": JointPrior("ball", 50.0, 0.02),
})  # fmt: skip

_SMPLX_SWING = tuple(
    item
    for side in ("left", "right")
    for item in (
        (f"{side}_shoulder", f"elbow_{side}", f"wrist_{side}"),
        (f"{side}_elbow", f"wrist_{side}", None),
        (f"{side}_wrist", f"hand_{side}", None),
        (f"{side}_hip", f"knee_{side}", f"ankle_{side}"),
        (f"{side}_knee", f"ankle_{side}", None),
        (f"{side}_ankle", f"foot_{side}", None),
    )
)

#: The maps, by body model name.
BODY_MAPS: dict[str, BodyMap] = {
    "anny": BodyMap("anny", _ANNY_ANCHORS, _ANNY_PRIORS, _ANNY_SWING),  # type: ignore[arg-type]
    "smplx": BodyMap("smplx", _SMPLX_ANCHORS, _SMPLX_PRIORS, _SMPLX_SWING),  # type: ignore[arg-type]
}

#: Layouts the maps cover.
SUPPORTED_LAYOUTS: tuple[str, ...] = ("ntu25",)

#: NTU joints per reporting group.
JOINT_GROUPS: dict[str, tuple[str, ...]] = {
    "trunk_head": ("spine_base", "spine_mid", "spine_shoulder", "neck", "head"),
    "arms": ("shoulder_left", "elbow_left", "wrist_left", "shoulder_right", "elbow_right", "wrist_right"),
    "hands": ("hand_left", "hand_tip_left", "thumb_left", "hand_right", "hand_tip_right", "thumb_right"),
    "legs": ("hip_left", "knee_left", "ankle_left", "hip_right", "knee_right", "ankle_right"),
    "feet": ("foot_left", "foot_right"),
}  # fmt: skip


def body_map(body: str, layout: str = "ntu25") -> BodyMap:
    """The map for ``body`` and skeleton ``layout``; :class:`UnknownFormatError` listing the
    supported names otherwise."""
    if layout not in SUPPORTED_LAYOUTS:
        raise UnknownFormatError(
            f"the retarget map does not cover layout {layout!r}; supported: {', '.join(SUPPORTED_LAYOUTS)}",
            field="layout",
        )
    if body not in BODY_MAPS:
        raise UnknownFormatError(f"no retarget map for body {body!r}; valid: {', '.join(BODY_MAPS)}", field="body")
    return BODY_MAPS[body]


@dataclass(frozen=True)
class ResolvedMap:
    """A :class:`BodyMap` bound to a rig's joint indices and vertex ids (torch, float64).

    Attributes:
        attach: ``(25,)`` long, the body joint carrying each NTU joint.
        joint_coef: ``(25, J)`` rest-joint coefficients of each anchor.
        vertex_ids: ``(K,)`` long, rest-mesh vertices used by region anchors.
        vertex_coef: ``(25, K, 3)`` per-axis vertex coefficients.
        weights: ``(25,)`` data-term weights.
        driven: ``(Ja,)`` long, the joints IK drives (root first).
        priors: one :class:`JointPrior` per driven joint.
    """

    body_map: BodyMap
    attach: torch.Tensor
    joint_coef: torch.Tensor
    vertex_ids: torch.Tensor
    vertex_coef: torch.Tensor
    weights: torch.Tensor
    driven: torch.Tensor
    priors: tuple[JointPrior, ...]

    def rest_points(self, rest_joints: torch.Tensor, vertices: torch.Tensor) -> torch.Tensor:
        """``(25, 3)`` anchors at rest from rest joints ``(J, 3)`` and the selected rest
        vertices ``(K, 3)`` (``vertices[k]`` for ``vertex_ids[k]``)."""
        return self.joint_coef @ rest_joints + (self.vertex_coef * vertices[None]).sum(1)

    def rest_points_of(self, rig: BodyRig) -> torch.Tensor:
        """``(25, 3)`` anchors of ``rig`` at rest."""
        joints = torch.from_numpy(np.asarray(rig.rest_joints, dtype=np.float64))
        verts = torch.from_numpy(np.asarray(rig.vertices, dtype=np.float64))[self.vertex_ids]
        return self.rest_points(joints, verts)


def _region_vertices(rig: BodyRig, bone: int) -> np.ndarray:
    ids = np.flatnonzero(np.asarray(rig.weights)[:, bone] >= 0.5)
    if len(ids) == 0:
        ids = np.array([int(np.argmax(np.asarray(rig.weights)[:, bone]))])
    return ids


def resolve(bmap: BodyMap, rig: BodyRig) -> ResolvedMap:
    """Bind ``bmap`` to ``rig`` (joint names -> indices, region rules -> vertex ids).

    Raises:
        ValidationError: the rig lacks a joint the map names.
    """
    if rig.model != bmap.body:
        raise ValidationError(f"map for {bmap.body!r} applied to a {rig.model!r} rig", field="body")

    def idx(name: str) -> int:
        try:
            return rig.joint_index(name)
        except KeyError:
            raise ValidationError(f"{rig.model} rig has no joint {name!r} named by the NTU map", field="joint_map") from None

    nj = rig.num_joints
    verts = np.asarray(rig.vertices, dtype=np.float64)
    attach = np.zeros(len(NTU_JOINTS), dtype=np.int64)
    joint_coef = np.zeros((len(NTU_JOINTS), nj))
    vertex_rows: list[dict[int, np.ndarray]] = []
    weights = np.zeros(len(NTU_JOINTS))
    for k, name in enumerate(NTU_JOINTS):
        if name not in bmap.anchors:
            raise ValidationError(f"the {bmap.body} map does not place NTU joint {name!r}", field="joint_map")
        a = bmap.anchors[name]
        attach[k] = idx(a.attach)
        weights[k] = a.weight
        rows: dict[int, np.ndarray] = {}
        for jn, c in a.lerp:
            joint_coef[k, idx(jn)] += c
        if a.region is not None:
            rule, bone_name = a.region
            bone = idx(bone_name)
            ids = _region_vertices(rig, bone)
            pts = verts[ids]
            if rule == "centre":
                for axis in range(3):
                    for vid in (ids[np.argmin(pts[:, axis])], ids[np.argmax(pts[:, axis])]):
                        rows.setdefault(int(vid), np.zeros(3))[axis] += 0.5
            else:
                raise ValidationError(f"unknown anchor region rule {rule!r}", field="joint_map")
        vertex_rows.append(rows)
    vertex_ids = sorted({v for rows in vertex_rows for v in rows})
    pos = {v: i for i, v in enumerate(vertex_ids)}
    vertex_coef = np.zeros((len(NTU_JOINTS), len(vertex_ids), 3))
    for k, rows in enumerate(vertex_rows):
        for v, c in rows.items():
            vertex_coef[k, pos[v]] = c
    driven_names = list(bmap.priors)
    driven = np.array([idx(n) for n in driven_names], dtype=np.int64)
    if driven[0] != 0:
        raise ValidationError("the first driven joint must be the root", field="joint_map")
    return ResolvedMap(
        body_map=bmap,
        attach=torch.from_numpy(attach),
        joint_coef=torch.from_numpy(joint_coef),
        vertex_ids=torch.as_tensor(vertex_ids, dtype=torch.long),
        vertex_coef=torch.from_numpy(vertex_coef),
        weights=torch.from_numpy(weights),
        driven=torch.from_numpy(driven),
        priors=tuple(bmap.priors[n] for n in driven_names),
    )

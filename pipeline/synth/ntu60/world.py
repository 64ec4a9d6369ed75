"""The NTU-60-like synthetic world: generation of a set (``ciasa data synth --world ntu60``).

A *take* is one performance: (action A, performer P, set-up S, replication R). Its motion
is generated once, in the body frame, by the class's program
(:mod:`pipeline.synth.ntu60.classes`) for its performer(s); the performer faces camera C002
in R001 and C003 in R002 (:mod:`pipeline.synth.recording`); the three Kinect sensors of the
set-up record it at once, each through its own Kinect-like observation
(:mod:`pipeline.synth.kinect_noise`). So the three samples ``SsssC001..C003PpppRrrrAaaa`` are
one motion seen from -45, 0 and +45 degrees, and ``--split xview`` / ``xsub`` mean what they
mean on NTU (cameras 2 and 3 train; NTU's 20 training performers train).

Sizes: ``takes_per_class`` (performer, set-up) pairs per class, each performed twice and
seen three times: ``6 * takes_per_class`` samples per class. Performers cycle so that every
performer appears equally often in every class; set-ups are drawn. Valid lengths follow each
class's NTU-like mean (``ClassSpec.mean_frames``) with a log-normal spread; frames after a
sample's length are zero; data ``(N, 3, frames, 25, 2)`` (the second body is zero for the 49
single-person classes, as in NTU's own files).

Sample ``i`` depends only on ``(seed, i)``: its take from ``(seed, class, take, replication)``
and its observation from ``(seed, i)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipeline.skeleton_set import SkeletonSet
from pipeline.synth.body import SEGMENT_FRACTIONS, SEGMENT_GROUPS, Subject
from pipeline.synth.kinect_noise import observe_kinect
from pipeline.synth.recording import (NTU_SETUPS, body_to_world, facing_yaw, keep_in_range, pair_across_view,
                                      setup_cameras, world_to_camera)

log = logging.getLogger(__name__)

GENERATOR_NAME = "ciasa.synth.ntu60"
GENERATOR_VERSION = "2"
#: Bodies per sample (NTU's files and the official pipelines keep two).
BODIES = 2
#: Random streams.
_PERFORMER, _TAKE, _OBSERVE, _PARTNER, _POSTURE, _MIX, _ATTITUDE = 1, 2, 3, 4, 5, 6, 7


class NTU60Config(BaseModel):
    """Every setting of the NTU-60-like world, with its one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(0, description="master seed; sample i depends only on (seed, i)")
    takes_per_class: int = Field(20, ge=1, le=200, description="(performer, set-up) takes per class; each gives 6 samples (2 replications x 3 views)")
    frames: int = Field(200, ge=64, le=300, description="padded length T (frames at 30 fps); NTU pipelines pad to 300")
    length_spread: float = Field(0.18, ge=0.0, le=0.5, description="log-normal spread of a sample's length around its class mean")
    performers: int = Field(40, ge=2, le=40, description="number of performers (P001-P040; NTU has 40)")
    noise: bool = Field(True, description="apply the Kinect-like observation step")
    jitter_mm: float = Field(4.0, ge=0.0, description="trunk joint jitter, millimetres (limb ends up to 5x)")
    drift: float = Field(0.03, ge=0.0, le=0.2, description="slow limb-length drift amplitude, fraction of the bone")
    glitch_rate: float = Field(0.3, ge=0.0, le=1.0, description="probability of inferred-joint glitches per body")
    hidden_mm: float = Field(30.0, ge=0.0, le=200.0, description="noise of a hand the sensor cannot see (near the head or trunk, or behind the body), millimetres")
    left_handed: float = Field(0.1, ge=0.0, le=1.0, description="share of left-handed performers (their takes are mirrored left-right)")
    bias_mm: float = Field(15.0, ge=0.0, le=100.0, description="static per-joint fit offset of the sensor's body model, millimetres on the trunk (limb ends up to 3x); one draw per body and view")
    facing_jitter_deg: float = Field(10.0, ge=0.0, le=45.0, description="facing direction around the faced camera, +- degrees")
    posture: float = Field(0.0, ge=0.0, le=3.0, description="gain of the legs' postural answer to the arms (pipeline/synth/posture.py; 0: legs stand still unless the action moves them, 1: the nominal 1-3 cm pelvis shifts)")
    time_warp: float = Field(0.5, ge=0.0, lt=1.0, description="per-sample time warp of the action, x + k x (1 - x) with |k| <= this")
    mix: float = Field(0.0, ge=0.0, le=0.5, description="how vaguely performers act inside a fine-grained group: a one-person take carries w ~ U(0, mix) of a neighbour class's motion (joint angles blended; 0: every take is its class's program alone)")
    occlusion_mm: float = Field(0.0, ge=0.0, le=200.0, description="error of a joint hidden behind another part of the body from this camera (lag + slow wander), millimetres; 0: off")
    fit_mm: float = Field(0.0, ge=0.0, le=200.0, description="view-dependent fit error (pipeline/synth/kinect_fit.py): where a bone points along a sensor's viewing ray its end slides along the ray by up to this many millimetres x a per-joint scale, a person- and view-specific amount that moves with the pose; 0: off")
    pair_across: bool = Field(False, description="two-person takes: the pair faces each other across the middle camera's view, centred on the spot (True), instead of the partner standing between the actor and the camera (False, version 2: a 3-4 m walk then puts the partner behind the sensor; 4.7 % of two-person samples come nearer than 0.5 m to a sensor)")
    keep_in_range: bool = Field(False, description="step a take's sensors back where a joint would come nearer than 0.5 m to one of them (False, version 2: a fall towards a 2 m sensor or a long walk can reach it)")
    attitude_deg: float = Field(0.0, ge=0.0, le=10.0, description="whole-body attitude of the main actor (pipeline/synth/attitude.py): joint-angle offsets of the class, the performer and the take, each this many degrees (x a per-DOF scale); 0: off")


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def sample_performer(rng: np.random.Generator) -> Subject:
    """A performer from teenagers to tall adults: stature 1.40-1.95 m (adults ~ N(1.70,
    0.09)); the shorter ones with a teenager's proportions (a relatively larger head and
    trunk, shorter legs); one proportion factor per segment group ~ N(1, 0.04)."""
    teen = rng.random() < 0.2
    while True:
        h = rng.normal(1.55, 0.08) if teen else rng.normal(1.70, 0.09)
        if 1.40 <= h <= 1.95:
            break
    youth = float(np.clip((1.65 - h) / 0.25, 0.0, 1.0)) if teen else 0.0
    adjust = {"head": 1 + 0.12 * youth, "neck": 1 + 0.05 * youth, "spine_low": 1 + 0.03 * youth,
              "spine_up": 1 + 0.03 * youth, "thigh": 1 - 0.03 * youth, "shin": 1 - 0.03 * youth}
    seg = {}
    for members in SEGMENT_GROUPS.values():
        f = float(np.clip(rng.normal(1.0, 0.04), 0.92, 1.08))
        for k in members:
            seg[k] = SEGMENT_FRACTIONS[k] * h * f * adjust.get(k, 1.0)
    return Subject(height=float(h), seg=seg)


def performers(cfg: NTU60Config) -> dict[int, Subject]:
    return {p: sample_performer(_rng(cfg.seed, _PERFORMER, p)) for p in range(1, cfg.performers + 1)}


def left_handed(cfg: NTU60Config) -> set[int]:
    """The left-handed performers: each with probability ``cfg.left_handed``, from its own
    stream (so the share does not change anyone's body)."""
    return {p for p in range(1, cfg.performers + 1) if _rng(cfg.seed, _PERFORMER, 3000 + p).random() < cfg.left_handed}


def _mirror_index() -> np.ndarray:
    from pipeline.layouts.ntu25 import LAYOUT

    names = LAYOUT.joint_names
    swap = {"left": "right", "right": "left"}
    out = []
    for n in names:
        head, _, tail = n.rpartition("_")
        out.append(names.index(f"{head}_{swap[tail]}") if tail in swap else names.index(n))
    return np.array(out)


#: Joint index of each joint's mirror image (left <-> right; the midline maps to itself).
MIRROR = _mirror_index()


def mirror_left_right(joints: np.ndarray) -> np.ndarray:
    """``(..., 25, 3)`` body-frame joints (x to the actor's left) mirrored in the sagittal
    plane: x negated and left and right joints exchanged (a left-handed performance of a
    right-handed motion; two bodies mirrored together stay a valid interaction)."""
    out = np.array(joints[..., MIRROR, :], dtype=np.float64, copy=True)
    out[..., 0] *= -1.0
    return out


def sample_count(cfg: NTU60Config, num_classes: int) -> int:
    return num_classes * cfg.takes_per_class * 6


def decode_index(i: int, cfg: NTU60Config) -> tuple[int, int, int, int]:
    """Sample ``i`` -> (class index, take k, replication 1-2, camera 1-3)."""
    camera = i % 3 + 1
    replication = (i // 3) % 2 + 1
    take = (i // 6) % cfg.takes_per_class
    cls = i // (6 * cfg.takes_per_class)
    return cls, take, replication, camera


def take_slot(cfg: NTU60Config, cls: int, take: int) -> tuple[int, int]:
    """(performer, set-up) of take ``take`` of class ``cls``: performers in a per-class
    shuffled cycle (each performer equally often in every class), set-ups in turn from a
    per-class offset. Two takes of one class never share both (40 and 17 are coprime)."""
    order = _rng(cfg.seed, _PERFORMER, 1000 + cls).permutation(cfg.performers)
    offset = int(_rng(cfg.seed, _PERFORMER, 2000 + cls).integers(len(NTU_SETUPS)))
    return int(order[take % cfg.performers]) + 1, (offset + take) % len(NTU_SETUPS) + 1


#: Idle share of a sample before and after its action (uniform ranges).
IDLE_START, IDLE_END = (0.03, 0.20), (0.02, 0.15)


def _action_time(length: int, rng: np.random.Generator, warp: float) -> np.ndarray:
    """Normalised action time over ``length`` frames: idle for :data:`IDLE_START` of the
    frames at the start and :data:`IDLE_END` at the end; in between, time warped by
    ``x + k x (1 - x)`` with ``k`` uniform in [-warp, warp] (monotone for warp < 1: one
    performer hurries through the first half of an action and lingers in the second,
    another the other way round)."""
    s0 = rng.uniform(*IDLE_START) * length
    s1 = length - rng.uniform(*IDLE_END) * length
    x = np.clip((np.arange(length) - s0) / (s1 - s0), 0.0, 1.0)
    k = rng.uniform(-warp, warp)
    return np.clip(x + k * x * (1.0 - x), 0.0, 1.0)


def perform_take(cfg: NTU60Config, spec, cls: int, take: int, replication: int,
                 subjects: dict[int, Subject]) -> tuple[np.ndarray, dict]:  # noqa: ANN001 - ClassSpec
    """The world-frame joints ``(persons, L, 25, 3)`` of one take and its description."""
    from pipeline.synth.ntu60.base import perform

    rng = _rng(cfg.seed, _TAKE, cls, take, replication)
    performer, setup = take_slot(cfg, cls, take)
    # the set-up, the tempo and the camera rig of a take are shared by both replications
    shared = _rng(cfg.seed, _TAKE, cls, take)
    mean = spec.mean_frames * float(np.exp(shared.normal(0.0, 0.10)))  # the performer's tempo
    length = int(np.clip(round(mean * np.exp(rng.normal(0.0, cfg.length_spread))), 0.6 * spec.mean_frames,
                         min(1.6 * spec.mean_frames, cfg.frames)))
    people = [subjects[performer]]
    partner = None
    if spec.persons == 2:
        others = [p for p in subjects if p != performer]
        partner = int(_rng(cfg.seed, _PARTNER, cls, take).choice(others))
        people.append(subjects[partner])
    neighbour, weight = mix_partner(cfg, cls, take, replication)
    s = _action_time(length, rng, cfg.time_warp)
    joints = perform(spec, s, rng, tuple(people), posture=cfg.posture,
                     posture_rng=_rng(cfg.seed, _POSTURE, cls, take, replication),
                     mix=neighbour, mix_weight=weight,
                     mix_rng=_rng(cfg.seed, _MIX, cls, take, replication, 1),
                     attitude=take_attitude(cfg, cls, take, performer, s))  # (persons, L, 25, 3)
    lefty = performer in left_handed(cfg)
    if lefty:
        joints = mirror_left_right(joints)
    jitter = rng.uniform(-cfg.facing_jitter_deg, cfg.facing_jitter_deg)
    yaw = facing_yaw(replication) + jitter
    offset = (float(rng.uniform(-0.25, 0.25)), float(rng.uniform(-0.25, 0.25)))
    if spec.persons == 2 and cfg.pair_across:
        joints, yaw = pair_across_view(joints, jitter, replication)
    world = body_to_world(joints, yaw, offset)
    dist_jitter, height_jitter = float(shared.uniform(-0.15, 0.15)), float(shared.uniform(-0.05, 0.05))
    if cfg.keep_in_range:
        dist_jitter = keep_in_range(world, setup, dist_jitter, height_jitter)
    return world, {"performer": performer, "partner": partner or 0, "setup": setup, "length": length,
                   "left_handed": int(lefty), "mix_class": -1 if neighbour is None else neighbour.ntu_action - 1,  # label = A - 1
                   "mix_weight": weight,
                   "yaw": float(yaw), "distance_jitter": dist_jitter, "height_jitter": height_jitter}


def take_attitude(cfg: NTU60Config, cls: int, take: int, performer: int, s: np.ndarray) -> dict[str, np.ndarray] | None:
    """The main actor's whole-body attitude over action time ``s`` (``(T,)`` offsets per
    DOF, degrees; :mod:`pipeline.synth.attitude`), or None when ``cfg.attitude_deg`` is 0:
    the class's component (one draw per class, its gain per take), the performer's, and the
    take's (both replications share the last two). Own streams: 0 leaves every take as it was."""
    from pipeline.synth.attitude import CLASS_GAIN, attitude_offsets, draw_attitude

    if cfg.attitude_deg <= 0.0:
        return None
    sigma = cfg.attitude_deg
    take_rng = _rng(cfg.seed, _ATTITUDE, 2, cls, take)
    gain = float(take_rng.uniform(*CLASS_GAIN))
    return attitude_offsets(s, [(draw_attitude(_rng(cfg.seed, _ATTITUDE, 0, cls), sigma), gain),
                                (draw_attitude(_rng(cfg.seed, _ATTITUDE, 1, performer), sigma), 1.0),
                                (draw_attitude(take_rng, sigma), 1.0)])


def mix_partner(cfg: NTU60Config, cls: int, take: int, replication: int):  # noqa: ANN201 - (ClassSpec | None, float)
    """The neighbour class whose motion a take carries, and how much of it (``cfg.mix``):
    for a one-person class of a fine-grained group, another class of the same group drawn
    uniformly, with weight ``w ~ U(0, cfg.mix)``; (None, 0.0) otherwise. Its own stream, so
    ``mix = 0`` leaves every take exactly as before."""
    from pipeline.synth.ntu60.classes import CLASSES, FINE_GRAINED_GROUPS

    spec = CLASSES[cls]
    if cfg.mix <= 0.0 or spec.persons != 1 or spec.group not in FINE_GRAINED_GROUPS:
        return None, 0.0
    others = [c for c in CLASSES if c.group == spec.group and c.persons == 1 and c is not spec]
    rng = _rng(cfg.seed, _MIX, cls, take, replication)
    return others[int(rng.integers(len(others)))], float(rng.uniform(0.0, cfg.mix))


def split_indices(cfg: NTU60Config, benchmark: str, part: str) -> list[int]:
    """The sample indices of ``<benchmark>_<part>`` (``xview``/``xsub``, ``train``/``val``),
    decided from the sample names alone (nothing is generated): X-view trains on cameras 2
    and 3, X-sub on NTU's 20 training performers."""
    from pipeline.formats.ntu_names import XSUB_TRAIN_PERFORMERS
    from pipeline.synth.ntu60.classes import CLASSES

    if benchmark not in ("xview", "xsub") or part not in ("train", "val"):
        raise ValueError(f"no split {benchmark}_{part}: benchmarks xview, xsub; parts train, val")
    out = []
    for i in range(sample_count(cfg, len(CLASSES))):
        cls, take, _, camera = decode_index(i, cfg)
        train = camera != 1 if benchmark == "xview" else take_slot(cfg, cls, take)[0] in XSUB_TRAIN_PERFORMERS
        if train == (part == "train"):
            out.append(i)
    return out


def generate_ntu60(cfg: NTU60Config | None = None, progress: Callable[[int], None] | None = None,
                   indices: list[int] | None = None) -> SkeletonSet:
    """Generate the set described by ``cfg`` (all samples, or ``indices`` of them).

    Returns a SkeletonSet: ``data (N, 3, frames, 25, 2)`` float32 metres in each sample's
    Kinect camera frame, labels 0..59 in NTU action order (``class_names`` are NTU's),
    ``xsub``/``xview`` splits from the NTU names, per-sample meta (performer, partner,
    set-up, camera, replication, facing yaw, length, glitches).
    """
    from pipeline.formats.ntu_names import make_splits
    from pipeline.synth.ntu60.classes import CLASSES

    cfg = cfg or NTU60Config()
    n_all = sample_count(cfg, len(CLASSES))
    idx = list(range(n_all)) if indices is None else [int(i) for i in indices]
    subjects = performers(cfg)
    data = np.zeros((len(idx), 3, cfg.frames, 25, BODIES), dtype=np.float32)
    label = np.zeros(len(idx), dtype=np.int64)
    num_frames = np.zeros(len(idx), dtype=np.int64)
    meta = {k: np.zeros(len(idx), dtype=np.int64) for k in ("performer", "partner", "setup", "camera", "replication",
                                                             "glitches", "persons", "left_handed", "mix_class")}
    meta["yaw"] = np.zeros(len(idx))
    meta["mix_weight"] = np.zeros(len(idx))
    names = []
    cache: dict[tuple[int, int, int], tuple[np.ndarray, dict]] = {}
    for row, i in enumerate(idx):
        cls, take, rep, cam_no = decode_index(i, cfg)
        spec = CLASSES[cls]
        key = (cls, take, rep)
        if key not in cache:
            cache.clear()  # the three views of a take are consecutive samples
            cache[key] = perform_take(cfg, spec, cls, take, rep, subjects)
        world, info = cache[key]
        cam = setup_cameras(info["setup"], distance_jitter=info["distance_jitter"],
                            height_jitter=info["height_jitter"])[cam_no - 1]
        obs_rng = _rng(cfg.seed, _OBSERVE, i)
        glitches = 0
        for b in range(world.shape[0]):
            xyz = world_to_camera(world[b], cam)
            if cfg.noise:
                xyz, g = observe_kinect(xyz, obs_rng, jitter_mm=cfg.jitter_mm, drift=cfg.drift,
                                        glitch_rate=cfg.glitch_rate, bias_mm=cfg.bias_mm,
                                        hidden_mm=cfg.hidden_mm, occlusion_mm=cfg.occlusion_mm, fit_mm=cfg.fit_mm)
                glitches += g
            data[row, :, : info["length"], :, b] = xyz.transpose(2, 0, 1)
        label[row], num_frames[row] = cls, info["length"]
        names.append(f"S{info['setup']:03d}C{cam_no:03d}P{info['performer']:03d}R{rep:03d}A{spec.ntu_action:03d}")
        for k, v in (("performer", info["performer"]), ("partner", info["partner"]), ("setup", info["setup"]),
                     ("camera", cam_no), ("replication", rep), ("glitches", glitches), ("persons", spec.persons),
                     ("left_handed", info["left_handed"]), ("mix_class", info["mix_class"])):
            meta[k][row] = v
        meta["yaw"][row] = info["yaw"]
        meta["mix_weight"][row] = info["mix_weight"]
        if progress is not None:
            progress(1)
    return SkeletonSet(
        data=data, label=label, name=np.array(names), num_frames=num_frames, layout="ntu25", fps=30.0,
        coordinate_frame="kinect_camera", class_names=[c.name for c in CLASSES],
        provenance={"generator": GENERATOR_NAME, "generator_version": GENERATOR_VERSION,
                    "config": cfg.model_dump(mode="json"), "ntu_action_numbers": [c.ntu_action for c in CLASSES],
                    "meta_units": {"yaw": "deg (0 faces camera C001)"}},
        splits=make_splits(names, ("xsub", "xview")),
        sample_meta=meta,
    ).validate()


def write_ntu60(sset: SkeletonSet, out) -> list:  # noqa: ANN001 - str | Path
    """Write the set's NTU benchmarks as ``<out>/<xview|xsub>/<train|val>.npz`` (+ ``.json``)
    and the st-gcn files (``<part>_data.npy``, ``<part>_label.pkl``) beside them; all files
    appear together or none does."""
    from pathlib import Path

    from pipeline.formats import write_set
    from pipeline.io_utils import atomic_outputs

    out = Path(out)
    written = []
    with atomic_outputs():
        for bench in ("xview", "xsub"):
            for part in ("train", "val"):
                names = set(sset.splits.get(f"{bench}_{part}", []))
                sub = sset.subset([i for i, n in enumerate(sset.name) if n in names])
                sub.provenance = {**sset.provenance, "benchmark": bench, "split": part}
                written += write_set("npz", sub, out / bench, part=part)
                written += write_set("stgcn", sub, out / bench, part=part)
    log.info("wrote %d files to %s", len(written), out)
    return written

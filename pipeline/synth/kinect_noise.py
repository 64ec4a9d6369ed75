"""Kinect v2-like observation of clean joints, for the NTU-60-like world.

What a Kinect v2 skeleton does that clean kinematics does not (shared/REFERENCE.md: Kinect
joints deviate from motion capture by roughly 50-100 mm; hand tips and thumbs are the least
reliable joints; occluded joints are "inferred" from their neighbours):

* **per-joint jitter** with a standard deviation that grows from the trunk to the limb ends
  (:data:`JITTER_SCALE` times ``jitter_mm``: spine 1x, shoulders and hips 1.2x, elbows and
  knees 1.6x, wrists and ankles 2x, hands and feet 2.5x, hand tips and thumbs 5x), and
  correlated over time (first-order autoregressive, :data:`JITTER_AR`), as the sensor's
  per-frame body fit wobbles rather than flickers;
* **bone-length fluctuation**: independent joint jitter already makes every bone's length
  change from frame to frame (about 1.4x the jitter of its joints); on top, each limb
  segment gets a slow length drift of a few per cent (``drift``), as Kinect's fit
  stretches and shrinks a forearm or shin while the limb turns. Real NTU bone lengths are
  not constant; CIASA's SSR restores each bone to its length *in the observed frame*, so it
  keeps this fluctuation and removes only what the attack added;
* **self-occlusion** (``occlusion_mm``, off by default): a joint that the sensor sees only
  through another part of the body (behind the trunk, the head or a limb, as seen from
  *this* camera: :func:`occlusion_weight`) is inferred: it lags behind its true motion and
  wanders off it by a slow error of ``occlusion_mm``. This is what makes one performance
  look different from each Kinect: in NTU's side views the far arm and the far leg are
  inferred for most of a sequence;
* **a view-dependent fit** (``fit_mm``, off by default; :mod:`pipeline.synth.kinect_fit`):
  where a bone points along the sensor's viewing ray, its end slides along the ray by a
  person- and view-specific amount that moves with the pose;
* **inferred-joint glitches**: with probability ``glitch_rate`` per body, one to three
  events of 3-12 frames in which a distal chain (a hand with its tip and thumb, or a foot
  with its ankle) is "inferred": it freezes at the position it had, then snaps back, or
  jumps 5-20 cm towards the body; in between, hand tips and thumbs flip towards the wrist.

Applied only to valid frames; padding and absent bodies stay exactly zero. Pure numpy.
"""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.kinect_fit import fit_error

_NAMES = LAYOUT.joint_names
#: Jitter standard deviation per joint as a multiple of ``jitter_mm``.
JITTER_SCALE = np.array([
    {"spine_base": 1.0, "spine_mid": 1.0, "neck": 1.0, "head": 1.2, "spine_shoulder": 1.0}.get(n) or
    (1.2 if n.startswith(("shoulder", "hip")) else
     1.6 if n.startswith(("elbow", "knee")) else
     2.0 if n.startswith(("wrist", "ankle")) else
     2.5 if n.startswith(("hand_left", "hand_right", "foot")) else
     5.0 if n.startswith(("hand_tip", "thumb")) else 1.0)
    for n in _NAMES
])
#: Autoregressive coefficient of the jitter (frame to frame), 0 = white.
JITTER_AR = 0.6
#: Static fit offset per joint as a multiple of ``bias_mm``: where the sensor's body model
#: puts a joint for this person, clothing and view, held for the whole sequence (the trunk
#: 1x, shoulders and hips 1.2x, elbows and knees 1.5x, wrists and ankles 1.8x, hands and feet
#: 2x, hand tips and thumbs 3x).
BIAS_SCALE = np.array([
    {"spine_base": 1.0, "spine_mid": 1.0, "neck": 1.0, "head": 1.2, "spine_shoulder": 1.0}.get(n) or
    (1.2 if n.startswith(("shoulder", "hip")) else
     1.5 if n.startswith(("elbow", "knee")) else
     1.8 if n.startswith(("wrist", "ankle")) else
     2.0 if n.startswith(("hand_left", "hand_right", "foot")) else
     3.0 if n.startswith(("hand_tip", "thumb")) else 1.0)
    for n in _NAMES
])
def _descendants(joint: int) -> list[int]:
    out, todo = [], [joint]
    parents = LAYOUT.parents
    while todo:
        j = todo.pop()
        out.append(j)
        todo += [c for c, p in enumerate(parents) if p == j]
    return out


#: Segments whose length drifts slowly: (child joint, parent joint) names.
_DRIFT_BONES = tuple((c, p) for c, p in (
    ("elbow_left", "shoulder_left"), ("wrist_left", "elbow_left"), ("hand_left", "wrist_left"),
    ("elbow_right", "shoulder_right"), ("wrist_right", "elbow_right"), ("hand_right", "wrist_right"),
    ("knee_left", "hip_left"), ("ankle_left", "knee_left"), ("knee_right", "hip_right"),
    ("ankle_right", "knee_right"),
))
#: The same as indices, with the joints that move with each child: (child, parent, moved).
_DRIFT = tuple((LAYOUT.index(c), LAYOUT.index(p), _descendants(LAYOUT.index(c))) for c, p in _DRIFT_BONES)
_CHAINS = (
    ("wrist_left", "hand_left", "hand_tip_left", "thumb_left"),
    ("wrist_right", "hand_right", "hand_tip_right", "thumb_right"),
    ("ankle_left", "foot_left"),
    ("ankle_right", "foot_right"),
)


def _ar_noise(rng: np.random.Generator, shape: tuple[int, ...], ar: float) -> np.ndarray:
    """Unit-variance AR(1) noise along axis 0."""
    e = rng.normal(size=shape)
    out = np.empty(shape)
    out[0] = e[0]
    k = np.sqrt(1.0 - ar * ar)
    for t in range(1, shape[0]):
        out[t] = ar * out[t - 1] + k * e[t]
    return out


def observe_kinect(joints: np.ndarray, rng: np.random.Generator, *, jitter_mm: float = 4.0,
                   drift: float = 0.03, glitch_rate: float = 0.3, bias_mm: float = 0.0,
                   hidden_mm: float = 0.0, occlusion_mm: float = 0.0,
                   fit_mm: float = 0.0) -> tuple[np.ndarray, int]:
    """Observe one body's valid frames ``joints (T, 25, 3)`` (metres, the Kinect camera
    frame: z away from the sensor) as a Kinect v2 would; returns the observed joints and
    the number of glitch events. ``bias_mm``: standard deviation of the static per-joint
    fit offset (times :data:`BIAS_SCALE`), drawn once per call, i.e. once per body and view.
    ``hidden_mm``: noise of a hand the sensor cannot see (:func:`hidden_hand_noise`).
    ``occlusion_mm``: error of a joint hidden behind another part of the body
    (:func:`occluded_joint_error`); ``fit_mm``: the fit's slide along the viewing ray where
    a bone points at the sensor (:func:`pipeline.synth.kinect_fit.fit_error`); each 0 draws
    nothing, so the other streams are unchanged."""
    t = joints.shape[0]
    out = np.array(joints, dtype=np.float64, copy=True)
    index = LAYOUT.index
    if bias_mm > 0:
        out += rng.normal(size=(1, len(_NAMES), 3)) * (BIAS_SCALE[None, :, None] * bias_mm / 1000.0)
    # slow length drift of limb segments: the child and everything below it move along the bone
    if drift > 0 and t > 1:
        for c, p, moved in _DRIFT:
            phase, cycles = rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 1.5)
            scale = drift * rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * cycles * np.arange(t) / max(t, 30) + phase)
            shift = (out[:, c] - out[:, p]) * scale[:, None]
            out[:, moved] += shift[:, None, :]
    events = 0
    if t > 8 and rng.random() < glitch_rate:
        events = int(rng.integers(1, 4))
        for _ in range(events):
            chain = [index(n) for n in _CHAINS[int(rng.integers(len(_CHAINS)))]]
            length = int(rng.integers(3, min(13, t - 1)))
            start = int(rng.integers(0, t - length))
            span = slice(start, start + length)
            kind = rng.random()
            if kind < 0.4:  # frozen: the inferred chain stays where it was
                out[span, chain] = out[start, chain]
            elif kind < 0.8:  # pulled towards the body
                towards = out[span, index("spine_mid")][:, None, :] - out[span, chain]
                pull = rng.uniform(0.05, 0.20) / np.maximum(np.linalg.norm(towards, axis=-1, keepdims=True), 1e-6)
                out[span, chain] += towards * np.minimum(pull, 1.0)
            else:  # a hand's tip and thumb fold onto the wrist (hands only; feet: frozen)
                if len(chain) == 4:
                    out[span, chain[2:]] = 0.5 * (out[span, chain[2:]] + out[span, chain[:1]])
                else:
                    out[span, chain] = out[start, chain]
    if hidden_mm > 0 and t > 1:
        out += hidden_hand_noise(joints, rng, hidden_mm)
    if occlusion_mm > 0 and t > 1:
        out += occluded_joint_error(joints, rng, occlusion_mm)
    if fit_mm > 0:
        out += fit_error(joints, rng, fit_mm)
    if jitter_mm > 0:
        noise = _ar_noise(rng, (t, len(_NAMES), 3), JITTER_AR)
        out += noise * (JITTER_SCALE[None, :, None] * jitter_mm / 1000.0)
    return out, events


def hidden_weight(joints: np.ndarray, hand: str) -> np.ndarray:
    """``(T,)`` in [0, 1]: how hidden the ``hand`` ("left"/"right") of ``joints (T, 25, 3)``
    (camera frame, z away from the sensor) is from the sensor: 1 when the hand is within
    5 cm of the head or the upper trunk (the two surfaces merge in the depth image) or
    more than 10 cm behind the trunk's depth inside its silhouette; fading to 0 at 15 cm /
    at the trunk's depth. Kinect then *infers* the hand from its neighbours."""
    idx = LAYOUT.index
    h = joints[:, idx(f"hand_{hand}")]
    near = np.full(len(joints), np.inf)
    for part in ("head", "neck", "spine_shoulder", "spine_mid"):
        near = np.minimum(near, np.linalg.norm(h - joints[:, idx(part)], axis=-1))
    w_near = np.clip((0.15 - near) / 0.10, 0.0, 1.0)
    trunk = joints[:, [idx("spine_shoulder"), idx("spine_mid"), idx("spine_base")]]
    half_width = 0.5 * np.linalg.norm(joints[:, idx("shoulder_left")] - joints[:, idx("shoulder_right")], axis=-1)
    inside = (np.abs(h[:, 0] - trunk[:, :, 0].mean(1)) < half_width) & \
             (h[:, 1] < trunk[:, 0, 1] + 0.05) & (h[:, 1] > trunk[:, 2, 1] - 0.05)
    behind = np.clip((h[:, 2] - trunk[:, :, 2].mean(1)) / 0.10, 0.0, 1.0) * inside
    return np.maximum(w_near, behind)


def hidden_hand_noise(joints: np.ndarray, rng: np.random.Generator, hidden_mm: float) -> np.ndarray:
    """``(T, 25, 3)`` offsets for inferred hands: slow AR noise (coefficient 0.9) of
    standard deviation ``hidden_mm`` on the hand, 1.5x on the tip and thumb and 0.5x on the
    wrist, weighted per frame by :func:`hidden_weight`."""
    t = len(joints)
    out = np.zeros((t, len(_NAMES), 3))
    for hand in ("left", "right"):
        w = hidden_weight(joints, hand)
        if not w.any():
            continue
        noise = _ar_noise(rng, (t, 4, 3), 0.9) * (hidden_mm / 1000.0)
        for k, (name, scale) in enumerate(((f"wrist_{hand}", 0.5), (f"hand_{hand}", 1.0),
                                           (f"hand_tip_{hand}", 1.5), (f"thumb_{hand}", 1.5))):
            out[:, LAYOUT.index(name)] = noise[:, k] * scale * w[:, None]
    return out


#: Radius (metres) of each bone, named by its child joint, as an occluder: the trunk is a
#: thick capsule, the limbs thinner ones, fingers and toes do not hide anything.
_RADIUS_BY_CHILD = {
    "spine_mid": 0.15, "spine_shoulder": 0.15, "neck": 0.06, "head": 0.10,
    "shoulder_left": 0.07, "shoulder_right": 0.07, "hip_left": 0.10, "hip_right": 0.10,
    "elbow_left": 0.05, "elbow_right": 0.05, "wrist_left": 0.04, "wrist_right": 0.04,
    "knee_left": 0.075, "knee_right": 0.075, "ankle_left": 0.055, "ankle_right": 0.055,
}


def _occluder_bones() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parents = LAYOUT.parents
    kids = [j for j, n in enumerate(_NAMES) if n in _RADIUS_BY_CHILD]
    return (np.array(kids), np.array([parents[j] for j in kids]),
            np.array([_RADIUS_BY_CHILD[_NAMES[j]] for j in kids]))


_OCC_CHILD, _OCC_PARENT, _OCC_RADIUS = _occluder_bones()


def _graph_hops() -> np.ndarray:
    """``(25, 25)`` number of bones between two joints of the tree (numpy only: the
    recognisers' ``pipeline.models.graph.hop_distance`` would pull torch into the
    generator)."""
    n = len(_NAMES)
    hops = np.full((n, n), n, dtype=int)
    for j, p in enumerate(LAYOUT.parents):
        if p >= 0:
            hops[j, p] = hops[p, j] = 1
    np.fill_diagonal(hops, 0)
    for k in range(n):  # Floyd-Warshall on 25 joints
        hops = np.minimum(hops, hops[:, k:k + 1] + hops[k:k + 1, :])
    return hops


#: ``(25, B)``: whether occluder bone b may hide joint j (bones within two joints of j
#: cannot: a joint is never hidden by its own limb's neighbouring segments).
_HOPS = _graph_hops()
_MAY_HIDE = np.minimum(_HOPS[:, _OCC_CHILD], _HOPS[:, _OCC_PARENT]) > 2


def occlusion_weight(joints: np.ndarray) -> np.ndarray:
    """``(T, 25)`` in [0, 1]: how hidden each joint of ``joints (T, 25, 3)`` (one body, the
    Kinect camera frame: z away from the sensor, metres) is behind another part of the
    same body as seen from the sensor.

    Each bone of :data:`_RADIUS_BY_CHILD` is a capsule of that radius. A joint is behind a
    bone where, on the image plane (perspective), it lies within the capsule's radius of
    the bone (measured in metres at the bone's depth) and it is more than 2 cm deeper than
    the bone's axis there; the weight fades linearly over the outer half of the radius and
    over 2-7 cm of depth. Bones within two joints of a joint never hide it.
    """
    xyz = np.asarray(joints, dtype=np.float64)
    z = np.maximum(xyz[..., 2:3], 0.3)
    uv = xyz[..., :2] / z  # (T, 25, 2) image-plane coordinates (metres per metre of depth)
    a_uv, b_uv = uv[:, _OCC_PARENT], uv[:, _OCC_CHILD]  # (T, B, 2)
    a_z, b_z = z[:, _OCC_PARENT, 0], z[:, _OCC_CHILD, 0]  # (T, B)
    ab = b_uv - a_uv
    rel = uv[:, :, None, :] - a_uv[:, None]  # (T, 25, B, 2)
    tau = np.clip((rel * ab[:, None]).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12)[:, None], 0.0, 1.0)
    closest = a_uv[:, None] + tau[..., None] * ab[:, None]
    depth = a_z[:, None] + tau * (b_z - a_z)[:, None]  # the bone's axis depth there (T, 25, B)
    dist = np.linalg.norm(uv[:, :, None, :] - closest, axis=-1) * depth  # metres at the bone
    r = _OCC_RADIUS[None, None, :]
    w_in = np.clip((r - dist) / (0.5 * r), 0.0, 1.0)
    w_behind = np.clip((z[..., 0][:, :, None] - depth - 0.02) / 0.05, 0.0, 1.0)
    return (w_in * w_behind * _MAY_HIDE[None]).max(-1)


def occluded_joint_error(joints: np.ndarray, rng: np.random.Generator, occlusion_mm: float) -> np.ndarray:
    """``(T, 25, 3)`` offsets for joints hidden behind the body (:func:`occlusion_weight`):
    Kinect infers such a joint from the visible ones, so its estimate lags (it follows the
    joint's exponentially smoothed path, time constant about 4 frames) and carries a slow
    error (AR coefficient 0.95) of standard deviation ``occlusion_mm``, both in proportion to
    the weight of the frame."""
    t = len(joints)
    w = occlusion_weight(joints)[..., None]  # (T, 25, 1)
    lagged = np.array(joints, dtype=np.float64, copy=True)
    for k in range(1, t):
        lagged[k] = 0.75 * lagged[k - 1] + 0.25 * joints[k]
    noise = _ar_noise(rng, (t, len(_NAMES), 3), 0.95) * (occlusion_mm / 1000.0)
    return w * ((lagged - joints) + noise)

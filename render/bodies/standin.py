"""An SMPL-X-format stand-in model file, so that tests exercise the SMPL-X path without the
licensed SMPL-X files (which are never committed or downloaded).

:func:`write_smplx_standin` writes ``<dir>/smplx/SMPLX_<GENDER>.npz`` with the keys and
shapes of an SMPL-X v1.1 file (REFERENCE.md) that ``smplx==0.1.28`` loads: a *capsule body*
in SMPL-X's native frame (metres, Y up, facing +Z, left at +X, T-pose, about 1.8 m): one
sphere per joint and one tube per bone of SMPL-X's 55-joint tree, 10,960 vertices (the
package's built-in extra-joint vertex ids reach 9929). Everything is procedural and seeded:

* ``J_regressor`` averages each joint's sphere, so the regressed joints are the sphere
  centres for every shape;
* ``weights``: a joint sphere is shared by the joint and its parent, a tube follows the
  joint at its root end and blends into its parent / child joints over its first / last
  quarter (rows sum to 1);
* ``shapedirs`` (20 components: 10 shape, 10 expression): stature, girth, leg length, arm
  length, shoulder width, torso length, hip width, belly, arm and thigh girth; expression
  components are zero;
* ``posedirs`` (486 components): small seeded values on 2.5 % of the vertices (so that a
  test can see that pose correctives exist and are dropped), zero elsewhere;
* hand PCA: identity components, zero means; landmarks: 51 face centroids.

The file also holds ``ciasa_standin = True`` so that a reader can tell it from a real model.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

#: SMPL-X joint names (first 55 of ``smplx.joint_names.JOINT_NAMES``), in order.
SMPLX_JOINTS: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "jaw", "left_eye_smplhf", "right_eye_smplhf",
    "left_index1", "left_index2", "left_index3", "left_middle1", "left_middle2", "left_middle3",
    "left_pinky1", "left_pinky2", "left_pinky3", "left_ring1", "left_ring2", "left_ring3",
    "left_thumb1", "left_thumb2", "left_thumb3",
    "right_index1", "right_index2", "right_index3", "right_middle1", "right_middle2",
    "right_middle3", "right_pinky1", "right_pinky2", "right_pinky3", "right_ring1",
    "right_ring2", "right_ring3", "right_thumb1", "right_thumb2", "right_thumb3",
)  # fmt: skip

_PARENT_NAMES: dict[str, str | None] = {
    "pelvis": None, "left_hip": "pelvis", "right_hip": "pelvis", "spine1": "pelvis",
    "left_knee": "left_hip", "right_knee": "right_hip", "spine2": "spine1",
    "left_ankle": "left_knee", "right_ankle": "right_knee", "spine3": "spine2",
    "left_foot": "left_ankle", "right_foot": "right_ankle", "neck": "spine3",
    "left_collar": "spine3", "right_collar": "spine3", "head": "neck",
    "left_shoulder": "left_collar", "right_shoulder": "right_collar",
    "left_elbow": "left_shoulder", "right_elbow": "right_shoulder",
    "left_wrist": "left_elbow", "right_wrist": "right_elbow", "jaw": "head",
    "left_eye_smplhf": "head", "right_eye_smplhf": "head",
}  # fmt: skip
for _side in ("left", "right"):
    for _finger in ("index", "middle", "pinky", "ring", "thumb"):
        _PARENT_NAMES[f"{_side}_{_finger}1"] = f"{_side}_wrist"
        _PARENT_NAMES[f"{_side}_{_finger}2"] = f"{_side}_{_finger}1"
        _PARENT_NAMES[f"{_side}_{_finger}3"] = f"{_side}_{_finger}2"

#: Parent index of every joint (-1 for the pelvis), SMPL-X's kinematic tree.
SMPLX_PARENTS: tuple[int, ...] = tuple(
    -1 if _PARENT_NAMES[n] is None else SMPLX_JOINTS.index(_PARENT_NAMES[n]) for n in SMPLX_JOINTS
)

# Left-side and midline joint positions, metres, SMPL-X frame (Y up, facing +Z), T-pose.
_LEFT_AND_MID: dict[str, tuple[float, float, float]] = {
    "pelvis": (0.0, -0.350, 0.010), "left_hip": (0.060, -0.440, 0.000),
    "spine1": (0.0, -0.240, -0.010), "left_knee": (0.105, -0.820, 0.005),
    "spine2": (0.0, -0.110, 0.010), "left_ankle": (0.090, -1.220, -0.040),
    "spine3": (0.0, -0.055, 0.015), "left_foot": (0.120, -1.280, 0.090),
    "neck": (0.0, 0.160, -0.020), "left_collar": (0.075, 0.075, -0.005),
    "head": (0.0, 0.250, 0.010), "left_shoulder": (0.170, 0.100, -0.015),
    "left_elbow": (0.430, 0.085, -0.030), "left_wrist": (0.680, 0.090, -0.025),
    "jaw": (0.0, 0.230, 0.030), "left_eye_smplhf": (0.032, 0.300, 0.085),
    "left_index1": (0.775, 0.085, 0.025), "left_index2": (0.810, 0.085, 0.025),
    "left_index3": (0.835, 0.085, 0.025), "left_middle1": (0.780, 0.087, 0.002),
    "left_middle2": (0.818, 0.087, 0.002), "left_middle3": (0.845, 0.087, 0.002),
    "left_pinky1": (0.760, 0.085, -0.045), "left_pinky2": (0.785, 0.085, -0.045),
    "left_pinky3": (0.805, 0.085, -0.045), "left_ring1": (0.770, 0.086, -0.022),
    "left_ring2": (0.805, 0.086, -0.022), "left_ring3": (0.830, 0.086, -0.022),
    "left_thumb1": (0.710, 0.075, 0.035), "left_thumb2": (0.735, 0.070, 0.055),
    "left_thumb3": (0.760, 0.068, 0.070),
}  # fmt: skip


def standin_joints() -> np.ndarray:
    """``(55, 3)`` rest joint positions of the stand-in (SMPL-X frame, metres)."""
    out = np.zeros((len(SMPLX_JOINTS), 3))
    for i, name in enumerate(SMPLX_JOINTS):
        if name.startswith("right_"):
            x, y, z = _LEFT_AND_MID["left_" + name[len("right_"):]]
            out[i] = (-x, y, z)
        else:
            out[i] = _LEFT_AND_MID[name]
    return out


def _radius(name: str) -> float:
    """Tube / sphere radius (metres) of the body part led by joint ``name``."""
    if any(f in name for f in ("index", "middle", "pinky", "ring", "thumb")):
        return 0.009
    if "eye" in name:
        return 0.012
    table = {
        "pelvis": 0.13, "spine1": 0.12, "spine2": 0.125, "spine3": 0.13, "neck": 0.055,
        "head": 0.095, "jaw": 0.03, "collar": 0.06, "shoulder": 0.05, "elbow": 0.04,
        "wrist": 0.03, "hip": 0.085, "knee": 0.06, "ankle": 0.045, "foot": 0.035,
    }  # fmt: skip
    for key, r in table.items():
        if name == key or name.endswith("_" + key):
            return r
    return 0.04


def _frame(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors orthogonal to direction ``d`` (and to each other)."""
    d = d / np.linalg.norm(d)
    helper = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(d, helper)
    u /= np.linalg.norm(u)
    return u, np.cross(d, u)


def _sphere(centre: np.ndarray, radius: float, n_lat: int = 8, n_lon: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """UV sphere: ``n_lat`` rings of ``n_lon`` vertices plus two poles; symmetric, so its
    vertex mean is ``centre``. Returns vertices ``(n, 3)`` and triangles ``(f, 3)``."""
    lat = np.pi * (np.arange(1, n_lat + 1) / (n_lat + 1))
    lon = 2 * np.pi * np.arange(n_lon) / n_lon
    ring = np.stack(
        [np.sin(lat)[:, None] * np.cos(lon)[None], np.cos(lat)[:, None] * np.ones_like(lon)[None],
         np.sin(lat)[:, None] * np.sin(lon)[None]], -1,
    ).reshape(-1, 3)  # fmt: skip
    verts = np.concatenate([ring, [[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]]]) * radius + centre
    faces = []
    top, bottom = n_lat * n_lon, n_lat * n_lon + 1
    for i in range(n_lat - 1):
        for j in range(n_lon):
            a, b = i * n_lon + j, i * n_lon + (j + 1) % n_lon
            c, d = a + n_lon, b + n_lon
            faces += [(a, c, b), (b, c, d)]
    for j in range(n_lon):
        faces.append((top, (j + 1) % n_lon, j))
        k = (n_lat - 1) * n_lon
        faces.append((bottom, k + j, k + (j + 1) % n_lon))
    return verts, np.array(faces, dtype=np.int64)


def _tube(a: np.ndarray, b: np.ndarray, ra: float, rb: float, n_along: int = 8, n_around: int = 12):
    """Open tube from ``a`` to ``b``; returns vertices, triangles and each vertex's
    parameter ``s`` in [0, 1] along the tube."""
    u, v = _frame(b - a)
    s = np.linspace(0.0, 1.0, n_along)
    ang = 2 * np.pi * np.arange(n_around) / n_around
    r = ra + (rb - ra) * s
    centre = a[None] + s[:, None] * (b - a)[None]
    offs = np.cos(ang)[:, None] * u[None] + np.sin(ang)[:, None] * v[None]  # around x 3
    verts = (centre[:, None] + r[:, None, None] * offs[None]).reshape(-1, 3)
    faces = []
    for i in range(n_along - 1):
        for j in range(n_around):
            p, q = i * n_around + j, i * n_around + (j + 1) % n_around
            faces += [(p, q, p + n_around), (q, q + n_around, p + n_around)]
    return verts, np.array(faces, dtype=np.int64), np.repeat(s, n_around)


def build_standin(seed: int = 0) -> dict[str, np.ndarray]:
    """All arrays of the stand-in model (see the module docstring), SMPL-X key names."""
    rng = np.random.default_rng(seed)
    joints = standin_joints()
    parents = np.array(SMPLX_PARENTS)
    nj = len(SMPLX_JOINTS)
    verts, faces, weight_rows, owner, kinds = [], [], [], [], []
    count = 0
    regressor_sets: list[np.ndarray] = []

    def add(v, f, w, own, kind):
        nonlocal count
        verts.append(v)
        faces.append(f + count)
        weight_rows.append(w)
        owner.append(np.full(len(v), own))
        kinds.append(np.full(len(v), kind))
        count += len(v)

    for j, name in enumerate(SMPLX_JOINTS):  # joint spheres
        r = _radius(name) * (1.6 if name == "head" else 1.05)
        centre = joints[j] + (np.array([0.0, 0.09, 0.02]) if name == "head" else 0.0)
        v, f = _sphere(centre, r)
        w = np.zeros((len(v), nj))
        if parents[j] < 0 or name == "head":
            w[:, j] = 1.0
        else:
            w[:, j] = 0.5
            w[:, parents[j]] = 0.5
        start = count
        add(v, f, w, j, 0)
        # the head blob is off-centre: its joint is regressed from the small sphere below
        regressor_sets.append(np.arange(start, count) if name != "head" else np.zeros(0, np.int64))
    # the head joint itself: a small sphere centred on it, inside the blob
    v, f = _sphere(joints[SMPLX_JOINTS.index("head")], 0.05)
    w = np.zeros((len(v), nj))
    w[:, SMPLX_JOINTS.index("head")] = 0.5
    w[:, SMPLX_JOINTS.index("neck")] = 0.5
    regressor_sets[SMPLX_JOINTS.index("head")] = np.arange(count, count + len(v))
    add(v, f, w, SMPLX_JOINTS.index("head"), 0)
    for c in range(1, nj):  # bone tubes, moved by the parent joint p
        p = parents[c]
        name = SMPLX_JOINTS[c]
        if name in ("jaw",) or "eye" in name:
            continue
        ra, rb = _radius(SMPLX_JOINTS[p]), _radius(name)
        if SMPLX_JOINTS[p] in ("pelvis", "spine3") and name != "spine1" and name != "neck":
            ra = rb  # pelvis -> hips, spine3 -> collars: limb-sized
        if SMPLX_JOINTS[p] == "left_wrist" or SMPLX_JOINTS[p] == "right_wrist":
            ra = rb = 0.011
        v, f, s = _tube(joints[p], joints[c], ra, rb)
        w = np.zeros((len(v), nj))
        gp = parents[p]
        lo = np.clip(1.0 - s / 0.25, 0.0, 1.0) * 0.5 if gp >= 0 else np.zeros_like(s)
        has_child = bool((parents == c).any())
        hi = np.clip((s - 0.75) / 0.25, 0.0, 1.0) * 0.5 if has_child else np.zeros_like(s)
        w[:, p] = 1.0 - lo - hi
        if gp >= 0:
            w[:, gp] += lo
        w[:, c] += hi
        add(v, f, w, p, 1)
        if not has_child:  # finger tip / foot tip beyond the leaf joint
            d = joints[c] - joints[p]
            tip = joints[c] + d / np.linalg.norm(d) * (0.02 if "foot" not in name else 0.08)
            v, f, s = _tube(joints[c], tip, rb, rb * 0.6, n_along=4)
            w = np.zeros((len(v), nj))
            w[:, c] = 1.0
            add(v, f, w, c, 2)
    v_template = np.concatenate(verts)
    f_all = np.concatenate(faces)
    weights = np.concatenate(weight_rows)
    own = np.concatenate(owner)
    nv = len(v_template)
    j_regressor = np.zeros((nj, nv))
    for j, ids in enumerate(regressor_sets):
        j_regressor[j, ids] = 1.0 / len(ids)

    # shape directions (SMPL-X frame; per unit beta), then expression (zero)
    name_of = np.array(SMPLX_JOINTS)[own]
    leg = np.array([any(k in n for k in ("hip", "knee", "ankle", "foot")) for n in name_of])
    arm = np.array([any(k in n for k in ("shoulder", "elbow", "wrist", "index", "middle", "pinky", "ring", "thumb")) for n in name_of])  # fmt: skip
    torso = np.array([n in ("pelvis", "spine1", "spine2", "spine3") for n in name_of])
    upper = ~leg & (v_template[:, 1] > joints[3, 1])
    pelvis = joints[0]
    dirs = np.zeros((nv, 3, 20))
    dirs[:, :, 0] = 0.06 * (v_template - pelvis)  # stature
    axis_pt = joints[own]
    radial = v_template - axis_pt
    radial[:, 1] *= 0.3
    dirs[:, :, 1] = 0.08 * radial  # girth
    hip_y, ankle_y = joints[1, 1], joints[7, 1]
    dirs[leg, 1, 2] = -0.05 * np.clip((hip_y - v_template[leg, 1]) / (hip_y - ankle_y), 0, 1.2)
    sx = np.sign(v_template[:, 0])
    dirs[arm, 0, 3] = 0.05 * sx[arm] * np.clip((np.abs(v_template[arm, 0]) - 0.17) / 0.5, 0, 1.4)
    dirs[arm | (np.char.find(name_of.astype(str), "collar") >= 0), 0, 4] = 0.02 * sx[arm | (np.char.find(name_of.astype(str), "collar") >= 0)]  # fmt: skip
    dirs[upper, 1, 5] = 0.04 * np.clip((v_template[upper, 1] - joints[3, 1]) / 0.3, 0, 1)
    dirs[leg, 0, 6] = 0.015 * sx[leg]
    dirs[torso, :, 7] = 0.1 * radial[torso] * np.array([1.0, 0.0, 1.0])
    dirs[arm, :, 8] = 0.1 * radial[arm]
    thigh = np.array([n.endswith("_hip") for n in name_of])
    dirs[thigh, :, 9] = 0.1 * radial[thigh]

    posedirs = np.zeros((nv, 3, 486))
    active = rng.choice(nv, size=nv // 40, replace=False)
    posedirs[active] = rng.normal(0.0, 0.001, size=(len(active), 3, 486))

    kintree = np.stack([parents, np.arange(nj)]).astype(np.int64)
    lmk_faces = rng.choice(len(f_all), size=51, replace=False).astype(np.int64)
    return {
        "v_template": v_template,
        "f": f_all.astype(np.int64),
        "shapedirs": dirs,
        "posedirs": posedirs,
        "J_regressor": j_regressor,
        "weights": weights,
        "kintree_table": kintree,
        "hands_componentsl": np.eye(45),
        "hands_componentsr": np.eye(45),
        "hands_meanl": np.zeros(45),
        "hands_meanr": np.zeros(45),
        "lmk_faces_idx": lmk_faces,
        "lmk_bary_coords": np.full((51, 3), 1.0 / 3.0),
        "ciasa_standin": np.array(True),
    }


def write_smplx_standin(directory: str | Path, gender: str = "neutral", seed: int = 0) -> Path:
    """Write the stand-in as ``<directory>/smplx/SMPLX_<GENDER>.npz`` (atomically) and return
    the file's path; ``directory`` is then usable as ``--smplx-dir`` / ``SMPLX_MODEL_DIR``."""
    out_dir = Path(directory) / "smplx"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"SMPLX_{gender.upper()}.npz"
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **build_standin(seed))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path

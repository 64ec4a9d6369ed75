"""Fixtures of the render tests: the bodies (Anny, skipped with a reason when its set-up
cache is missing; the SMPL-X stand-in in a session temp directory), a tiny hand-built rig,
a camera, a 4-frame skeleton set.

Renders stay tiny (96x54 or 64x36, preview quality, 1-2 Blender threads)."""

from __future__ import annotations

import math

import numpy as np
import pytest


def _box(c, size):
    c, s = np.asarray(c, float), np.asarray(size, float) / 2
    v = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * s + c
    f = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1], [2, 3, 7], [2, 7, 6],
                  [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
    return v, f


def _rot(axis: str, a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return {"x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
            "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])}[axis]


@pytest.fixture
def rot():
    return _rot


@pytest.fixture
def tiny_rig():
    """5 bones (root, spine, head, arm, forearm) with a box each; vertices at the box
    joints blend two bones so skinning is not rigid."""
    from render.bodies.base import BodyRig

    joints = np.array([[0, 0, 1.0], [0, 0, 1.3], [0, 0, 1.6], [0.2, 0, 1.5], [0.5, 0, 1.5]])
    parents = np.array([-1, 0, 1, 1, 3])
    parts = [_box([0, 0, 1.15], [0.3, 0.2, 0.3]), _box([0, 0, 1.45], [0.3, 0.2, 0.3]),
             _box([0, 0, 1.7], [0.2, 0.2, 0.2]), _box([0.35, 0, 1.5], [0.3, 0.1, 0.1]),
             _box([0.6, 0, 1.5], [0.2, 0.1, 0.1])]
    V, F, W, off = [], [], [], 0
    for j, (v, f) in enumerate(parts):
        w = np.zeros((len(v), 5), np.float32)
        w[:, j] = 1.0
        if j in (1, 4):  # the lower half of the spine / forearm box blends with its parent
            near = v[:, 2] < 1.35 if j == 1 else v[:, 0] < 0.55
            w[near, j] = 0.6
            w[near, parents[j]] = 0.4
        V.append(v)
        F.append(f + off)
        W.append(w)
        off += len(v)
    names = ("root", "spine", "head", "arm", "forearm")
    return BodyRig("anny", names, parents, joints, np.concatenate(V), np.concatenate(F), np.concatenate(W), {})


@pytest.fixture
def tiny_motion(rot):
    """4 frames: root turns about Z and moves along X, the arm lifts, the forearm bends."""
    t = 4
    r = np.tile(np.eye(3), (t, 5, 1, 1))
    for i in range(t):
        r[i, 0] = _rot("z", 0.3 * i)
        r[i, 3] = _rot("x", 0.4 * i)
        r[i, 4] = _rot("y", -0.3 * i)
    tr = np.zeros((t, 3))
    tr[:, 0] = np.linspace(0.0, 0.3, t)
    return r, tr


def front_camera(w: int, h: int):
    """A Blender camera 3 m in front of the origin (body faces -Y) at 1.2 m, 70 deg wide,
    principal point off centre (tests the lens shift)."""
    from render.blender.job import CameraSpec

    m = np.eye(4)
    m[:3, :3] = [[1, 0, 0], [0, 0, -1], [0, 1, 0]]
    m[:3, 3] = [0, -3, 1.2]
    f = (w / 2) / math.tan(math.radians(35))
    return CameraSpec(m.tolist(), f, f, w / 2 + 3.3, h / 2 - 2.1)


@pytest.fixture
def camera_factory():
    return front_camera


def fk_lbs(rig, rotations, transl):
    """Posed vertices (T, Nv, 3) and joints (T, J, 3) by the body model's own torch LBS."""
    import torch

    from render.bodies import lbs

    r = torch.as_tensor(np.asarray(rotations), dtype=torch.float64)
    t = torch.as_tensor(np.asarray(transl), dtype=torch.float64)
    rest = torch.as_tensor(rig.rest_joints, dtype=torch.float64)
    pos, g = lbs.forward_kinematics(r, t, rest, rig.parents)
    v = lbs.skin(torch.as_tensor(rig.vertices, dtype=torch.float64), torch.as_tensor(rig.weights), g, rest)
    return v.numpy(), pos.numpy()


@pytest.fixture
def lbs_reference():
    return fk_lbs


@pytest.fixture(scope="session")
def tiny_set():
    """A 3-sample NTU-25 set of 4 valid frames each (cut from the synthetic generator)."""
    from pipeline.skeleton_set import SkeletonSet
    from pipeline.synth import SynthConfig, generate_synthetic

    s = generate_synthetic(SynthConfig(samples=12, frames=16, seed=3, noise=False))
    keep = [0, 5, 9]
    data = np.zeros((3, 3, 6, 25, s.data.shape[-1]), np.float32)
    data[:, :, :4] = s.data[keep, :, :4]
    return SkeletonSet(data=data, label=s.label[keep], name=s.name[keep], num_frames=np.full(3, 4),
                       layout="ntu25", fps=30.0, class_names=s.class_names)


@pytest.fixture(scope="session")
def anny_body():
    from pipeline.errors import MissingInputError
    from render.bodies.anny_body import AnnyBody

    try:
        return AnnyBody()
    except MissingInputError as exc:  # set-up step not run on this machine
        pytest.skip(f"Anny cache not built (run `make setup`): {exc}")


@pytest.fixture(scope="session")
def smplx_dir(tmp_path_factory):
    from render.bodies.standin import write_smplx_standin

    root = tmp_path_factory.mktemp("smplx_models")
    write_smplx_standin(root)
    return root


@pytest.fixture(scope="session")
def smplx_body(smplx_dir):
    from render.bodies.smplx_body import SmplxBody

    return SmplxBody(smplx_dir)

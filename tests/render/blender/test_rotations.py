import numpy as np

from render.blender.rotations import (bone_local_rotations, continuous_quaternions, matrix_to_quaternion,
                                      quaternion_to_matrix, root_location)


def test_quaternion_round_trip(rng):
    q = rng.normal(size=(500, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    m = quaternion_to_matrix(q)
    q2 = matrix_to_quaternion(m)
    assert np.all(q2[:, 0] >= 0)
    np.testing.assert_allclose(quaternion_to_matrix(q2), m, atol=1e-12)
    # 180-degree turns (w = 0) are the ill-conditioned case
    for d in ([1.0, -1, -1], [-1.0, 1, -1], [-1.0, -1, 1]):
        np.testing.assert_allclose(quaternion_to_matrix(matrix_to_quaternion(np.diag(d))), np.diag(d), atol=1e-12)


def test_continuity_flips_signs_only(rng):
    q = rng.normal(size=(6, 3, 4))
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    c = continuous_quaternions(q)
    assert np.all(np.sum(c[1:] * c[:-1], axis=-1) >= 0)
    np.testing.assert_allclose(np.abs(c), np.abs(q))


def test_bone_conversion_reproduces_global_rotation(rng):
    """B^T R B applied in the bone frame equals R applied in the world frame."""
    q = rng.normal(size=(2, 4, 4))
    rots = quaternion_to_matrix(q / np.linalg.norm(q, axis=-1, keepdims=True))
    b = quaternion_to_matrix(rng.normal(size=(4, 4)))
    local = bone_local_rotations(rots, b)
    np.testing.assert_allclose(b[None] @ local, rots @ b[None], atol=1e-12)
    t = rng.normal(size=(2, 3))
    np.testing.assert_allclose(root_location(t, b[0]) @ b[0].T, t, atol=1e-12)

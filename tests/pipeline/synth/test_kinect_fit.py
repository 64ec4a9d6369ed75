"""The view-dependent Kinect fit: joints slide along the viewing ray where their bone points
at the sensor, by a person- and view-specific amount; nothing without it."""

from __future__ import annotations

import numpy as np

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.kinect_fit import FIT_SCALE, fit_error, foreshortening
from pipeline.synth.kinect_noise import observe_kinect

J = LAYOUT.index


def _body(t: int = 30) -> np.ndarray:
    """(T, 25, 3) an idle body 3 m in front of the sensor (camera frame, z away from it)."""
    from pipeline.synth.actions import idle_pose
    from pipeline.synth.body import Pose, forward_kinematics, sample_subject

    rng = np.random.default_rng(0)
    joints = forward_kinematics(Pose(dofs=idle_pose(t, rng), support="both"), sample_subject(rng)).copy()
    joints[..., 2] = 3.0 - joints[..., 2]
    return joints


def test_a_bone_along_the_viewing_ray_is_foreshortened_and_one_seen_side_on_is_not():
    x = _body(1)
    toward = x.copy()
    elbow, wrist = J("elbow_right"), J("wrist_right")
    ray = toward[0, elbow] / np.linalg.norm(toward[0, elbow])
    toward[0, wrist] = toward[0, elbow] - 0.25 * ray  # the forearm points at the sensor
    side = x.copy()
    side_dir = np.cross(ray, [0.0, 1.0, 0.0])
    side[0, wrist] = side[0, elbow] + 0.25 * side_dir / np.linalg.norm(side_dir)
    assert foreshortening(toward)[0, wrist] > 0.99 and foreshortening(side)[0, wrist] < 0.01
    assert foreshortening(x)[0, J("spine_base")] == 0.0  # the root has no bone


def test_the_error_lies_on_the_viewing_ray_within_its_bound_and_zero_draws_nothing():
    x = _body()
    rng = np.random.default_rng(3)
    err = fit_error(x, rng, 80.0)
    assert err.shape == x.shape and np.abs(err).max() > 0.005
    ray = x / np.linalg.norm(x, axis=-1, keepdims=True)
    np.testing.assert_allclose(np.cross(err, ray), 0.0, atol=1e-12)  # along the ray, nothing sideways
    a = np.random.default_rng(3).normal(size=25)  # the draw fit_error made
    bound = 0.080 * FIT_SCALE * np.abs(a)
    assert np.all(np.linalg.norm(err, axis=-1) <= bound[None, :] + 1e-12)
    assert np.all(err[:, J("spine_base")] == 0.0)
    before = np.random.default_rng(5)
    state = before.bit_generator.state
    assert not fit_error(x, before, 0.0).any() and before.bit_generator.state == state


def test_two_sensors_of_one_performance_err_differently_and_a_seed_repeats():
    x = _body()
    one, two = (fit_error(x, np.random.default_rng(s), 80.0) for s in (1, 2))
    assert np.abs(one - two).max() > 0.002
    np.testing.assert_array_equal(one, fit_error(x, np.random.default_rng(1), 80.0))


def test_the_observation_takes_it_and_leaves_the_other_streams_alone_without_it():
    x = _body()
    kw = dict(jitter_mm=0.0, drift=0.0, glitch_rate=0.0, hidden_mm=0.0, occlusion_mm=0.0)
    out, _ = observe_kinect(x, np.random.default_rng(2), fit_mm=80.0, **kw)
    ray = x / np.linalg.norm(x, axis=-1, keepdims=True)
    assert np.abs(out - x).max() > 0.005  # the fit's error, and only along the viewing rays
    np.testing.assert_allclose(np.cross(out - x, ray), 0.0, atol=1e-12)
    noisy = dict(kw, jitter_mm=4.0, drift=0.03)
    base, _ = observe_kinect(x, np.random.default_rng(2), **noisy)
    off, _ = observe_kinect(x, np.random.default_rng(2), fit_mm=0.0, **noisy)
    np.testing.assert_array_equal(base, off)

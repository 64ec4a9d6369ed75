"""The cropped render's box (render.blender.crop): projection as the job's pinhole camera,
sun shadows on the ground, and the border around bodies, shadows and contact shade."""

from __future__ import annotations

import math

import numpy as np
import pytest

from render.blender.crop import border_fraction, crop_border, project, shadow_points
from tests.render.conftest import front_camera

W, H = 160, 90


def _cam():
    c = front_camera(W, H)
    return np.asarray(c.cam_to_world), c.fx, c.fy, c.cx, c.cy


def test_projection_is_the_jobs_pinhole_camera():
    m, fx, fy, cx, cy = _cam()
    # the camera sits at (0, -3, 1.2) looking along +Y: a point 2 m ahead on its axis
    u, v, d = project(np.array([[0.0, -1.0, 1.2], [0.5, -1.0, 1.7], [0.0, -4.0, 1.2]]), m, fx, fy, cx, cy)
    assert u[0] == pytest.approx(cx) and v[0] == pytest.approx(cy) and d[0] == pytest.approx(2.0)
    assert u[1] == pytest.approx(cx + fx * 0.25) and v[1] == pytest.approx(cy - fy * 0.25)  # right and up
    assert d[2] == pytest.approx(-1.0) and math.isnan(u[2])  # behind the camera


def test_shadows_fall_away_from_the_sun_on_the_ground():
    sun = np.array([math.cos(math.radians(45)), 0.0, math.sin(math.radians(45))])
    s = shadow_points(np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 0.0]]), sun, ground_z=0.0)
    np.testing.assert_allclose(s, [[-1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], atol=1e-12)
    low = shadow_points(np.array([[0.0, 0.0, 1.0]]), np.array([1.0, 0.0, 0.01]), ground_z=0.0)
    assert low[0, 0] == pytest.approx(-math.sqrt(1 - 0.2 ** 2) / 0.2)  # a low sun is bounded at sin 0.2


def test_border_holds_the_body_its_shadow_and_its_contact_shade():
    m, fx, fy, cx, cy = _cam()
    body = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.7], [0.3, 0.0, 1.2]])
    plain = crop_border(body, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0, pad_px=0, contact_m=0)
    u, v, _ = project(body, m, fx, fy, cx, cy)
    assert plain == pytest.approx((u.min() / W, u.max() / W, 1 - v.max() / H, 1 - v.min() / H))
    sun = np.array([0.6, 0.0, 0.8])  # from the right: the shadow falls to the left
    lit = crop_border(body, m, fx, fy, cx, cy, (W, H), sun_direction=sun, ground_z=0.0, pad_px=0, contact_m=0)
    assert lit[0] < plain[0] and lit[1] == pytest.approx(plain[1])
    shaded = crop_border(body, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0, pad_px=0)
    assert shaded[0] < plain[0] and shaded[1] > plain[1] and shaded[2] <= plain[2]
    padded = crop_border(body, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0, pad_px=4, contact_m=0)
    assert padded[0] == pytest.approx(plain[0] - 4 / W) and padded[3] == pytest.approx(plain[3] + 4 / H)
    assert 0 < border_fraction(plain) < border_fraction(shaded) < 1 and border_fraction(None) == 0


def test_border_is_clipped_and_knows_what_is_out_of_view():
    m, fx, fy, cx, cy = _cam()
    wide = np.array([[-30.0, 5.0, -20.0], [30.0, 5.0, 20.0]])
    assert crop_border(wide, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0) == (0.0, 1.0, 0.0, 1.0)
    behind = np.array([[0.0, -5.0, 1.0]])
    assert crop_border(behind, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0, contact_m=0) is None
    both = np.array([[0.0, -5.0, 1.0], [0.0, 0.0, 1.0]])  # one point behind: it can reach anywhere
    assert crop_border(both, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0) == (0.0, 1.0, 0.0, 1.0)
    aside = np.array([[40.0, 0.0, 1.0]])  # far outside the field of view
    assert crop_border(aside, m, fx, fy, cx, cy, (W, H), sun_direction=None, ground_z=0.0, contact_m=0) is None

"""Object handling (pipeline.synth.ntu60.object_handling): limits, rigid bones, idle ends,
and the geometry that makes each program its NTU class."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.synth.ntu60.object_handling import CLASSES
from tests.pipeline.synth.ntu60.program_draws import (
    check_deterministic, check_limits_bones_idle_ends, check_names_and_numbers, draws, flexion, hands, head_down,
    joint, subject,
)

EXPECTED = {5: "drop", 6: "pickup", 7: "throw", 25: "reach into pocket"}
SPECS = {c.name: c for c in CLASSES}


# ----------------------------------------------------------------------------- common properties
def test_names_and_numbers():
    check_names_and_numbers(CLASSES, EXPECTED, {"pick up / drop / throw", "pocket"})


@pytest.mark.parametrize("name", list(EXPECTED.values()))
def test_limits_bones_idle_ends(name, within_limits, rigid_bones):
    check_limits_bones_idle_ends(SPECS[name], within_limits, rigid_bones)


@pytest.mark.parametrize("name", list(EXPECTED.values()))
def test_deterministic(name):
    check_deterministic(SPECS[name])


# ----------------------------------------------------------------------------- pick up / drop / throw
def test_drop_opens_the_held_hand_and_looks_down():
    for s, x, _ in draws(SPECS["drop"]):
        hold, after = np.argmin(abs(s - 0.35)), np.argmin(abs(s - 0.7))
        for side in ("left", "right"):
            w, tip = joint(x, f"wrist_{side}"), joint(x, f"hand_tip_{side}")
            if w[hold, 1] - w[0, 1] < 0.12:
                continue  # not a holding hand
            assert w[hold, 2] - x[hold, 0, 2] > 0.2
            assert x[hold, 0, 1] < w[hold, 1] < joint(x, "neck")[hold, 1]  # held in front of the trunk
            span = np.linalg.norm(tip - w, axis=1)
            assert span[after] - span[hold] > 0.02  # the fist opened
        assert head_down(x)[after] - head_down(x)[0] > 8


def test_pickup_reaches_the_floor_in_front():
    for seed, (s, x, _) in enumerate(draws(SPECS["pickup"])):
        tips = np.minimum(joint(x, "hand_tip_left")[:, 1], joint(x, "hand_tip_right")[:, 1])
        f = int(np.argmin(tips))
        assert tips[f] < 0.16 * subject(seed).height and 0.3 < s[f] < 0.65  # 0.24-0.31 m
        assert joint(x, "head")[0, 1] - joint(x, "head")[f, 1] > 0.45  # the whole body goes down
        assert flexion(x, "hip_left", "knee_left", "ankle_left")[f] > 40  # knees bent
        low = "left" if joint(x, "hand_tip_left")[f, 1] < joint(x, "hand_tip_right")[f, 1] else "right"
        assert joint(x, f"hand_tip_{low}")[f, 2] > joint(x, f"ankle_{low}")[f, 2]  # in front of the feet
        for ankle in ("ankle_left", "ankle_right"):  # both feet stay planted
            np.testing.assert_allclose(joint(x, ankle), np.broadcast_to(joint(x, ankle)[0], (len(s), 3)), atol=0.05)
            # (the root sits over the mean of both ankles; unequal idle hip_abd lifts one foot a little)


def test_throw_winds_up_overhead_then_releases_fast_forward():
    for s, x, _ in draws(SPECS["throw"]):
        h = hands(x)
        side = max(h, key=lambda k: h[k][:, 1].max())
        hand, head = h[side], joint(x, "head")
        rel = hand[:, 2] - joint(x, "spine_shoulder")[:, 2]
        wind = (hand[:, 1] > head[:, 1]) & (rel < 0.0)  # the wind-up: above and behind the head
        assert wind.any()
        fwd = int(np.argmax(rel))
        assert fwd > np.flatnonzero(wind)[0] and rel[fwd] > 0.35  # then the release far forward
        speed = np.linalg.norm(np.diff(joint(x, f"wrist_{side}"), axis=0), axis=1) * 30.0
        assert speed.max() > 2.5  # m/s
        sh = joint(x, f"shoulder_{side}")[:, 2] - joint(x, "spine_shoulder")[:, 2]
        assert sh[:fwd].min() < sh[0] - 0.02 and sh[fwd] > sh[0] + 0.01  # the shoulder back, then forward


# ----------------------------------------------------------------------------- pocket
def _upper_trunk_point(x, h, p):
    """World position ``(T, 3)`` of point ``p`` given like a reach landmark (upper-trunk frame,
    fractions of stature ``h``, +x the subject's left), from the joints: the frame's y is the
    spine_mid -> spine_shoulder direction, its x the right -> left shoulder direction."""
    y = joint(x, "spine_shoulder") - joint(x, "spine_mid")
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    xa = joint(x, "shoulder_left") - joint(x, "shoulder_right")
    xa /= np.linalg.norm(xa, axis=1, keepdims=True)
    z = np.cross(xa, y)
    return joint(x, "spine_shoulder") + h * (p[0] * xa + p[1] * y + p[2] * z)


def test_reach_into_pocket_digs_at_the_hip_and_pulls_out():
    from pipeline.synth.reach import LANDMARKS

    for seed, (s, x, _) in enumerate(draws(SPECS["reach into pocket"])):
        h = subject(seed).height
        later = (s > 0.6) & (s < 0.9)
        side = max(("left", "right"), key=lambda k: (joint(x, f"hand_{k}")[later, 2] - x[later, 0, 2]).max())
        sg = 1.0 if side == "left" else -1.0
        dig = (s > 0.15) & (s < 0.62)
        dist = np.inf
        for name in ("front_pocket", "hip_pocket"):
            lx, ly, lz = LANDMARKS[name]
            pocket = _upper_trunk_point(x, h, (sg * lx, ly, lz))
            dist = min(dist, np.linalg.norm(joint(x, f"wrist_{side}") - pocket, axis=1)[dig].min())
        assert dist < 0.06  # the wrist at a pocket opening, the fingers inside
        f = int(np.argmin(np.where(dig, joint(x, f"hand_tip_{side}")[:, 1], np.inf)))
        assert joint(x, f"hand_tip_{side}")[f, 1] < x[f, 0, 1] - 0.05
        hand = joint(x, f"hand_{side}")
        assert (hand[later, 2] - x[later, 0, 2]).max() > 0.2  # pulled out to the front
        assert (hand[later, 1] - hand[f, 1]).max() > 0.1

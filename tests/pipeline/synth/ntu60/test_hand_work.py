"""Hands at work and arm gestures (pipeline.synth.ntu60.hand_work): limits, rigid bones,
idle ends, and the geometry that makes each program its NTU class."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.synth.ntu60.hand_work import CLASSES
from tests.pipeline.synth.ntu60.program_draws import (
    check_deterministic, check_limits_bones_idle_ends, check_names_and_numbers, draws, flexion, hands, head_down,
    joint, mid,
)

EXPECTED = {
    11: "reading", 12: "writing", 13: "tear up paper", 28: "make a phone call/answer phone",
    29: "playing with phone/tablet", 30: "typing on a keyboard", 31: "pointing to something with finger",
    32: "taking a selfie", 33: "check time (from watch)",
}
SPECS = {c.name: c for c in CLASSES}


# ----------------------------------------------------------------------------- common properties
def test_names_and_numbers():
    check_names_and_numbers(CLASSES, EXPECTED, {"hands at work", "phone and arm gestures"})
    assert SPECS["pointing to something with finger"].mean_frames == min(c.mean_frames for c in CLASSES)


@pytest.mark.parametrize("name", list(EXPECTED.values()))
def test_limits_bones_idle_ends(name, within_limits, rigid_bones):
    check_limits_bones_idle_ends(SPECS[name], within_limits, rigid_bones)


@pytest.mark.parametrize("name", list(EXPECTED.values()))
def test_deterministic(name):
    check_deterministic(SPECS[name])


# ----------------------------------------------------------------------------- hands at work
def _both_in_front(x, m, lo, hi):
    """Both wrists in front of the trunk at heights between the spine base + lo and the spine
    shoulder + hi (metres) over the frames ``m``."""
    for side in ("left", "right"):
        w = joint(x, f"wrist_{side}")[m]
        assert np.all(w[:, 2] - x[m, 0, 2] > 0.15)
        assert np.all(w[:, 1] > x[m, 0, 1] + lo) and np.all(w[:, 1] < joint(x, "spine_shoulder")[m, 1] + hi)


def _gap(x):
    return np.linalg.norm(joint(x, "wrist_left") - joint(x, "wrist_right"), axis=1)


def _thumb_up(x, m):
    """Mean upward component of the wrist->thumb unit vector over frames ``m`` (both hands)."""
    out = []
    for side in ("left", "right"):
        v = joint(x, f"thumb_{side}")[m] - joint(x, f"wrist_{side}")[m]
        out.append((v[:, 1] / np.linalg.norm(v, axis=1)).mean())
    return float(np.mean(out))


def _wiggle(x, m):
    """Largest count of direction reversals of a hand tip relative to its wrist (mm scale)."""
    best = 0
    for side in ("left", "right"):
        r = (joint(x, f"hand_tip_{side}") - joint(x, f"wrist_{side}"))[m]
        for c in range(3):
            dv = np.diff(r[:, c])
            dv = dv[np.abs(dv) > 2e-4]
            best = max(best, int(np.sum(np.sign(dv[1:]) != np.sign(dv[:-1]))))
    return best


def test_reading_holds_a_book_apart_and_still():
    for s, x, _ in draws(SPECS["reading"]):
        m = mid(s, 0.25, 0.75)
        _both_in_front(x, m, 0.1, 0.0)
        assert np.median(_gap(x)[m]) > 0.12  # a book's width between the hands
        assert np.median(head_down(x)[m]) - head_down(x)[0] > 12


def test_writing_scribbles_beside_the_other_hand():
    for s, x, _ in draws(SPECS["writing"]):
        m = mid(s, 0.3, 0.75)
        _both_in_front(x, m, 0.0, -0.05)
        assert np.all(_gap(x)[m] < 0.2)
        assert _wiggle(x, m) >= 6  # fast small wrist motion
        assert np.median(head_down(x)[m]) - head_down(x)[0] > 15


def test_tear_up_paper_pulls_apart_repeatedly():
    for s, x, _ in draws(SPECS["tear up paper"]):
        g = _gap(x)
        m = mid(s, 0.2, 0.85)
        _both_in_front(x, m, 0.1, 0.0)
        together = g[m].min()
        assert together < 0.1 and g[m].max() - together > 0.1
        apart = (g > together + 0.06) & m
        assert np.sum(np.diff(apart.astype(int)) == 1) >= 2  # two or three separations


def test_phone_is_held_with_both_hands_close_and_tapped():
    for s, x, _ in draws(SPECS["playing with phone/tablet"]):
        m = mid(s, 0.3, 0.75)
        _both_in_front(x, m, 0.1, 0.0)
        assert np.all(_gap(x)[m] < 0.22)
        assert _thumb_up(x, m) > -0.2  # palms up/in, not the typing palms-down
        assert np.median(head_down(x)[m]) - head_down(x)[0] > 15
        for side in ("left", "right"):  # thumb / finger taps: the grip twitches
            span = np.linalg.norm(joint(x, f"hand_tip_{side}") - joint(x, f"wrist_{side}"), axis=1)[m]
            assert np.ptp(span) > 0.002


def test_typing_is_lower_apart_and_palms_down():
    for s, x, _ in draws(SPECS["typing on a keyboard"]):
        m = mid(s, 0.3, 0.75)
        _both_in_front(x, m, -0.05, -0.25)
        for side in ("left", "right"):
            assert np.all(joint(x, f"wrist_{side}")[m, 1] < joint(x, "spine_mid")[m, 1])
        assert np.all(_gap(x)[m] > 0.12)
        assert _thumb_up(x, m) < -0.3  # pronated: the thumbs turn down and in
        assert _wiggle(x, m) >= 4  # finger taps
    # the group's layout: typing hands are lower than reading and phone hands
    def height(name):
        return np.mean([np.median((joint(x, "wrist_left")[:, 1] - x[:, 0, 1])[mid(s)])
                        for s, x, _ in draws(SPECS[name])])
    assert height("typing on a keyboard") + 0.1 < min(height("reading"), height("playing with phone/tablet"))


# ----------------------------------------------------------------------------- phone and arm gestures
def test_phone_call_holds_a_hand_at_the_ear():
    for s, x, _ in draws(SPECS["make a phone call/answer phone"]):
        head, hold = joint(x, "head"), mid(s, 0.5, 0.76)  # every caller is at the ear by then
        side = min(("left", "right"), key=lambda k: np.linalg.norm(joint(x, f"hand_{k}") - head, axis=1)[hold].mean())
        dist = np.linalg.norm(joint(x, f"hand_{side}") - head, axis=1)[hold]
        assert np.all((dist > 0.04) & (dist < 0.13))  # at the side of the head, not inside it
        assert np.all(joint(x, f"hand_{side}")[hold, 1] > joint(x, "neck")[hold, 1])
        elbow = joint(x, f"elbow_{side}")[hold]
        assert np.all(abs(elbow[:, 0] - x[hold, 0, 0]) > 0.15)  # the elbow out to the side


def test_pointing_is_a_straight_arm_at_shoulder_height():
    for s, x, _ in draws(SPECS["pointing to something with finger"]):
        m = mid(s, 0.42, 0.58)
        h = hands(x)
        side = max(h, key=lambda k: (h[k][m, 2] - x[m, 0, 2]).mean())
        assert np.all(flexion(x, f"shoulder_{side}", f"elbow_{side}", f"wrist_{side}")[m] < 15)
        assert np.all(abs(h[side][m, 1] - joint(x, f"shoulder_{side}")[m, 1]) < 0.15)
        assert np.all(h[side][m, 2] - joint(x, f"shoulder_{side}")[m, 2] > 0.4)
        assert np.all(flexion(x, f"wrist_{side}", f"hand_{side}", f"hand_tip_{side}")[m] < 12)  # finger straight


def test_selfie_holds_the_phone_at_arms_length_before_the_face():
    for s, x, _ in draws(SPECS["taking a selfie"]):
        m = mid(s, 0.35, 0.65)
        h = hands(x)
        side = max(h, key=lambda k: (h[k][m, 2] - x[m, 0, 2]).mean())
        hand = h[side][m]
        assert np.all(hand[:, 1] > joint(x, "neck")[m, 1] - 0.08)  # at face height or above
        assert np.all(hand[:, 2] - joint(x, "head")[m, 2] > 0.3)  # arm's length in front
        assert np.all(abs(hand[:, 0] - joint(x, "head")[m, 0]) < 0.25)  # before the face
        assert np.all(flexion(x, f"shoulder_{side}", f"elbow_{side}", f"wrist_{side}")[m] < 45)  # nearly straight


def test_check_time_brings_a_horizontal_forearm_before_the_chest():
    for s, x, _ in draws(SPECS["check time (from watch)"]):
        m = mid(s, 0.4, 0.6)
        ok = []
        for side in ("left", "right"):  # one of the forearms (the other may pull the sleeve)
            w, e = joint(x, f"wrist_{side}")[m], joint(x, f"elbow_{side}")[m]
            mid_x = joint(x, "spine_shoulder")[m, 0]
            ok.append(np.all(abs(w[:, 1] - e[:, 1]) < 0.1)  # forearm roughly horizontal
                      and np.all(abs(e[:, 0] - mid_x) - abs(w[:, 0] - mid_x) > 0.08)  # across the body
                      and np.all(w[:, 2] - joint(x, "spine_shoulder")[m, 2] > 0.15)  # in front of the chest
                      and np.all((w[:, 1] > joint(x, "spine_mid")[m, 1] - 0.05) & (w[:, 1] < joint(x, "neck")[m, 1])))
        assert any(ok)
        assert np.median(head_down(x)[m]) - head_down(x)[0] > 15

"""Object handling, hands at work and arm gestures (pipeline.synth.ntu60.hand_work): limits,
rigid bones, idle ends, and the geometry that makes each program its NTU class."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.actions import idle_pose
from pipeline.synth.body import Pose, forward_kinematics, sample_subject
from pipeline.synth.ntu60.base import perform
from pipeline.synth.ntu60.hand_work import CLASSES

J = {n: i for i, n in enumerate(LAYOUT.joint_names)}
DRAWS = 20
EXPECTED = {
    5: "drop", 6: "pickup", 7: "throw", 11: "reading", 12: "writing", 13: "tear up paper",
    25: "reach into pocket", 28: "make a phone call/answer phone", 29: "playing with phone/tablet",
    30: "typing on a keyboard", 31: "pointing to something with finger", 32: "taking a selfie",
    33: "check time (from watch)",
}
SPECS = {c.name: c for c in CLASSES}


def _times(spec):
    t = spec.mean_frames
    return np.clip((np.arange(t) - t * 0.1) / (t * 0.8), 0, 1)


def _subject(seed):
    return sample_subject(np.random.default_rng(1000 + seed))


_CACHE: dict = {}


def _run(name, seed):
    """(s, joints (T, 25, 3), DOF dict) of draw ``seed`` of class ``name``."""
    key = (name, seed)
    if key not in _CACHE:
        spec = SPECS[name]
        s = _times(spec)
        x = perform(spec, s, np.random.default_rng(seed), (_subject(seed),))[0]
        rng = np.random.default_rng(seed)
        d = idle_pose(len(s), rng)
        spec.fn(s, rng, d)
        _CACHE[key] = (s, x, d)
    return _CACHE[key]


def _draws(name):
    return [_run(name, seed) for seed in range(DRAWS)]


def _p(x, joint):
    return x[:, J[joint]]


def _hands(x):
    return {"left": x[:, J["hand_left"]], "right": x[:, J["hand_right"]]}


def _flexion(x, a, b, c):
    """Flexion (180 - inner angle, degrees) at joint ``b`` of the chain a-b-c, per frame."""
    u, v = _p(x, a) - _p(x, b), _p(x, c) - _p(x, b)
    cos = np.einsum("ti,ti->t", u, v) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _head_down(x):
    """Forward tilt of the neck->head segment from vertical (degrees), per frame."""
    v = _p(x, "head") - _p(x, "neck")
    return np.degrees(np.arctan2(v[:, 2], v[:, 1]))


def _mid(s, lo=0.38, hi=0.62):
    return (s > lo) & (s < hi)


# ----------------------------------------------------------------------------- common properties
def test_names_and_numbers():
    assert {c.ntu_action: c.name for c in CLASSES} == EXPECTED
    assert len(CLASSES) == len(EXPECTED)
    groups = {"pick up / drop / throw", "hands at work", "phone and arm gestures", "pocket"}
    for c in CLASSES:
        assert c.persons == 1 and c.group in groups and c.difference
        assert 55 <= c.mean_frames <= 140
    assert SPECS["pointing to something with finger"].mean_frames == min(c.mean_frames for c in CLASSES)


@pytest.mark.parametrize("name", list(EXPECTED.values()))
def test_limits_bones_idle_ends(name, within_limits, rigid_bones):
    for seed in range(DRAWS):
        s, x, d = _run(name, seed)
        within_limits(d, (name, seed))
        rigid_bones(x, (name, seed))
        # the frames outside the action are exactly the idle posture of the same draw
        idle = forward_kinematics(Pose(dofs=idle_pose(len(s), np.random.default_rng(seed))), _subject(seed))
        rest = (s == 0) | (s == 1)
        assert rest.sum() >= 4
        np.testing.assert_allclose(x[rest], idle[rest], atol=1e-6, err_msg=f"{name} seed {seed}")
        assert x[..., 1].min() > -0.01  # nothing under the floor


@pytest.mark.parametrize("name", list(EXPECTED.values()))
def test_deterministic(name):
    spec = SPECS[name]
    s = _times(spec)
    a = perform(spec, s, np.random.default_rng(7), (_subject(7),))
    b = perform(spec, s, np.random.default_rng(7), (_subject(7),))
    c = perform(spec, s, np.random.default_rng(8), (_subject(7),))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)  # FK's einsum may differ in the last bit
    assert not np.allclose(a, c)
    dofs = []
    for _ in range(2):
        rng = np.random.default_rng(7)
        d = idle_pose(len(s), rng)
        spec.fn(s, rng, d)
        dofs.append(d)
    assert dofs[0].keys() == dofs[1].keys()
    for k in dofs[0]:  # reach's arctan/einsum may differ in the last bit between calls
        np.testing.assert_allclose(dofs[0][k], dofs[1][k], rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- pick up / drop / throw
def test_drop_opens_the_held_hand_and_looks_down():
    for s, x, _ in _draws("drop"):
        hold, after = np.argmin(abs(s - 0.35)), np.argmin(abs(s - 0.7))
        for side in ("left", "right"):
            w, tip = _p(x, f"wrist_{side}"), _p(x, f"hand_tip_{side}")
            if w[hold, 1] - w[0, 1] < 0.12:
                continue  # not a holding hand
            assert w[hold, 2] - x[hold, 0, 2] > 0.2
            assert x[hold, 0, 1] < w[hold, 1] < _p(x, "neck")[hold, 1]  # held in front of the trunk
            span = np.linalg.norm(tip - w, axis=1)
            assert span[after] - span[hold] > 0.02  # the fist opened
        assert _head_down(x)[after] - _head_down(x)[0] > 8


def test_pickup_reaches_the_floor_in_front():
    for seed, (s, x, _) in enumerate(_draws("pickup")):
        tips = np.minimum(_p(x, "hand_tip_left")[:, 1], _p(x, "hand_tip_right")[:, 1])
        f = int(np.argmin(tips))
        assert tips[f] < 0.16 * _subject(seed).height and 0.3 < s[f] < 0.65  # 0.24-0.31 m
        assert _p(x, "head")[0, 1] - _p(x, "head")[f, 1] > 0.45  # the whole body goes down
        assert _flexion(x, "hip_left", "knee_left", "ankle_left")[f] > 40  # knees bent
        low = "left" if _p(x, "hand_tip_left")[f, 1] < _p(x, "hand_tip_right")[f, 1] else "right"
        assert _p(x, f"hand_tip_{low}")[f, 2] > _p(x, f"ankle_{low}")[f, 2]  # in front of the feet
        for ankle in ("ankle_left", "ankle_right"):  # both feet stay planted
            np.testing.assert_allclose(_p(x, ankle), np.broadcast_to(_p(x, ankle)[0], (len(s), 3)), atol=0.05)
            # (the root sits over the mean of both ankles; unequal idle hip_abd lifts one foot a little)


def test_throw_winds_up_overhead_then_releases_fast_forward():
    for s, x, _ in _draws("throw"):
        h = _hands(x)
        side = max(h, key=lambda k: h[k][:, 1].max())
        hand, head = h[side], _p(x, "head")
        rel = hand[:, 2] - _p(x, "spine_shoulder")[:, 2]
        wind = (hand[:, 1] > head[:, 1]) & (rel < 0.0)  # the wind-up: above and behind the head
        assert wind.any()
        fwd = int(np.argmax(rel))
        assert fwd > np.flatnonzero(wind)[0] and rel[fwd] > 0.35  # then the release far forward
        speed = np.linalg.norm(np.diff(_p(x, f"wrist_{side}"), axis=0), axis=1) * 30.0
        assert speed.max() > 2.5  # m/s
        sh = _p(x, f"shoulder_{side}")[:, 2] - _p(x, "spine_shoulder")[:, 2]
        assert sh[:fwd].min() < sh[0] - 0.02 and sh[fwd] > sh[0] + 0.01  # the shoulder back, then forward


# ----------------------------------------------------------------------------- hands at work
def _both_in_front(x, m, lo, hi):
    """Both wrists in front of the trunk at heights between the spine base + lo and the spine
    shoulder + hi (metres) over the frames ``m``."""
    for side in ("left", "right"):
        w = _p(x, f"wrist_{side}")[m]
        assert np.all(w[:, 2] - x[m, 0, 2] > 0.15)
        assert np.all(w[:, 1] > x[m, 0, 1] + lo) and np.all(w[:, 1] < _p(x, "spine_shoulder")[m, 1] + hi)


def _gap(x):
    return np.linalg.norm(_p(x, "wrist_left") - _p(x, "wrist_right"), axis=1)


def _thumb_up(x, m):
    """Mean upward component of the wrist->thumb unit vector over frames ``m`` (both hands)."""
    out = []
    for side in ("left", "right"):
        v = _p(x, f"thumb_{side}")[m] - _p(x, f"wrist_{side}")[m]
        out.append((v[:, 1] / np.linalg.norm(v, axis=1)).mean())
    return float(np.mean(out))


def _wiggle(x, m):
    """Largest count of direction reversals of a hand tip relative to its wrist (mm scale)."""
    best = 0
    for side in ("left", "right"):
        r = (_p(x, f"hand_tip_{side}") - _p(x, f"wrist_{side}"))[m]
        for c in range(3):
            dv = np.diff(r[:, c])
            dv = dv[np.abs(dv) > 2e-4]
            best = max(best, int(np.sum(np.sign(dv[1:]) != np.sign(dv[:-1]))))
    return best


def test_reading_holds_a_book_apart_and_still():
    for s, x, _ in _draws("reading"):
        m = _mid(s, 0.25, 0.75)
        _both_in_front(x, m, 0.1, 0.0)
        assert np.median(_gap(x)[m]) > 0.12  # a book's width between the hands
        assert np.median(_head_down(x)[m]) - _head_down(x)[0] > 12


def test_writing_scribbles_beside_the_other_hand():
    for s, x, _ in _draws("writing"):
        m = _mid(s, 0.3, 0.75)
        _both_in_front(x, m, 0.0, -0.05)
        assert np.all(_gap(x)[m] < 0.2)
        assert _wiggle(x, m) >= 6  # fast small wrist motion
        assert np.median(_head_down(x)[m]) - _head_down(x)[0] > 15


def test_tear_up_paper_pulls_apart_repeatedly():
    for s, x, _ in _draws("tear up paper"):
        g = _gap(x)
        m = _mid(s, 0.2, 0.85)
        _both_in_front(x, m, 0.1, 0.0)
        together = g[m].min()
        assert together < 0.1 and g[m].max() - together > 0.1
        apart = (g > together + 0.06) & m
        assert np.sum(np.diff(apart.astype(int)) == 1) >= 2  # two or three separations


def test_phone_is_held_with_both_hands_close_and_tapped():
    for s, x, _ in _draws("playing with phone/tablet"):
        m = _mid(s, 0.3, 0.75)
        _both_in_front(x, m, 0.1, 0.0)
        assert np.all(_gap(x)[m] < 0.22)
        assert _thumb_up(x, m) > -0.2  # palms up/in, not the typing palms-down
        assert np.median(_head_down(x)[m]) - _head_down(x)[0] > 15
        for side in ("left", "right"):  # thumb / finger taps: the grip twitches
            span = np.linalg.norm(_p(x, f"hand_tip_{side}") - _p(x, f"wrist_{side}"), axis=1)[m]
            assert np.ptp(span) > 0.002


def test_typing_is_lower_apart_and_palms_down():
    for s, x, _ in _draws("typing on a keyboard"):
        m = _mid(s, 0.3, 0.75)
        _both_in_front(x, m, -0.05, -0.25)
        for side in ("left", "right"):
            assert np.all(_p(x, f"wrist_{side}")[m, 1] < _p(x, "spine_mid")[m, 1])
        assert np.all(_gap(x)[m] > 0.12)
        assert _thumb_up(x, m) < -0.3  # pronated: the thumbs turn down and in
        assert _wiggle(x, m) >= 4  # finger taps
    # the group's layout: typing hands are lower than reading and phone hands
    def height(name):
        return np.mean([np.median((_p(x, "wrist_left")[:, 1] - x[:, 0, 1])[_mid(s)]) for s, x, _ in _draws(name)])
    assert height("typing on a keyboard") + 0.1 < min(height("reading"), height("playing with phone/tablet"))


# ----------------------------------------------------------------------------- pocket
def _upper_trunk_point(x, h, p):
    """World position ``(T, 3)`` of point ``p`` given like a reach landmark (upper-trunk frame,
    fractions of stature ``h``, +x the subject's left), from the joints: the frame's y is the
    spine_mid -> spine_shoulder direction, its x the right -> left shoulder direction."""
    y = _p(x, "spine_shoulder") - _p(x, "spine_mid")
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    xa = _p(x, "shoulder_left") - _p(x, "shoulder_right")
    xa /= np.linalg.norm(xa, axis=1, keepdims=True)
    z = np.cross(xa, y)
    return _p(x, "spine_shoulder") + h * (p[0] * xa + p[1] * y + p[2] * z)


def test_reach_into_pocket_digs_at_the_hip_and_pulls_out():
    from pipeline.synth.reach import LANDMARKS

    for seed, (s, x, _) in enumerate(_draws("reach into pocket")):
        h = _subject(seed).height
        later = (s > 0.6) & (s < 0.9)
        side = max(("left", "right"), key=lambda k: (_p(x, f"hand_{k}")[later, 2] - x[later, 0, 2]).max())
        sg = 1.0 if side == "left" else -1.0
        dig = (s > 0.15) & (s < 0.62)
        dist = np.inf
        for name in ("front_pocket", "hip_pocket"):
            lx, ly, lz = LANDMARKS[name]
            pocket = _upper_trunk_point(x, h, (sg * lx, ly, lz))
            dist = min(dist, np.linalg.norm(_p(x, f"wrist_{side}") - pocket, axis=1)[dig].min())
        assert dist < 0.06  # the wrist at a pocket opening, the fingers inside
        f = int(np.argmin(np.where(dig, _p(x, f"hand_tip_{side}")[:, 1], np.inf)))
        assert _p(x, f"hand_tip_{side}")[f, 1] < x[f, 0, 1] - 0.05
        hand = _p(x, f"hand_{side}")
        assert (hand[later, 2] - x[later, 0, 2]).max() > 0.2  # pulled out to the front
        assert (hand[later, 1] - hand[f, 1]).max() > 0.1


# ----------------------------------------------------------------------------- phone and arm gestures
def test_phone_call_holds_a_hand_at_the_ear():
    for s, x, _ in _draws("make a phone call/answer phone"):
        head, hold = _p(x, "head"), _mid(s, 0.5, 0.76)  # every caller is at the ear by then
        side = min(("left", "right"), key=lambda k: np.linalg.norm(_p(x, f"hand_{k}") - head, axis=1)[hold].mean())
        dist = np.linalg.norm(_p(x, f"hand_{side}") - head, axis=1)[hold]
        assert np.all((dist > 0.04) & (dist < 0.13))  # at the side of the head, not inside it
        assert np.all(_p(x, f"hand_{side}")[hold, 1] > _p(x, "neck")[hold, 1])
        elbow = _p(x, f"elbow_{side}")[hold]
        assert np.all(abs(elbow[:, 0] - x[hold, 0, 0]) > 0.15)  # the elbow out to the side


def test_pointing_is_a_straight_arm_at_shoulder_height():
    for s, x, _ in _draws("pointing to something with finger"):
        m = _mid(s, 0.42, 0.58)
        h = _hands(x)
        side = max(h, key=lambda k: (h[k][m, 2] - x[m, 0, 2]).mean())
        assert np.all(_flexion(x, f"shoulder_{side}", f"elbow_{side}", f"wrist_{side}")[m] < 15)
        assert np.all(abs(h[side][m, 1] - _p(x, f"shoulder_{side}")[m, 1]) < 0.15)
        assert np.all(h[side][m, 2] - _p(x, f"shoulder_{side}")[m, 2] > 0.4)
        assert np.all(_flexion(x, f"wrist_{side}", f"hand_{side}", f"hand_tip_{side}")[m] < 12)  # finger straight


def test_selfie_holds_the_phone_at_arms_length_before_the_face():
    for s, x, _ in _draws("taking a selfie"):
        m = _mid(s, 0.35, 0.65)
        h = _hands(x)
        side = max(h, key=lambda k: (h[k][m, 2] - x[m, 0, 2]).mean())
        hand = h[side][m]
        assert np.all(hand[:, 1] > _p(x, "neck")[m, 1] - 0.08)  # at face height or above
        assert np.all(hand[:, 2] - _p(x, "head")[m, 2] > 0.3)  # arm's length in front
        assert np.all(abs(hand[:, 0] - _p(x, "head")[m, 0]) < 0.25)  # before the face
        assert np.all(_flexion(x, f"shoulder_{side}", f"elbow_{side}", f"wrist_{side}")[m] < 45)  # nearly straight


def test_check_time_brings_a_horizontal_forearm_before_the_chest():
    for s, x, _ in _draws("check time (from watch)"):
        m = _mid(s, 0.4, 0.6)
        ok = []
        for side in ("left", "right"):  # one of the forearms (the other may pull the sleeve)
            w, e = _p(x, f"wrist_{side}")[m], _p(x, f"elbow_{side}")[m]
            mid_x = _p(x, "spine_shoulder")[m, 0]
            ok.append(np.all(abs(w[:, 1] - e[:, 1]) < 0.1)  # forearm roughly horizontal
                      and np.all(abs(e[:, 0] - mid_x) - abs(w[:, 0] - mid_x) > 0.08)  # across the body
                      and np.all(w[:, 2] - _p(x, "spine_shoulder")[m, 2] > 0.15)  # in front of the chest
                      and np.all((w[:, 1] > _p(x, "spine_mid")[m, 1] - 0.05) & (w[:, 1] < _p(x, "neck")[m, 1])))
        assert any(ok)
        assert np.median(_head_down(x)[m]) - _head_down(x)[0] > 15

"""The NTU-60-like world as a data set: classes, recording like NTU (three views of one
motion, replications, set-ups, splits), two-person geometry, Kinect-like observation,
lengths, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.classes import NTU60_CLASSES
from pipeline.formats.ntu_names import XSUB_TRAIN_PERFORMERS, parse_ntu_name
from pipeline.layouts.ntu25 import LAYOUT
from pipeline.synth.ntu60.classes import CLASSES
from pipeline.synth.ntu60.world import NTU60Config, decode_index, generate_ntu60, perform_take, performers
from pipeline.synth.recording import NTU_SETUPS, camera_to_world, setup_cameras

J = LAYOUT.index


@pytest.fixture(scope="module")
def clean():
    return generate_ntu60(NTU60Config(takes_per_class=1, noise=False, seed=4))


@pytest.fixture(scope="module")
def noisy():
    return generate_ntu60(NTU60Config(takes_per_class=1, seed=4))


def _bones(x: np.ndarray) -> np.ndarray:
    """(T, 24) bone lengths of (T, 25, 3) joints."""
    return np.stack([np.linalg.norm(x[:, c] - x[:, p], axis=-1) for c, p in enumerate(LAYOUT.parents) if p >= 0], -1)


def _joints(sset, i: int, body: int = 0) -> np.ndarray:
    """(T, 25, 3) valid frames of sample i."""
    return np.transpose(sset.data[i, :, : sset.num_frames[i], :, body], (1, 2, 0)).astype(np.float64)


def test_sixty_ntu_classes_in_ntu_order(clean):
    assert len(CLASSES) == 60 and clean.class_names == list(NTU60_CLASSES)
    assert [c.ntu_action for c in CLASSES] == list(range(1, 61))
    assert [c.persons for c in CLASSES] == [1] * 49 + [2] * 11
    names = [parse_ntu_name(n) for n in clean.name]
    assert all(n.action == int(lab) + 1 for n, lab in zip(names, clean.label))
    assert len(set(clean.name.tolist())) == len(clean) == 60 * 6
    assert all(c.group and c.difference and 40 <= c.mean_frames <= 145 for c in CLASSES)


def test_three_views_are_one_motion_seen_from_minus45_0_plus45(clean):
    cfg = NTU60Config(takes_per_class=1, noise=False, seed=4)
    for take_start in range(0, len(clean), 6 * 7):  # every 7th class, replication 1
        cls, take, rep, _ = decode_index(take_start, cfg)
        _, info = perform_take(cfg, CLASSES[cls], cls, take, rep, performers(cfg))
        cams = setup_cameras(info["setup"], distance_jitter=info["distance_jitter"], height_jitter=info["height_jitter"])
        world = [camera_to_world(_joints(clean, take_start + c), cams[c]) for c in range(3)]
        np.testing.assert_allclose(world[1], world[0], atol=2e-5)  # float32 storage
        np.testing.assert_allclose(world[2], world[0], atol=2e-5)
        assert [c.azimuth for c in cams] == [0.0, 45.0, -45.0]
        assert {n.camera for n in (parse_ntu_name(clean.name[take_start + c]) for c in range(3))} == {1, 2, 3}


def test_replications_face_the_side_cameras(clean):
    """R001 faces C002, R002 faces C003: in the faced camera's view the performer's left
    shoulder is at smaller X (Kinect convention) and the shoulders lie across the view."""
    for i in range(0, len(clean), 6):
        if CLASSES[int(clean.label[i])].persons == 2 or clean.class_names[int(clean.label[i])] in (
                "walking towards each other", "walking apart from each other", "staggering", "falling"):
            continue
        for rep, cam in ((1, 2), (2, 3)):
            j = i + (rep - 1) * 3 + (cam - 1)
            x = _joints(clean, j)[0]
            across = x[J("shoulder_left")] - x[J("shoulder_right")]
            assert across[0] < -0.15 and abs(across[2]) < 0.12, (clean.name[j], across)
        side = _joints(clean, i + 2)[0]  # R001 seen by C003: a 90-degree side view
        across = side[J("shoulder_left")] - side[J("shoulder_right")]
        assert abs(across[0]) < 0.15, (clean.name[i + 2], across)


def test_set_ups_and_distances_follow_ntu(clean):
    setups = {parse_ntu_name(n).setup for n in clean.name}
    assert setups <= set(range(1, 18)) and len(setups) >= 12
    heights = {h for h, _ in NTU_SETUPS}
    assert min(heights) == 0.5 and max(heights) == 2.7
    root_depth = clean.data[:, 2, 0, J("spine_base"), 0]
    assert 1.5 < root_depth.min() and root_depth.max() < 5.2
    # the camera looks at the performer: the spine base projects near the image centre line
    lateral = np.abs(clean.data[:, 0, 0, J("spine_base"), 0] / root_depth)
    assert np.median(lateral) < 0.2


def test_splits_mean_what_they_mean_on_ntu(clean):
    names = {k: [parse_ntu_name(n) for n in v] for k, v in clean.splits.items()}
    assert all(n.camera in (2, 3) for n in names["xview_train"]) and all(n.camera == 1 for n in names["xview_val"])
    assert len(names["xview_train"]) == 2 * len(names["xview_val"])
    assert all(n.performer in XSUB_TRAIN_PERFORMERS for n in names["xsub_train"])
    assert not any(n.performer in XSUB_TRAIN_PERFORMERS for n in names["xsub_val"])
    assert len(clean.splits["xsub_train"]) + len(clean.splits["xsub_val"]) == len(clean)


def test_performers_range_from_teenagers_to_tall_adults():
    subjects = performers(NTU60Config())
    heights = np.array([s.height for s in subjects.values()])
    assert len(subjects) == 40 and heights.min() < 1.55 and heights.max() > 1.80
    head_share = [s.seg["head"] / s.height for s in subjects.values()]
    assert max(head_share) > 1.05 * min(head_share)  # teenagers' heads are relatively larger


def test_two_person_bodies_face_each_other_and_touch(clean):
    def facing(x):  # (3,) horizontal forward direction of a body in the camera frame
        across = x[J("shoulder_left")] - x[J("shoulder_right")]
        up = x[J("spine_shoulder")] - x[J("spine_base")]
        f = np.cross(across, up)  # left x up = forward for Kinect's right-handed frame
        f[1] = 0.0
        return f / np.linalg.norm(f)

    for name, touch in (("handshaking", ("hand_right", "hand_right")), ("hugging other person", None),
                        ("giving something to other person", None)):
        i = clean.class_names.index(name) * 6 + 1
        a, b = _joints(clean, i, 0), _joints(clean, i, 1)
        t = len(a) // 2
        between = b[t, J("spine_mid")] - a[t, J("spine_mid")]
        between[1] = 0.0
        between /= np.linalg.norm(between)
        assert facing(a[t]) @ between > 0.7 and facing(b[t]) @ -between > 0.7, name
        if touch:
            gap = np.linalg.norm(a[:, J(touch[0])] - b[:, J(touch[1])], axis=-1).min()
            assert gap < 0.12, (name, gap)
    single = [i for i in range(len(clean)) if CLASSES[int(clean.label[i])].persons == 1]
    assert not clean.data[single][..., 1].any()  # single-person samples: the second body is zero


def test_lengths_are_ntu_like_per_class(clean, noisy):
    big = generate_ntu60(NTU60Config(takes_per_class=4, noise=False, seed=4), indices=None)
    means = np.array([big.num_frames[big.label == k].mean() for k in range(60)])
    spec = np.array([c.mean_frames for c in CLASSES])
    assert np.all(np.abs(means - spec) < 0.3 * spec)
    assert big.num_frames.max() <= big.data.shape[2] and big.num_frames.min() >= 30
    assert means.min() < 70 and means.max() > 120  # pointing-like gestures vs jacket-like dressing
    assert not big.data[:, :, 200:].any()
    for i in range(0, len(big), 97):  # padding is exactly zero
        assert not big.data[i, :, big.num_frames[i]:].any()


def test_kinect_observation_is_noisier_at_the_limb_ends(clean, noisy):
    bones_clean, bones_noisy, tip, trunk = [], [], [], []
    for i in range(0, len(clean), 5):
        c, n = _joints(clean, i), _joints(noisy, i)
        d = n - c
        tip.append(np.abs(d[:, [J("hand_tip_left"), J("hand_tip_right"), J("thumb_left"), J("thumb_right")]]).mean())
        trunk.append(np.abs(d[:, [J("spine_base"), J("spine_mid"), J("spine_shoulder")]]).mean())
        bones_clean.append(_bones(c).std(0))
        bones_noisy.append(_bones(n).std(0))
    assert np.median(tip) > 3 * np.median(trunk) > 0
    assert np.max(bones_clean) < 1e-5  # float32 storage of constant bones
    forearm = [k for k, (c, p) in enumerate((c, p) for c, p in enumerate(LAYOUT.parents) if p >= 0)
               if (c, p) == (J("wrist_left"), J("elbow_left"))][0]
    fluct = np.array(bones_noisy)[:, forearm]
    assert 0.003 < np.median(fluct) < 0.03  # real Kinect bone lengths change from frame to frame


def test_sample_i_depends_only_on_seed_and_i(noisy):
    cfg = NTU60Config(takes_per_class=1, seed=4)
    for i in (0, 7, 200, 331, 359):
        one = generate_ntu60(cfg, indices=[i])
        assert one.name[0] == noisy.name[i] and one.num_frames[0] == noisy.num_frames[i]
        np.testing.assert_allclose(one.data[0], noisy.data[i], atol=1e-6)
    other = generate_ntu60(NTU60Config(takes_per_class=1, seed=5), indices=[0])
    assert not np.allclose(other.data[0], noisy.data[0])


def test_action_time_is_warped_but_monotone_with_idle_ends():
    from pipeline.synth.ntu60.world import IDLE_END, IDLE_START, _action_time

    warped = []
    for k in range(50):
        s = _action_time(120, np.random.default_rng(k), 0.5)
        assert np.all(np.diff(s) >= 0) and s[0] == 0.0 and s[-1] == 1.0
        assert (s == 0).sum() >= int(IDLE_START[0] * 120) and (s == 1).sum() >= int(IDLE_END[0] * 120)
        plain = _action_time(120, np.random.default_rng(k), 0.0)  # same onset and end, no warp
        warped.append(np.abs(s - plain).max())
    assert np.median(warped) > 0.05 and max(warped) > 0.1  # performers differ in timing, not only in onset
    np.testing.assert_array_equal(_action_time(120, np.random.default_rng(3), 0.0),
                                  _action_time(120, np.random.default_rng(3), 0.0))


def test_left_handed_performers_perform_mirrored():
    from pipeline.synth.ntu60.world import MIRROR, left_handed, mirror_left_right

    cfg = NTU60Config(takes_per_class=1, noise=False, seed=4)
    lefties = left_handed(cfg)
    assert 0 < len(lefties) < 12  # about 10 % of 40
    assert left_handed(cfg.model_copy(update={"left_handed": 0.0})) == set()
    x = np.random.default_rng(0).normal(size=(2, 5, 25, 3))
    np.testing.assert_array_equal(mirror_left_right(mirror_left_right(x)), x)
    m = mirror_left_right(x)
    np.testing.assert_array_equal(m[..., J("hand_left"), 0], -x[..., J("hand_right"), 0])
    np.testing.assert_array_equal(m[..., J("head"), 1:], x[..., J("head"), 1:])
    assert sorted(MIRROR[[J("spine_base"), J("neck"), J("head")]]) == sorted([J("spine_base"), J("neck"), J("head")])
    # the same take by a left-handed performer is the mirror image of the right-handed one
    from pipeline.synth.ntu60.world import take_slot

    cls = 0
    take = next(k for k in range(40) if take_slot(cfg, cls, k)[0] in lefties)
    ref = cfg.model_copy(update={"left_handed": 0.0})
    w_left, info = perform_take(cfg, CLASSES[cls], cls, take, 1, performers(cfg))
    w_right, _ = perform_take(ref, CLASSES[cls], cls, take, 1, performers(ref))
    assert info["left_handed"] == 1
    # placing the take in the world is a rigid motion: compare all joint-to-joint distances
    d_left = np.linalg.norm(w_left[0, :, :, None] - w_left[0, :, None], axis=-1)
    d_right = np.linalg.norm(w_right[0, :, :, None] - w_right[0, :, None], axis=-1)
    np.testing.assert_allclose(d_left, d_right[:, MIRROR][:, :, MIRROR], atol=1e-9)


def test_split_indices_agree_with_the_generated_splits(clean):
    from pipeline.synth.ntu60.world import split_indices

    cfg = NTU60Config(takes_per_class=1, noise=False, seed=4)
    for bench in ("xview", "xsub"):
        for part in ("train", "val"):
            idx = split_indices(cfg, bench, part)
            assert [str(n) for n in clean.name[idx]] == list(clean.splits[f"{bench}_{part}"])
    with pytest.raises(ValueError, match="no split"):
        split_indices(cfg, "xset", "val")


def test_every_class_keeps_rigid_bones_and_feet_on_the_floor_with_posture(rigid_bones):
    """Posture on: every bone of every body keeps its length (it changes angles only) and no
    joint goes below the floor more than before."""
    from pipeline.synth.ntu60.base import perform

    subjects = performers(NTU60Config())
    for k, spec in enumerate(CLASSES):
        s = np.clip(np.linspace(-0.15, 1.15, 90), 0.0, 1.0)
        people = (subjects[1], subjects[2])[: spec.persons]
        j0 = perform(spec, s, np.random.default_rng(k), people)
        j1 = perform(spec, s, np.random.default_rng(k), people, posture=1.0, posture_rng=np.random.default_rng(k))
        for b in range(spec.persons):
            rigid_bones(j1[b], spec.name)
            assert j1[b][..., 1].min() > j0[b][..., 1].min() - 0.01, spec.name
            assert np.abs(j1[b] - j0[b]).max() < 0.08, spec.name


def test_vague_performances_blend_in_a_group_neighbour_and_zero_changes_nothing(clean):
    from pipeline.synth.ntu60.classes import FINE_GRAINED_GROUPS
    from pipeline.synth.ntu60.world import mix_partner

    cfg = NTU60Config(takes_per_class=1, noise=False, seed=4)
    vague = cfg.model_copy(update={"mix": 0.5})
    weights = []
    for cls, spec in enumerate(CLASSES):
        other, w = mix_partner(vague, cls, 0, 1)
        if spec.persons == 2 or spec.group not in FINE_GRAINED_GROUPS:
            assert other is None and w == 0.0, spec.name
        else:
            assert other.group == spec.group and other is not spec and 0.0 <= w <= 0.5, spec.name
            weights.append(w)
        assert mix_partner(cfg, cls, 0, 1) == (None, 0.0)
    assert len(weights) == 37 and np.ptp(weights) > 0.2
    # writing performed vaguely lies between writing and the neighbour it borrows from
    cls = next(i for i, c in enumerate(CLASSES) if c.name == "writing")
    other, w = mix_partner(vague, cls, 0, 1)
    subjects = performers(cfg)
    plain, _ = perform_take(cfg, CLASSES[cls], cls, 0, 1, subjects)
    mixed, info = perform_take(vague, CLASSES[cls], cls, 0, 1, subjects)
    assert info["mix_class"] == CLASSES.index(other) and info["mix_weight"] == w
    assert w > 0 and np.abs(mixed - plain).max() > 0.01
    again, _ = perform_take(vague, CLASSES[cls], cls, 0, 1, subjects)
    np.testing.assert_array_equal(mixed, again)
    full, _ = perform_take(vague.model_copy(update={"mix": 0.0}), CLASSES[cls], cls, 0, 1, subjects)
    np.testing.assert_array_equal(full, plain)  # mix = 0: the take as it always was
    # and the set's meta says which neighbour and how much
    s = generate_ntu60(vague, indices=[6 * cls, 6 * cls + 1])
    assert list(s.sample_meta["mix_class"]) == [CLASSES.index(other)] * 2
    assert int(clean.sample_meta["mix_class"].max()) == -1


def test_blending_programs_takes_the_short_way_round_and_respects_limits():
    from pipeline.synth.ntu60.base import JOINT_LIMITS_60, blend_programs

    d = {"l_sh_azim": np.array([170.0]), "l_elbow": np.array([10.0]), "l_knee": np.array([10.0]),
         "l_hip_flex": np.array([0.0])}
    other = {"l_sh_azim": np.array([-170.0]), "l_elbow": np.array([150.0]), "l_knee": np.array([10.0]),
             "l_hip_flex": np.array([0.0]), "l_grip": np.array([1.0]), "l_ankle": np.array([30.0])}
    blend_programs(d, other, 0.5)
    assert abs(abs(d["l_sh_azim"][0]) - 180.0) < 1e-9  # 170 -> -170 through 180, not through 0
    assert d["l_elbow"][0] == 80.0 and d["l_grip"][0] == 0.5
    assert d["l_ankle"][0] == 20.0  # the left-out ankle counted as flat-footed: knee - hip_flex = 10
    assert JOINT_LIMITS_60["elbow"][0] <= d["l_elbow"][0] <= JOINT_LIMITS_60["elbow"][1]


def test_attitude_is_the_classs_for_every_take_and_zero_changes_nothing():
    from pipeline.synth.ntu60.world import take_attitude

    cfg = NTU60Config(takes_per_class=2, noise=False, seed=4)
    bent = cfg.model_copy(update={"attitude_deg": 2.0})
    s = np.linspace(0.0, 1.0, 40)
    assert take_attitude(cfg, 3, 0, 1, s) is None
    a, b = take_attitude(bent, 3, 0, 1, s), take_attitude(bent, 3, 1, 1, s)
    np.testing.assert_array_equal(a["trunk_flex"], take_attitude(bent, 3, 0, 1, s)["trunk_flex"])  # deterministic
    assert not np.array_equal(a["trunk_flex"], b["trunk_flex"])  # takes differ ...
    # ... but share the class's component: two takes of one class agree more than two classes
    def corr(x, y):
        u = np.concatenate([x[k] for k in sorted(x)])
        v = np.concatenate([y[k] for k in sorted(y)])
        return float(np.corrcoef(u, v)[0, 1])
    same = np.mean([corr(take_attitude(bent, c, 0, 1, s), take_attitude(bent, c, 1, 2, s)) for c in range(20)])
    diff = np.mean([corr(take_attitude(bent, c, 0, 1, s), take_attitude(bent, c + 20, 1, 2, s)) for c in range(20)])
    assert same > diff + 0.15, (same, diff)

    subjects = performers(cfg)
    for cls in (1, 25, 51):  # drink water, wear on glasses, pat on back (the partner keeps its motion)
        plain, _ = perform_take(cfg, CLASSES[cls], cls, 0, 1, subjects)
        moved, info = perform_take(bent, CLASSES[cls], cls, 0, 1, subjects)
        assert plain.shape == moved.shape
        np.testing.assert_allclose(moved[:, 0], plain[:, 0], atol=1e-12)  # the idle first frame
        assert 0.005 < np.abs(moved[0] - plain[0]).max() < 0.25, CLASSES[cls].name
        np.testing.assert_allclose(_bones(moved[0]), _bones(plain[0]), atol=1e-9)  # angles only: bones kept
        if CLASSES[cls].persons == 2:
            # the partner is placed relative to the actor's root, whose trunk may lean: only its own DOFs are kept
            np.testing.assert_allclose(_bones(moved[1]), _bones(plain[1]), atol=1e-9)
    # attitude 0 leaves the generated set bit-identical
    np.testing.assert_array_equal(generate_ntu60(cfg, indices=[0, 7]).data,
                                  generate_ntu60(cfg.model_copy(update={"attitude_deg": 0.0}), indices=[0, 7]).data)


def test_pairs_across_the_middle_view_and_every_joint_in_the_sensors_range():
    from pipeline.synth.recording import KINECT_MIN_DEPTH, world_to_camera

    cfg = NTU60Config(takes_per_class=20, noise=False, seed=0)
    fixed = cfg.model_copy(update={"pair_across": True, "keep_in_range": True})
    subjects = performers(cfg)
    walks = [i for i, c in enumerate(CLASSES) if c.ntu_action in (43, 58, 59, 60)]  # falling, handshake, walks
    for cls in walks:
        for take in range(0, 20, 3):
            for rep in (1, 2):
                old, info_old = perform_take(cfg, CLASSES[cls], cls, take, rep, subjects)
                new, info = perform_take(fixed, CLASSES[cls], cls, take, rep, subjects)
                cams = setup_cameras(info["setup"], distance_jitter=info["distance_jitter"],
                                     height_jitter=info["height_jitter"])
                nearest = min(float(world_to_camera(new, cam)[..., 2].min()) for cam in cams)
                assert nearest >= KINECT_MIN_DEPTH - 1e-9, (CLASSES[cls].name, take, rep)
                assert info["distance_jitter"] >= info_old["distance_jitter"]
                if CLASSES[cls].persons == 1:
                    np.testing.assert_allclose(new, old)  # a one-person take is only ever seen from further
                    continue
                # the same interaction (distances between and within the bodies), only turned and moved
                np.testing.assert_allclose(np.linalg.norm(new[0, :, 0] - new[1, :, 0], axis=-1),
                                           np.linalg.norm(old[0, :, 0] - old[1, :, 0], axis=-1), atol=1e-9)
                line = (new[1, :, 0] - new[0, :, 0]).mean(axis=0)
                assert abs(line[0]) > 2 * abs(line[2]), (CLASSES[cls].name, line)  # across the middle camera's axis
                mid = new[:, :, 0, :].mean(axis=(0, 1))
                assert abs(mid[0]) <= 0.26 and abs(mid[2]) <= 0.26  # centred on the spot (+- its offset)
    # both off: exactly version 2
    a = generate_ntu60(cfg, indices=[6 * walks[-1]])
    b = generate_ntu60(cfg.model_copy(update={"pair_across": False, "keep_in_range": False}), indices=[6 * walks[-1]])
    np.testing.assert_array_equal(a.data, b.data)

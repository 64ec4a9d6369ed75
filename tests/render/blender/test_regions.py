import numpy as np

from render.appearance import body_region_rules
from render.blender.dress import face_materials
from render.blender.regions import bone_regions, face_labels, hair_mask, vertex_regions


def test_anny_bones_map_to_expected_regions():
    rules = body_region_rules("anny")
    names = ["root", "upperleg01.L", "lowerleg02.R", "toe1-1.L", "spine03", "upperarm02.L", "lowerarm01.R",
             "finger2-3.L", "clavicle.R", "neck02", "head", "eye.L"]
    reg = bone_regions(names, rules["rules"], rules["regions"], rules["default_region"])
    got = [rules["regions"][i] for i in reg]
    assert got == ["hips", "upper_leg", "lower_leg", "foot", "torso", "upper_arm", "lower_arm", "hand",
                   "shoulder", "neck", "head", "eyes"]


def test_smplx_bones_map_to_expected_regions():
    rules = body_region_rules("smplx")
    names = ["pelvis", "left_hip", "right_knee", "left_ankle", "spine2", "left_shoulder", "right_elbow",
             "left_index1", "right_collar", "neck", "jaw", "left_eye_smplhf"]
    got = [rules["regions"][i] for i in bone_regions(names, rules["rules"], rules["regions"], rules["default_region"])]
    assert got == ["hips", "upper_leg", "lower_leg", "foot", "torso", "upper_arm", "lower_arm", "hand",
                   "shoulder", "neck", "head", "eyes"]


def test_vertex_and_face_labels_follow_the_heaviest_region():
    w = np.array([[0.6, 0.4, 0.0], [0.2, 0.3, 0.5], [0.0, 0.0, 1.0]])
    bone_region = np.array([0, 1, 1])  # bones 1 and 2 form region 1
    np.testing.assert_array_equal(vertex_regions(w, bone_region, 2), [0, 1, 1])
    np.testing.assert_array_equal(face_labels(np.array([[0, 1, 2], [1, 0, 0]]), np.array([0, 1, 1])), [1, 0])


def test_hair_is_on_top_and_back_of_head():
    v = np.array([[0, 0, 1.0], [0, -0.1, 1.05], [0, 0.1, 1.05], [0, 0, 1.2], [0, 0.1, 0.95], [0, -0.1, 0.95]])
    reg = np.array([0, 0, 0, 0, 1, 1])
    m = hair_mask(v, reg, head=0, neck=1, top_fraction=0.7, back_fraction=0.2, neck_back=True)
    np.testing.assert_array_equal(m, [False, False, True, True, True, False])
    m = hair_mask(v, reg, head=0, neck=1, top_fraction=0.7, back_fraction=0.2, neck_back=False)
    np.testing.assert_array_equal(m, [False, False, True, True, False, False])


def test_garments_cover_their_regions(tiny_rig):
    from render.appearance import sample_appearance

    app = sample_appearance(1, "anny", garment="tshirt_jeans")
    app["body_regions"] = body_region_rules("anny")
    rig = tiny_rig
    names = ("root", "spine03", "head", "upperarm01.L", "lowerarm01.L")
    slots, face_slot, counts = face_materials(names, rig.weights, rig.vertices, rig.faces, app)
    assert slots[:2] == ["skin", "eyes"] and "top" in slots and "bottom" in slots
    # spine box (bone 1) is torso -> top; forearm box (bone 4) is lower arm -> skin (short sleeves)
    assert np.all(face_slot[12:24] == slots.index("top"))
    assert np.all(face_slot[48:60] == 0)
    assert np.all(face_slot[0:12] == slots.index("bottom"))  # root = hips

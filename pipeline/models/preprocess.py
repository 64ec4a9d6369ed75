"""Recogniser input transforms as differentiable torch functions.

ST-GCN takes raw camera coordinates (no transform). 2s-AGCN was trained on NTU data that
went through the official ``pre_normalization`` and, for its bone stream, a bone
transform (MS-G3D's data generation, ``data_gen/preprocess.py`` and
``gen_bone_data.py``, is the same, and its test feeder adds nothing); CTR-GCN on NTU
data translated to the first frame's spine and, in its feeder, cropped and resized in
time, then bone / motion transformed (:func:`ctrgcn_input`). An adversarial skeleton
from another model must go through the same steps to be evaluated fairly, and gradients
must flow through them. Everything here maps ``(N, C, T, V, M)`` to ``(N, C, T, V, M)``;
indices (which frames, which joints) are chosen from the data without gradient, values
are gathered differentiably.

The official ``pre_normalization`` (NTU layout), per sample:

1. **Pad null frames.** For each non-empty body: if its first frame is empty, its
   non-empty frames are packed to the front (in order). Then, if the body ends in a run
   of empty frames starting at frame ``L`` (``L`` = last non-empty frame + 1), frame
   ``t >= L`` becomes a copy of frame ``t mod L``: frames ``0..L-1`` repeated cyclically,
   including any empty frames in the middle (the official loop stops at the first empty
   frame that has only empty frames after it). A body whose last frame is non-empty is
   left as it is, gaps included. ("Empty" here: every coordinate zero; the official code
   tests a zero coordinate sum, which differs only for data whose coordinates cancel
   exactly.)
2. **Centre** every body on body 0's ``spine_mid`` of the same frame; joints that are
   all-zero stay zero.
3. **Rotate** (one rotation per sample, from frame 0 of body 0) so that the bone
   ``spine_base -> spine_mid`` is parallel to +z, then so that ``shoulder_left ->
   shoulder_right`` (right minus left) is parallel to +x. The rotation taking unit ``u``
   to unit ``e`` about ``u x e`` is written in closed form, ``R = I + [w]x + [w]x^2 /
   (1 + u.e)`` with ``w = u x e``, which equals the official axis-angle construction but
   has finite gradients; as in the official code it is the identity when the raw cross
   product is below 1e-6 (already aligned, anti-parallel or degenerate).
"""

from __future__ import annotations

import torch

from pipeline.layouts import Layout

#: 2s-AGCN bone pairs for the Kinetics/OpenPose layout (0-based ``(joint, partner)``),
#: from the official ``gen_bone_data``: the root nose pairs with itself.
OPENPOSE_BONE_PAIRS: tuple[tuple[int, int], ...] = (
    (0, 0), (1, 0), (2, 1), (3, 2), (4, 3), (5, 1), (6, 5), (7, 6), (8, 2), (9, 8), (10, 9),
    (11, 5), (12, 11), (13, 12), (14, 0), (15, 0), (16, 14), (17, 15))


def frame_presence(x: torch.Tensor) -> torch.Tensor:
    """``(N, M, T)`` bool: the body has at least one non-zero coordinate in the frame."""
    return (x != 0).any(dim=3).any(dim=1).permute(0, 2, 1)


def pad_null_frames(x: torch.Tensor) -> torch.Tensor:
    """Step 1 of the official pre-normalisation (see module docstring), vectorised.

    Args:
        x: ``(N, C, T, V, M)``.
    Returns:
        ``(N, C, T, V, M)``; gradients flow to the gathered source frames.
    """
    n, c, t, v, m = x.shape
    present = frame_presence(x)  # N x M x T
    count = present.sum(-1)  # N x M
    steps = torch.arange(t, device=x.device)
    repack = ~present[..., 0] & (count > 0)  # N x M: first frame empty -> pack to the front
    end = (present * (steps + 1)).amax(-1)  # N x M: last non-empty frame + 1 (0 if none)
    length = torch.where(repack, count, end).clamp(min=1)  # frames 0..length-1 are kept
    cyc = steps[None, None, :] % length[..., None]  # N x M x T: t for t < length
    # present frames first, in time order
    order = torch.argsort((~present).to(torch.int8), dim=-1, stable=True)  # N x M x T
    index = torch.where(repack[..., None], torch.gather(order, -1, cyc), cyc)  # N x M x T
    index = torch.where((count > 0)[..., None], index, steps)  # absent bodies: untouched
    gather = index.permute(0, 2, 1)[:, None, :, None, :].expand(n, c, t, v, m)
    return torch.gather(x, 2, gather)


def center_on_joint(x: torch.Tensor, joint: int) -> torch.Tensor:
    """Step 2: subtract body 0's ``joint`` (per frame) from every body; all-zero joints
    stay zero. ``(N, C, T, V, M) -> (N, C, T, V, M)``."""
    centre = x[:, :, :, joint:joint + 1, 0:1]  # N x C x T x 1 x 1
    keep = (x != 0).any(dim=1, keepdim=True).to(x.dtype)  # N x 1 x T x V x M
    return (x - centre) * keep


def center_on_first_frame(x: torch.Tensor, joint: int) -> torch.Tensor:
    """Translate every body of a sample by minus body 0's ``joint`` at frame 0 (one vector
    per sample, so motion, trajectories and the bodies' relative placement are kept);
    all-zero joints (padding, absent bodies) stay zero. ``(N, C, T, V, M) -> same``."""
    origin = x[:, :, 0:1, joint:joint + 1, 0:1]  # N x C x 1 x 1 x 1
    keep = (x != 0).any(dim=1, keepdim=True).to(x.dtype)
    return (x - origin) * keep


def _skew(w: torch.Tensor) -> torch.Tensor:
    """``(..., 3) -> (..., 3, 3)`` cross-product matrices."""
    zero = torch.zeros_like(w[..., 0])
    return torch.stack((
        torch.stack((zero, -w[..., 2], w[..., 1]), -1),
        torch.stack((w[..., 2], zero, -w[..., 0]), -1),
        torch.stack((-w[..., 1], w[..., 0], zero), -1),
    ), -2)


def align_rotation(vec: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Rotation matrices ``(N, 3, 3)`` turning ``vec`` ``(N, 3)`` onto the unit axis
    ``target`` ``(3,)``; identity where ``|vec x target|_1 < 1e-6`` (official rule)."""
    raw = torch.cross(vec, target.expand_as(vec), dim=-1)
    degenerate = raw.abs().sum(-1) < 1e-6  # N
    norm = vec.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    unit = vec / norm
    w = torch.cross(unit, target.expand_as(unit), dim=-1)
    cos = (unit * target).sum(-1)
    scale = 1.0 / (1.0 + cos).clamp(min=1e-6)
    skew = _skew(w)
    eye = torch.eye(3, dtype=vec.dtype, device=vec.device).expand_as(skew)
    rot = eye + skew + (skew @ skew) * scale[:, None, None]
    return torch.where(degenerate[:, None, None], eye, rot)


def rotate(x: torch.Tensor, rot: torch.Tensor) -> torch.Tensor:
    """Apply per-sample rotations ``(N, 3, 3)`` to ``(N, 3, T, V, M)`` coordinates."""
    return torch.einsum("nij,njtvm->nitvm", rot, x)


def agcn_pre_normalize(x: torch.Tensor, layout: Layout) -> torch.Tensor:
    """The official 2s-AGCN ``pre_normalization`` for the NTU layout (module docstring).

    Args:
        x: ``(N, 3, T, V, M)`` raw Kinect camera coordinates, metres, zero-padded.
        layout: the NTU-25 layout (joints looked up by name).
    Returns:
        ``(N, 3, T, V, M)`` normalised coordinates, differentiable w.r.t. ``x``.
    """
    if x.shape[1] != 3:
        raise ValueError(f"pre-normalisation needs 3 coordinate channels, got C={x.shape[1]}")
    spine_base, spine_mid = layout.index("spine_base"), layout.index("spine_mid")
    shoulder_l, shoulder_r = layout.index("shoulder_left"), layout.index("shoulder_right")
    x = pad_null_frames(x)
    x = center_on_joint(x, spine_mid)
    z_axis = torch.tensor([0.0, 0.0, 1.0], dtype=x.dtype, device=x.device)
    x_axis = torch.tensor([1.0, 0.0, 0.0], dtype=x.dtype, device=x.device)
    first = x[:, :, 0, :, 0]  # N x 3 x V: frame 0 of body 0
    x = rotate(x, align_rotation(first[:, :, spine_mid] - first[:, :, spine_base], z_axis))
    first = x[:, :, 0, :, 0]
    return rotate(x, align_rotation(first[:, :, shoulder_r] - first[:, :, shoulder_l], x_axis))


def bone_partners(layout: Layout) -> tuple[int, ...]:
    """For every joint, the joint its 2s-AGCN bone vector is measured from (0-based):
    ``bone[v] = joint[v] - joint[partner[v]]``. NTU: the graph edges ``(child, parent)``
    plus ``(spine_shoulder, spine_shoulder)``; OpenPose: the official Kinetics pairs."""
    if layout.name == "openpose18":
        partner = dict(OPENPOSE_BONE_PAIRS)
    else:
        partner = {i: j for i, j in layout.graph_edges}
        partner.setdefault(layout.graph_center, layout.graph_center)
    missing = [layout.joint_names[v] for v in range(layout.num_joints) if v not in partner]
    if missing:
        raise ValueError(f"layout {layout.name}: no bone partner for {', '.join(missing)}")
    return tuple(partner[v] for v in range(layout.num_joints))


def bone_transform(x: torch.Tensor, layout: Layout) -> torch.Tensor:
    """2s-AGCN bone stream input: ``bone[..., v, :] = x[..., v, :] - x[..., partner(v), :]``.

    ``(N, C, T, V, M) -> (N, C, T, V, M)``; every channel is differenced (for Kinetics
    data that includes the score channel).
    """
    idx = torch.tensor(bone_partners(layout), device=x.device)
    return x - x.index_select(3, idx)


def valid_length(x: torch.Tensor) -> torch.Tensor:
    """``(N,)`` int64: last frame in which any body has a non-zero coordinate, plus one
    (at least 1, so an all-zero sample counts as one frame). ``x``: ``(N, C, T, V, M)``."""
    present = (x != 0).any(dim=1).any(dim=2).any(dim=2)  # N x T
    steps = torch.arange(1, x.shape[2] + 1, device=x.device)
    return (present * steps).amax(-1).clamp(min=1)


def resize_valid_frames(x: torch.Tensor, window: int) -> torch.Tensor:
    """Resample each sample's valid frames (:func:`valid_length`) to ``window`` frames.

    Linear interpolation in time with PyTorch's ``align_corners=False`` rule: output frame
    ``j`` reads source time ``(j + 0.5) L / window - 0.5`` clamped to ``[0, L - 1]``, which
    is ``F.interpolate(mode="linear", align_corners=False)`` applied to frames ``0..L-1``
    (the temporal resize the CTR-GCN feeder applies, here without its crop:
    :func:`crop_resize_valid_frames` has it; the official MS-G3D feeder has no resize).
    As there, a body that is absent in some frames (all zero) is blended with its present
    frames where the two meet.
    The padding after ``L`` is never read, so a sample's prediction does not depend on how
    much zero padding it carries. Indices and weights come from the data without gradient;
    values are blended differentiably.

    Args:
        x: ``(N, C, T, V, M)``.
        window: output frames ``W >= 1``.
    Returns:
        ``(N, C, W, V, M)``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    length = valid_length(x)
    return resample_frames(x, torch.zeros_like(length), length, window)


def zero_pad_frames(x: torch.Tensor, frames: int) -> torch.Tensor:
    """Zero-pad ``x`` in time to ``frames`` frames, as the official ST-GCN feeder reads NTU
    (every sequence zero-padded to 300 frames): the network then pools the motion's
    features together with the padding's. Frames beyond ``frames`` are dropped only when
    every sample is all zero there.

    Args:
        x: ``(N, C, T, V, M)``.
        frames: output frames ``P >= 1``.
    Returns:
        ``(N, C, P, V, M)``, frames ``T..P-1`` zero.
    Raises:
        ValueError: a sample has a non-zero frame at or beyond ``frames``.
    """
    if frames < 1:
        raise ValueError(f"padded length must be at least 1, got {frames}")
    t = x.shape[2]
    if t > frames:
        longest = int(valid_length(x).max())
        if longest > frames:
            raise ValueError(f"a sample has {longest} frames, more than the padded length {frames}")
        return x[:, :, :frames]
    if t == frames:
        return x
    return torch.cat((x, x.new_zeros(*x.shape[:2], frames - t, *x.shape[3:])), dim=2)


def resample_frames(x: torch.Tensor, start: torch.Tensor, length: torch.Tensor, window: int) -> torch.Tensor:
    """Frames ``start .. start + length - 1`` of each sample resampled linearly to ``window``
    frames (``align_corners=False``: output frame ``j`` reads source time ``start + clamp((j
    + 0.5) length / window - 0.5, 0, length - 1)``).

    Args:
        x: ``(N, C, T, V, M)``.
        start, length: ``(N,)`` integer tensors, ``length >= 1``, ``start + length <= T``.
        window: output frames.
    Returns:
        ``(N, C, W, V, M)``, differentiable with respect to ``x``.
    """
    n, c, _, v, m = x.shape
    # source times in float64 whatever the input's precision (bf16 cannot count frames)
    size = length.to(torch.float64)  # N
    j = torch.arange(window, device=x.device, dtype=torch.float64)
    src = ((j[None, :] + 0.5) * size[:, None] / window - 0.5).clamp(min=0.0)
    src = torch.minimum(src, (size - 1)[:, None])
    i0 = src.floor().long()  # N x W
    i1 = torch.minimum(i0 + 1, (length - 1).long()[:, None])
    w1 = (src - i0.to(torch.float64)).to(x.dtype)[:, None, :, None, None]
    first = start.long()[:, None]

    def take(idx: torch.Tensor) -> torch.Tensor:
        idx = (first + idx)[:, None, :, None, None].expand(n, c, window, v, m)
        return torch.gather(x, 2, idx)
    return take(i0) * (1.0 - w1) + take(i1) * w1


#: CTR-GCN's test-time feeder (official configs): the central 95 % of the valid frames,
#: resized to 64 frames.
CTRGCN_WINDOW = 64
CTRGCN_TEST_CROP = 0.95


def present_frame_count(x: torch.Tensor) -> torch.Tensor:
    """``(N,)`` int64: the number of frames in which any body has a non-zero coordinate (at
    least 1). The CTR-GCN feeder's ``valid_frame_num`` (it tests a non-zero coordinate
    sum, which differs only for data whose coordinates cancel exactly). Unlike
    :func:`valid_length` it does not count empty frames inside the sequence."""
    present = (x != 0).any(dim=1).any(dim=2).any(dim=2)  # N x T
    return present.sum(-1).clamp(min=1)


def crop_resize_valid_frames(x: torch.Tensor, window: int = CTRGCN_WINDOW,
                             crop: float = CTRGCN_TEST_CROP) -> torch.Tensor:
    """The CTR-GCN feeder's test-time ``valid_crop_resize``: of the first ``L``
    (:func:`present_frame_count`) frames keep the central ones, from ``b = floor((1 - crop)
    L / 2)`` to ``L - b - 1``, and resample them linearly to ``window`` frames
    (:func:`resample_frames`; the official bilinear ``F.interpolate`` with
    ``align_corners=False`` leaves the joint axis unchanged). The official code counts the
    non-empty frames but crops from frame 0, so with empty frames inside a sequence its
    last frames are dropped; this does the same.

    Args:
        x: ``(N, C, T, V, M)``.
        window: output frames (official 64).
        crop: kept share of the valid frames, in ``(0, 1]`` (official test value 0.95).
    Returns:
        ``(N, C, window, V, M)``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    if not 0.0 < crop <= 1.0:
        raise ValueError(f"crop must be in (0, 1], got {crop}")
    length = present_frame_count(x)
    bias = torch.floor((1.0 - crop) * length.to(torch.float64) / 2).long()
    return resample_frames(x, bias, length - 2 * bias, window)


def first_present_frame(x: torch.Tensor, body: int = 0) -> torch.Tensor:
    """``(N,)`` int64: the first frame in which ``body`` has a non-zero coordinate (0 if
    it has none)."""
    present = frame_presence(x)[:, body]  # N x T
    return present.to(torch.int8).argmax(-1)


def ctrgcn_translate(x: torch.Tensor, layout: Layout) -> torch.Tensor:
    """The CTR-GCN data generation's ``seq_translation`` (``data/ntu/seq_transformation.py``,
    after SGN): every body of a sample is translated by minus body 0's ``spine_mid`` in
    body 0's first non-empty frame (one vector per sample); body-frames that were empty
    stay zero.

    The official script re-zeroes the empty frames of a body only in two-body samples and
    tests them by a zero coordinate sum; for a one-body sample with empty frames inside
    it, those frames would become minus the origin there. Here every empty body-frame
    (all coordinates zero) stays zero.

    Args:
        x: ``(N, C, T, V, M)`` raw coordinates, NTU layout.
        layout: the layout (``spine_mid`` is looked up by name).
    Returns:
        ``(N, C, T, V, M)``, differentiable with respect to ``x``.
    """
    joint = layout.index("spine_mid")
    frame = first_present_frame(x)  # N
    n, c = x.shape[:2]
    origin = torch.gather(x[:, :, :, joint, 0], 2, frame[:, None, None].expand(n, c, 1))  # N x C x 1
    keep = frame_presence(x).permute(0, 2, 1)[:, None, :, None, :].to(x.dtype)  # N x 1 x T x 1 x M
    return (x - origin[..., None, None]) * keep


def motion_transform(x: torch.Tensor) -> torch.Tensor:
    """The CTR-GCN feeder's motion modality: frame ``t`` becomes ``x[t + 1] - x[t]``, the
    last frame zero. ``(N, C, T, V, M) -> (N, C, T, V, M)``."""
    return torch.cat((x[:, :, 1:] - x[:, :, :-1], torch.zeros_like(x[:, :, :1])), dim=2)


def ctrgcn_input(x: torch.Tensor, layout: Layout, *, bone: bool = False, motion: bool = False,
                 window: int = CTRGCN_WINDOW, crop: float = CTRGCN_TEST_CROP) -> torch.Tensor:
    """Raw skeletons as the official CTR-GCN test pipeline feeds them to the network, in
    its order: the data generation's translation (:func:`ctrgcn_translate`; NTU layout
    only, as the official pipeline has no other), the feeder's central crop and resize
    (:func:`crop_resize_valid_frames`), then the bone modality (the official
    ``ntu_pairs`` are 2s-AGCN's: :func:`bone_transform`) and the motion modality
    (:func:`motion_transform`).

    Args:
        x: ``(N, C, T, V, M)`` raw coordinates.
        layout: the data's layout.
        bone, motion: the stream's modality.
        window, crop: the feeder's ``window_size`` and test ``p_interval``.
    Returns:
        ``(N, C, window, V, M)``.
    """
    if layout.name == "ntu25":
        x = ctrgcn_translate(x, layout)
    x = crop_resize_valid_frames(x, window, crop)
    if bone:
        x = bone_transform(x, layout)
    if motion:
        x = motion_transform(x)
    return x

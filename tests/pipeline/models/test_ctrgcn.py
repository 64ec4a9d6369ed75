"""CTR-GCN: official key names and shapes, strict loading, a functional reference forward,
the official test-time input pipeline, input errors, recogniser use and one training step.

The references here are written from the official definitions (Uason-Chen/CTR-GCN:
``model/ctrgcn.py``, ``graph/ntu_rgb_d.py`` + ``graph/tools.py``,
``feeders/feeder_ntu.py`` + ``feeders/tools.py`` + ``feeders/bone_pairs.py``,
``data/ntu/seq_transformation.py``, the test feeder arguments of the NTU configs), as
plain tensor functions reading the state dict, not from the modules under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts import NTU25
from pipeline.models import build_recognizer, create_model, load_recognizer, save_recognizer
from pipeline.models.ctrgcn import CTRGCN
from pipeline.models.preprocess import crop_resize_valid_frames, ctrgcn_input, ctrgcn_translate

#: ``graph/ntu_rgb_d.py``: 1-based inward edges (child, parent).
NTU_INWARD_1BASED = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21),
                     (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1),
                     (18, 17), (19, 18), (20, 19), (22, 23), (23, 8), (24, 25), (25, 12)]
#: ``feeders/bone_pairs.py``: 1-based (joint, partner) of the bone modality.
NTU_BONE_PAIRS = NTU_INWARD_1BASED[:20] + [(22, 23), (21, 21), (23, 8), (24, 25), (25, 12)]
#: Unit plan of ``Model``: (in, out, stride, residual) in multiples of the base width.
PLAN = [(0, 1, 1, False), (1, 1, 1, True), (1, 1, 1, True), (1, 1, 1, True), (1, 2, 2, True),
        (2, 2, 1, True), (2, 2, 1, True), (2, 4, 2, True), (4, 4, 1, True), (4, 4, 1, True)]


def _bn(prefix: str, n: int) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (n,)), (f"{prefix}.bias", (n,)), (f"{prefix}.running_mean", (n,)),
            (f"{prefix}.running_var", (n,)), (f"{prefix}.num_batches_tracked", ())]


def _conv(prefix: str, out: int, cin: int, kt: int = 1) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (out, cin, kt, 1)), (f"{prefix}.bias", (out,))]


def _widths(channels: int, width: int) -> list[tuple[int, int, int, bool]]:
    return [(channels if i == 0 else i * width, o * width, s, r) for i, o, s, r in PLAN]


def official_ctrgcn_keys(num_class: int, num_point: int = 25, num_person: int = 2, *, channels: int = 3,
                         width: int = 64, adaptive: bool = True) -> dict[str, tuple[int, ...]]:
    """The official ``Model`` state dict: data_bn over M*C*V; per unit, unit_gcn (PA, alpha,
    3 CTRGCs with conv1/conv2 to rel channels = 8 for C in (3, 9) else in/8, conv3 to out,
    conv4 rel -> out; down where in != out; bn), MultiScale_TemporalConv (4 branches of
    out/4 channels: [1x1, BN, ReLU, TemporalConv(5x1)] x2, [1x1, BN, ReLU, MaxPool, BN],
    [1x1 strided, BN]), unit_tcn residual (kernel 1) where in != out or stride 2 except
    l1; fc."""
    v = num_point
    keys = _bn("data_bn", num_person * channels * v)
    for u, (cin, cout, _, residual) in enumerate(_widths(channels, width), start=1):
        g, t = f"l{u}.gcn1", f"l{u}.tcn1"
        rel = 8 if cin in (3, 9) else cin // 8
        for i in range(3):
            keys += _conv(f"{g}.convs.{i}.conv1", rel, cin) + _conv(f"{g}.convs.{i}.conv2", rel, cin)
            keys += _conv(f"{g}.convs.{i}.conv3", cout, cin) + _conv(f"{g}.convs.{i}.conv4", cout, rel)
        if cin != cout:
            keys += _conv(f"{g}.down.0", cout, cin) + _bn(f"{g}.down.1", cout)
        if adaptive:
            keys.append((f"{g}.PA", (3, v, v)))
        keys.append((f"{g}.alpha", (1,)))
        keys += _bn(f"{g}.bn", cout)
        b = cout // 4
        for br in (0, 1):
            keys += _conv(f"{t}.branches.{br}.0", b, cout) + _bn(f"{t}.branches.{br}.1", b)
            keys += _conv(f"{t}.branches.{br}.3.conv", b, b, 5) + _bn(f"{t}.branches.{br}.3.bn", b)
        keys += _conv(f"{t}.branches.2.0", b, cout) + _bn(f"{t}.branches.2.1", b) + _bn(f"{t}.branches.2.4", b)
        keys += _conv(f"{t}.branches.3.0", b, cout) + _bn(f"{t}.branches.3.1", b)
        if residual and cin != cout:
            keys += _conv(f"l{u}.residual.conv", cout, cin) + _bn(f"l{u}.residual.bn", cout)
    keys += [("fc.weight", (num_class, 4 * width)), ("fc.bias", (num_class,))]
    return dict(keys)


def official_ntu_graph() -> torch.Tensor:
    """``graph/tools.get_spatial_graph``: stack of I, inward and outward, where
    ``edge2mat`` sets ``A[j, i] = 1`` for the pair ``(i, j)`` and ``normalize_digraph``
    divides every column by its sum."""
    inward = torch.zeros(25, 25, dtype=torch.float64)
    for i, j in NTU_INWARD_1BASED:
        inward[j - 1, i - 1] = 1
    outward = inward.T.clone()

    def norm(a: torch.Tensor) -> torch.Tensor:
        col = a.sum(0)
        return a / torch.where(col > 0, col, torch.ones_like(col))
    return torch.stack((torch.eye(25, dtype=torch.float64), norm(inward), norm(outward))).float()


# ----------------------------------------------------------------------- reference forward

def _ref_bn(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str) -> torch.Tensor:
    return F.batch_norm(x, sd[f"{p}.running_mean"], sd[f"{p}.running_var"], sd[f"{p}.weight"],
                        sd[f"{p}.bias"], training=False, eps=1e-5)


def _ref_1x1(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str, stride: int = 1) -> torch.Tensor:
    w, b = sd[f"{p}.weight"][:, :, 0, 0], sd[f"{p}.bias"]
    return torch.einsum("oc,nctv->notv", w, x[:, :, ::stride]) + b[None, :, None, None]


def _ref_ctrgc(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str, adj: torch.Tensor,
               alpha: torch.Tensor) -> torch.Tensor:
    x1 = _ref_1x1(x, sd, f"{p}.conv1").mean(2)  # N x R x V (mean over T)
    x2 = _ref_1x1(x, sd, f"{p}.conv2").mean(2)
    x3 = _ref_1x1(x, sd, f"{p}.conv3")  # N x C x T x V
    rel = torch.tanh(x1[:, :, :, None] - x2[:, :, None, :])  # N x R x U x V
    w4, b4 = sd[f"{p}.conv4.weight"][:, :, 0, 0], sd[f"{p}.conv4.bias"]
    topo = (torch.einsum("or,nruv->nouv", w4, rel) + b4[None, :, None, None]) * alpha + adj
    return torch.einsum("ncuv,nctv->nctu", topo, x3)


def _ref_unit(x: torch.Tensor, sd: dict[str, torch.Tensor], u: int, cin: int, cout: int, stride: int,
              residual: bool, graph: torch.Tensor | None) -> torch.Tensor:
    g, t = f"l{u}.gcn1", f"l{u}.tcn1"
    adj = sd[f"{g}.PA"] if graph is None else graph
    y = sum(_ref_ctrgc(x, sd, f"{g}.convs.{i}", adj[i], sd[f"{g}.alpha"]) for i in range(3))
    shortcut = x if cin == cout else _ref_bn(_ref_1x1(x, sd, f"{g}.down.0"), sd, f"{g}.down.1")
    h = torch.relu(_ref_bn(y, sd, f"{g}.bn") + shortcut)
    outs = []
    for br, dilation in ((0, 1), (1, 2)):  # TemporalConv pad = (k + (k-1)(d-1) - 1) // 2
        z = torch.relu(_ref_bn(_ref_1x1(h, sd, f"{t}.branches.{br}.0"), sd, f"{t}.branches.{br}.1"))
        z = F.conv2d(z, sd[f"{t}.branches.{br}.3.conv.weight"], sd[f"{t}.branches.{br}.3.conv.bias"],
                     stride=(stride, 1), padding=((5 + 4 * (dilation - 1) - 1) // 2, 0), dilation=(dilation, 1))
        outs.append(_ref_bn(z, sd, f"{t}.branches.{br}.3.bn"))
    z = torch.relu(_ref_bn(_ref_1x1(h, sd, f"{t}.branches.2.0"), sd, f"{t}.branches.2.1"))
    z = F.max_pool2d(z, (3, 1), (stride, 1), (1, 0))
    outs.append(_ref_bn(z, sd, f"{t}.branches.2.4"))
    outs.append(_ref_bn(_ref_1x1(h, sd, f"{t}.branches.3.0", stride), sd, f"{t}.branches.3.1"))
    y = torch.cat(outs, 1)
    if residual:
        y = y + (x if cin == cout and stride == 1 else
                 _ref_bn(_ref_1x1(x, sd, f"l{u}.residual.conv", stride), sd, f"l{u}.residual.bn"))
    return torch.relu(y)


def reference_forward(sd: dict[str, torch.Tensor], x: torch.Tensor, width: int,
                      graph: torch.Tensor | None = None) -> torch.Tensor:
    """``Model.forward`` on prepared ``(N, C, T, V, M)`` input, from the state dict (eval
    mode, no dropout); ``graph``: the fixed graph of a non-adaptive model."""
    n, c, t, v, m = x.shape
    h = _ref_bn(x.permute(0, 4, 3, 1, 2).reshape(n, m * v * c, t), sd, "data_bn")
    h = h.reshape(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
    for u, (cin, cout, stride, residual) in enumerate(_widths(c, width), start=1):
        h = _ref_unit(h, sd, u, cin, cout, stride, residual, graph)
    pooled = h.reshape(n, m, h.shape[1], -1).mean(3).mean(1)
    return pooled @ sd["fc.weight"].T + sd["fc.bias"]


# ------------------------------------------------------------------- reference input pipeline

def reference_ctrgcn_input(raw: np.ndarray, *, bone: bool, motion: bool, window: int = 64,
                           p: float = 0.95) -> np.ndarray:
    """The official test pipeline for one NTU sample ``(C, T, V, 2)``, step by step:
    ``seq_translation`` over the sample's frames as a (frames, 150) array (origin: joint 2
    of actor 1 in its first non-zero frame; empty frames of each actor re-zeroed when there
    are two actors), the zero padding of ``align_frames``, then ``valid_crop_resize`` with
    the test ``p_interval`` (bilinear ``F.interpolate`` of the (C*V*M, frames) image), the
    bone pairs and the motion difference of ``Feeder.__getitem__``."""
    c, t, v, m = raw.shape
    rows = raw.transpose(1, 3, 2, 0).reshape(t, m * v * c).astype(np.float64)  # T x (M V C)
    frames = int(np.flatnonzero(np.abs(rows).sum(1) > 0).max()) + 1
    seq = rows[:frames].copy()
    two = bool(np.any(seq[:, 75:] != 0))
    if two:
        missing = [np.where(seq[:, k * 75:(k + 1) * 75].sum(1) == 0)[0] for k in (0, 1)]
    i = 0
    while i < frames and not np.any(seq[i, :75] != 0):
        i += 1
    origin = seq[i, 3:6].copy()
    seq -= np.tile(origin, 2 * 25)
    if two:
        for k in (0, 1):
            seq[missing[k], k * 75:(k + 1) * 75] = 0
    else:
        seq[:, 75:] = 0
    aligned = np.zeros((t, m * v * c))
    aligned[:frames] = seq
    data = aligned.reshape(t, m, v, c).transpose(3, 0, 2, 1).astype(np.float32)  # C T V M
    valid = int(np.sum(data.sum(0).sum(-1).sum(-1) != 0))
    bias = int((1 - p) * valid / 2)
    cropped = data[:, bias:valid - bias]
    length = cropped.shape[1]
    img = torch.tensor(cropped).permute(0, 2, 3, 1).reshape(c * v * m, length)[None, None]
    img = F.interpolate(img, size=(c * v * m, window), mode="bilinear", align_corners=False)[0, 0]
    out = img.reshape(c, v, m, window).permute(0, 3, 1, 2).numpy()
    if bone:
        bones = np.zeros_like(out)
        for v1, v2 in NTU_BONE_PAIRS:
            bones[:, :, v1 - 1] = out[:, :, v1 - 1] - out[:, :, v2 - 1]
        out = bones
    if motion:
        out[:, :-1] = out[:, 1:] - out[:, :-1]
        out[:, -1] = 0
    return out


def raw_skeletons(seed: int = 0) -> torch.Tensor:
    """Three raw NTU-like samples ``(3, 3, 40, 25, 2)``: 40, 31 and 23 valid frames
    (zero tails); sample 0 one body, sample 1 two bodies with the second entering at frame
    5, sample 2 a first body that appears at frame 2."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(3, 3, 40, 25, 2, generator=g)
    x[:, 2] += 3.0
    x[0, :, :, :, 1] = 0
    x[1, :, 31:] = 0
    x[1, :, :5, :, 1] = 0
    x[2, :, 23:] = 0
    x[2, :, :2, :, 0] = 0
    return x


# ------------------------------------------------------------------------------------ tests

@pytest.fixture(autouse=True)
def _one_thread():
    """One torch thread: these small forwards are fastest so, and stay fast beside other
    CPU work."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def test_keys_and_shapes_are_official():
    model = create_model("ctrgcn", num_class=60)
    assert _shapes(model) == official_ctrgcn_keys(60)
    torch.testing.assert_close(model.l4.gcn1.PA, official_ntu_graph())
    torch.testing.assert_close(model.l9.gcn1.alpha, torch.zeros(1))


@pytest.mark.parametrize("kwargs, expected", [
    ({"num_class": 120, "width": 16}, {"num_class": 120, "width": 16}),
    ({"num_class": 400, "num_point": 18, "graph": "openpose", "width": 8},
     {"num_class": 400, "num_point": 18, "width": 8}),
    ({"num_class": 5, "num_person": 1, "width": 8, "adaptive": False},
     {"num_class": 5, "num_person": 1, "width": 8, "adaptive": False}),
])
def test_keys_other_configurations(kwargs, expected):
    assert _shapes(CTRGCN(**kwargs)) == official_ctrgcn_keys(**expected)


def test_a_state_dict_with_exactly_the_official_keys_loads_strictly(tmp_path):
    """Random tensors under the enumerated names, saved as official training does (plain
    mapping) and from DataParallel (``module.`` prefix), load strictly and unchanged."""
    g = torch.Generator().manual_seed(3)
    state = {k: (torch.randint(0, 9, s, generator=g) if k.endswith("num_batches_tracked")
                 else torch.rand(s, generator=g) + 0.5) for k, s in official_ctrgcn_keys(60, width=16).items()}
    net = CTRGCN(num_class=60, width=16)
    net.load_state_dict(state, strict=True)
    folder = tmp_path / "ctrgcn_bone"
    folder.mkdir()
    path = folder / "runs-65-40950.pt"
    torch.save({"module." + k: v for k, v in state.items()}, path)
    rec = load_recognizer(path)
    assert rec.arch == "ctrgcn-bone" and rec.num_classes == 60 and rec.input_spec.num_person == 2
    assert rec.streams[0].preprocess.kind == "ctrgcn+bone"
    assert rec.streams[0].config["width"] == 16 and rec.streams[0].config["adaptive"] is True
    loaded = rec.model.state_dict()
    assert all(torch.equal(loaded[k], state[k].to(loaded[k].dtype)) for k in state)


@pytest.mark.parametrize("folder, file, stream, arch", [
    ("ctrgcn", "runs-65-1.pt", None, "ctrgcn"),
    ("ctrgcn_motion", "runs-65-1.pt", None, "ctrgcn-motion"),
    ("ctrgcn_bone_motion", "runs-65-1.pt", None, "ctrgcn-bone-motion"),
    ("work", "ntu60_xsub_bone.pt", None, "ctrgcn-bone"),
    ("ctrgcn_bone", "runs-65-1.pt", "joint", "ctrgcn"),
    ("w", "weights.pt", "bone-motion", "ctrgcn-bone-motion"),
])
def test_official_stream_from_names_or_argument(tmp_path, folder, file, stream, arch):
    (tmp_path / folder).mkdir()
    path = tmp_path / folder / file
    torch.save(CTRGCN(num_class=4, width=8).state_dict(), path)
    rec = load_recognizer(path, stream=stream)
    assert rec.arch == arch and rec.streams[0].preprocess.kind == {
        "ctrgcn": "ctrgcn", "ctrgcn-bone": "ctrgcn+bone", "ctrgcn-motion": "ctrgcn+motion",
        "ctrgcn-bone-motion": "ctrgcn+bone+motion"}[arch]


def test_non_adaptive_official_file_loads(tmp_path):
    torch.save(CTRGCN(num_class=4, width=8, adaptive=False).state_dict(), tmp_path / "ctrgcn.pt")
    rec = load_recognizer(tmp_path / "ctrgcn.pt")
    assert rec.streams[0].config["adaptive"] is False and rec.layout.name == "ntu25"


def ctrgcn_random(scaled_random, model: CTRGCN, seed: int) -> CTRGCN:  # noqa: ANN001 - the conftest fixture
    """``scaled_random`` (conftest) with CTR-GCN's own tensors: ``PA`` the official graph
    plus ``N(0, 0.1^2)``, ``alpha`` ``N(0, 1)``; BN statistics from a batch of 4."""
    graph = official_ntu_graph()
    return scaled_random(model, seed, special={".PA": lambda n: graph + 0.1 * n, ".alpha": lambda n: n}, batch=4)


#: Largest absolute logit difference allowed between the module and the reference.
PARITY_TOLERANCE = 1e-4


@pytest.mark.parametrize("width, t", [(64, 12), (16, 20)])
def test_forward_matches_the_functional_reference(width, t, scaled_random):
    """Every tensor random (BN statistics, PA and alpha included), eval mode; the module
    and the reference written from the official definitions agree within 1e-4 in float64
    (where rounding cannot hide a structural difference), and to float32 rounding
    (relative 1e-5) in float32."""
    model = ctrgcn_random(scaled_random, CTRGCN(num_class=7, width=width), seed=11)
    g = torch.Generator().manual_seed(12)
    x = torch.randn(2, 3, t, 25, 2, generator=g)
    with torch.no_grad():
        got32, ref32 = model(x), reference_forward(model.state_dict(), x, width)
        model.double()
        got, ref = model(x.double()), reference_forward(model.state_dict(), x.double(), width)
    assert got.shape == (2, 7) and got.dtype == torch.float64
    assert float(ref.abs().max()) > 1.0 and float(ref.std()) > 1.0  # logits that differ
    assert float((got - ref).abs().max()) < PARITY_TOLERANCE
    assert float((got32 - ref32).abs().max()) < 1e-5 * float(ref32.abs().max())


def test_non_adaptive_forward_uses_the_fixed_graph(scaled_random):
    model = ctrgcn_random(scaled_random, CTRGCN(num_class=3, width=8, adaptive=False), seed=5).double()
    x = torch.randn(1, 3, 8, 25, 2, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    with torch.no_grad():
        diff = model(x) - reference_forward(model.state_dict(), x, 8, official_ntu_graph().double())
    assert float(diff.abs().max()) < PARITY_TOLERANCE


@pytest.mark.parametrize("bone, motion", [(False, False), (True, False), (False, True), (True, True)])
def test_input_pipeline_matches_the_official_steps(bone, motion):
    raw = raw_skeletons()
    got = ctrgcn_input(raw, NTU25, bone=bone, motion=motion)
    assert got.shape == (3, 3, 64, 25, 2)
    for i in range(raw.shape[0]):
        ref = reference_ctrgcn_input(raw[i].numpy(), bone=bone, motion=motion)
        np.testing.assert_allclose(got[i].numpy(), ref, rtol=0, atol=2e-5)


def test_translation_keeps_absent_bodies_zero_and_is_differentiable():
    raw = raw_skeletons().requires_grad_(True)
    out = ctrgcn_translate(raw, NTU25)
    assert torch.equal(out[0, :, :, :, 1], torch.zeros_like(out[0, :, :, :, 1]))
    assert torch.equal(out[1, :, :5, :, 1], torch.zeros_like(out[1, :, :5, :, 1]))
    torch.testing.assert_close(out[2, :, 2, 1, 0], torch.zeros(3))  # spine_mid of the first present frame
    out.sum().backward()
    assert torch.isfinite(raw.grad).all() and raw.grad.abs().sum() > 0


def test_crop_resize_ignores_zero_padding():
    raw = raw_skeletons()
    padded = torch.cat((raw, torch.zeros(3, 3, 25, 25, 2)), dim=2)
    torch.testing.assert_close(crop_resize_valid_frames(padded), crop_resize_valid_frames(raw), rtol=0, atol=0)


def test_recognizer_applies_the_official_pipeline(tmp_path, scaled_random):
    """An official bone-motion file: the recogniser's logits on raw input equal the
    reference network on the reference pipeline's output."""
    net = ctrgcn_random(scaled_random, CTRGCN(num_class=6, width=8), seed=21)
    folder = tmp_path / "ctrgcn_bone_motion"
    folder.mkdir()
    torch.save(net.state_dict(), folder / "runs-1-1.pt")
    rec = load_recognizer(folder / "runs-1-1.pt")
    raw = raw_skeletons(seed=4)
    prepared = torch.stack([torch.from_numpy(reference_ctrgcn_input(s.numpy(), bone=True, motion=True))
                            for s in raw])
    with torch.no_grad():
        got, ref = rec(raw), reference_forward(net.state_dict(), prepared, 8)
    assert float(ref.std()) > 0.1
    assert float((got - ref).abs().max()) < 1e-5 * float(ref.abs().max())


def test_bad_inputs_name_the_field(randomize):
    model = randomize(CTRGCN(num_class=3, width=8), seed=1)
    cases = [(torch.zeros(1, 3, 8, 18, 2), "V"), (torch.zeros(1, 2, 8, 25, 2), "C"),
             (torch.zeros(1, 3, 8, 25, 1), "M"), (torch.zeros(3, 8, 25, 2), "data")]
    for x, field in cases:
        with pytest.raises(ValidationError) as info:
            model(x)
        assert info.value.field == field and "\n" not in str(info.value)
    rec = build_recognizer("ctrgcn", 3, width=8)
    for x, field in [(torch.zeros(1, 3, 8, 18, 2), "V"), (torch.zeros(1, 3, 8, 25, 3), "M"),
                     (torch.zeros(1, 3, 8, 25), "data")]:
        with pytest.raises(ValidationError) as info:
            rec(x)
        assert info.value.field == field and "\n" not in str(info.value)
    assert "ntu25" in str(pytest.raises(ValidationError, rec, torch.zeros(1, 3, 8, 18, 2)).value)


def test_bad_configurations_are_one_line_errors(tmp_path):
    with pytest.raises(UnknownFormatError) as info:
        build_recognizer("ctrgcn", 3, layout="coco17", width=8)
    assert info.value.field == "layout"
    with pytest.raises(ValueError, match="25 joints, num_point is 18"):
        create_model("ctrgcn", num_class=3, num_point=18)
    with pytest.raises(ValueError, match="multiple of 4 and at least 8"):
        create_model("ctrgcn", num_class=3, width=6)
    torch.save(CTRGCN(num_class=4, width=8).state_dict(), tmp_path / "ctrgcn.pt")
    with pytest.raises(UnknownFormatError) as info:
        load_recognizer(tmp_path / "ctrgcn.pt", stream="depth")
    assert info.value.field == "stream" and "bone-motion" in str(info.value)


def test_cpu_forward_and_padding_bodies(randomize):
    rec = randomize(build_recognizer("ctrgcn", 4, width=8), seed=2)
    one = raw_skeletons()[:, :, :, :, :1]
    with torch.no_grad():
        out = rec(one)
        torch.testing.assert_close(out, rec(torch.cat((one, torch.zeros_like(one)), dim=4)), rtol=0, atol=0)
    assert out.shape == (3, 4) and out.device.type == "cpu" and torch.isfinite(out).all()


def test_gradients_reach_the_raw_coordinates(randomize):
    rec = randomize(build_recognizer("ctrgcn-bone", 4, width=8), seed=3).requires_grad_(False)
    x = raw_skeletons().requires_grad_(True)
    rec(x)[:, 1].sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad[:, :, :20].abs().sum() > 0
    assert torch.equal(x.grad[1, :, 31:], torch.zeros_like(x.grad[1, :, 31:]))  # padding is never read


def test_resize_prefix_sets_the_feeder_window(randomize):
    rec = build_recognizer("ctrgcn", 4, width=8, preprocess="resize32+ctrgcn")
    raw = raw_skeletons()
    torch.testing.assert_close(rec.streams[0].preprocess(raw), ctrgcn_input(raw, NTU25, window=32))


@pytest.mark.parametrize("arch", ["ctrgcn", "ctrgcn-bone-motion"])
def test_ciasa_round_trip(tmp_path, arch, randomize):
    rec = randomize(build_recognizer(arch, 3, class_names=["a", "b", "c"], width=8, num_person=1), seed=9)
    back = load_recognizer(save_recognizer(rec, tmp_path / "rec.pt"))
    assert back.arch == arch and back.input_spec.num_person == 1
    assert back.streams[0].preprocess.kind == rec.streams[0].preprocess.kind
    x = raw_skeletons()[:, :, :, :, :1]
    with torch.no_grad():
        torch.testing.assert_close(back(x), rec(x), rtol=0, atol=0)


def test_one_training_step(small_synth, tmp_path):
    from pipeline.train import TrainConfig, train_recognizer

    cfg = TrainConfig(arch="ctrgcn", width=8, epochs=1, batch_size=8, max_train_samples=8, threads=1,
                      num_person=1, window=16)
    meta = train_recognizer(cfg, small_synth.split("train"), tmp_path / "c.pt")
    assert meta["history"][0]["loss"] > 0
    rec = load_recognizer(tmp_path / "c.pt")
    assert rec.arch == "ctrgcn" and rec.streams[0].preprocess.kind == "resize16+ctrgcn"

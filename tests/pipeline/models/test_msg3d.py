"""MS-G3D: official key names and shapes, the official graphs, strict loading, a functional
reference forward, input errors, recogniser use and one training step.

The references here are written from the official definitions (kenziyuliu/MS-G3D:
``model/msg3d.py``, ``model/ms_gcn.py``, ``model/ms_gtcn.py``, ``model/ms_tcn.py``,
``model/mlp.py``, ``graph/ntu_rgb_d.py`` + ``graph/tools.py``, ``data_gen/gen_bone_data.py``,
the NTU configs' ``model_args``), as plain numpy / tensor functions reading the state
dict, not from the modules under test. The official ``Model`` has no width argument, so
every parity check runs at its width, 96.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pipeline.errors import FormatError, UnknownFormatError, ValidationError
from pipeline.layouts import NTU25
from pipeline.models import build_recognizer, create_model, load_recognizer, save_recognizer
from pipeline.models.msg3d import MSG3D
from pipeline.models.preprocess import agcn_pre_normalize
from pipeline.train_config import OFFICIAL_WIDTHS

#: ``graph/ntu_rgb_d.py``: 1-based inward edges; ``neighbor`` is these both ways.
NTU_INWARD_1BASED = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21),
                     (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1),
                     (18, 17), (19, 18), (20, 19), (22, 23), (23, 8), (24, 25), (25, 12)]
#: ``data_gen/gen_bone_data.py``: 1-based (joint, partner) of the NTU bone data.
NTU_BONE_PAIRS = NTU_INWARD_1BASED[:20] + [(22, 23), (21, 21), (23, 8), (24, 25), (25, 12)]
#: The NTU configs' ``model_args``.
GCN_SCALES, G3D_SCALES = 13, 6
#: ``Model``: first block 96 channels, then 192, 384; G3D window strides; windows.
OFFICIAL_C1 = 96
STRIDES = (1, 2, 2)
WINDOWS = (3, 5)


# ------------------------------------------------------------------------- official graphs

def official_binary(v: int = 25) -> np.ndarray:
    """``get_adjacency_matrix(neighbor)``: ``A[i, j] = 1`` for every edge, both ways."""
    a = np.zeros((v, v), dtype=np.float32)
    for i, j in NTU_INWARD_1BASED:
        a[i - 1, j - 1] = a[j - 1, i - 1] = 1
    return a


def official_scales(a: np.ndarray, num_scales: int) -> np.ndarray:
    """``k_adjacency(A, k, with_self=True)`` (``min((A+I)^k, 1) - min((A+I)^(k-1), 1) +
    I``, the identity at ``k = 0``), each through ``normalize_adjacency_matrix``
    (``D^-1/2 A D^-1/2`` with the row sums raised to -1/2 in float32, the products in
    float64, cast to float32), concatenated on the rows."""
    eye = np.eye(len(a), dtype=np.float32)
    out = []
    for k in range(num_scales):
        if k == 0:
            ak = eye
        else:
            ak = (np.minimum(np.linalg.matrix_power(a + eye, k), 1)
                  - np.minimum(np.linalg.matrix_power(a + eye, k - 1), 1) + eye)
        inv = np.diag(np.power(ak.sum(-1), -0.5)).astype(np.float64)  # float32 powers, float64 products
        out.append((inv @ ak @ inv).astype(np.float32))
    return np.concatenate(out)


def official_window_graph(a: np.ndarray, window: int) -> np.ndarray:
    """``build_spatial_temporal_graph``: ``A + I`` tiled ``window x window``."""
    return np.tile(a + np.eye(len(a), dtype=np.float32), (window, window))


# ------------------------------------------------------------------------- official keys

def _bn(prefix: str, n: int) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (n,)), (f"{prefix}.bias", (n,)), (f"{prefix}.running_mean", (n,)),
            (f"{prefix}.running_var", (n,)), (f"{prefix}.num_batches_tracked", ())]


def _conv(prefix: str, out: int, cin: int, kt: int = 1) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (out, cin, kt, 1)), (f"{prefix}.bias", (out,))]


def _ms_tcn_keys(p: str, cin: int, cout: int, stride: int) -> list[tuple[str, tuple[int, ...]]]:
    """``MultiScale_TemporalConv(cin, cout, stride)``: 4 dilated branches [1x1, BN, act,
    TemporalConv(3x1)], [1x1, BN, act, MaxPool, BN], [1x1 strided, BN], all ``cout/6``
    channels; ``residual`` TemporalConv(kernel 1) unless in == out and stride 1."""
    b = cout // 6
    keys = []
    for br in range(4):
        keys += _conv(f"{p}.branches.{br}.0", b, cin) + _bn(f"{p}.branches.{br}.1", b)
        keys += _conv(f"{p}.branches.{br}.3.conv", b, b, 3) + _bn(f"{p}.branches.{br}.3.bn", b)
    keys += _conv(f"{p}.branches.4.0", b, cin) + _bn(f"{p}.branches.4.1", b) + _bn(f"{p}.branches.4.4", b)
    keys += _conv(f"{p}.branches.5.0", b, cin) + _bn(f"{p}.branches.5.1", b)
    if cin != cout or stride != 1:
        keys += _conv(f"{p}.residual.conv", cout, cin) + _bn(f"{p}.residual.bn", cout)
    return keys


def official_msg3d_keys(num_class: int, num_point: int = 25, num_person: int = 2, *, channels: int = 3,
                        gcn_scales: int = GCN_SCALES, g3d_scales: int = G3D_SCALES,
                        c1: int = OFFICIAL_C1) -> dict[str, tuple[int, ...]]:
    """The official ``Model`` state dict (``c1`` 96; others: this project's width option)."""
    v = num_point
    widths = (channels, c1, 2 * c1, 4 * c1)
    keys = _bn("data_bn", num_person * channels * v)
    for b in (1, 2, 3):
        cin, cout = widths[b - 1], widths[b]
        embed = cout if cin == 3 else cin  # MS_G3D(embed_factor=1)
        for i, w in enumerate(WINDOWS):
            p = f"gcn3d{b}.gcn3d.{i}"
            keys.append((f"{p}.gcn3d.1.A_res", (g3d_scales * w * v, w * v)))
            keys += _conv(f"{p}.gcn3d.1.mlp.layers.0", embed, g3d_scales * cin)
            keys += _bn(f"{p}.gcn3d.1.mlp.layers.1", embed)
            keys += [(f"{p}.out_conv.weight", (cout, embed, 1, w, 1)), (f"{p}.out_conv.bias", (cout,))]
            keys += _bn(f"{p}.out_bn", cout)
        gcn_out = c1 if b == 1 else cin
        keys.append((f"sgcn{b}.0.A_res", (gcn_scales * v, v)))
        keys += _conv(f"sgcn{b}.0.mlp.layers.0", gcn_out, gcn_scales * cin) + _bn(f"sgcn{b}.0.mlp.layers.1", gcn_out)
        keys += _ms_tcn_keys(f"sgcn{b}.1", gcn_out, cout, STRIDES[b - 1]) + _ms_tcn_keys(f"sgcn{b}.2", cout, cout, 1)
        keys += _ms_tcn_keys(f"tcn{b}", cout, cout, 1)
    keys += [("fc.weight", (num_class, 4 * c1)), ("fc.bias", (num_class,))]
    return dict(keys)


# ----------------------------------------------------------------------- reference forward

def _ref_bn(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str) -> torch.Tensor:
    m, v, w, b = (sd[f"{p}.{k}"] for k in ("running_mean", "running_var", "weight", "bias"))
    return F.batch_norm(x, m, v, w, b, training=False, eps=1e-5)


def _ref_1x1(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str, stride: int = 1) -> torch.Tensor:
    w, b = sd[f"{p}.weight"][:, :, 0, 0], sd[f"{p}.bias"]
    return torch.einsum("oc,nctv->notv", w, x[:, :, ::stride]) + b[None, :, None, None]


def _ref_graph_conv(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str, graph: torch.Tensor,
                    relu: bool) -> torch.Tensor:
    """MS-GCN / ST-MS-GCN: ``einsum('vu,nctu->nctv', A + A_res, x)``, the scales moved
    to the channels (``(N, S*C, T, V)``), then ``MLP`` (1x1, BN, ReLU or nothing)."""
    n, c, t, v = x.shape
    a = graph.to(x.dtype) + sd[f"{p}.A_res"]
    s = a.shape[0] // v
    agg = torch.einsum("vu,nctu->nctv", a, x).view(n, c, t, s, v).permute(0, 3, 1, 2, 4).reshape(n, s * c, t, v)
    y = _ref_bn(_ref_1x1(agg, sd, f"{p}.mlp.layers.0"), sd, f"{p}.mlp.layers.1")
    return torch.relu(y) if relu else y


def _ref_g3d(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str, graph: torch.Tensor, window: int,
             stride: int) -> torch.Tensor:
    """``MS_G3D``: ``nn.Unfold`` windows (kernel (W, 1), padding (W-1)/2), the window axis
    moved next to the joints, ST-MS-GCN (linear MLP, then ReLU), ``out_conv`` over the
    window, ``out_bn``."""
    n, c, t, v = x.shape
    cols = F.unfold(x, kernel_size=(window, 1), stride=(stride, 1), padding=((window - 1) // 2, 0))
    win = cols.view(n, c, window, -1, v).permute(0, 1, 3, 2, 4).reshape(n, c, -1, window * v)
    y = torch.relu(_ref_graph_conv(win, sd, f"{p}.gcn3d.1", graph, relu=False))
    y = y.view(n, y.shape[1], -1, window, v)
    y = F.conv3d(y, sd[f"{p}.out_conv.weight"], sd[f"{p}.out_conv.bias"]).squeeze(3)
    return _ref_bn(y, sd, f"{p}.out_bn")


def _ref_ms_tcn(x: torch.Tensor, sd: dict[str, torch.Tensor], p: str, stride: int = 1,
                act: bool = True) -> torch.Tensor:
    outs = []
    for br, dilation in enumerate((1, 2, 3, 4)):  # TemporalConv pad = (3 + 2 (d-1) - 1) // 2 = d
        z = torch.relu(_ref_bn(_ref_1x1(x, sd, f"{p}.branches.{br}.0"), sd, f"{p}.branches.{br}.1"))
        z = F.conv2d(z, sd[f"{p}.branches.{br}.3.conv.weight"], sd[f"{p}.branches.{br}.3.conv.bias"],
                     stride=(stride, 1), padding=(dilation, 0), dilation=(dilation, 1))
        outs.append(_ref_bn(z, sd, f"{p}.branches.{br}.3.bn"))
    z = torch.relu(_ref_bn(_ref_1x1(x, sd, f"{p}.branches.4.0"), sd, f"{p}.branches.4.1"))
    outs.append(_ref_bn(F.max_pool2d(z, (3, 1), (stride, 1), (1, 0)), sd, f"{p}.branches.4.4"))
    outs.append(_ref_bn(_ref_1x1(x, sd, f"{p}.branches.5.0", stride), sd, f"{p}.branches.5.1"))
    y = torch.cat(outs, 1)
    y = y + (_ref_bn(_ref_1x1(x, sd, f"{p}.residual.conv", stride), sd, f"{p}.residual.bn")
             if f"{p}.residual.conv.weight" in sd else x)
    return torch.relu(y) if act else y


def reference_forward(sd: dict[str, torch.Tensor], x: torch.Tensor, *, gcn_scales: int = GCN_SCALES,
                      g3d_scales: int = G3D_SCALES) -> torch.Tensor:
    """``Model.forward`` on prepared ``(N, C, T, V, M)`` NTU input, from the state dict (eval)."""
    n, c, t, v, m = x.shape
    binary = official_binary(v)
    gcn_graph = torch.from_numpy(official_scales(binary, gcn_scales))
    g3d_graphs = [torch.from_numpy(official_scales(official_window_graph(binary, w), g3d_scales))
                  for w in WINDOWS]
    h = _ref_bn(x.permute(0, 4, 3, 1, 2).reshape(n, m * v * c, t), sd, "data_bn")
    h = h.view(n * m, v, c, t).permute(0, 2, 3, 1)
    for b, stride in zip((1, 2, 3), STRIDES):
        s = _ref_graph_conv(h, sd, f"sgcn{b}.0", gcn_graph, relu=True)
        s = _ref_ms_tcn(_ref_ms_tcn(s, sd, f"sgcn{b}.1", stride), sd, f"sgcn{b}.2", act=False)
        g = sum(_ref_g3d(h, sd, f"gcn3d{b}.gcn3d.{i}", g3d_graphs[i], w, stride) for i, w in enumerate(WINDOWS))
        h = _ref_ms_tcn(torch.relu(s + g), sd, f"tcn{b}")
    pooled = h.reshape(n, m, h.shape[1], -1).mean(3).mean(1)
    return pooled @ sd["fc.weight"].T + sd["fc.bias"]


# ------------------------------------------------------------------------------------ tests

@pytest.fixture(autouse=True)
def _one_thread():  # small forwards: fastest so, and fast beside other CPU work
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("kwargs, expected", [
    ({"num_class": 60}, {"num_class": 60}),  # the NTU-60 configs: 3.2 M parameters
    ({"num_class": 120, "num_person": 1}, {"num_class": 120, "num_person": 1}),
    ({"num_class": 400, "num_point": 18, "graph": "openpose", "num_gcn_scales": 8, "num_g3d_scales": 8, "width": 12},
     {"num_class": 400, "num_point": 18, "gcn_scales": 8, "g3d_scales": 8, "c1": 12}),
])
def test_keys_and_shapes_are_official(kwargs, expected):
    model = create_model("msg3d", **kwargs)
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == official_msg3d_keys(**expected)


def test_graphs_equal_the_official_definitions():
    model = MSG3D(num_class=3, width=6)
    binary = official_binary()
    assert binary[0, [1, 12, 16]].tolist() == [1, 1, 1] and binary.sum() == 48 and not binary.trace()
    gcn = official_scales(binary, GCN_SCALES)
    np.testing.assert_allclose(model.sgcn2[0].A_powers.numpy(), gcn, rtol=1e-6, atol=0)
    two_hops = gcn[2 * 25:3 * 25] > 0  # spine_base: itself, spine_shoulder, both knees
    assert sorted(np.flatnonzero(two_hops[0]).tolist()) == [0, 13, 17, 20]
    # the scales split the joint pairs by hop distance: every pair in exactly one (diameter 12)
    hops = np.stack([gcn[k * 25:(k + 1) * 25] > 0 for k in range(GCN_SCALES)]) & ~np.eye(25, dtype=bool)
    assert np.array_equal(hops.sum(0), 1 - np.eye(25)) and hops[12].any()
    for i, w in enumerate(WINDOWS):
        ref = official_scales(official_window_graph(binary, w), G3D_SCALES)
        np.testing.assert_allclose(model.gcn3d3.gcn3d[i].gcn3d[1].A_scales.numpy(), ref, rtol=1e-6, atol=0)
    assert not any("A_powers" in k or "A_scales" in k for k in model.state_dict())


def test_a_state_dict_with_exactly_the_official_keys_loads_strictly(tmp_path):
    """Random tensors under the enumerated names, saved as the official ``save_weights``
    does (plain mapping) and from DataParallel (``module.``), load strictly, unchanged."""
    g = torch.Generator().manual_seed(3)
    state = {k: (torch.randint(0, 9, s, generator=g) if k.endswith("num_batches_tracked")
                 else torch.rand(s, generator=g) + 0.5) for k, s in official_msg3d_keys(60).items()}
    MSG3D(num_class=60).load_state_dict(state, strict=True)
    folder = tmp_path / "msg3d_bone" / "weights"
    folder.mkdir(parents=True)
    torch.save({"module." + k: v for k, v in state.items()}, folder / "weights-50-1.pt")
    torch.save(state, tmp_path / "ntu60_xview_bone.pt")
    for path in (folder / "weights-50-1.pt", tmp_path / "ntu60_xview_bone.pt"):
        rec = load_recognizer(path)
        assert rec.arch == "msg3d-bone" and rec.num_classes == 60 and rec.input_spec.num_person == 2
        assert rec.streams[0].preprocess.kind == "agcn-prenorm+bone"
        config = rec.streams[0].config
        assert (config["width"], config["num_gcn_scales"], config["num_g3d_scales"]) == (96, 13, 6)
        loaded = rec.model.state_dict()
        assert all(torch.equal(loaded[k], state[k].to(loaded[k].dtype)) for k in state)


@pytest.mark.parametrize("file, stream", [("ntu120_xsub_joint.pt", None), ("weights-1-1.pt", None),
                                          ("bone.pt", "joint")])
def test_official_joint_stream_from_names_or_argument(tmp_path, file, stream):
    torch.save(MSG3D(num_class=4, width=6, num_gcn_scales=2, num_g3d_scales=2).state_dict(), tmp_path / file)
    rec = load_recognizer(tmp_path / file, stream=stream)
    assert rec.arch == "msg3d" and rec.streams[0].preprocess.kind == "agcn-prenorm"


#: Largest absolute logit difference allowed between the module and the reference.
PARITY_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def official_width_model(scaled_random) -> MSG3D:  # noqa: ANN001 - the conftest fixture
    """Official width and scales, every tensor random (``scaled_random``, conftest): ``A_res``
    ``N(0, 0.05^2)``, the fixed graphs not drawn."""
    return scaled_random(MSG3D(num_class=7), 11, special={"A_res": lambda n: 0.05 * n}, skip=("A_powers", "A_scales"))


def test_forward_matches_the_functional_reference(official_width_model):
    """Official width and scales, every tensor random (``A_res`` and BN statistics
    included), eval mode: the module and the reference agree within 1e-4 in float64 and
    to float32 rounding (relative 1e-5) in float32. T = 18 exercises the padding of
    odd-length strided windows."""
    model = official_width_model
    x = torch.randn(2, 3, 18, 25, 2, generator=torch.Generator().manual_seed(12))
    with torch.no_grad():
        got32, ref32 = model(x), reference_forward(model.state_dict(), x)
        m64 = copy.deepcopy(model).double()
        got, ref = m64(x.double()), reference_forward(m64.state_dict(), x.double())
    assert got.shape == (2, 7) and got.dtype == torch.float64
    assert float(ref.abs().max()) > 1.0 and float(ref.std()) > 0.5  # logits that differ
    assert float((got - ref).abs().max()) < PARITY_TOLERANCE
    assert float((got32 - ref32).abs().max()) < 1e-5 * float(ref32.abs().max())


def test_recognizer_applies_the_official_data_pipeline(official_width_model, tmp_path):
    """An official bone file: logits on raw input equal the reference network on the
    pre-normalised data with ``gen_bone_data``'s pairs."""
    torch.save(official_width_model.state_dict(), tmp_path / "ntu60_xsub_bone.pt")
    rec = load_recognizer(tmp_path / "ntu60_xsub_bone.pt")
    g = torch.Generator().manual_seed(4)
    raw = 0.3 * torch.randn(2, 3, 12, 25, 2, generator=g) + torch.tensor([0.0, 0.0, 3.0])[None, :, None, None, None]
    raw[0, :, :, :, 1] = 0
    raw[1, :, 9:] = 0
    joints = agcn_pre_normalize(raw, NTU25)
    bones = torch.zeros_like(joints)
    for v1, v2 in NTU_BONE_PAIRS:
        bones[:, :, :, v1 - 1] = joints[:, :, :, v1 - 1] - joints[:, :, :, v2 - 1]
    with torch.no_grad():
        got, ref = rec(raw), reference_forward(official_width_model.state_dict(), bones)
    assert float(ref.std()) > 0.1
    assert float((got - ref).abs().max()) < 1e-5 * float(ref.abs().max())


def test_bad_inputs_and_configurations_are_one_line_errors(tmp_path, randomize):
    model = randomize(MSG3D(num_class=3, width=6, num_gcn_scales=2, num_g3d_scales=2), seed=1)
    for x, field in [(torch.zeros(1, 3, 8, 18, 2), "V"), (torch.zeros(1, 2, 8, 25, 2), "C"),
                     (torch.zeros(1, 3, 8, 25, 1), "M"), (torch.zeros(3, 8, 25, 2), "data")]:
        with pytest.raises(ValidationError) as info:
            model(x)
        assert info.value.field == field and "MS-G3D" in str(info.value) and "\n" not in str(info.value)
    rec = build_recognizer("msg3d", 3, width=6)
    with pytest.raises(ValidationError) as info:
        rec(torch.zeros(1, 3, 8, 25, 3))
    assert info.value.field == "M" and "\n" not in str(info.value)
    with pytest.raises(ValueError, match="multiple of 6"):
        create_model("msg3d", num_class=3, width=64)
    with pytest.raises(ValueError, match="25 joints, num_point is 18"):
        create_model("msg3d", num_class=3, num_point=18)
    with pytest.raises(UnknownFormatError) as info:
        build_recognizer("msg3d", 3, layout="coco17", width=6)
    assert info.value.field == "layout"
    torch.save(MSG3D(num_class=4, width=6, num_gcn_scales=2, num_g3d_scales=2).state_dict(), tmp_path / "m.pt")
    with pytest.raises(UnknownFormatError) as info:
        load_recognizer(tmp_path / "m.pt", stream="motion")
    assert info.value.field == "stream" and "joint, bone" in str(info.value)
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    del state["sgcn1.2.branches.5.0.bias"]
    torch.save(state, tmp_path / "m.pt")
    with pytest.raises(FormatError, match="missing keys: sgcn1.2.branches.5.0.bias"):
        load_recognizer(tmp_path / "m.pt")


def test_ciasa_round_trip_pads_bodies_and_reaches_raw_coordinates(tmp_path, randomize):
    rec = randomize(build_recognizer("msg3d-bone", 3, class_names=["a", "b", "c"], width=6,
                                     num_gcn_scales=3, num_g3d_scales=2), seed=9)
    back = load_recognizer(save_recognizer(rec, tmp_path / "rec.pt"))
    assert back.arch == "msg3d-bone" and back.input_spec.num_person == 2
    assert back.streams[0].config["num_gcn_scales"] == 3
    x = torch.randn(2, 3, 10, 25, 1, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        torch.testing.assert_close(back(x), rec(x), rtol=0, atol=0)
        torch.testing.assert_close(rec(x), rec(torch.cat((x, torch.zeros_like(x)), dim=4)), rtol=0, atol=0)
    x.requires_grad_(True)
    rec.requires_grad_(False)(x)[:, 1].sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_one_training_step(small_synth, tmp_path):
    from pipeline.train import TrainConfig, train_recognizer

    assert TrainConfig(arch="msg3d").width == OFFICIAL_WIDTHS["msg3d"] == MSG3D().fc.in_features // 4
    cfg = TrainConfig(arch="msg3d", width=12, epochs=1, batch_size=8, max_train_samples=8, threads=1,
                      num_person=1, window=16)
    meta = train_recognizer(cfg, small_synth.split("train"), tmp_path / "m.pt")
    assert meta["history"][0]["loss"] > 0
    rec = load_recognizer(tmp_path / "m.pt")
    assert rec.arch == "msg3d" and rec.streams[0].preprocess.kind == "resize16+agcn-prenorm"

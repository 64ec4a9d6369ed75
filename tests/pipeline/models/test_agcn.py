"""2s-AGCN: official key names, released-file renames, CPU forward, joint+bone ensemble."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from pipeline.layouts import NTU25
from pipeline.models import build_recognizer, create_model, load_recognizer, save_recognizer
from pipeline.models.agcn import AGCN
from pipeline.models.graph import agcn_adjacency
from pipeline.models.preprocess import agcn_pre_normalize, bone_transform


def _bn(prefix: str, n: int) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (n,)), (f"{prefix}.bias", (n,)), (f"{prefix}.running_mean", (n,)),
            (f"{prefix}.running_var", (n,)), (f"{prefix}.num_batches_tracked", ())]


def official_agcn_keys(num_class: int, num_point: int = 25, num_person: int = 2, *, channels: int = 3,
                       width: int = 64) -> dict[str, tuple[int, ...]]:
    """The official 2s-AGCN state dict (REFERENCE.md): data_bn over M*C*V, units l1..l10
    (gcn1: PA, conv_a/b with out/4 channels, conv_d, down where in != out, bn; tcn1: conv
    9x1, bn; residual unit_tcn in l5 and l8), fc. No A (kept outside the state dict)."""
    w1, w2, w4 = width, 2 * width, 4 * width
    plan = [(channels, w1), (w1, w1), (w1, w1), (w1, w1), (w1, w2), (w2, w2), (w2, w2),
            (w2, w4), (w4, w4), (w4, w4)]
    v = num_point
    keys: list[tuple[str, tuple[int, ...]]] = _bn("data_bn", num_person * channels * v)
    for u, (cin, cout) in enumerate(plan, start=1):
        g = f"l{u}.gcn1"
        keys.append((f"{g}.PA", (3, v, v)))
        for name, c in (("conv_a", cout // 4), ("conv_b", cout // 4), ("conv_d", cout)):
            for i in range(3):
                keys += [(f"{g}.{name}.{i}.weight", (c, cin, 1, 1)), (f"{g}.{name}.{i}.bias", (c,))]
        if cin != cout:
            keys += [(f"{g}.down.0.weight", (cout, cin, 1, 1)), (f"{g}.down.0.bias", (cout,))]
            keys += _bn(f"{g}.down.1", cout)
        keys += _bn(f"{g}.bn", cout)
        keys += [(f"l{u}.tcn1.conv.weight", (cout, cout, 9, 1)), (f"l{u}.tcn1.conv.bias", (cout,))]
        keys += _bn(f"l{u}.tcn1.bn", cout)
        if u in (5, 8):
            keys += [(f"l{u}.residual.conv.weight", (cout, cin, 1, 1)), (f"l{u}.residual.conv.bias", (cout,))]
            keys += _bn(f"l{u}.residual.bn", cout)
    keys += [("fc.weight", (num_class, w4)), ("fc.bias", (num_class,))]
    return dict(keys)


def skeletons(n: int = 2, t: int = 12, m: int = 2, seed: int = 0) -> torch.Tensor:
    """Raw camera-frame-like skeletons (metres, ~3 m away), zero-padded tails, body 2 absent
    in sample 0."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(n, 3, t, 25, m, generator=g)
    x[:, 2] += 3.0
    x[:, :, t - 3:] = 0
    if m > 1:
        x[0, :, :, :, 1] = 0
    return x


def test_keys_and_shapes_are_official():
    model = create_model("agcn-joint", num_class=60)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == official_agcn_keys(60)
    assert "A" not in shapes and not any(k.endswith(".A") for k in shapes)
    assert {k.split(".")[0] for k in shapes} == {"data_bn", "fc"} | {f"l{u}" for u in range(1, 11)}
    assert {k for k in shapes if ".down." in k and k.endswith("0.weight")} == {
        "l1.gcn1.down.0.weight", "l5.gcn1.down.0.weight", "l8.gcn1.down.0.weight"}
    assert shapes["data_bn.weight"] == (2 * 3 * 25,)
    torch.testing.assert_close(model.l1.gcn1.PA, torch.full((3, 25, 25), 1e-6))


def test_keys_kinetics_and_width():
    model = AGCN(num_class=400, num_point=18, num_person=2, graph="openpose", width=8)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == official_agcn_keys(400, 18, width=8)


def test_graph_buffer_is_the_official_adjacency():
    model = AGCN(num_class=3, width=8)
    np.testing.assert_array_equal(model.l3.gcn1.A.numpy(), agcn_adjacency("ntu-rgb+d"))


def test_wrong_num_point_for_graph():
    with pytest.raises(ValueError, match="25 joints"):
        AGCN(num_class=3, num_point=18, graph="ntu-rgb+d")


def test_cpu_forward(randomize):
    model = randomize(AGCN(num_class=5, width=8)).cpu()
    with torch.no_grad():
        out = model(agcn_pre_normalize(skeletons(), NTU25))
    assert out.shape == (2, 5) and out.device.type == "cpu" and torch.isfinite(out).all()


def _released_style(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename keys as in the released 2s-AGCN files: l1 -> l1a, gcn1.down -> gcn1.conv_res;
    saved from DataParallel (``module.`` prefix)."""
    out = {}
    for k, v in state.items():
        k = re.sub(r"^l1\.", "l1a.", k)
        k = k.replace(".gcn1.down.", ".gcn1.conv_res.")
        out["module." + k] = v.clone()
    return out


@pytest.mark.parametrize("stream", ["joint", "bone"])
def test_released_file_loads_after_renames(tmp_path, stream, randomize):
    net = randomize(AGCN(num_class=60, width=16), seed=7)
    released = _released_style(net.state_dict())
    assert any(k.startswith("module.l1a.") for k in released)
    assert any(".gcn1.conv_res." in k for k in released)
    path = tmp_path / f"ntu_cv_agcn_{stream}-49-29400.pt"
    torch.save(released, path)
    rec = load_recognizer(path)
    assert rec.arch == f"agcn-{stream}" and rec.num_classes == 60
    assert rec.streams[0].preprocess.kind == ("agcn-prenorm" if stream == "joint" else "agcn-prenorm+bone")
    x = skeletons(seed=3)
    with torch.no_grad():
        prepared = agcn_pre_normalize(x, NTU25)
        if stream == "bone":
            prepared = bone_transform(prepared, NTU25)
        torch.testing.assert_close(rec(x), net(prepared), rtol=0, atol=0)
        torch.testing.assert_close(rec.model(prepared), net(prepared), rtol=0, atol=0)


def test_stream_argument_overrides_the_file_name(tmp_path, randomize):
    net = randomize(AGCN(num_class=4, width=8), seed=1)
    torch.save(net.state_dict(), tmp_path / "weights.pt")
    assert load_recognizer(tmp_path / "weights.pt").arch == "agcn-joint"
    assert load_recognizer(tmp_path / "weights.pt", stream="bone").arch == "agcn-bone"


def test_recognizer_pads_bodies_up_to_num_person(randomize):
    rec = build_recognizer("agcn-joint", 4, width=8)
    randomize(rec)
    one = skeletons(m=1)
    with torch.no_grad():
        torch.testing.assert_close(rec(one), rec(torch.cat((one, torch.zeros_like(one)), dim=4)))


def test_ensemble_logits_are_the_sum_of_the_streams(tmp_path, randomize):
    classes = [f"a{k}" for k in range(6)]
    joint = randomize(build_recognizer("agcn-joint", 6, class_names=classes, width=8), seed=1)
    bone = randomize(build_recognizer("agcn-bone", 6, class_names=classes, width=8), seed=2)
    pj = save_recognizer(joint, tmp_path / "j.pt")
    pb = save_recognizer(bone, tmp_path / "b.pt")
    ens = load_recognizer(f"{pj}+{pb}")
    assert ens.arch == "agcn-ensemble" and len(ens.streams) == 2 and ens.class_names == classes
    x = skeletons(seed=5)
    with torch.no_grad():
        lj, lb = joint(x), bone(x)
        torch.testing.assert_close(ens(x), lj + lb, rtol=1e-6, atol=1e-6)
        assert not torch.allclose(lj, lb)


def test_data_bn_channel_order_is_m_v_c(randomize):
    """2s-AGCN's ``data_bn`` spans ``M*V*C`` channels, index ``m*V*C + v*C + c``."""
    model = randomize(AGCN(num_class=4, width=8), seed=8)
    with torch.no_grad():
        model.data_bn.running_mean.zero_()
        model.data_bn.running_var.fill_(1 - model.data_bn.eps)
        model.data_bn.weight.fill_(1.0)
        model.data_bn.bias.zero_()
        x = torch.randn(2, 3, 10, 25, 2)
        m, v, c = 1, 11, 0
        shifted = x.clone()
        shifted[:, c, :, v, m] += 0.5
        expected = model(shifted)
        model.data_bn.bias[m * 75 + v * 3 + c] = 0.5
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-5)


def test_adaptive_graph_unit_against_explicit_sums(randomize):
    """``unit_gcn`` for subset i: ``S = softmax_over_rows(theta^T phi / (C_e * T))`` with
    ``theta[v] = conv_a(x)[:, :, v]`` and ``phi[w] = conv_b(x)[:, :, w]`` flattened over
    (channel, frame); graph ``G = A_i + PA_i + S``; ``z_i = conv_d(y)``, ``y[c, t, w] =
    sum_v x[c, t, v] G[v, w]``; output ``relu(bn(sum_i z_i) + down(x))``."""
    from pipeline.models.agcn import AdaptiveGraphUnit

    torch.manual_seed(1)
    adj = torch.tensor(agcn_adjacency("ntu-rgb+d"))
    unit = randomize(AdaptiveGraphUnit(3, 8, adj), seed=2)
    x = torch.randn(1, 3, 4, 25)
    with torch.no_grad():
        total = torch.zeros(8, 4, 25)
        for i in range(3):
            theta = unit.conv_a[i](x)[0]  # Ce x T x V
            phi = unit.conv_b[i](x)[0]
            ce, t = theta.shape[0], theta.shape[1]
            scores = torch.empty(25, 25)
            for v in range(25):
                for w in range(25):
                    scores[v, w] = (theta[:, :, v] * phi[:, :, w]).sum() / (ce * t)
            graph = adj[i] + unit.PA[i] + torch.softmax(scores, dim=0)
            y = torch.einsum("ctv,vw->ctw", x[0], graph)
            total += unit.conv_d[i](y[None])[0]
        expected = torch.relu(unit.bn(total[None]) + unit.down(x))
        torch.testing.assert_close(unit(x), expected, rtol=1e-4, atol=1e-5)

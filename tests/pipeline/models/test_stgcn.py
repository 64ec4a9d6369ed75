"""ST-GCN: official state-dict naming and shapes, official-style files load with identical logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.models import create_model, load_recognizer
from pipeline.models.graph import stgcn_adjacency
from pipeline.models.stgcn import STGCN


def _bn(prefix: str, n: int) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (n,)), (f"{prefix}.bias", (n,)), (f"{prefix}.running_mean", (n,)),
            (f"{prefix}.running_var", (n,)), (f"{prefix}.num_batches_tracked", ())]


def official_stgcn_keys(num_class: int, num_joints: int, *, channels: int = 3, slices: int = 3,
                        width: int = 64) -> dict[str, tuple[int, ...]]:
    """The official ST-GCN state dict, written out from REFERENCE.md: A, data_bn over C*V,
    10 blocks (in, out, stride), residual convs in blocks 4 and 7, 10 edge-importance
    masks, and the 1x1 convolution head."""
    w1, w2, w4 = width, 2 * width, 4 * width
    plan = [(channels, w1), (w1, w1), (w1, w1), (w1, w1), (w1, w2), (w2, w2), (w2, w2),
            (w2, w4), (w4, w4), (w4, w4)]
    keys: list[tuple[str, tuple[int, ...]]] = [("A", (slices, num_joints, num_joints))]
    keys += _bn("data_bn", channels * num_joints)
    for i, (cin, cout) in enumerate(plan):
        p = f"st_gcn_networks.{i}"
        keys += [(f"{p}.gcn.conv.weight", (cout * slices, cin, 1, 1)), (f"{p}.gcn.conv.bias", (cout * slices,))]
        keys += _bn(f"{p}.tcn.0", cout)
        keys += [(f"{p}.tcn.2.weight", (cout, cout, 9, 1)), (f"{p}.tcn.2.bias", (cout,))]
        keys += _bn(f"{p}.tcn.3", cout)
        if i in (4, 7):
            keys += [(f"{p}.residual.0.weight", (cout, cin, 1, 1)), (f"{p}.residual.0.bias", (cout,))]
            keys += _bn(f"{p}.residual.1", cout)
    keys += [(f"edge_importance.{i}", (slices, num_joints, num_joints)) for i in range(10)]
    keys += [("fcn.weight", (num_class, w4, 1, 1)), ("fcn.bias", (num_class,))]
    return dict(keys)


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def _input(n: int, t: int, v: int, m: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, t, v, m, generator=g)


def test_ntu_keys_and_shapes_are_official():
    model = create_model("stgcn", num_class=60, graph="ntu-rgb+d")
    assert _shapes(model) == official_stgcn_keys(60, 25)
    assert len(model.state_dict()) == 1 + 5 + 10 * (2 + 5 + 2 + 5) + 2 * (2 + 5) + 10 + 2
    np.testing.assert_array_equal(model.A.numpy(), stgcn_adjacency("ntu-rgb+d", "spatial"))
    assert all(torch.equal(p, torch.ones(3, 25, 25)) for p in model.edge_importance)


def test_kinetics_keys_and_shapes_are_official():
    model = create_model("stgcn", num_class=400, graph="openpose")
    assert _shapes(model) == official_stgcn_keys(400, 18)
    assert model.state_dict()["data_bn.weight"].shape == (54,)


def test_width_scales_every_block():
    model = STGCN(num_class=12, width=8)
    assert _shapes(model) == official_stgcn_keys(12, 25, width=8)


def test_forward_shapes_and_m_average(randomize):
    model = randomize(STGCN(num_class=7, width=8))
    x = _input(2, 12, 25, 1)
    with torch.no_grad():
        out = model(x)
        assert out.shape == (2, 7)
        # the official head averages over M, an all-zero second body included
        two = model(torch.cat((x, torch.zeros_like(x)), dim=4))
        f1 = model.features(x).mean(dim=(2, 3))
        f0 = model.features(torch.zeros_like(x)).mean(dim=(2, 3))
        head = model.fcn.weight[:, :, 0, 0]
        np.testing.assert_allclose(two, (0.5 * (f1 + f0)) @ head.T + model.fcn.bias, rtol=1e-5, atol=1e-5)
        assert not torch.allclose(out, two)


def _official_file(tmp_path, model: torch.nn.Module, name: str, *, prefix: str = "", wrap: bool = False):
    state = {prefix + k: v.clone() for k, v in model.state_dict().items()}
    path = tmp_path / name
    torch.save({"state_dict": state} if wrap else state, path)
    return path


@pytest.mark.parametrize("prefix,wrap", [("module.", False), ("", True), ("module.", True), ("", False)])
def test_official_ntu_file_loads_with_identical_logits(tmp_path, prefix, wrap, randomize):
    model = randomize(create_model("stgcn", num_class=60, graph="ntu-rgb+d"), seed=3)
    path = _official_file(tmp_path, model, "st_gcn.ntu-xsub.pt", prefix=prefix, wrap=wrap)
    rec = load_recognizer(path)
    assert rec.arch == "stgcn" and rec.num_classes == 60 and rec.layout.name == "ntu25"
    assert rec.class_names[0] == "drink water"
    assert not rec.training and not any(p.requires_grad for p in rec.parameters())
    x = _input(2, 8, 25, 2)
    with torch.no_grad():
        torch.testing.assert_close(rec(x), model(x), rtol=0, atol=0)


def test_official_kinetics_file_loads(tmp_path, randomize):
    model = randomize(create_model("stgcn", num_class=400, graph="openpose", width=16), seed=4)
    path = _official_file(tmp_path, model, "st_gcn.kinetics.pt", prefix="module.")
    rec = load_recognizer(path)
    assert rec.layout.name == "openpose18" and rec.num_classes == 400
    assert rec.model.state_dict()["fcn.weight"].shape == (400, 64, 1, 1)
    x = _input(1, 8, 18, 2)
    with torch.no_grad():
        torch.testing.assert_close(rec(x), model(x), rtol=0, atol=0)


def test_file_without_num_batches_tracked_loads(tmp_path, randomize):
    """Files written by old PyTorch have no BatchNorm counters."""
    model = randomize(STGCN(num_class=5, width=8), seed=5)
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, tmp_path / "old.pt")
    rec = load_recognizer(tmp_path / "old.pt")
    x = _input(1, 8, 25, 2)
    with torch.no_grad():
        torch.testing.assert_close(rec(x), model(x), rtol=0, atol=0)


def test_an_official_file_sees_two_bodies_as_in_its_data(tmp_path, randomize):
    """The official NTU data always holds two bodies (zero when absent) and ST-GCN averages
    its output over them: one body is padded with a zero one, as the official data is."""
    model = randomize(STGCN(num_class=5, width=8), seed=6)
    torch.save(model.state_dict(), tmp_path / "st_gcn.ntu-xview.pt")
    rec = load_recognizer(tmp_path / "st_gcn.ntu-xview.pt")
    assert rec.input_spec.num_person == 2
    x = _input(1, 8, 25, 1)
    with torch.no_grad():
        padded = model(torch.cat([x, torch.zeros_like(x)], dim=4))
        torch.testing.assert_close(rec(x), padded, rtol=0, atol=0)
        assert not torch.allclose(model(x), padded)  # averaging over one body is another model


def test_data_bn_channel_order_is_v_times_c_plus_c(randomize):
    """``data_bn`` normalises ``(N*M, V*C, T)`` with channel ``v*C + c`` (REFERENCE): a bias
    on channel ``v*3 + c`` equals shifting coordinate ``c`` of joint ``v`` in the input."""
    model = randomize(STGCN(num_class=4, width=8), seed=6)
    with torch.no_grad():
        model.data_bn.running_mean.zero_()
        model.data_bn.running_var.fill_(1 - model.data_bn.eps)
        model.data_bn.weight.fill_(1.0)
        model.data_bn.bias.zero_()
        x = _input(2, 10, 25, 2)
        v, c = 7, 2
        shifted = x.clone()
        shifted[:, c, :, v, :] += 0.5
        expected = model(shifted)
        model.data_bn.bias[v * 3 + c] = 0.5
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-5)


def test_graph_conv_against_explicit_sums():
    """``gcn``: 1x1 conv to K*out channels (slice k = channels k*out..(k+1)*out-1), then
    ``y[n, c, t, w] = sum_k sum_v z[n, k, c, t, v] * A[k, v, w]``."""
    from pipeline.models.stgcn import GraphConv

    torch.manual_seed(0)
    gc = GraphConv(2, 3, 3)
    x = torch.randn(1, 2, 4, 5)
    adj = torch.rand(3, 5, 5)
    with torch.no_grad():
        z = gc.conv(x)[0]  # K*out x T x V
        expected = torch.zeros(3, 4, 5)
        for k in range(3):
            for c in range(3):
                for w in range(5):
                    for v in range(5):
                        expected[c, :, w] += z[k * 3 + c, :, v] * adj[k, v, w]
        torch.testing.assert_close(gc(x, adj)[0], expected, rtol=1e-5, atol=1e-5)

"""Reading and writing recogniser checkpoints, safely.

Two kinds of file load:

* **Official state dicts** (ST-GCN ``st_gcn.ntu-xsub.pt`` etc., 2s-AGCN
  ``ntu_cv_agcn_joint-49-29400.pt`` etc., CTR-GCN ``runs-<epoch>-<step>.pt``, MS-G3D
  ``ntu60_xview_joint.pt`` / ``weights-<epoch>-<step>.pt``): a plain
  mapping ``key -> tensor``, sometimes with a ``module.`` prefix (saved from
  ``DataParallel``) or wrapped as ``{"state_dict": ...}``. The architecture, class count,
  graph and width are inferred from the key names and shapes. Released 2s-AGCN files need two renames that users hit
  (lshiwjx/2s-AGCN issues 32 and 67): ``gcn1.conv_res.*`` -> ``gcn1.down.*`` and
  ``l1a.*`` -> ``l1.*``; they are applied here. BatchNorm ``num_batches_tracked``
  counters missing from files written by old PyTorch are filled in.
* **ciasa checkpoints** (``format: ciasa-recognizer``): the streams' state dicts plus
  architecture, layout, class names, preprocessing and provenance, as plain
  containers of tensors, strings and numbers. Training checkpoints add the optimiser
  state for resuming.

Everything is read with ``torch.load(weights_only=True)``: a file that needs arbitrary
objects unpickled is refused.
"""

from __future__ import annotations

import logging
import pickle
import re
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pipeline.errors import FormatError, MissingInputError, UnsafePickleError

log = logging.getLogger(__name__)

FORMAT = "ciasa-recognizer"
FORMAT_VERSION = 1
MAX_LISTED = 5

#: Key renames for released 2s-AGCN files: (pattern, replacement), applied in order.
AGCN_RENAMES: tuple[tuple[str, str], ...] = (
    (r"^l1a\.", "l1."),
    (r"\.gcn1\.conv_res\.", ".gcn1.down."),
)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint file as a mapping with ``weights_only=True``.

    Raises:
        MissingInputError: no such file.
        UnsafePickleError: the file needs arbitrary objects unpickled (refused).
        FormatError: not a torch file, or not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise MissingInputError("no such checkpoint file", path=p)
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        culprit = [ln for ln in lines if "Unsupported global" in ln or "GLOBAL" in ln]
        # torch wraps every unpickling failure in "Weights only load failed"; only a
        # refused global means the file asks for arbitrary objects. Other failures
        # ("Unsupported operand", bad opcodes) are corrupt or foreign bytes.
        if culprit:
            raise UnsafePickleError(
                "refused: loading this checkpoint would unpickle arbitrary objects "
                f"(torch.load weights_only=True: {culprit[0].split('. Please')[0]})", path=p) from exc
        detail = [ln for ln in lines if "WeightsUnpickler error" in ln or "Unsupported" in ln]
        reason = (detail or lines or [type(exc).__name__])[-1]
        raise FormatError(f"not a readable torch checkpoint: {reason}", path=p) from exc
    except (RuntimeError, EOFError, ValueError, OSError, KeyError, IndexError, TypeError,
            AttributeError, UnicodeDecodeError, struct.error) as exc:
        # corrupt or foreign bytes make the restricted unpickler fail in many ways
        raise FormatError(f"not a readable torch checkpoint: {type(exc).__name__}: {exc}", path=p) from exc
    if not isinstance(obj, Mapping):
        raise FormatError(f"checkpoint is a {type(obj).__name__}, not a state dict", path=p)
    return dict(obj)


def is_ciasa_checkpoint(obj: Mapping[str, Any]) -> bool:
    return obj.get("format") == FORMAT


def official_state_dict(obj: Mapping[str, Any], path: str | Path) -> dict[str, torch.Tensor]:
    """The tensor mapping inside an official-style checkpoint (unwrapping
    ``{"state_dict": ...}`` / ``{"model": ...}``), with the ``module.`` prefix removed."""
    for wrapper in ("state_dict", "model", "model_state_dict"):
        if wrapper in obj and isinstance(obj[wrapper], Mapping):
            obj = obj[wrapper]
            break
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad or not obj:
        raise FormatError(
            "not a state dict (a mapping of parameter names to tensors)"
            + (f"; e.g. entry {bad[0]!r} is a {type(obj[bad[0]]).__name__}" if bad else "; it is empty"),
            path=path, field="state_dict")
    return {strip_prefix(k): v for k, v in obj.items()}


def strip_prefix(key: str) -> str:
    """Remove a leading ``module.`` (DataParallel) from a parameter name."""
    return key[len("module."):] if key.startswith("module.") else key


def rename_agcn_keys(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Apply :data:`AGCN_RENAMES` to every key."""
    out = {}
    for key, value in state.items():
        for pattern, repl in AGCN_RENAMES:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


#: Bodies per sample of the official ST-GCN data (tools/ntu_gendata.py and the Kinetics
#: feeder both pad to two): an official ST-GCN checkpoint is fed two, a zero one included.
OFFICIAL_STGCN_BODIES = 2


def infer_architecture(state: Mapping[str, torch.Tensor], path: str | Path) -> tuple[str, dict[str, Any]]:
    """Guess ``(arch family, constructor kwargs)`` from an official state dict.

    ``"stgcn"``: ``num_class``, ``in_channels``, ``graph``, ``strategy``, ``width``,
    ``edge_importance_weighting``, ``num_person`` (:data:`OFFICIAL_STGCN_BODIES`). ``"agcn"``: ``num_class``, ``num_point``,
    ``num_person``, ``in_channels``, ``graph``, ``width``. ``"ctrgcn"`` (told from 2s-AGCN,
    which also has ``l1.gcn1.PA``, by its ``l1.gcn1.convs.*`` CTR-GCs): the same plus
    ``adaptive``. ``"msg3d"`` (``sgcn1.0.A_res``): ``num_class``, ``num_point``,
    ``num_person``, ``num_gcn_scales``, ``num_g3d_scales``, ``graph``, ``in_channels``,
    ``width``.
    """
    if "sgcn1.0.A_res" in state:
        return "msg3d", _msg3d_config(state, path)
    if "st_gcn_networks.0.gcn.conv.weight" in state:
        k = _stgcn_slices(state)
        v = _stgcn_joints(state, path)
        width = state["st_gcn_networks.0.gcn.conv.weight"].shape[0] // k
        in_channels = state["data_bn.weight"].shape[0] // v if "data_bn.weight" in state else 3
        strategy = {1: "uniform", 2: "distance", 3: "spatial"}.get(k)
        if strategy is None:
            raise FormatError(f"ST-GCN with {k} adjacency slices is not an official partition "
                              "(uniform 1, distance 2, spatial 3)", path=path, field="A")
        return "stgcn", {
            "num_class": state["fcn.weight"].shape[0], "in_channels": in_channels,
            "graph": _graph_for(v, path), "strategy": strategy, "width": width,
            "edge_importance_weighting": "edge_importance.0" in state,
            # the official NTU and Kinetics data always hold two bodies (zero when absent)
            "num_person": OFFICIAL_STGCN_BODIES,
        }
    if "l1.gcn1.convs.0.conv3.weight" in state:
        return "ctrgcn", _ctrgcn_config(state, path)
    if "l1.gcn1.PA" in state:
        v = state["l1.gcn1.PA"].shape[-1]
        width = state["l1.gcn1.conv_d.0.weight"].shape[0]
        in_channels = state["l1.gcn1.conv_d.0.weight"].shape[1]
        mcv = state["data_bn.weight"].shape[0]
        return "agcn", {
            "num_class": state["fc.weight"].shape[0], "num_point": v,
            "num_person": mcv // (in_channels * v), "in_channels": in_channels,
            "graph": _graph_for(v, path), "width": width,
        }
    sample = ", ".join(list(state)[:MAX_LISTED])
    raise FormatError(
        "unrecognised architecture: no ST-GCN keys (st_gcn_networks.*), 2s-AGCN keys "
        "(l1.gcn1.PA, l1.gcn1.conv_a.*), CTR-GCN keys (l1.gcn1.convs.*) or MS-G3D keys (sgcn1.0.A_res) "
        f"found; first keys: {sample}",
        path=path, field="state_dict")


def _ctrgcn_config(state: Mapping[str, torch.Tensor], path: str | Path) -> dict[str, Any]:
    """CTR-GCN constructor options from an official state dict. Without ``PA`` (a model
    built with ``adaptive=False``) the joint count comes from ``data_bn`` (``M*C*V``), the
    first official graph whose ``V`` divides it, and ``M`` from what remains."""
    first = state["l1.gcn1.convs.0.conv3.weight"]  # (width, C, 1, 1)
    width, in_channels = int(first.shape[0]), int(first.shape[1])
    if "data_bn.weight" not in state or "fc.weight" not in state:
        raise FormatError("CTR-GCN state dict without data_bn or fc", path=path, field="state_dict")
    mcv = int(state["data_bn.weight"].shape[0])
    adaptive = "l1.gcn1.PA" in state
    if adaptive:
        v = int(state["l1.gcn1.PA"].shape[-1])
    else:
        fits = [n for n in (25, 18) if mcv % (in_channels * n) == 0]
        if not fits:
            raise FormatError(f"CTR-GCN data_bn has {mcv} channels: not M*C*V for C={in_channels} and an "
                              "official graph (25 or 18 joints)", path=path, field="data_bn")
        v = fits[0]
    return {"num_class": int(state["fc.weight"].shape[0]), "num_point": v,
            "num_person": mcv // (in_channels * v), "in_channels": in_channels,
            "graph": _graph_for(v, path), "width": width, "adaptive": adaptive}


def _msg3d_config(state: Mapping[str, torch.Tensor], path: str | Path) -> dict[str, Any]:
    """MS-G3D constructor options from an official state dict: ``V`` and the GCN scales from
    ``sgcn1.0.A_res`` ``(S*V, V)``, the G3D scales from the first pathway's ``A_res``
    ``(G*W*V, W*V)``, C and the width from the first MS-GCN's 1x1 convolution ``(width,
    S*C)``, M from ``data_bn`` ``(M*C*V)``."""
    g3d = "gcn3d1.gcn3d.0.gcn3d.1.A_res"
    needed = ("sgcn1.0.mlp.layers.0.weight", g3d, "data_bn.weight", "fc.weight")
    absent = [k for k in needed if k not in state]
    if absent:
        raise FormatError(f"MS-G3D state dict without {', '.join(absent)}", path=path, field="state_dict")
    rows, v = (int(d) for d in state["sgcn1.0.A_res"].shape)
    first = state["sgcn1.0.mlp.layers.0.weight"]  # (width, S*C, 1, 1)
    num_gcn_scales = rows // v
    in_channels = int(first.shape[1]) // num_gcn_scales
    mcv = int(state["data_bn.weight"].shape[0])
    return {"num_class": int(state["fc.weight"].shape[0]), "num_point": v,
            "num_person": mcv // (in_channels * v), "num_gcn_scales": num_gcn_scales,
            "num_g3d_scales": int(state[g3d].shape[0]) // int(state[g3d].shape[1]),
            "graph": _graph_for(v, path), "in_channels": in_channels, "width": int(first.shape[0])}


def _stgcn_slices(state: Mapping[str, torch.Tensor]) -> int:
    for key in ("A", "edge_importance.0"):
        if key in state:
            return int(state[key].shape[0])
    return 3


def _stgcn_joints(state: Mapping[str, torch.Tensor], path: str | Path) -> int:
    for key in ("A", "edge_importance.0"):
        if key in state:
            return int(state[key].shape[-1])
    if "data_bn.weight" in state:
        return int(state["data_bn.weight"].shape[0]) // 3
    raise FormatError("cannot tell the joint count (no A, edge_importance or data_bn)", path=path)


def _graph_for(num_joints: int, path: str | Path) -> str:
    graphs = {25: "ntu-rgb+d", 18: "openpose"}
    if num_joints not in graphs:
        raise FormatError(f"no official graph has {num_joints} joints (ntu-rgb+d 25, openpose 18)",
                          path=path, field="A")
    return graphs[num_joints]


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def load_state_checked(model: nn.Module, state: Mapping[str, torch.Tensor], *, arch: str,
                       path: str | Path | None) -> None:
    """Load ``state`` into ``model`` strictly, first checking every key and shape so that
    a mismatch raises one :class:`FormatError` listing the first few problems and the
    architecture checked against. Missing BatchNorm ``num_batches_tracked`` counters (old
    PyTorch files) are filled with the model's own."""
    own = model.state_dict()
    state = dict(state)
    for key, value in own.items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = value
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [f"{k} {_shape(state[k])} vs {_shape(own[k])}" for k in own
             if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        parts = []
        for label, items in (("missing keys", missing), ("unexpected keys", unexpected),
                             ("shape mismatches (file vs model)", wrong)):
            if items:
                more = f" (+{len(items) - MAX_LISTED} more)" if len(items) > MAX_LISTED else ""
                parts.append(f"{label}: {', '.join(items[:MAX_LISTED])}{more}")
        raise FormatError(f"state dict does not match {arch}: " + "; ".join(parts),
                          path=path, field="state_dict")
    converted = {k: v.to(own[k].dtype) if torch.is_floating_point(own[k]) else v for k, v in state.items()}
    model.load_state_dict(converted, strict=True)


def half_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Float tensors as float16 (storage), others unchanged; every tensor contiguous on CPU."""
    return {k: (v.detach().to("cpu", torch.float16) if torch.is_floating_point(v) else v.detach().cpu()).contiguous()
            for k, v in state.items()}

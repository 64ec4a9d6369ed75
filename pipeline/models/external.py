"""A recogniser from the user's own code: ``--model pkg.module:factory`` or
``--model path/to/file.py:factory``.

The factory is called with no arguments and returns a ``torch.nn.Module`` that maps raw
skeletons ``(N, C, T, V, M)`` in the data's own frame (NTU: Kinect camera metres,
zero-padded) to logits ``(N, K)``; any preprocessing it needs is its own business, inside
its forward. What the project must know about it comes from attributes of the module, or
of the factory's second return value (a dict) when it returns ``(module, info)``:

* ``class_names`` (list of K names; default NTU-60/120 names for 60/120 classes, else
  ``class_<k>``),
* ``layout`` (a layout name, default ``"ntu25"``),
* ``num_person`` (the exact M it needs, shorter inputs are zero-padded; default: any),
* ``in_channels`` (default 3).

Only what the user names is imported, and only when a model spec names it (never at
import of ciasa). A file path is imported under a private module name derived from its
path, so two files with the same stem do not collide. The module is checked once on load:
a forward of a small seeded input must give finite ``(N, K)`` logits with K the number of
class names. :func:`external_hash` is the content hash used in cache keys: the source
file's bytes and every tensor of the module's state dict.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pipeline.errors import ValidationError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
#: Frames of the probe input checked on load.
PROBE_FRAMES = 32


def is_external_spec(spec: str | Path) -> bool:
    """``True`` for ``module.path:callable`` or ``file.py:callable`` (not for an existing
    checkpoint path or a bundled name)."""
    text = str(spec)
    if ":" not in text or Path(text).exists():
        return False
    target, _, attr = text.rpartition(":")
    return bool(_IDENT.match(attr)) and (target.endswith(".py") or bool(_DOTTED.match(target)))


def _error(spec: str, what: str) -> ValidationError:
    return ValidationError(f"model spec {spec!r}: {what}", field="model")


def _import(spec: str, target: str) -> Any:
    if target.endswith(".py"):
        path = Path(target).expanduser().resolve()
        if not path.is_file():
            raise _error(spec, f"no such file {path}")
        name = "ciasa_user_model_" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
        if name in sys.modules:
            return sys.modules[name]
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise _error(spec, f"cannot import {path}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:  # the user's code: report what it raised, one line
            sys.modules.pop(name, None)
            raise _error(spec, f"importing {path} raised {type(exc).__name__}: {exc}") from exc
        return module
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        raise _error(spec, f"no module named {exc.name!r}") from exc
    except Exception as exc:
        raise _error(spec, f"importing {target} raised {type(exc).__name__}: {exc}") from exc


def source_file(spec: str) -> Path | None:
    """The file the spec's module was loaded from (None for a built-in module)."""
    target = str(spec).rpartition(":")[0]
    module = _import(str(spec), target)
    f = getattr(module, "__file__", None)
    return Path(f) if f else None


def build_external(spec: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Import the spec's factory, call it, and return ``(module, info)`` with ``info``
    holding ``class_names``, ``layout``, ``num_person``, ``in_channels``, ``file``.

    Raises:
        ValidationError (field ``model``), naming the spec: no such module or file, no such
        attribute, not callable, not returning an ``nn.Module``, bad attributes.
    """
    spec = str(spec)
    target, _, attr = spec.rpartition(":")
    module = _import(spec, target)
    factory = getattr(module, attr, None)
    if factory is None:
        raise _error(spec, f"{target} has no attribute {attr!r}")
    if not callable(factory):
        raise _error(spec, f"{attr} is not callable")
    try:
        made = factory()
    except Exception as exc:
        raise _error(spec, f"calling {attr}() raised {type(exc).__name__}: {exc}") from exc
    info: dict[str, Any] = {}
    if isinstance(made, tuple) and len(made) == 2 and isinstance(made[1], dict):
        made, info = made
    if not isinstance(made, nn.Module):
        raise _error(spec, f"{attr}() returned {type(made).__name__}, not a torch.nn.Module")
    out = {k: info.get(k, getattr(made, k, None)) for k in ("class_names", "layout", "num_person", "in_channels")}
    out["layout"] = out["layout"] or "ntu25"
    out["in_channels"] = int(out["in_channels"] or 3)
    if out["class_names"] is not None:
        names = list(out["class_names"])
        if not names or not all(isinstance(n, str) for n in names):
            raise _error(spec, "class_names must be a non-empty list of strings")
        out["class_names"] = names
    if out["num_person"] is not None and (isinstance(out["num_person"], bool) or int(out["num_person"]) < 1):
        raise _error(spec, f"num_person must be a positive integer, got {out['num_person']!r}")
    f = getattr(module, "__file__", None)
    out["file"] = str(Path(f).resolve()) if f else None
    return made, out


def probe_classes(spec: str, net: nn.Module, channels: int, joints: int, bodies: int) -> int:
    """Run a small seeded input through ``net`` and return K; a one-line error naming the
    spec when the output is not finite ``(N, K)`` logits."""
    g = torch.Generator().manual_seed(0)
    x = 0.3 * torch.randn(2, channels, PROBE_FRAMES, joints, bodies, generator=g)
    x[..., 2, :, :] += 3.0 if channels >= 3 else 0.0  # in front of the sensor, as real data
    was = net.training
    net.eval()
    try:
        with torch.no_grad():
            y = net(x)
    except Exception as exc:
        raise _error(spec, f"forward of a (2, {channels}, {PROBE_FRAMES}, {joints}, {bodies}) input raised "
                           f"{type(exc).__name__}: {exc}") from exc
    finally:
        net.train(was)
    if not isinstance(y, torch.Tensor) or y.dim() != 2 or y.shape[0] != 2:
        shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise _error(spec, f"output {shape} for a batch of 2 is not logits (N, K)")
    if not torch.isfinite(y).all():
        raise _error(spec, "the forward gives non-finite logits")
    return int(y.shape[1])


def external_hash(net: nn.Module, file: str | None) -> str:
    """SHA-256 over the source file's bytes and the module's state dict (names, dtypes,
    shapes, values)."""
    h = hashlib.sha256()
    if file and Path(file).is_file():
        h.update(Path(file).read_bytes())
    for name, tensor in sorted(net.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()





def load_external(spec: str | Path) -> Any:
    """The user's model as a :class:`~pipeline.models.recognizer.Recognizer` (one stream,
    arch ``"external"``, no preprocessing of ours), checked with :func:`probe_classes`;
    ``meta`` records the spec, the source file and :func:`external_hash`."""
    from pipeline.layouts import get_layout
    from pipeline.models import default_class_names
    from pipeline.models.recognizer import Preprocess, Recognizer, Stream

    spec = str(spec)
    net, info = build_external(spec)
    try:
        layout = get_layout(info["layout"])
    except Exception as exc:
        raise _error(spec, f"unknown layout {info['layout']!r}") from exc
    k = probe_classes(spec, net, info["in_channels"], layout.num_joints, info["num_person"] or 2)
    names = info["class_names"] or default_class_names(k, layout.name)
    if len(names) != k:
        raise _error(spec, f"{len(names)} class names for {k} outputs")
    stream = Stream(net, Preprocess("none", layout), arch="external", num_person=info["num_person"],
                    config={"spec": spec, "in_channels": info["in_channels"]})
    return Recognizer([stream], layout=layout, class_names=names, name=spec,
                      meta={"source": "external", "spec": spec, "file": info["file"],
                            "content_hash": external_hash(net, info["file"])})

__all__ = ["PROBE_FRAMES", "build_external", "external_hash", "is_external_spec", "load_external", "probe_classes",
           "source_file"]

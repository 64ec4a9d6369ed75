"""Recognisers: ST-GCN, 2s-AGCN, CTR-GCN and MS-G3D, official-checkpoint compatible, plus bundled weights.

Entry points:

* :func:`create_model` ``(name, **kwargs)``: a bare network (``"stgcn"``,
  ``"agcn-joint"``, ``"agcn-bone"``, ``"ctrgcn"``, ``"ctrgcn-bone"``, ``"ctrgcn-motion"``,
  ``"ctrgcn-bone-motion"``, ``"msg3d"``, ``"msg3d-bone"``); unknown names list the valid ones.
* :func:`build_recognizer`: a fresh (untrained) :class:`Recognizer` for an architecture,
  layout and class list (what training starts from).
* :func:`load_recognizer` ``(path_or_name)``: a bundled name (``stgcn-ntu60``,
  ``agcn-joint-ntu60``, ``agcn-bone-ntu60``, ``agcn-ntu60`` = their ensemble,
  ``msg3d-joint-ntu60``, ``ctrgcn-joint-ntu60``, ``stgcn-synth``, ``agcn-joint-synth``, ``agcn-bone-synth``,
  ``agcn-synth`` = the joint+bone ensemble), a
  ciasa checkpoint, an official ST-GCN / 2s-AGCN / CTR-GCN / MS-G3D state dict, or several of these
  joined with ``+`` (an ensemble: logits summed). Returned in eval mode, parameters frozen.
* :func:`save_recognizer`: write a ciasa checkpoint (atomically).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pipeline.classes import NTU60_CLASSES, NTU120_CLASSES
from pipeline.errors import FormatError, MissingInputError, UnknownFormatError
from pipeline.layouts import Layout, get_layout
from pipeline.models.agcn import AGCN
from pipeline.models.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    half_state,
    infer_architecture,
    is_ciasa_checkpoint,
    load_state_checked,
    official_state_dict,
    read_checkpoint,
    rename_agcn_keys,
)
from pipeline.models.ctrgcn import CTRGCN
from pipeline.models.msg3d import MSG3D
from pipeline.models.recognizer import InputSpec, Preprocess, Recognizer, Stream
from pipeline.models.stgcn import STGCN

log = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"

#: Bundled recogniser names -> checkpoint files in ``pipeline/models/bundled/``.
BUNDLED: dict[str, tuple[str, ...]] = {
    "stgcn-ntu60": ("stgcn-ntu60.pt",),
    "agcn-joint-ntu60": ("agcn-joint-ntu60.pt",),
    "agcn-bone-ntu60": ("agcn-bone-ntu60.pt",),
    "agcn-ntu60": ("agcn-joint-ntu60.pt", "agcn-bone-ntu60.pt"),
    "msg3d-joint-ntu60": ("msg3d-joint-ntu60.pt",),
    "ctrgcn-joint-ntu60": ("ctrgcn-joint-ntu60.pt",),
    "stgcn-synth": ("stgcn-synth.pt",),
    "agcn-joint-synth": ("agcn-joint-synth.pt",),
    "agcn-bone-synth": ("agcn-bone-synth.pt",),
    "agcn-synth": ("agcn-joint-synth.pt", "agcn-bone-synth.pt"),
}

#: The synthetic world each bundled recogniser learned, by its name's suffix.
BUNDLED_WORLDS: dict[str, str] = {"-ntu60": "the NTU-60-like world", "-synth": "the twelve-class world"}


def bundled_peers(name: str) -> list[str]:
    """The other bundled recognisers of ``name``'s world (same classes, same data), sorted;
    empty for a name that is not bundled. What a transfer table scores by default."""
    if name not in BUNDLED:
        return []
    suffix = next((s for s in BUNDLED_WORLDS if name.endswith(s)), None)
    return sorted(n for n in BUNDLED if n != name and suffix is not None and n.endswith(suffix))


#: Architectures: name -> (constructor, preprocessing for the NTU layout). The CTR-GCN
#: streams differ only by their input, as in the official code (joint, bone, joint
#: motion, bone motion); so do MS-G3D's, whose data generation is 2s-AGCN's.
ARCHS: dict[str, tuple[Callable[..., nn.Module], str]] = {
    "stgcn": (STGCN, "none"),
    "agcn-joint": (AGCN, "agcn-prenorm"),
    "agcn-bone": (AGCN, "agcn-prenorm+bone"),
    "ctrgcn": (CTRGCN, "ctrgcn"),
    "ctrgcn-bone": (CTRGCN, "ctrgcn+bone"),
    "ctrgcn-motion": (CTRGCN, "ctrgcn+motion"),
    "ctrgcn-bone-motion": (CTRGCN, "ctrgcn+bone+motion"),
    "msg3d": (MSG3D, "agcn-prenorm"),
    "msg3d-bone": (MSG3D, "agcn-prenorm+bone"),
}

#: CTR-GCN stream names (``load_recognizer(stream=...)``) -> architecture.
CTRGCN_STREAMS: dict[str, str] = {"joint": "ctrgcn", "bone": "ctrgcn-bone", "motion": "ctrgcn-motion",
                                  "joint-motion": "ctrgcn-motion", "bone-motion": "ctrgcn-bone-motion"}
#: MS-G3D stream names -> architecture.
MSG3D_STREAMS: dict[str, str] = {"joint": "msg3d", "bone": "msg3d-bone"}


def create_model(name: str, **kwargs: Any) -> nn.Module:
    """A bare network by architecture name (``stgcn``, ``agcn-joint``, ``agcn-bone``,
    ``ctrgcn``, ``ctrgcn-bone``, ``ctrgcn-motion``, ``ctrgcn-bone-motion``, ``msg3d``,
    ``msg3d-bone``); ``kwargs`` go to its constructor (:class:`STGCN` / :class:`AGCN` /
    :class:`CTRGCN` / :class:`MSG3D`)."""
    if name not in ARCHS:
        raise UnknownFormatError(f"unknown model {name!r}; known: {', '.join(ARCHS)}", field="arch")
    return ARCHS[name][0](**kwargs)


def default_class_names(num_class: int, layout: str) -> list[str]:
    """NTU-60 / NTU-120 names for NTU models with exactly 60 / 120 classes, else ``class_<k>``."""
    if layout == "ntu25" and num_class == 60:
        return list(NTU60_CLASSES)
    if layout == "ntu25" and num_class == 120:
        return list(NTU120_CLASSES)
    return [f"class_{k}" for k in range(num_class)]


def official_preprocess(arch: str, layout: Layout) -> str:
    """The input transform the official pipeline of ``arch`` applies to ``layout`` data."""
    return _preprocess_kind(arch, layout)


def _preprocess_kind(arch: str, layout: Layout) -> str:
    kind = ARCHS[arch][1]
    if "prenorm" in kind and layout.name != "ntu25":  # the official pre-normalisation is NTU-only
        kind = "bone" if "bone" in kind else "none"
    return kind


def _graph_kwargs(arch: str, layout: Layout) -> dict[str, Any]:
    graph = layout.stgcn_graph
    if graph is None:
        raise UnknownFormatError(f"layout {layout.name} has no recogniser graph", field="layout")
    if arch == "stgcn":
        return {"graph": graph}
    return {"graph": graph, "num_point": layout.num_joints}


def make_stream(arch: str, layout: Layout, config: dict[str, Any], preprocess: str | None = None) -> Stream:
    """A stream for ``arch`` built from constructor ``config`` (graph filled from the
    layout); ``preprocess`` overrides the architecture's official input transform."""
    if arch not in ARCHS:
        raise UnknownFormatError(f"unknown model {arch!r}; known: {', '.join(ARCHS)}", field="arch")
    config = {**_graph_kwargs(arch, layout), **config}
    if arch == "stgcn":
        # ST-GCN's network takes any M and averages its output over the bodies, a zero
        # body included, so it must see the M it was trained with: ``num_person`` in
        # the config pads fewer bodies up to it (None: any M as given, older files).
        net = create_model(arch, **{k: v for k, v in config.items() if k != "num_person"})
        num_person = config.get("num_person")
    else:
        net = create_model(arch, **config)
        num_person = config.get("num_person", 2)
    kind = preprocess or _preprocess_kind(arch, layout)
    return Stream(net, Preprocess(kind, layout), arch=arch, num_person=num_person, config=config)


def build_recognizer(arch: str, num_class: int, *, layout: str | Layout = "ntu25",
                     class_names: list[str] | None = None, name: str | None = None,
                     preprocess: str | None = None, **config: Any) -> Recognizer:
    """A fresh recogniser (random weights, train mode). ``config``: constructor options
    (e.g. ``width``, ``dropout`` for ST-GCN; ``num_person``, ``width`` for 2s-AGCN,
    CTR-GCN and MS-G3D);
    ``preprocess``: input transform (default: the architecture's official one)."""
    lay = get_layout(layout) if isinstance(layout, str) else layout
    names = class_names or default_class_names(num_class, lay.name)
    if len(names) != num_class:
        raise ValueError(f"{len(names)} class names for {num_class} classes")
    stream = make_stream(arch, lay, {"num_class": num_class, **config}, preprocess)
    return Recognizer([stream], layout=lay, class_names=names, name=name or arch)


def recognizer_payload(rec: Recognizer, *, half: bool = False, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ciasa checkpoint dictionary for ``rec`` (streams, layout, classes, meta)."""
    streams = []
    for s in rec.streams:
        state = s.net.state_dict()
        streams.append({
            "arch": s.arch, "config": s.config, "preprocess": s.preprocess.kind,
            "num_person": s.num_person,
            "state_dict": half_state(state) if half else {k: v.detach().cpu() for k, v in state.items()},
        })
    return {"format": FORMAT, "version": FORMAT_VERSION, "name": rec.name, "layout": rec.layout.name,
            "class_names": list(rec.class_names), "streams": streams,
            "meta": plain({**rec.meta, **(meta or {})})}


def plain(value: Any) -> Any:
    """``value`` as plain JSON types (what ``torch.load(weights_only=True)`` accepts);
    anything else becomes its string."""
    import json

    return json.loads(json.dumps(value, default=str))


def save_recognizer(rec: Recognizer, path: str | Path, *, half: bool = False,
                    meta: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Write ``rec`` as a ciasa checkpoint (atomically). ``half``: store float tensors as
    float16. ``extra``: more top-level entries (training state)."""
    from pipeline.io_utils import atomic_outputs

    payload = recognizer_payload(rec, half=half, meta=meta)
    payload.update(extra or {})
    path = Path(path)
    with atomic_outputs() as out:
        torch.save(payload, out.path(path))
    return path


def _from_ciasa(obj: dict[str, Any], path: Path) -> Recognizer:
    try:
        layout = get_layout(obj["layout"])
        streams = []
        for s in obj["streams"]:
            stream = make_stream(s["arch"], layout, dict(s["config"]), s["preprocess"])
            load_state_checked(stream.net, s["state_dict"], arch=f"{s['arch']} {s['config']}", path=path)
            streams.append(stream)
        return Recognizer(streams, layout=layout, class_names=list(obj["class_names"]),
                          name=str(obj.get("name") or path.stem), meta={**obj.get("meta", {}), "path": str(path)})
    except (KeyError, TypeError) as exc:
        raise FormatError(f"malformed ciasa checkpoint: missing or bad entry {exc}", path=path) from exc


def _from_official(obj: dict[str, Any], path: Path, *, stream: str | None,
                   class_names: list[str] | None) -> Recognizer:
    state = official_state_dict(obj, path)
    if any(k.startswith(("l1a.", "l1.gcn1")) or ".gcn1.conv_res." in k for k in state):
        state = rename_agcn_keys(state)
    family, config = infer_architecture(state, path)
    if family == "stgcn":
        arch = "stgcn"
    elif family == "ctrgcn":
        arch = _named_stream_arch("CTR-GCN", CTRGCN_STREAMS, path, stream)
    elif family == "msg3d":
        arch = _named_stream_arch("MS-G3D", MSG3D_STREAMS, path, stream)
    else:
        guess = stream or ("bone" if "bone" in path.name.lower() else "joint")
        if stream is None and "bone" not in path.name.lower() and "joint" not in path.name.lower():
            log.warning("%s: 2s-AGCN stream not given and not in the file name; assuming the joint "
                        "stream (pass stream='bone' for a bone model)", path)
        if guess not in ("joint", "bone"):
            raise UnknownFormatError(f"unknown 2s-AGCN stream {guess!r}; known: joint, bone", path=path)
        arch = f"agcn-{guess}"
    layout = get_layout(config["graph"])
    s = make_stream(arch, layout, config)
    load_state_checked(s.net, state, arch=f"{arch} {config}", path=path)
    names = class_names or default_class_names(config["num_class"], layout.name)
    return Recognizer([s], layout=layout, class_names=names, name=path.stem,
                      meta={"path": str(path), "source": "official state dict"})


def _named_stream_arch(model: str, streams: dict[str, str], path: Path, stream: str | None) -> str:
    """The stream of an official CTR-GCN or MS-G3D file (``model`` names it, ``streams``
    maps its stream names to architectures): ``stream`` if given, else read from the file
    and folder names (CTR-GCN work directories ``ctrgcn``, ``ctrgcn_bone``,
    ``ctrgcn_motion``, ``ctrgcn_bone_motion``; MS-G3D ``<work_dir>/weights/`` with work
    directories ``msg3d_joint``, ``msg3d_bone``, released files ``ntu60_xview_bone.pt``
    ...), else joint."""
    if stream is not None:
        if stream not in streams:
            raise UnknownFormatError(f"unknown {model} stream {stream!r}; known: {', '.join(streams)}",
                                     path=path, field="stream")
        return streams[stream]
    folder = path.parent
    if folder.name == "weights":  # MS-G3D's save_weights writes <work_dir>/weights/
        folder = folder.parent
    text = f"{folder.name}/{path.name}".lower()
    bone, motion = "bone" in text, "motion" in text and "motion" in streams
    if not (bone or motion or "joint" in text):
        others = " or ".join(f"'{k}'" for k in streams if k != "joint")
        log.warning("%s: %s stream not given and not in the file or folder name; assuming the joint "
                    "stream (pass stream=%s for another)", path, model, others)
    return streams["bone-motion" if bone and motion else "bone" if bone else "motion" if motion else "joint"]


def load_checkpoint_file(path: str | Path, *, stream: str | None = None,
                         class_names: list[str] | None = None) -> Recognizer:
    """One checkpoint file (ciasa or official) as a recogniser (train mode, unfrozen)."""
    p = Path(path)
    obj = read_checkpoint(p)
    if is_ciasa_checkpoint(obj):
        return _from_ciasa(obj, p)
    return _from_official(obj, p, stream=stream, class_names=class_names)


def resolve(spec: str | Path) -> list[Path]:
    """The checkpoint file(s) behind a bundled name, a path, or ``a.pt+b.pt``."""
    text = str(spec)
    if text in BUNDLED:
        files = [BUNDLED_DIR / f for f in BUNDLED[text]]
        absent = [f for f in files if not f.is_file()]
        if absent:
            raise MissingInputError(f"bundled model {text!r} is missing from the installation", path=absent[0])
        return files
    if Path(text).exists() or "+" not in text:
        if not Path(text).is_file():
            raise MissingInputError(
                f"no such checkpoint file (bundled names: {', '.join(BUNDLED)})", path=text)
        return [Path(text)]
    return [p for part in text.split("+") for p in resolve(part)]


def load_recognizer(spec: str | Path, *, stream: str | None = None, class_names: list[str] | None = None,
                    device: str | torch.device = "cpu", trainable: bool = False) -> Recognizer:
    """A ready recogniser from a bundled name, a checkpoint path, ``a+b`` (ensemble), or
    the user's own code.

    Args:
        spec: ``stgcn-synth``, ``agcn-joint-synth``, ``agcn-bone-synth``, ``agcn-synth``, a
            ciasa checkpoint, an official state dict, several joined by ``+``, or
            ``pkg.module:factory`` / ``path/to/file.py:factory`` (imported only then;
            :mod:`pipeline.models.external`).
        stream: for an official 2s-AGCN or MS-G3D file, ``"joint"`` or ``"bone"``; for an
            official CTR-GCN file also ``"motion"`` or ``"bone-motion"`` (default: from the
            file name, for CTR-GCN and MS-G3D also its folder's, else joint).
        class_names: names for an official checkpoint (default: NTU-60/120 by class count).
        device: where to put it.
        trainable: keep train mode and gradients on parameters (default: eval, frozen).
    """
    from pipeline.models.external import is_external_spec, load_external

    if is_external_spec(spec):
        parts = [load_external(spec)]
    else:
        parts = [load_checkpoint_file(f, stream=stream, class_names=class_names) for f in resolve(spec)]
    if len(parts) == 1:
        rec = parts[0]
    else:
        first = parts[0]
        for other in parts[1:]:
            if other.layout.name != first.layout.name or other.class_names != first.class_names:
                raise FormatError("ensemble members disagree on layout or classes "
                                  f"({first.name}: {first.layout.name}, {first.num_classes} classes; "
                                  f"{other.name}: {other.layout.name}, {other.num_classes} classes)",
                                  path=other.meta.get("path"))
        streams = [s for p in parts for s in p.streams]
        rec = Recognizer(streams, layout=first.layout, class_names=first.class_names, name=str(spec),
                         meta={"members": [p.meta for p in parts]})
    if str(spec) in BUNDLED:
        rec.name = str(spec)
    rec.to(device)
    if not trainable:
        rec.eval()
        rec.requires_grad_(False)
    return rec


__all__ = ["ARCHS", "BUNDLED", "BUNDLED_WORLDS", "AGCN", "CTRGCN", "STGCN", "InputSpec", "Preprocess", "Recognizer",
           "Stream", "build_recognizer", "bundled_peers", "create_model", "load_checkpoint_file", "load_recognizer", "resolve",
           "save_recognizer", "recognizer_payload"]

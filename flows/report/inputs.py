"""What a run report is built from (:class:`ReportInputs`), what it writes
(:class:`ReportPaths`), and readers for the stage outputs it shows.

Every reader returns ``(document, None)`` or ``(None, reason)``: a piece that is missing or
unreadable becomes a "not available: <reason>" section of the report, never an exception.
The readers check the fields the report uses, so a malformed file is named with the field
that is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import CiasaError

#: ``format`` of the documents read here (their producers' constants, kept as data so that
#: reading a report input imports neither ``pose_extract`` nor the model code).
CROSSMODAL_FORMAT = "ciasa.crossmodal"
EXTRACT_REPORT_FORMAT = "ciasa.extract_report"
#: The two sets of the experiment, in display order.
SETS = ("clean", "adversarial")


def _path(value: Any, name: str) -> Path:
    if not isinstance(value, (str, Path)):
        raise TypeError(f"ReportInputs.{name} must be a path, got {type(value).__name__}")
    return Path(value)


def _optional_path(value: Any, name: str) -> Path | None:
    return None if value is None else _path(value, name)


def _path_map(value: Any, name: str) -> dict[str, Path]:
    if not isinstance(value, dict):
        raise TypeError(f"ReportInputs.{name} must be a dict, got {type(value).__name__}")
    return {str(k): _path(v, f"{name}[{k!r}]") for k, v in value.items()}


@dataclass
class ReportInputs:
    """Everything a cross-modal run report shows; paths only, no orchestration types.

    Attributes:
        title: the page title.
        config: the run's whole configuration (any JSON-able nesting), shown collapsed.
        model: the recogniser's name (e.g. ``stgcn-synth``).
        clean_set, adversarial_set: the source skeleton sets (``.npz``; the adversarial one
            from ``ciasa attack``, with ``sample_meta`` ``attack_target`` and
            ``attack_success``).
        attack_json: ``attack.json`` of ``ciasa attack`` (metrics and per-sample outcomes).
        clean_bundles, adversarial_bundles: sample name -> render bundle folder
            (``video.mp4``, ``manifest.json``, ``ground_truth.npz``); a name absent here
            is a failed render.
        clean_recovered, adversarial_recovered: the skeleton sets recovered from the videos
            (``sample_meta["frame_valid"] (N, T)`` false on held frames), None when
            extraction produced none.
        extraction_reports: ``"clean"`` / ``"adversarial"`` -> the ``<stem>_report.json``
            of pose extraction.
        crossmodal_json: ``crossmodal.json`` of the cross-modal evaluation, or None.
        transfer_json: ``transfer.json``, the same sets scored by other recognisers
            (:mod:`pipeline.crossmodal_transfer`), or None.
        control_json: ``control.json``, the attack against a random perturbation of the
            same size (:mod:`pipeline.crossmodal_control`), or None (no control, or why
            not in ``unavailable["control"]``).
        failures: what went wrong in the run, one dict per failure (``stage``, ``sample``,
            ``reason``; other keys are shown too).
        timings: stage name -> seconds.
        links_relative_to: the folder video links are relative to (default: the report's
            folder); use it when the report is published somewhere else than it is written.
        unavailable: section or input name (``crossmodal``, ``clean_recovered``,
            ``adversarial_recovered``, ``extraction``...) -> why it is missing; shown
            instead of the generic reason.
        figure_sample: the sample drawn in the figures (default: one recovered in both sets,
            preferably one the attack fooled).
        created: the report's date (default: now, UTC).
    """

    title: str
    config: dict[str, Any]
    model: str
    clean_set: Path
    adversarial_set: Path
    attack_json: Path
    clean_bundles: dict[str, Path] = field(default_factory=dict)
    adversarial_bundles: dict[str, Path] = field(default_factory=dict)
    clean_recovered: Path | None = None
    adversarial_recovered: Path | None = None
    extraction_reports: dict[str, Path] = field(default_factory=dict)
    crossmodal_json: Path | None = None
    transfer_json: Path | None = None
    control_json: Path | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    links_relative_to: Path | None = None
    unavailable: dict[str, str] = field(default_factory=dict)
    figure_sample: str | None = None
    created: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not isinstance(self.model, str):
            raise TypeError("ReportInputs.title and .model must be str")
        if not isinstance(self.config, dict):
            raise TypeError(f"ReportInputs.config must be a dict, got {type(self.config).__name__}")
        self.clean_set = _path(self.clean_set, "clean_set")
        self.adversarial_set = _path(self.adversarial_set, "adversarial_set")
        self.attack_json = _path(self.attack_json, "attack_json")
        self.clean_bundles = _path_map(self.clean_bundles, "clean_bundles")
        self.adversarial_bundles = _path_map(self.adversarial_bundles, "adversarial_bundles")
        self.clean_recovered = _optional_path(self.clean_recovered, "clean_recovered")
        self.adversarial_recovered = _optional_path(self.adversarial_recovered, "adversarial_recovered")
        self.extraction_reports = _path_map(self.extraction_reports, "extraction_reports")
        self.crossmodal_json = _optional_path(self.crossmodal_json, "crossmodal_json")
        self.transfer_json = _optional_path(self.transfer_json, "transfer_json")
        self.control_json = _optional_path(self.control_json, "control_json")
        self.links_relative_to = _optional_path(self.links_relative_to, "links_relative_to")
        if not isinstance(self.failures, list):
            raise TypeError("ReportInputs.failures must be a list of dicts")
        self.failures = [f if isinstance(f, dict) else {"reason": str(f)} for f in self.failures]
        if not isinstance(self.timings, dict):
            raise TypeError("ReportInputs.timings must be a dict of seconds")
        self.unavailable = {str(k): str(v) for k, v in dict(self.unavailable).items()}

    def bundles(self, which: str) -> dict[str, Path]:
        """The render bundles of ``"clean"`` or ``"adversarial"``."""
        return self.clean_bundles if which == "clean" else self.adversarial_bundles

    def recovered(self, which: str) -> Path | None:
        """The recovered set of ``"clean"`` or ``"adversarial"``."""
        return self.clean_recovered if which == "clean" else self.adversarial_recovered

    def paths(self) -> dict[str, Any]:
        """Every input path as text (None where absent), for the report's record."""
        return {
            "clean_set": str(self.clean_set), "adversarial_set": str(self.adversarial_set),
            "attack_json": str(self.attack_json),
            "clean_recovered": None if self.clean_recovered is None else str(self.clean_recovered),
            "adversarial_recovered": None if self.adversarial_recovered is None else str(self.adversarial_recovered),
            "extraction_reports": {k: str(v) for k, v in self.extraction_reports.items()},
            "crossmodal_json": None if self.crossmodal_json is None else str(self.crossmodal_json),
            "transfer_json": None if self.transfer_json is None else str(self.transfer_json),
            "control_json": None if self.control_json is None else str(self.control_json),
        }


@dataclass(frozen=True)
class ReportPaths:
    """What :func:`~flows.report.build_report` wrote.

    Attributes:
        html: the self-contained page (``report.html``).
        json: the same content as data (``report.json``).
        figures: figure name -> its PNG (``figures/<name>.png``), also embedded in the page.
    """

    html: Path
    json: Path
    figures: dict[str, Path]


# --------------------------------------------------------------------------- readers


def clean_number(value: Any) -> float | int | None:
    """A JSON-safe number: ints stay ints, finite floats stay, NaN / inf / non-numbers
    (and bools) become None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return value
    return float(value) if math.isfinite(value) else None


def _read_json(path: Path, what: str) -> tuple[Any, str | None]:
    from pipeline.io_utils import load_json

    if not path.is_file():
        return None, f"{what} {path} does not exist"
    try:
        return load_json(path, what), None
    except (CiasaError, OSError) as exc:
        return None, f"cannot read {what}: {exc}"


def _document(path: Path | None, what: str, fmt: str | None) -> tuple[dict[str, Any] | None, str | None]:
    if path is None:
        return None, f"no {what} was produced"
    doc, reason = _read_json(path, what)
    if reason is not None:
        return None, reason
    if not isinstance(doc, dict):
        return None, f"{path}: {what} is not a JSON object"
    if fmt is not None and doc.get("format") != fmt:
        return None, f"{path}: not a {fmt} document (format {doc.get('format')!r})"
    return doc, None


def _list_of(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], *, none_ok: bool = False) -> bool:
    value = doc.get(key)
    return isinstance(value, list) and all(isinstance(v, kind) or (none_ok and v is None) for v in value)


def read_attack(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """``attack.json`` of ``ciasa attack``: needs ``metrics`` (an object) and
    ``per_sample`` with a ``name`` list; every other per-sample list must match its length
    (or be absent / null)."""
    doc, reason = _document(path, "attack report (attack.json)", None)
    if doc is None:
        return None, reason
    if not isinstance(doc.get("metrics"), dict):
        return None, f"{path}: field metrics: not an object"
    per = doc.get("per_sample")
    if not isinstance(per, dict) or not _list_of(per, "name", str):
        return None, f"{path}: field per_sample.name: not a list of sample names"
    n = len(per["name"])
    for key, value in per.items():
        if value is not None and (not isinstance(value, list) or len(value) != n):
            return None, f"{path}: field per_sample.{key}: not a list of {n} values"
    classes = doc.get("model_class_names")
    if classes is not None and not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)):
        return None, f"{path}: field model_class_names: not a list of class names"
    return doc, None


_RATE_KEYS = ("count", "total")
_PAIR_RATES = ("clean_accuracy", "adversarial_accuracy", "untargeted_fooling_rate_over_correct",
               "untargeted_fooling_rate_over_labelled", "prediction_change_rate")
_SAMPLE_COLUMNS = ("name", "label", "target", "clean_source_pred", "adversarial_source_pred",
                   "clean_recovered_pred", "adversarial_recovered_pred")


def _is_rate(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(k), int) for k in _RATE_KEYS)


def read_crossmodal(path: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """``crossmodal.json`` (:meth:`pipeline.crossmodal.CrossModalReport.to_dict`): checks
    the pair metrics, per-class rows and per-sample columns the report shows."""
    doc, reason = _document(path, "cross-modal evaluation (crossmodal.json)", CROSSMODAL_FORMAT)
    if doc is None:
        return None, reason
    for part in ("source", "source_on_recovered", "recovered"):
        block = doc.get(part)
        if not isinstance(block, dict):
            return None, f"{path}: field {part}: not an object"
        for key in _PAIR_RATES:
            if not _is_rate(block.get(key)):
                return None, f"{path}: field {part}.{key}: not a rate (count, total)"
        for key in ("targeted_fooling_rate_over_all", "targeted_fooling_rate_over_correct"):
            if block.get(key) is not None and not _is_rate(block[key]):
                return None, f"{path}: field {part}.{key}: not a rate (count, total)"
    if not _list_of(doc, "class_names", str):
        return None, f"{path}: field class_names: not a list of class names"
    if not isinstance(doc.get("per_class"), list) or not all(isinstance(r, dict) for r in doc["per_class"]):
        return None, f"{path}: field per_class: not a list of objects"
    samples = doc.get("samples")
    if not isinstance(samples, dict) or not _list_of(samples, "name", str):
        return None, f"{path}: field samples.name: not a list of sample names"
    n = len(samples["name"])
    for key in _SAMPLE_COLUMNS:
        col = samples.get(key)
        if not isinstance(col, list) or len(col) != n:
            return None, f"{path}: field samples.{key}: not a list of {n} values"
    return doc, None


def read_extraction(path: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """A pose extraction report (``<stem>_report.json``,
    :meth:`pose_extract.report.ExtractReport.to_dict`): ``summary`` and ``samples``."""
    doc, reason = _document(path, "extraction report", EXTRACT_REPORT_FORMAT)
    if doc is None:
        return None, reason
    if not isinstance(doc.get("summary"), dict):
        return None, f"{path}: field summary: not an object"
    samples = doc.get("samples")
    if not isinstance(samples, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str)
                                                for s in samples):
        return None, f"{path}: field samples: not a list of objects with a name"
    return doc, None


def read_set(path: Path | None, what: str) -> tuple[Any, str | None]:
    """A skeleton set (:func:`pipeline.skeleton_set.load_skeleton_set`), or the reason it
    cannot be read."""
    from pipeline.skeleton_set import load_skeleton_set

    if path is None:
        return None, f"no {what} was produced"
    try:
        return load_skeleton_set(path), None
    except (CiasaError, OSError) as exc:
        return None, f"cannot read the {what}: {exc}"


def read_manifest(bundle: Path) -> dict[str, Any]:
    """A render bundle's ``manifest.json`` as an object ({} when missing or unreadable:
    the report then assumes ``video.mp4`` and one video frame per skeleton frame)."""
    doc, _ = _read_json(bundle / "manifest.json", "render bundle manifest")
    return doc if isinstance(doc, dict) else {}


def video_file(bundle: Path, manifest: dict[str, Any] | None = None) -> Path:
    """The bundle's video: ``video.file`` of its manifest when that is a plain file name,
    else ``video.mp4``."""
    manifest = read_manifest(bundle) if manifest is None else manifest
    block = manifest.get("video") if isinstance(manifest.get("video"), dict) else {}
    name = block.get("file")
    if isinstance(name, str) and name and Path(name).name == name:
        return bundle / name
    return bundle / "video.mp4"


__all__ = ["ReportInputs", "ReportPaths", "SETS", "clean_number", "read_attack", "read_crossmodal",
           "read_extraction", "read_manifest", "read_set", "video_file"]

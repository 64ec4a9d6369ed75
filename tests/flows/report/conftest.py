"""A small but real cross-modal run on disk, built once per session for the report tests.

* ``clean.npz``: 12 synthetic NTU-25 sequences of 16 frames; one sample is renamed to a name
  full of HTML specials (the report must escape it);
* ``attack/``: CIASA (2 iterations, no GAN) on the bundled ``stgcn-synth``, written as
  ``ciasa attack`` writes it: ``adversarial.npz`` and ``attack.json``;
* ``renders/<set>/<folder>/``: fake render bundles (a tiny 'mp4v' video drawing the skeleton,
  ``manifest.json``, ``ground_truth.npz``); one clean and one adversarial render "failed";
* ``recovered/<set>.npz`` + ``<set>_report.json``: noisy copies of the sources with held
  frames, written by ``pose_extract.extracted_set.save_extraction`` from real ``SampleOutcome`` /
  ``ExtractReport`` objects; one more adversarial sample "failed" extraction;
* ``crossmodal/crossmodal.json`` from the real ``evaluate_crossmodal`` + ``write_crossmodal``.

Also: ``full_report`` (the report of that run, built once), ``no_figures`` (skip drawing for
tests about other sections) and ``parse`` (an HTML page back as links, images and tables by id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

FRAMES = 16
VIDEO_SIZE = (96, 72)
#: A sample name with HTML specials (and the folder of its bundles, with URL specials).
EVIL_NAME = "S001<b>\"evil\"</b>&'A001"
EVIL_FOLDER = "evil #1 & <b>"
#: Sample indices whose clean / adversarial render failed, and whose adversarial extraction failed.
FAILED_CLEAN_RENDER = 3
FAILED_ADV_RENDER = 5
FAILED_ADV_EXTRACTION = 7
RENDER_FAILURE_REASON = "Blender worker exited with code 1 <oom>"


@dataclass
class Run:
    """The run's folder and what the tests compare the report with."""

    EVIL_NAME: ClassVar[str] = EVIL_NAME
    EVIL_FOLDER: ClassVar[str] = EVIL_FOLDER
    FAILED_CLEAN_RENDER: ClassVar[int] = FAILED_CLEAN_RENDER
    FAILED_ADV_RENDER: ClassVar[int] = FAILED_ADV_RENDER
    FAILED_ADV_EXTRACTION: ClassVar[int] = FAILED_ADV_EXTRACTION

    root: Path
    clean: Any
    adversarial: Any
    names: list[str]
    attack: dict[str, Any]
    crossmodal: dict[str, Any]
    extraction: dict[str, dict[str, Any]]
    bundles: dict[str, dict[str, Path]]
    recovered: dict[str, Path]
    failures: list[dict[str, Any]]

    def inputs(self, **changes: Any):
        """The complete :class:`ReportInputs` of the run, with ``changes`` applied."""
        from flows.report import ReportInputs

        base = dict(
            title="Cross-modal run <test> & co",
            config={"attack": {"method": "ciasa", "iterations": 2, "eps": 0.05, "note": "<script>x</script>"},
                    "render": {"quality": "draft", "resolution": list(VIDEO_SIZE)}, "seed": 0},
            model="stgcn-synth",
            clean_set=self.root / "clean.npz",
            adversarial_set=self.root / "attack" / "adversarial.npz",
            attack_json=self.root / "attack" / "attack.json",
            clean_bundles=dict(self.bundles["clean"]),
            adversarial_bundles=dict(self.bundles["adversarial"]),
            clean_recovered=self.recovered["clean"],
            adversarial_recovered=self.recovered["adversarial"],
            extraction_reports={w: self.root / "recovered" / f"{w}_report.json" for w in ("clean", "adversarial")},
            crossmodal_json=self.root / "crossmodal" / "crossmodal.json",
            failures=list(self.failures),
            timings={"attack": 5.25, "render": 120.5, "extract": 30.0, "evaluate": 1.25},
            created=datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc),
        )
        base.update(changes)
        return ReportInputs(**base)


def _pixels(joints: np.ndarray) -> np.ndarray:
    """``(25, 3)`` Kinect metres -> ``(25, 2)`` pixels of a simple pinhole camera."""
    w, h = VIDEO_SIZE
    f = 80.0
    z = np.maximum(joints[:, 2], 0.5)
    return np.stack([w / 2 - f * joints[:, 0] / z, h / 2 - f * joints[:, 1] / z], axis=1)


def write_video(path: Path, seq: np.ndarray, num_frames: int) -> None:
    """A 'mp4v' video drawing the skeleton ``seq (3, T, 25, 1)`` on a coloured background."""
    import cv2

    from pipeline.layouts import NTU25

    w, h = VIDEO_SIZE
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (w, h))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for t in range(num_frames):
        img = np.zeros((h, w, 3), np.uint8)
        img[:] = (60, 120, 200)  # BGR: an orange-brown floor
        img[: h // 2] = (235, 206, 135)  # sky
        px = _pixels(seq[:, t, :, 0].T).round().astype(int)
        for p, c in NTU25.bones:
            cv2.line(img, tuple(px[p]), tuple(px[c]), (30, 30, 30), 2)
        writer.write(img)
    writer.release()


def write_bundle(folder: Path, name: str, index: int, sset: Any, seq: np.ndarray) -> Path:
    """A fake render bundle of one sample (video, manifest, ground truth)."""
    folder.mkdir(parents=True)
    nf = int(sset.num_frames[index])
    write_video(folder / "video.mp4", seq, nf)
    joints = np.transpose(seq[:, :nf, :, :], (1, 3, 2, 0)).astype(np.float64)  # T x B x 25 x 3
    np.savez(folder / "ground_truth.npz", source_joints=joints, body_joints=joints + 0.01,
             present=np.ones((nf, 1), dtype=bool))
    label = int(sset.label[index])
    manifest = {
        "format": "ciasa.render_bundle", "version": 1,
        "sample": {"name": name, "index": index, "label": label, "class_name": sset.class_names[label],
                   "num_frames": nf},
        "source": {"path": None, "fps": float(sset.fps), "layout": sset.layout,
                   "coordinate_frame": sset.coordinate_frame, "class_names": list(sset.class_names)},
        "video": {"file": "video.mp4", "codec": "MPEG-4 part 2", "fps": 30, "frames": nf,
                  "resolution": list(VIDEO_SIZE)},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _two_people(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> dict[str, Any]:
    """``metrics.people`` of a two-person extraction (:func:`pose_extract.people_metrics.match_people`):
    the partner is the main body 1 m to the side, recovered except in frames 6-9."""
    from pose_extract.people_metrics import match_people

    shift = np.array([1.0, 0.0, 0.0])
    people = np.stack([pred, pred + shift])
    people_valid = np.stack([valid, valid.copy()])
    people_valid[1, 6:10] = False
    bodies = np.stack([gt, gt + shift], axis=1)
    return match_people(people, people_valid, bodies, np.ones(bodies.shape[:2], dtype=bool)).to_dict()


def recover(sset: Any, keep: list[int], rng: np.random.Generator, bundles: dict[str, Path]) -> tuple[Any, Any]:
    """A noisy "recovered" copy of ``sset``'s samples ``keep`` (3 held frames each) and its
    extraction report (real pose_extract classes; ``keep`` samples ok)."""
    from pose_extract.metrics import pose_errors
    from pose_extract.report import ExtractReport, SampleOutcome

    sub = sset.subset(keep)
    data = np.array(sub.data, copy=True)
    valid = np.zeros((len(sub), data.shape[2]), dtype=bool)
    outcomes = []
    for k in range(len(sub)):
        nf = int(sub.num_frames[k])
        data[k, :, :nf] += rng.normal(0.0, 0.03, size=data[k, :, :nf].shape).astype(np.float32)
        valid[k, :nf] = True
        valid[k, 2:5] = False  # held frames
        name = str(sub.name[k])
        pred = np.transpose(data[k, :, :nf, :, 0], (1, 2, 0)).astype(np.float64)
        gt = np.transpose(sub.data[k, :, :nf, :, 0], (1, 2, 0)).astype(np.float64)
        counts = {"video_frames": nf, "frames": nf, "detected_frames": nf - 3, "detection_rate": round(1 - 3 / nf, 4),
                  "gap_frames": 3, "interpolated_frames": 0, "masked_frames": 3, "longest_gap": 3}
        metrics = {"source_joints": pose_errors(pred, gt, valid[k, :nf]).to_dict(),
                   "body_joints": pose_errors(pred, gt + 0.01, valid[k, :nf]).to_dict()}
        if k == 0:  # a two-person video: the partner 1 m away, missed in 4 frames (real pairing code)
            counts["people"] = 2
            metrics["people"] = _two_people(pred, gt, valid[k, :nf])
        outcomes.append(SampleOutcome(bundle=str(bundles[name]), name=name, counts=counts, metrics=metrics))
    meta = {"frame_valid": valid, "detection_rate": valid.sum(axis=1) / sub.num_frames,
            "source_index": np.asarray(keep, dtype=np.int64)}
    rec = replace(sub, data=data, sample_meta=meta, splits={}, provenance={"stage": "pose_extract"})
    return rec, ExtractReport(samples=outcomes, settings={"fps": 30.0})


def attack(clean: Any, rec: Any, out: Path) -> Any:
    """CIASA (2 iterations, eps 0.05 m, no GAN, least-likely targets) on every sample;
    writes ``adversarial.npz`` and ``attack.json`` as ``ciasa attack`` does and returns
    the adversarial set."""
    from attack import CIASA
    from attack.runner import attack_set
    from pipeline.skeleton_set import save_skeleton_set

    atk = CIASA(rec, eps=0.05, iterations=2, lr=0.05, gan=False, layout=clean.layout, seed=0)
    result = attack_set(atk, clean)
    meta = {"attack_target": result.targets.numpy().astype(np.int64),
            "attack_success": result.success.numpy().astype(bool)}
    provenance = {"stage": "attack", "attack": atk.config(), "model": rec.name,
                  "model_class_names": list(rec.class_names)}
    adversarial = replace(clean, data=result.adversarial.numpy().astype(np.float32), provenance=provenance,
                          sample_meta=meta)
    save_skeleton_set(adversarial, out / "adversarial.npz")
    summary = result.summary()
    summary["per_sample"]["name"] = [str(s) for s in clean.name]
    summary.update(model_class_names=list(rec.class_names), model=rec.name, source_data="clean.npz")
    (out / "attack.json").write_text(json.dumps(summary, indent=2, default=float), encoding="utf-8")
    return adversarial


@pytest.fixture(scope="session")
def run(tmp_path_factory) -> Run:
    from pipeline.crossmodal import evaluate_crossmodal, write_crossmodal
    from pipeline.models import load_recognizer
    from pipeline.skeleton_set import load_skeleton_set, save_skeleton_set
    from pipeline.synth import SynthConfig, generate_synthetic
    from pose_extract.extracted_set import save_extraction
    from pose_extract.report import SampleOutcome

    root = tmp_path_factory.mktemp("report_run")
    synth = generate_synthetic(SynthConfig(samples=12, frames=FRAMES, seed=5))
    names = [str(s) for s in synth.name]
    names[1] = EVIL_NAME
    clean = replace(synth, name=np.array(names), splits={}, sample_meta={})
    save_skeleton_set(clean, root / "clean.npz")
    model = load_recognizer("stgcn-synth")
    adversarial = attack(clean, model, root / "attack")
    sets = {"clean": clean, "adversarial": adversarial}

    bundles: dict[str, dict[str, Path]] = {"clean": {}, "adversarial": {}}
    failures: list[dict[str, Any]] = []
    for which, failed in (("clean", FAILED_CLEAN_RENDER), ("adversarial", FAILED_ADV_RENDER)):
        sset = sets[which]
        for i, name in enumerate(names):
            if i == failed:
                failures.append({"stage": f"render {which}", "sample": name, "reason": RENDER_FAILURE_REASON})
                continue
            folder = root / "renders" / which / (EVIL_FOLDER if name == EVIL_NAME else name)
            bundles[which][name] = write_bundle(folder, name, i, sset, sset.data[i])

    rng = np.random.default_rng(0)
    recovered, extraction = {}, {}
    for which, skip in (("clean", {FAILED_CLEAN_RENDER}), ("adversarial", {FAILED_ADV_RENDER, FAILED_ADV_EXTRACTION})):
        keep = [i for i in range(len(names)) if i not in skip]
        recovered_set, report = recover(sets[which], keep, rng, bundles[which])
        if which == "adversarial":
            name = names[FAILED_ADV_EXTRACTION]
            report.samples.insert(FAILED_ADV_EXTRACTION - 1, SampleOutcome(
                bundle=str(bundles[which][name]), name=name, status="failed",
                reason="no person detected in any frame"))
            failures.append({"stage": "extract adversarial", "sample": name, "reason": "no person detected"})
        written, report_file = save_extraction(recovered_set, report, root / "recovered" / f"{which}.npz")
        recovered[which] = written
        extraction[which] = json.loads(report_file.read_text(encoding="utf-8"))

    rec_sets = {w: load_skeleton_set(p) for w, p in recovered.items()}
    report = evaluate_crossmodal(model, clean, adversarial, rec_sets["clean"], rec_sets["adversarial"])
    write_crossmodal(report, root / "crossmodal")
    return Run(root=root, clean=clean, adversarial=adversarial, names=names,
               attack=json.loads((root / "attack" / "attack.json").read_text(encoding="utf-8")),
               crossmodal=json.loads((root / "crossmodal" / "crossmodal.json").read_text(encoding="utf-8")),
               extraction=extraction, bundles=bundles, recovered=recovered, failures=failures)


@pytest.fixture
def no_figures(monkeypatch):
    """Build reports without drawing figures (for tests about the other sections: faster)."""
    import flows.report.build as build

    monkeypatch.setattr(build, "make_figures", lambda *_args: [])


@pytest.fixture(scope="session")
def full_report(run, tmp_path_factory):
    """The report of the complete run: ``(paths, html text, report.json as data)``."""
    from flows.report import build_report

    out = tmp_path_factory.mktemp("report_full") / "report"
    paths = build_report(run.inputs(), out)
    return paths, paths.html.read_text(encoding="utf-8"), json.loads(paths.json.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- reading pages back


class Page(HTMLParser):
    """Tags, attributes and text of an HTML page; fails on unbalanced tables or rows."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}  # table id -> rows -> cell texts
        self._table: list[list[str]] | None = None
        self.text_parts: list[str] = []
        self.tags: dict[str, int] = {}
        self.ids: list[str] = []
        self._cell: list[str] | None = None
        self._open: list[str] = []
        self.feed(text)
        self.close()
        assert not [t for t in self._open if t in ("table", "tr", "td", "th")], self._open

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in a:
            self.ids.append(a["id"])
        if tag not in ("img", "meta", "br", "hr", "input", "link"):
            self._open.append(tag)
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id") or f"table-{len(self.tables)}", [])
        elif tag == "tr":
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        assert self._open and self._open[-1] == tag, f"</{tag}> closes {self._open[-1:]}"
        self._open.pop()
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def table(self, table_id: str) -> list[list[str]]:
        """The rows (header first) of the table with id ``table_id``."""
        assert table_id in self.tables, f"no table {table_id!r}; tables: {sorted(self.tables)}"
        return self.tables[table_id]

    def rows(self, table_id: str) -> dict[str, dict[str, str]]:
        """The rows of table ``table_id`` by their first cell, each as column -> text."""
        head, *body = self.table(table_id)
        return {r[0]: dict(zip(head, r)) for r in body}


@pytest.fixture(scope="session")
def parse():
    """``parse(html_text)`` -> :class:`Page`."""
    return Page

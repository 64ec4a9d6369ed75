"""Missing or broken pieces of a run: each becomes a "not available: <reason>" section and
the report is still written; bad arguments raise."""

from __future__ import annotations

import html
import json
import shutil

import pytest

from flows.report import ReportInputs, build_report, read_report


def _na(page_text: str) -> list[str]:
    """The reasons of every "not available" note of a page (text, unescaped)."""
    import re

    return [html.unescape(m) for m in re.findall(r"not available: (?:</[a-z]+>)?([^<]*)", page_text)]


def test_extraction_failed_entirely(run, tmp_path, parse):
    failures = run.failures + [{"stage": "extract", "sample": None, "reason": "MediaPipe crashed <segfault>"}]
    inputs = run.inputs(clean_recovered=None, adversarial_recovered=None, extraction_reports={},
                        crossmodal_json=None, failures=failures)
    paths = build_report(inputs, tmp_path / "r")
    text = paths.html.read_text(encoding="utf-8")
    page = parse(text)
    doc = read_report(paths.json)
    reason = "extract: MediaPipe crashed <segfault>"
    cross = ("no cross-modal evaluation without the recovered skeletons (clean recovered: extract: MediaPipe "
             "crashed <segfault>; adversarial recovered: extract: MediaPipe crashed <segfault>)")
    assert doc["crossmodal"] == {"available": False, "reason": cross}
    for which in ("clean", "adversarial"):
        assert doc["recovered_sets"][which] == {"available": False, "reason": reason}
        assert doc["extraction"][which] == {"available": False, "reason": reason}
    assert reason in _na(text) and cross in _na(text)
    assert "crossmodal-table" not in page.tables and "extraction-table" not in page.tables
    # the source-side parts are still there: attack, strips, and the panels with their gaps
    assert "perceptibility-table" in page.tables and "samples-table" in page.tables
    figures = {f["name"]: f for f in doc["figures"]}
    assert figures["accuracy"]["available"] is False and figures["strip_1"]["available"]
    assert figures["crossmodal_panels"]["available"]
    assert text.count("data:image/png;base64,") == 3 == len(paths.figures)
    samples = {s["name"]: s for s in doc["samples"]}
    first = samples[run.names[0]]
    assert first["predictions"]["clean_recovered"] is None
    assert first["predictions"]["clean_source"]["pred"] == run.attack["per_sample"]["original_pred"][0]
    assert first["predictions"]["adversarial_source"]["pred"] == run.attack["per_sample"]["final_pred"][0]


def test_crossmodal_not_run(run, tmp_path, no_figures):
    doc = read_report(build_report(run.inputs(crossmodal_json=None), tmp_path / "r").json)
    assert doc["crossmodal"]["reason"] == "no cross-modal evaluation was produced (no crossmodal.json)"
    failures = run.failures + [{"stage": "evaluate", "reason": "CUDA out of memory"}]
    doc = read_report(build_report(run.inputs(crossmodal_json=None, failures=failures), tmp_path / "r2").json)
    assert doc["crossmodal"]["reason"] == "evaluate: CUDA out of memory"


def test_given_reasons_win(run, tmp_path, no_figures):
    inputs = run.inputs(crossmodal_json=None, clean_recovered=None,
                        unavailable={"crossmodal": "evaluation skipped (--no-evaluate)",
                                     "clean_recovered": "clean extraction disabled"})
    doc = read_report(build_report(inputs, tmp_path / "r").json)
    assert doc["crossmodal"]["reason"] == "evaluation skipped (--no-evaluate)"
    assert doc["recovered_sets"]["clean"]["reason"] == "clean extraction disabled"
    assert doc["recovered_sets"]["adversarial"]["available"] is True


def test_malformed_documents_name_the_field(run, tmp_path, no_figures):
    bad_cm = json.loads((run.root / "crossmodal" / "crossmodal.json").read_text(encoding="utf-8"))
    del bad_cm["recovered"]["clean_accuracy"]["count"]
    (tmp_path / "crossmodal.json").write_text(json.dumps(bad_cm), encoding="utf-8")
    (tmp_path / "attack.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "clean_report.json").write_text(json.dumps({"format": "something.else"}), encoding="utf-8")
    extraction = {"clean": tmp_path / "clean_report.json",
                  "adversarial": run.root / "recovered" / "adversarial_report.json"}
    inputs = run.inputs(crossmodal_json=tmp_path / "crossmodal.json", attack_json=tmp_path / "attack.json",
                        extraction_reports=extraction)
    paths = build_report(inputs, tmp_path / "r")
    doc = read_report(paths.json)
    assert "field recovered.clean_accuracy" in doc["crossmodal"]["reason"]
    assert "attack report (attack.json) is not valid JSON" in doc["attack"]["reason"]
    assert "not a ciasa.extract_report document" in doc["extraction"]["clean"]["reason"]
    assert doc["extraction"]["adversarial"]["available"] is True
    text = paths.html.read_text(encoding="utf-8")
    assert any("field recovered.clean_accuracy" in r for r in _na(text))
    # samples fall back to the clean set: names, labels, no predictions
    assert [s["name"] for s in doc["samples"]] == run.names
    assert all(s["predictions"]["clean_source"] is None for s in doc["samples"])


def test_nothing_readable(tmp_path, parse):
    gone = tmp_path / "gone"
    inputs = ReportInputs(title="empty <run>", config={}, model="m", clean_set=gone / "clean.npz",
                          adversarial_set=gone / "adversarial.npz", attack_json=gone / "attack.json",
                          clean_bundles={"s1": gone / "s1"})
    paths = build_report(inputs, tmp_path / "r")
    text = paths.html.read_text(encoding="utf-8")
    page = parse(text)
    doc = read_report(paths.json)
    assert doc["attack"]["available"] is False and "does not exist" in doc["attack"]["reason"]
    assert doc["crossmodal"]["available"] is False
    assert [s["name"] for s in doc["samples"]] == ["s1"]
    assert doc["samples"][0]["videos"]["clean"]["status"] == "failed"
    assert "video missing" in doc["samples"][0]["videos"]["clean"]["reason"]
    assert doc["samples"][0]["videos"]["adversarial"]["reason"].startswith("no render bundle")
    assert paths.figures == {} and page.images == []
    figures = {f["name"]: f for f in doc["figures"]}
    assert set(figures) == {"accuracy", "strip_1", "crossmodal_panels"}
    assert not any(f["available"] for f in figures.values())
    assert "cannot read the clean skeleton set" in figures["strip_1"]["reason"]
    assert "nothing to draw" in figures["crossmodal_panels"]["reason"]
    assert "no such video" in figures["crossmodal_panels"]["reason"]
    assert "empty &lt;run&gt;" in text and "no timings recorded" in text


def test_bundle_without_video(run, tmp_path):
    name = run.names[0]
    broken = tmp_path / "bundle"
    shutil.copytree(run.bundles["clean"][name], broken)
    (broken / "video.mp4").unlink()
    bundles = dict(run.bundles["clean"])
    bundles[name] = broken
    paths = build_report(run.inputs(clean_bundles=bundles, figure_sample=name), tmp_path / "r")
    doc = read_report(paths.json)
    video = doc["samples"][0]["videos"]["clean"]
    assert video["status"] == "failed" and video["reason"].startswith("video missing")
    assert doc["samples"][0]["videos"]["adversarial"]["status"] == "ok"
    # the panels still draw, with the missing frame named
    assert {f["name"]: f["available"] for f in doc["figures"]}["crossmodal_panels"] is True


def test_a_figure_that_fails_is_reported(run, tmp_path, monkeypatch, caplog):
    from flows.report import figures

    def boom(*_a, **_k):
        raise RuntimeError("matplotlib exploded <here>")

    monkeypatch.setattr(figures, "accuracy_figure", boom)
    paths = build_report(run.inputs(), tmp_path / "r")
    doc = read_report(paths.json)
    accuracy = {f["name"]: f for f in doc["figures"]}["accuracy"]
    assert accuracy["available"] is False and "matplotlib exploded <here>" in accuracy["reason"]
    assert "matplotlib exploded &lt;here&gt;" in paths.html.read_text(encoding="utf-8")
    assert "accuracy" not in paths.figures and "figure accuracy not drawn" in caplog.text


@pytest.mark.parametrize("change, message", [
    ({"config": ["not", "a", "dict"]}, "config must be a dict"),
    ({"clean_set": 3}, "clean_set must be a path"),
    ({"clean_bundles": {"a": None}}, "clean_bundles['a'] must be a path"),
    ({"failures": "oops"}, "failures must be a list"),
    ({"title": None}, "title and .model must be str"),
])
def test_bad_arguments_raise(run, change, message):
    with pytest.raises(TypeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run.inputs(**change)


def test_unwritable_out_dir_leaves_nothing(run, tmp_path, no_figures):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OSError):
        build_report(run.inputs(), blocker / "r")
    (tmp_path / "r" / "report.html").mkdir(parents=True)  # a folder in the way of the page
    from pipeline.errors import ValidationError

    with pytest.raises(ValidationError):
        build_report(run.inputs(), tmp_path / "r")
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["report.html"]

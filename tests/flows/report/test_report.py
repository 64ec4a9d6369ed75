"""The report of a complete run: files, numbers against the stage outputs, escaping,
links, embedded figures, and report.json."""

from __future__ import annotations

import base64
import html
import json
import os
import re
from urllib.parse import unquote

import numpy as np
import pytest

from flows.report import PAPER_CROSSMODAL, REPORT_FORMAT, build_report, read_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pct(rate: dict) -> str:
    return f"{100 * rate['count'] / rate['total']:.1f} % ({rate['count']}/{rate['total']})"


def test_files_written_together(full_report):
    paths, page, doc = full_report
    out = paths.html.parent
    assert paths.html == out / "report.html" and paths.json == out / "report.json"
    assert set(paths.figures) == {"accuracy", "strip_1", "strip_2", "crossmodal_panels"}
    for name, png in paths.figures.items():
        assert png == out / "figures" / f"{name}.png" and png.read_bytes().startswith(PNG_MAGIC)
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
    assert [f["name"] for f in doc["figures"]] == ["accuracy", "strip_1", "strip_2", "crossmodal_panels"]
    assert all(f["available"] and (out / f["file"]).is_file() for f in doc["figures"])


def test_page_is_self_contained(full_report, parse):
    paths, text, _ = full_report
    page = parse(text)
    assert text.count("data:image/png;base64,") == 4 == len(page.images)
    embedded = sorted(base64.b64decode(src.split(",", 1)[1]) for src in page.images)
    assert embedded == sorted(p.read_bytes() for p in paths.figures.values())
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing from the network
    assert page.tags.get("style") == 1


def test_crossmodal_numbers(full_report, run, parse):
    _, text, _ = full_report
    page = parse(text)
    cm = run.crossmodal
    rows = page.rows("crossmodal-table")
    first = page.table("crossmodal-table")[0][0]
    src = rows["source skeletons, all samples"]
    rec = rows["recovered from video"]
    assert src["samples"] == str(cm["source"]["num_samples"]) == "12"
    assert src["clean acc."] == pct(cm["source"]["clean_accuracy"])
    assert src["adversarial acc."] == pct(cm["source"]["adversarial_accuracy"])
    assert rec["samples"] == str(cm["num_recovered"]) == "9"  # 12 - 1 clean render - 1 adv render - 1 extraction
    assert rec["clean acc."] == pct(cm["recovered"]["clean_accuracy"])
    assert rec["adversarial acc."] == pct(cm["recovered"]["adversarial_accuracy"])
    assert rec["accuracy drop"] == f"{100 * cm['recovered_accuracy_drop']:.1f} pp"
    assert rec["fooled (over correct)"] == pct(cm["recovered"]["untargeted_fooling_rate_over_correct"])
    assert rec["still the target (over all)"] == pct(cm["recovered"]["targeted_fooling_rate_over_all"])
    paper = next(v for k, v in rows.items() if k.startswith("paper"))
    assert paper["samples"] == "240" and paper["clean acc."] == "53.3 %"
    assert paper["adversarial acc."] == "38.9 %" and paper["accuracy drop"] == "14.4 pp"
    assert "NTU-XV" in paper[first] and "VNect" in paper[first]
    headline = (f"stgcn-synth accuracy on 9 recovered samples: "
                f"{100 * cm['recovered']['clean_accuracy']['value']:.1f} % clean")
    assert headline in page.text
    drop = 100 * cm["recovered_accuracy_drop"]
    assert f"{drop:.1f} pp" in page.text and "9 samples; paper 14.4 pp" in page.text  # the verdict
    per_class = page.table("per-class-table")
    assert [r[1] for r in per_class[1:]] == [c["name"] for c in cm["per_class"]]
    missing = set(cm["missing_adversarial_recovered"])
    assert missing == {run.names[run.FAILED_ADV_RENDER], run.names[run.FAILED_ADV_EXTRACTION]}
    assert all(name in page.text for name in missing)


def test_extraction_and_attack_numbers(full_report, run, parse):
    _, text, _ = full_report
    page = parse(text)
    for which in ("clean", "adversarial"):
        mean = run.extraction[which]["summary"]["mean_vs_source_joints"]
        row = page.rows("extraction-table")[which]
        assert row["MPJPE vs source"] == f"{mean['mpjpe_mm']:.1f}"
        assert row["PA-MPJPE"] == f"{mean['pa_mpjpe_mm']:.1f}"
        assert row["root-relative"] == f"{mean['root_relative_mpjpe_mm']:.1f}"
        summary = run.extraction[which]["summary"]
        assert row["extracted"] == f"{summary['ok']}/{summary['samples']}"
        assert row["detection rate"] == f"{100 * summary['mean_detection_rate']:.1f} %"
        held = page.rows("recovered-table")[which]
        sset_frames = 3 * (11 if which == "clean" else 10)
        assert held["held frames"].endswith(f"({sset_frames}/{held['held frames'].split('/')[1]}")
    per_sample = page.table("extraction-samples-table")
    header = per_sample[0]
    people = run.extraction["clean"]["samples"][0]["metrics"]["people"]
    two = next(r for r in per_sample[1:] if r[0] == "clean" and r[1] == run.extraction["clean"]["samples"][0]["name"])
    assert two[header.index("people / bodies")] == "2/2"
    assert two[header.index("all bodies recovered")] == f"{100 * people['all_recovered_rate']:.1f} %"
    assert two[header.index("identity swaps")] == "0.0 %"
    vs = run.extraction["clean"]["samples"][0]["metrics"]["source_joints"]
    assert two[header.index("bone length error %")] == f"{vs['bone_length_error_pct']:.1f}"
    assert two[header.index("bone length variation %")] == f"{vs['bone_length_variation_pct']:.1f}"
    assert people["all_recovered_rate"] < 1  # the partner's missed frames are counted
    failed = [r for r in per_sample[1:] if r[2] == "failed"]
    assert [(r[0], r[1], r[3]) for r in failed] == [
        ("adversarial", run.names[run.FAILED_ADV_EXTRACTION], "no person detected in any frame")]
    metrics = run.attack["metrics"]
    perceptibility = page.rows("perceptibility-table")
    row = perceptibility["mean joint displacement"]
    assert row["value"] == f"{metrics['mean_joint_displacement_mm']:.4g}" and row["unit"] == "mm"
    assert perceptibility["bone-length error, mean"]["value"] == f"{100 * metrics['bone_length_error_mean']:.2f} %"
    assert perceptibility["acceleration difference"]["value"] == f"{metrics['acceleration_difference']:.4g}"
    success = sum(run.attack["per_sample"]["success"])
    assert f"attack success (on the source skeletons): {100 * success / 12:.1f} % ({success}/12)" in page.text


def test_names_and_inputs_are_escaped(full_report, run):
    _, text, _ = full_report
    assert run.EVIL_NAME not in text and html.escape(run.EVIL_NAME) in text
    assert "<script>x</script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text  # the config
    assert "<title>Cross-modal run &lt;test&gt; &amp; co</title>" in text
    assert "Blender worker exited with code 1 &lt;oom&gt;" in text


def test_video_links_and_statuses(full_report, run, parse):
    paths, text, doc = full_report
    out = paths.html.parent
    page = parse(text)
    videos = [unquote(h) for h in page.links if h.endswith("video.mp4")]
    assert len(videos) == 2 * 12 - 2
    for h in videos:
        assert not os.path.isabs(h) and (out / h).resolve().is_file()
    evil = [h for h in page.links if "evil" in h]
    assert len(evil) == 2 and all(run.EVIL_FOLDER not in h and "%23" in h and "%3C" in h for h in evil)
    rows = page.rows("samples-table")
    assert set(rows) == set(run.names)
    assert rows[run.names[run.FAILED_CLEAN_RENDER]]["clean video"] == "failed: Blender worker exited with code 1 <oom>"
    assert rows[run.names[run.FAILED_CLEAN_RENDER]]["adversarial video"].startswith("video")
    assert rows[run.names[run.FAILED_ADV_RENDER]]["adversarial video"].startswith("failed: Blender worker")
    assert "extraction failed: no person detected" in rows[run.names[run.FAILED_ADV_EXTRACTION]]["adversarial video"]
    labels = run.crossmodal["class_names"]
    for i, name in enumerate(run.names):
        assert rows[name]["label"] == labels[run.crossmodal["samples"]["label"][i]]
        pred = run.crossmodal["samples"]["clean_source_pred"][i]
        assert rows[name]["clean source"].startswith(labels[pred])
    assert rows[run.names[run.FAILED_CLEAN_RENDER]]["clean recovered"] == "—"
    first = run.extraction["clean"]["samples"][0]
    assert first["name"] == run.names[0]
    mpjpe = first["metrics"]["source_joints"]["mpjpe_mm"]
    assert rows[run.names[0]]["clean video"] == f"video · extracted, {mpjpe:.0f} mm"
    assert doc["samples"][0]["extraction"]["clean"]["mpjpe_mm"] == first["metrics"]["source_joints"]["mpjpe_mm"]


def test_links_relative_to_another_folder(run, tmp_path, no_figures, parse):
    paths = build_report(run.inputs(links_relative_to=run.root), tmp_path / "r")
    links = [h for h in parse(paths.html.read_text(encoding="utf-8")).links if h.endswith("video.mp4")]
    assert links and all(h.startswith("renders/") and (run.root / unquote(h)).is_file() for h in links)


def test_json_holds_the_same_content(full_report, run):
    paths, _, doc = full_report
    assert read_report(paths.json) == doc
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    assert doc["format"] == REPORT_FORMAT and doc["version"] == 1
    assert doc["created"] == "2026-11-22T12:00:00+00:00" and doc["model"] == "stgcn-synth"
    assert doc["config"]["attack"]["note"] == "<script>x</script>"  # data, not markup
    assert doc["timings"]["render"] == 120.5 and doc["total_seconds"] == pytest.approx(157.0)
    assert doc["paper"] == PAPER_CROSSMODAL
    rows = {r["key"]: r for r in doc["crossmodal"]["rows"]}
    for key in ("source", "source_on_recovered", "recovered"):
        for name in ("clean_accuracy", "adversarial_accuracy", "prediction_change_rate"):
            assert rows[key][name] == run.crossmodal[key][name]
    assert rows["recovered"]["accuracy_drop"] == pytest.approx(run.crossmodal["recovered_accuracy_drop"])
    assert [s["name"] for s in doc["samples"]] == run.names
    cols = run.crossmodal["samples"]
    for i, s in enumerate(doc["samples"]):
        for key in ("clean_source", "adversarial_source", "clean_recovered", "adversarial_recovered"):
            got = s["predictions"][key]
            assert (None if got is None else got["pred"]) == cols[f"{key}_pred"][i]
        assert s["attack_success"] == run.attack["per_sample"]["success"][i]
        assert s["target"] == run.attack["per_sample"]["target"][i]
    failed = doc["samples"][run.FAILED_CLEAN_RENDER]["videos"]["clean"]
    assert failed["status"] == "failed" and "<oom>" in failed["reason"] and failed["href"] is None
    assert doc["extraction"]["adversarial"]["failed"] == 1
    assert doc["attack"]["metrics"]["mean_joint_displacement_mm"] == run.attack["metrics"]["mean_joint_displacement_mm"]
    assert len(doc["failures"]) == 3 and {f["stage"] for f in doc["failures"]} == {
        "render clean", "render adversarial", "extract adversarial"}


def test_figure_sample_can_be_chosen(run, tmp_path):
    name = run.names[0]
    paths = build_report(run.inputs(figure_sample=name), tmp_path / "r")
    doc = read_report(paths.json)
    captions = {f["name"]: f["caption"] for f in doc["figures"]}
    assert html.escape(name) in captions["strip_1"] and name in captions["crossmodal_panels"]


def test_default_figure_sample_has_everything(full_report, run):
    _, _, doc = full_report
    caption = {f["name"]: f["caption"] for f in doc["figures"]}["crossmodal_panels"]
    broken = {run.names[i] for i in (run.FAILED_CLEAN_RENDER, run.FAILED_ADV_RENDER, run.FAILED_ADV_EXTRACTION)}
    assert not any(name in caption for name in broken)


def test_timings_with_nan_and_failures_of_any_shape(run, tmp_path, no_figures, parse):
    inputs = run.inputs(timings={"attack": float("nan"), "render": 2.0},
                        failures=["bare text <x>", {"stage": "x", "extra": [1]}],
                        config={"out": tmp_path / "o", "shape": np.arange(2), "eps": np.float32(0.5), 3: None})
    paths = build_report(inputs, tmp_path / "r")
    doc = read_report(paths.json)
    assert doc["config"] == {"out": str(tmp_path / "o"), "shape": [0, 1], "eps": 0.5, "3": None}
    assert doc["timings"] == {"attack": None, "render": 2.0}
    assert doc["failures"][0]["reason"] == "bare text <x>" and doc["failures"][1]["extra"] == [1]
    page = parse(paths.html.read_text(encoding="utf-8"))
    assert page.rows("failures-table")[""]["reason"] == "bare text <x>"
    assert np.isclose(doc["total_seconds"], 2.0)

"""The report's cross-modal section: the paired drop and the verdict sentence."""

from __future__ import annotations

from flows.report.crossmodal_content import paired_drop, verdict


def test_the_verdict_says_plainly_whether_the_drop_survives():
    def samples(pairs, label=0):
        # pairs of (clean correct, adversarial correct) -> crossmodal.json per-sample columns
        return {"label": [label] * len(pairs),
                "clean_recovered_pred": [label if c else label + 1 for c, _ in pairs],
                "adversarial_recovered_pred": [label if a else label + 1 for _, a in pairs],
                "clean_source_pred": [label] * len(pairs), "adversarial_source_pred": [label + 1] * len(pairs)}

    strong = samples([(True, False)] * 10 + [(True, True)] * 10)
    d = paired_drop(strong, "recovered")
    assert d["value"] == 0.5 and d["num_samples"] == 20 and 0 < d["low"] < 0.5 < d["high"] <= 1
    assert d["clean"]["count"] == 20 and d["adversarial"]["count"] == 10 and d["clean"]["interval"][1] == 1.0
    text = verdict(d, paired_drop(strong, "source"), 0.144)
    assert text.startswith("The attack's effect survives the video") and "50.0 pp" in text and "20 samples" in text
    weak = samples([(True, False), (False, True), (True, True), (False, False)] * 2)
    text = verdict(paired_drop(weak, "recovered"), None, 0.144)
    assert text.startswith("No measurable effect after recovery") and "includes zero" in text
    unrecovered = {**weak, "clean_recovered_pred": [None] * 8}
    assert paired_drop(unrecovered, "recovered") is None
    assert verdict(None, None, 0.144).startswith("No sample was recovered")

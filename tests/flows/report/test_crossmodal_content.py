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


def _samples(pairs, source_pairs, label=0):
    """crossmodal.json per-sample columns from (clean correct, adversarial correct) pairs on
    the recovered and on the source skeletons."""
    def pred(ok):
        return label if ok else label + 1
    return {"label": [label] * len(pairs),
            "clean_recovered_pred": [pred(c) for c, _ in pairs],
            "adversarial_recovered_pred": [pred(a) for _, a in pairs],
            "clean_source_pred": [pred(c) for c, _ in source_pairs],
            "adversarial_source_pred": [pred(a) for _, a in source_pairs]}


def test_a_recovered_drop_the_source_attack_did_not_cause_is_not_credited_to_the_attack():
    # the demo's case: the attack moved no source decision, yet the recovered accuracy fell
    s = _samples([(True, False)] * 8 + [(True, True)] * 8 + [(False, False)] * 4, [(True, True)] * 20)
    drop, source = paired_drop(s, "recovered"), paired_drop(s, "source")
    assert drop["low"] > 0 and source["value"] == 0.0 and source["low"] < 0
    text = verdict(drop, source, 0.144)
    assert text.startswith("Not shown to be the attack's") and "survives" not in text
    assert "40.0 pp" in text and "control=noise" in text
    # a source attack that fooled the recogniser: the recovered drop is the attack's
    fooled = _samples([(True, False)] * 8 + [(True, True)] * 8 + [(False, False)] * 4,
                      [(True, False)] * 16 + [(True, True)] * 4)
    assert verdict(drop, paired_drop(fooled, "source"), 0.144).startswith("The attack's effect survives the video")


def test_the_control_decides_whether_a_recovered_drop_is_the_attacks():
    s = _samples([(True, False)] * 8 + [(True, True)] * 12, [(True, False)] * 20)
    drop, source = paired_drop(s, "recovered"), paired_drop(s, "source")
    as_much = {"value": 0.05, "low": -0.12, "high": 0.22, "num_samples": 20}
    text = verdict(drop, source, 0.144, as_much)
    assert text.startswith("Not shown to be the attack's") and "holds zero" in text and "5.0 pp" in text
    beyond = {"value": 0.3, "low": 0.08, "high": 0.5, "num_samples": 20}
    text = verdict(drop, source, 0.144, beyond)
    assert text.startswith("The attack's effect survives the video") and "beyond the control is 30.0 pp" in text
    more = {"value": -0.3, "low": -0.5, "high": -0.05, "num_samples": 20}
    assert verdict(drop, source, 0.144, more).startswith("Not the attack's") and "the control lowers it more" in \
        verdict(drop, source, 0.144, more)
    # no recovered drop at all: the control does not change that sentence
    flat = _samples([(True, True)] * 20, [(True, True)] * 20)
    assert verdict(paired_drop(flat, "recovered"), None, 0.144, beyond).startswith("No measurable effect")

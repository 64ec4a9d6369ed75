"""The cross-modal report's pure counting: :func:`pair_metrics` and :class:`Rate` on hand-made
predictions (no model), including unknown labels and samples without a target."""

from __future__ import annotations

import numpy as np

from pipeline.crossmodal_report import Rate, count_rate, listed_names, pair_metrics


def test_pair_metrics_by_hand():
    labels = np.array([0, 1, 2, 3, -1])
    clean = np.array([0, 1, 0, 3, 2])
    adv = np.array([4, 1, 0, 2, 2])
    targets = np.array([4, 4, -1, 4, 0])
    m = pair_metrics(labels, clean, adv, targets)
    assert m.num_samples == 5
    assert m.clean_accuracy == Rate(3, 4) and m.adversarial_accuracy == Rate(1, 4)
    assert m.accuracy_drop == 0.5
    assert m.untargeted_fooling_rate_over_correct == Rate(2, 3)  # samples 0 and 3 of the correct 0, 1, 3
    assert m.untargeted_fooling_rate_over_labelled == Rate(3, 4)
    assert m.prediction_change_rate == Rate(2, 5)
    assert m.targeted_fooling_rate_over_all == Rate(1, 4) and m.targeted_fooling_rate_over_correct == Rate(1, 3)
    assert m.to_dict()["clean_accuracy"] == {"value": 0.75, "count": 3, "total": 4}


def test_untargeted_and_empty():
    m = pair_metrics(np.array([-1, -1]), np.array([0, 1]), np.array([0, 0]), None)
    assert m.targeted_fooling_rate_over_all is None and m.clean_accuracy.value is None and m.accuracy_drop is None
    assert m.to_dict()["targeted_fooling_rate_over_all"] is None
    assert count_rate(np.array([True, False]), np.array([True, True])) == Rate(1, 2)


def test_listed_names_caps_the_list():
    assert listed_names(["a", "b"]) == "'a', 'b'"
    assert listed_names([str(i) for i in range(8)]).endswith("'4' and 3 more")

"""Confidence intervals: Wilson for a share, Newcombe's paired interval for a drop."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stats import paired_difference_interval, wilson_interval


def test_wilson_interval_known_values():
    # 5 of 10: the Wilson 95 % interval is 0.2366-0.7634 (textbook value)
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    low, high = wilson_interval(0, 12)
    assert low == 0.0 and 0.2 < high < 0.3  # not collapsed to a point at 0 %
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="outside"):
        wilson_interval(3, 2)


def _pairs(a, b, c, d):
    x = np.array([1] * a + [1] * b + [0] * c + [0] * d, dtype=bool)
    y = np.array([1] * a + [0] * b + [1] * c + [0] * d, dtype=bool)
    return x, y


def test_paired_interval_contains_the_difference_and_is_symmetric():
    for a, b, c, d in [(36, 12, 2, 0), (5, 3, 0, 4), (0, 0, 0, 12), (12, 0, 0, 0), (2, 7, 1, 2)]:
        x, y = _pairs(a, b, c, d)
        diff, low, high = paired_difference_interval(x, y)
        assert diff == pytest.approx((b - c) / (a + b + c + d))
        assert -1.0 <= low <= diff <= high <= 1.0
        back, blow, bhigh = paired_difference_interval(y, x)
        assert back == pytest.approx(-diff) and blow == pytest.approx(-high) and bhigh == pytest.approx(-low)
    assert paired_difference_interval(np.zeros(0, bool), np.zeros(0, bool)) is None


def test_concordant_pairs_narrow_the_interval():
    """The same 4 discordant pairs among more concordant ones: the difference shrinks and
    so does the interval; far narrower than treating the two sets as independent."""
    _, low_small, high_small = paired_difference_interval(*_pairs(4, 4, 0, 4))
    _, low_big, high_big = paired_difference_interval(*_pairs(400, 400, 0, 400))
    assert high_big - low_big < 0.2 * (high_small - low_small)
    x, y = _pairs(30, 10, 0, 20)  # 60 pairs: accuracy 66.7 % vs 50 %
    _, low, high = paired_difference_interval(x, y)
    l1, u1 = wilson_interval(40, 60)
    l2, u2 = wilson_interval(30, 60)
    assert high - low < (u1 - l1) + (u2 - l2)
    assert low > 0  # ten samples fooled, none helped: a drop, with 95 % confidence


def test_paired_interval_agrees_with_a_bootstrap_at_large_n():
    rng = np.random.default_rng(0)
    x = rng.random(2000) < 0.8
    y = x & (rng.random(2000) < 0.85) | (~x & (rng.random(2000) < 0.1))
    diff, low, high = paired_difference_interval(x, y)
    d = x.astype(float) - y.astype(float)
    boot = np.array([d[rng.integers(0, d.size, d.size)].mean() for _ in range(2000)])
    assert low == pytest.approx(np.quantile(boot, 0.025), abs=0.006)
    assert high == pytest.approx(np.quantile(boot, 0.975), abs=0.006)

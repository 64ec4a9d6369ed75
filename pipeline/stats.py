"""Confidence intervals for the accuracies a run reports (pure functions).

* :func:`wilson_interval`: a share ``count / total`` (Wilson score interval, from
  :func:`scipy.stats.binomtest`), which behaves at small samples and at 0 % / 100 %, where
  the normal approximation collapses to a point.
* :func:`paired_difference_interval`: the difference of two accuracies measured on the
  *same* samples (clean vs adversarial), Newcombe's hybrid score interval for paired
  proportions (Newcombe 1998, Statistics in Medicine 17:2635, "method 10"): the two
  Wilson intervals combined with the correlation of the pairs, so that samples right or
  wrong in both sets do not widen it.
"""

from __future__ import annotations

import math

import numpy as np

#: The interval level used throughout the reports.
LEVEL = 0.95


def wilson_interval(count: int, total: int, level: float = LEVEL) -> tuple[float, float] | None:
    """``(low, high)`` of the share ``count / total``; None when ``total`` is 0."""
    if total <= 0:
        return None
    if not 0 <= count <= total:
        raise ValueError(f"count {count} outside 0..{total}")
    from scipy.stats import binomtest

    ci = binomtest(int(count), int(total)).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def paired_difference_interval(first_ok: np.ndarray, second_ok: np.ndarray,
                               level: float = LEVEL) -> tuple[float, float, float] | None:
    """``(difference, low, high)`` of ``mean(first_ok) - mean(second_ok)`` over paired
    samples (booleans ``(n,)``, e.g. clean and adversarial correctness of the same
    sequences); None for ``n = 0``.

    Newcombe's method 10: with ``a`` both right, ``b`` only the first, ``c`` only the
    second, ``d`` neither, ``p1 = (a + b) / n``, ``p2 = (a + c) / n`` and their Wilson
    intervals ``(l1, u1)``, ``(l2, u2)``, and ``phi = (a d - b c) / sqrt((a + b)(c + d)(a +
    c)(b + d))`` (0 when a margin is empty)::

        low  = p1 - p2 - sqrt((p1 - l1)^2 - 2 phi (p1 - l1)(u2 - p2) + (u2 - p2)^2)
        high = p1 - p2 + sqrt((u1 - p1)^2 - 2 phi (u1 - p1)(p2 - l2) + (p2 - l2)^2)
    """
    x = np.asarray(first_ok, dtype=bool)
    y = np.asarray(second_ok, dtype=bool)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired samples need two equal 1-d arrays, got {x.shape} and {y.shape}")
    n = x.size
    if n == 0:
        return None
    a, b = int(np.sum(x & y)), int(np.sum(x & ~y))
    c, d = int(np.sum(~x & y)), int(np.sum(~x & ~y))
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, level)
    l2, u2 = wilson_interval(a + c, n, level)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0 if denom == 0 else (a * d - b * c) / math.sqrt(denom)
    low = p1 - p2 - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    high = p1 - p2 + math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return p1 - p2, max(-1.0, low), min(1.0, high)


__all__ = ["LEVEL", "paired_difference_interval", "wilson_interval"]

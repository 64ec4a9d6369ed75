"""Small value helpers of the report's content: rate records, JSON-safe copies, percent
strings, class names."""

from __future__ import annotations

from typing import Any

import numpy as np

from flows.report.inputs import clean_number


def rate(count: int, total: int) -> dict[str, Any]:
    """A rate record: ``count`` of ``total`` (value None when total is 0)."""
    return {"value": None if total == 0 else count / total, "count": int(count), "total": int(total)}


def _rate_of(block: Any) -> dict[str, Any] | None:
    if not isinstance(block, dict):
        return None
    return rate(int(block["count"]), int(block["total"]))


def _clean(value: Any) -> Any:
    """JSON-safe copy: finite numbers, str keys, lists for tuples and arrays."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        return _clean(value.item())
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float)):
        return clean_number(value)
    return str(value)


#: The fields of a paired difference with its interval (``PairedDrop.to_dict()``).
DIFFERENCE_KEYS = ("value", "low", "high", "num_samples")


def difference_record(block: Any) -> dict[str, Any] | None:
    """A JSON-safe copy of a paired difference (:data:`DIFFERENCE_KEYS`); None when it is
    not a mapping."""
    return None if not isinstance(block, dict) else {k: clean_number(block.get(k)) for k in DIFFERENCE_KEYS}


def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def class_name(classes: list[str], index: Any) -> str | None:
    """``classes[index]`` for a valid index, else None."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(classes):
        return None
    return classes[index]


def pct(value: float | None, digits: int = 1) -> str:
    """``0.533`` -> ``"53.3 %"``; None -> ``"n/a"``."""
    return "n/a" if value is None else f"{100 * value:.{digits}f} %"

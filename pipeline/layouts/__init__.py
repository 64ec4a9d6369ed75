"""Skeleton layouts as data: ``get_layout(name)`` and ``layout_for_joints(V)``."""

from __future__ import annotations

from pipeline.errors import UnknownFormatError
from pipeline.layouts.base import Layout
from pipeline.layouts.coco17 import LAYOUT as COCO17
from pipeline.layouts.ntu25 import LAYOUT as NTU25
from pipeline.layouts.openpose18 import LAYOUT as OPENPOSE18

LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (NTU25, OPENPOSE18, COCO17)}

_ALIASES = {"ntu-rgb+d": "ntu25", "ntu": "ntu25", "kinect": "ntu25", "openpose": "openpose18",
            "kinetics": "openpose18", "coco": "coco17"}


def get_layout(name: str) -> Layout:
    """Return the layout called ``name`` (also accepts the ST-GCN graph names)."""
    key = _ALIASES.get(name, name)
    if key not in LAYOUTS:
        raise UnknownFormatError(
            f"unknown layout {name!r}; known: {', '.join(LAYOUTS)}", field="layout"
        )
    return LAYOUTS[key]


def layout_for_joints(num_joints: int) -> Layout:
    """Guess the layout from the joint count ``V`` (25 -> ntu25, 18 -> openpose18, 17 -> coco17)."""
    for lay in LAYOUTS.values():
        if lay.num_joints == num_joints:
            return lay
    raise UnknownFormatError(
        f"no layout has {num_joints} joints; known: "
        + ", ".join(f"{k} ({v.num_joints})" for k, v in LAYOUTS.items()),
        field="V",
    )


__all__ = ["Layout", "LAYOUTS", "NTU25", "OPENPOSE18", "COCO17", "get_layout", "layout_for_joints"]

"""The 60 classes of the NTU-60-like world in NTU action order (label = action number - 1),
gathered from the modules of each family of classes."""

from __future__ import annotations

from pipeline.classes import NTU60_CLASSES
from pipeline.synth.ntu60 import dressing, gestures, hand_to_head, hand_work, interactions, object_handling, whole_body
from pipeline.synth.ntu60.base import ClassSpec

_MODULES = (hand_to_head, object_handling, hand_work, gestures, whole_body, dressing, interactions)


def _gather() -> tuple[ClassSpec, ...]:
    specs = sorted((spec for m in _MODULES for spec in m.CLASSES), key=lambda c: c.ntu_action)
    numbers = [c.ntu_action for c in specs]
    if numbers != list(range(1, 61)):
        missing = sorted(set(range(1, 61)) - set(numbers))
        dup = sorted({n for n in numbers if numbers.count(n) > 1})
        raise RuntimeError(f"the NTU-60 world needs A001-A060 once each: missing {missing}, repeated {dup}")
    for c in specs:
        if c.name != NTU60_CLASSES[c.ntu_action - 1]:
            raise RuntimeError(f"A{c.ntu_action:03d} is named {c.name!r}, NTU calls it {NTU60_CLASSES[c.ntu_action - 1]!r}")
        if (c.persons == 2) != (c.ntu_action >= 50):
            raise RuntimeError(f"A{c.ntu_action:03d} {c.name}: NTU's two-person classes are A050-A060")
    return tuple(specs)


#: ClassSpec of every class, index = label.
CLASSES: tuple[ClassSpec, ...] = _gather()


#: The fine-grained groups of issue 14 (the ``ClassSpec.group`` names): classes that differ
#: only in small hand, forearm or head motions, as NTU's hardest confusions do.
FINE_GRAINED_GROUPS: tuple[str, ...] = (
    "hands at work", "dressing", "hand to face", "touch body", "unwell", "pick up / drop / throw",
    "phone and arm gestures", "hands together")


def same_fine_grained_group(a: int, b: int) -> bool:
    """Whether labels ``a`` and ``b`` belong to one of :data:`FINE_GRAINED_GROUPS`."""
    ga, gb = CLASSES[a].group, CLASSES[b].group
    return ga == gb and ga in FINE_GRAINED_GROUPS

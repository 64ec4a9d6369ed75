"""Which bodies of an NTU RGB+D ``.skeleton`` file become the M slots of a sample.

Body selection (``(3, T, 25, M)`` arrays, M = ``max_bodies``):

* ``"first"`` (st-gcn ``ntu_gendata``): slot ``m`` is the ``m``-th body listed in each
  frame; the first ``max_bodies`` are kept.
* ``"energy"`` (2s-AGCN ``ntu_gendata``, reproduced exactly): up to
  :data:`ENERGY_CANDIDATE_SLOTS` slots are filled by position; a frame of a slot counts
  when the *sum* of all its coordinates (x, y, z over every joint) is non-zero; the slot's
  motion energy is ``std(x) + std(y) + std(z)`` (population std over those frames and all
  joints; 0 when no frame counts); the ``max_bodies`` slots with the highest energy are
  kept, highest first. 2s-AGCN orders with ``energy.argsort()[::-1]``, and numpy's classic
  default sort is an insertion sort on so few elements (stable), so among equal energies
  the *later* slot comes first; this module applies that rule explicitly
  (:func:`energy_order`), whatever sort numpy dispatches to on the machine. Energy is
  measured on the whole file, before any ``max_frames`` truncation.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from pipeline.errors import (
    UnknownFormatError,
    ValidationError,
)
from pipeline.formats._checks import is_int
from pipeline.formats.ntu_raw_text import NUM_JOINTS, NtuRawSequence

#: Slots scored by the ``"energy"`` selection (2s-AGCN reads at most 4 bodies).
ENERGY_CANDIDATE_SLOTS = 4

BodySelection = Literal["first", "energy"]
BODY_SELECTIONS: tuple[str, ...] = ("first", "energy")


def body_slots(seq: NtuRawSequence, num_slots: int) -> np.ndarray:
    """``(num_slots, F, 25, 3)`` float64 xyz by body position; absent slots are zero."""
    out = np.zeros((num_slots, seq.num_frames, NUM_JOINTS, 3), dtype=np.float64)
    keep = seq.body_position < num_slots
    out[seq.body_position[keep], seq.body_frame[keep]] = seq.joints[keep, :, :3]
    return out


def motion_energy(slots: np.ndarray) -> np.ndarray:
    """``(S,)`` motion energy of ``(S, F, V, 3)`` float64 slots, as 2s-AGCN's
    ``get_nonzero_std`` computes it.

    A frame of a slot counts when the sum of its coordinates (``slot.sum(-1).sum(-1)``:
    over x, y, z, then over the joints) is non-zero, so a frame whose coordinates cancel
    out is skipped like an absent one. Energy = ``std(x) + std(y) +
    std(z)``, each the population standard deviation over the counted frames and all
    joints, added in that order; 0 when no frame counts.
    """
    energy = np.zeros(slots.shape[0], dtype=np.float64)
    for s, slot in enumerate(slots):
        counted = slot[slot.sum(-1).sum(-1) != 0]  # (F', V, 3)
        if len(counted):
            energy[s] = counted[:, :, 0].std() + counted[:, :, 1].std() + counted[:, :, 2].std()
    return energy


def energy_order(energy: np.ndarray) -> np.ndarray:
    """Slot indices by descending energy; equal energies: the later slot first.

    This is 2s-AGCN's ``energy.argsort()[::-1]`` under numpy's classic default sort
    (an insertion sort, hence stable, on up to 16 elements). Written with an explicit
    stable sort because numpy >= 1.25 on AVX-512 machines dispatches the default sort of
    float64 to a sorting network that orders ties differently.
    """
    return np.argsort(np.asarray(energy), kind="stable")[::-1]


def select_bodies(
    seq: NtuRawSequence, body_selection: str = "first", max_bodies: int = 2
) -> np.ndarray:
    """``(3, F, 25, max_bodies)`` float64 xyz (metres, Kinect camera frame).

    See the module docstring for the ``"first"`` and ``"energy"`` rules. Absent bodies
    are exactly zero.
    """
    check_selection(body_selection, max_bodies)
    if body_selection == "first":
        chosen = body_slots(seq, max_bodies)
    else:
        slots = body_slots(seq, max(ENERGY_CANDIDATE_SLOTS, max_bodies))
        order = energy_order(motion_energy(slots))[:max_bodies]
        chosen = slots[order]
    return chosen.transpose(3, 1, 2, 0)  # (M, F, V, C) -> (C, F, V, M)


def check_selection(body_selection: str, max_bodies: int) -> None:
    if body_selection not in BODY_SELECTIONS:
        raise UnknownFormatError(
            f"unknown body selection {body_selection!r}; known: {', '.join(BODY_SELECTIONS)}",
            field="body_selection",
        )
    if not (is_int(max_bodies) and max_bodies >= 1):
        raise ValidationError(f"max_bodies must be an integer >= 1, got {max_bodies!r}",
                              field="max_bodies")

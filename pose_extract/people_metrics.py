"""Recovered people against the rendered bodies: who is who, how often each body was
recovered, how often identities swapped (pure numpy and scipy).

A two-person render's ground truth holds ``B`` bodies per frame, the extraction ``P``
people. :func:`match_people` pairs them once per sequence (Hungarian assignment,
:func:`scipy.optimize.linear_sum_assignment`, on the mean 3D joint distance over the
frames both have), then per frame:

* a body is **recoverable** in a frame where it is present and at least
  :data:`MIN_IN_FRAME` of its joints are inside the image (a body that walked out of the
  picture cannot be recovered), and **recovered** where its paired person is valid then
  and their root-relative mean joint error is under :data:`RECOVERED_ERROR_M` (a pose of
  that body, not a detection of something else);
* a frame has an **identity swap** when at least two paired people and their bodies are
  there and pairing them by that frame's distances alone (Hungarian again) differs from
  the sequence's pairing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import ValidationError
from pose_extract.metrics import ROOT

#: Share of a body's joints that must be inside the image for the body to be recoverable.
MIN_IN_FRAME = 0.6
#: Largest root-relative mean joint error (metres) of a recovered body in a frame: about
#: twice the extractor's mean on single-person renders (docs/RESULTS.md), so a frame's
#: pose counts unless it belongs to someone else or to nobody.
RECOVERED_ERROR_M = 0.25


@dataclass(frozen=True)
class PeopleMatch:
    """Recovered people paired with ground-truth bodies (module docstring).

    Attributes:
        person_of_body: ``(B,)`` the recovered person paired with each body, -1 for none.
        recoverable_frames: ``(B,)`` frames in which each body is recoverable.
        recovered_frames: ``(B,)`` of those, frames with its paired person valid.
        all_recoverable_frames: frames in which every body is recoverable.
        all_recovered_frames: of those, frames with every body recovered.
        swap_frames: frames with an identity swap; compared_frames: frames where a swap
            could be judged (two or more pairs there).
        people: ``P``, people recovered.
    """

    person_of_body: np.ndarray
    recoverable_frames: np.ndarray
    recovered_frames: np.ndarray
    all_recoverable_frames: int
    all_recovered_frames: int
    swap_frames: int
    compared_frames: int
    people: int

    @property
    def all_recovered_rate(self) -> float:
        """Share of the frames with every body recoverable in which all were recovered
        (NaN when there is none)."""
        return self.all_recovered_frames / self.all_recoverable_frames if self.all_recoverable_frames else float("nan")

    @property
    def swap_rate(self) -> float:
        """Share of the judged frames with an identity swap (NaN when none was judged)."""
        return self.swap_frames / self.compared_frames if self.compared_frames else float("nan")

    def to_dict(self) -> dict[str, Any]:
        def rate(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "people": self.people,
            "bodies": int(self.person_of_body.shape[0]),
            "person_of_body": [int(x) for x in self.person_of_body],
            "recovered_rate_per_body": [rate(int(a), int(b)) for a, b in
                                        zip(self.recovered_frames, self.recoverable_frames)],
            "all_recovered_rate": rate(self.all_recovered_frames, self.all_recoverable_frames),
            "all_recoverable_frames": self.all_recoverable_frames,
            "identity_swap_rate": rate(self.swap_frames, self.compared_frames),
            "identity_compared_frames": self.compared_frames,
        }


def _distances(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """``(P, T, 25, 3)`` and ``(T, B, 25, 3)`` -> ``(T, P, B)`` mean joint distance, m."""
    return np.linalg.norm(pred.transpose(1, 0, 2, 3)[:, :, None] - gt[:, None], axis=-1).mean(-1)


def match_people(pred: np.ndarray, pred_valid: np.ndarray, gt: np.ndarray, recoverable: np.ndarray, *,
                 max_error_m: float = RECOVERED_ERROR_M) -> PeopleMatch:
    """Pair recovered people with bodies and count recoveries and swaps.

    Args:
        pred: ``(P, T, 25, 3)`` recovered people, metres, camera frame.
        pred_valid: ``(P, T)`` bool, the person is valid in the frame.
        gt: ``(T, B, 25, 3)`` the bodies, same frame and units.
        recoverable: ``(T, B)`` bool, the body can be recovered in the frame
            (:func:`recoverable_frames`).
        max_error_m: a recovered body's largest root-relative mean joint error, metres.

    Returns:
        The :class:`PeopleMatch`.
    """
    from scipy.optimize import linear_sum_assignment

    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    pv = np.asarray(pred_valid, dtype=bool)
    rec = np.asarray(recoverable, dtype=bool)
    if pred.ndim != 4 or gt.ndim != 4 or pred.shape[1] != gt.shape[0] or pv.shape != pred.shape[:2] \
            or rec.shape != gt.shape[:2]:
        raise ValidationError(f"shapes pred {pred.shape}, pred_valid {pv.shape}, gt {gt.shape}, "
                              f"recoverable {rec.shape} do not fit (P, T, 25, 3), (P, T), (T, B, 25, 3), (T, B)",
                              field="people")
    n_people, t = pred.shape[:2]
    n_bodies = gt.shape[1]
    with np.errstate(invalid="ignore"):
        dist = _distances(pred, gt)  # T x P x B
    both = pv.T[:, :, None] & rec[:, None, :] & np.isfinite(dist)
    seq_cost = np.full((n_people, n_bodies), 1e6)
    for p in range(n_people):
        for b in range(n_bodies):
            if both[:, p, b].any():
                seq_cost[p, b] = float(dist[both[:, p, b], p, b].mean())
    person_of_body = np.full(n_bodies, -1, dtype=np.int64)
    rows, cols = linear_sum_assignment(seq_cost)
    for p, b in zip(rows, cols):
        if seq_cost[p, b] < 1e6:
            person_of_body[b] = p
    recoverable_frames = rec.sum(axis=0)
    got = np.zeros((t, n_bodies), dtype=bool)
    with np.errstate(invalid="ignore"):
        rel = np.linalg.norm((pred - pred[:, :, ROOT:ROOT + 1]).transpose(1, 0, 2, 3)[:, :, None]
                             - (gt - gt[:, :, ROOT:ROOT + 1])[:, None], axis=-1).mean(-1)  # T x P x B
    for b, p in enumerate(person_of_body):
        if p >= 0:
            got[:, b] = rec[:, b] & pv[p] & (rel[:, p, b] < max_error_m)
    all_rec = rec.all(axis=1)
    swaps = compared = 0
    pairs = [(int(p), b) for b, p in enumerate(person_of_body) if p >= 0]
    for f in range(t):
        here = [(p, b) for p, b in pairs if pv[p, f] and rec[f, b] and np.isfinite(dist[f, p, b])]
        if len(here) < 2:
            continue
        ps, bs = [p for p, _ in here], [b for _, b in here]
        cost = dist[f][np.ix_(ps, bs)]
        if not np.isfinite(cost).all():
            continue
        compared += 1
        r, c = linear_sum_assignment(cost)
        swaps += int(any(r_ != c_ for r_, c_ in zip(r, c)))
    return PeopleMatch(person_of_body=person_of_body, recoverable_frames=recoverable_frames,
                       recovered_frames=got.sum(axis=0), all_recoverable_frames=int(all_rec.sum()),
                       all_recovered_frames=int((got | ~rec)[all_rec].all(axis=1).sum()), swap_frames=swaps,
                       compared_frames=compared, people=n_people)


def recoverable_frames(present: np.ndarray | None, in_frame: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """``(T, B)`` bool from a ground truth's ``present (T, B)`` and ``body_in_frame
    (T, B, 25)`` (either may be None: then all true): present and at least
    :data:`MIN_IN_FRAME` of the joints inside the image."""
    out = np.ones(shape, dtype=bool)
    if present is not None:
        out &= np.asarray(present, dtype=bool)[: shape[0], : shape[1]]
    if in_frame is not None:
        out &= np.asarray(in_frame, dtype=bool)[: shape[0], : shape[1]].mean(axis=-1) >= MIN_IN_FRAME
    return out

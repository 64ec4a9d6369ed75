"""Absent bodies computed once per batch instead of once per sample.

Every bundled architecture (ST-GCN, 2s-AGCN, CTR-GCN, MS-G3D) runs each of the ``M``
body slots of a sample through the same trunk and averages the pooled features over the
slots, an all-zero (absent) body included, as the official models do: a one-person NTU
sequence costs two trunk passes, one of them on zeros. In eval mode the trunk is a
per-sample function (batch norm uses its running statistics, dropout is off), and the
input of an absent body after ``data_bn`` is the same constant for every sample (it
depends only on the slot), so its pooled features are the same for every sample too.
:func:`pooled_bodies` therefore runs the trunk on the present bodies plus one absent body
per slot (``data_bn`` applied to zeros) and shares its features: the same logits (to float
rounding) for about half the cost on one-person data.

What is lost is the input gradient at the absent bodies' zero coordinates (zero instead
of its value, which would need every sample's pass). So the shortcut runs only where that
gradient cannot be asked for: no gradient is recorded for the input (evaluation,
``torch.no_grad``), or inside :func:`absent_body_gradients_dropped`, which the attacks
enter because they never move an absent body (their masks zero those positions).
Parameter gradients stay exact (the shared features feed every sample that shares them),
and training mode always takes the full path (batch statistics see every body).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from pipeline.tensor import body_mask

_DROP_ABSENT_GRAD = contextvars.ContextVar("ciasa_drop_absent_body_gradients", default=False)


@contextmanager
def absent_body_gradients_dropped() -> Iterator[None]:
    """Inside this context a recogniser in eval mode skips absent bodies even when the
    input requires a gradient; the gradient at absent bodies' coordinates is then zero
    (module docstring). For callers that mask those positions anyway (the attacks)."""
    token = _DROP_ABSENT_GRAD.set(True)
    try:
        yield
    finally:
        _DROP_ABSENT_GRAD.reset(token)


def absent_bodies(x: torch.Tensor) -> torch.Tensor:
    """``(N, M)`` bool: every coordinate of the body is zero, in every frame (the
    complement of :func:`pipeline.tensor.body_mask`). ``x``: ``(N, C, T, V, M)``."""
    return ~body_mask(x)


def may_skip_absent(module: torch.nn.Module, x: torch.Tensor) -> bool:
    """Whether ``module`` may share one absent body's features across samples for input
    ``x`` (module docstring): eval mode, and no input gradient that could be asked for at
    an absent body."""
    if module.training:
        return False
    wants_grad = torch.is_grad_enabled() and x.requires_grad
    return not wants_grad or _DROP_ABSENT_GRAD.get()


def pooled_bodies(bodies: torch.Tensor, absent: torch.Tensor | None,
                  trunk: Callable[[torch.Tensor], torch.Tensor],
                  pool: Callable[[torch.Tensor], torch.Tensor],
                  empty: Callable[[], torch.Tensor] | None = None) -> torch.Tensor:
    """Pooled trunk features of every body slot.

    Args:
        bodies: ``(N, M, C, T, V)`` the trunk's input per body (after ``data_bn``).
        absent: ``(N, M)`` bool, the bodies whose raw input was all zero and whose
            features may be shared per slot; None computes every body.
        trunk: ``(B, C, T, V) -> (B, C', T', V')``.
        pool: ``(B, C', T', V') -> (B, C')``.
        empty: returns ``(M, C, T, V)``, the trunk's input of an absent body in each slot
            (``data_bn`` of zeros), computed from the parameters alone so that no input
            gradient reaches any sample's absent body; needed when ``absent`` has a True.
    Returns:
        ``(N, M, C')``.
    """
    n, m = bodies.shape[:2]
    flat = bodies.reshape(n * m, *bodies.shape[2:])
    if absent is None or not bool(absent.any()):
        return pool(trunk(flat)).view(n, m, -1)
    if empty is None:
        raise ValueError("pooled_bodies: absent bodies need the empty-body input (empty=)")
    absent_flat = absent.reshape(-1)
    keep = (~absent_flat).nonzero().squeeze(1)  # present bodies, row-major (n, m)
    slots = [k for k in range(m) if bool(absent[:, k].any())]
    reps = empty()[slots]  # one absent body per slot that has one
    feats = pool(trunk(torch.cat((flat.index_select(0, keep), reps))))  # (P + R, C')
    # where every (n, m) reads its features: its own row, or its slot's representative
    where = torch.empty(n * m, dtype=torch.long, device=bodies.device)
    where[keep] = torch.arange(keep.numel(), device=bodies.device)
    slot_of = torch.arange(n * m, device=bodies.device) % m
    for r, k in enumerate(slots):
        where[absent_flat & (slot_of == k)] = keep.numel() + r
    return feats.index_select(0, where).view(n, m, -1)

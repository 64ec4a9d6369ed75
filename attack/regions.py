"""Joint regions and per-joint eps for localized and advanced (hierarchical) attacks.

A region is given by name (one of the layout's ``regions``: ``left_arm``, ``right_arm``,
``legs``, ``trunk_head``), as comma-separated joint names, or as a sequence of joint names
or indices. Eps is a scalar (global clipping) or per joint (hierarchical clipping). All
checks raise typed errors naming the field, before any compute.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Union

import numpy as np

from attack.config import ADVANCED_DEFAULT_REGION, ADVANCED_LEG_EPS, DEFAULT_EPS
from pipeline.errors import UnknownFormatError, ValidationError
from pipeline.layouts import Layout

#: What a region may be given as.
RegionSpec = Union[str, Sequence[Union[str, int]], None]
#: What eps may be given as: scalar, one value per region joint or per layout joint, or by name.
EpsSpec = Union[float, Sequence[float], Mapping[str, float], np.ndarray, None]


def region_names(layout: Layout) -> tuple[str, ...]:
    """The layout's named regions (the paper's regions 1-4 in order for NTU)."""
    return tuple(layout.regions)


def resolve_joints(layout: Layout, region: RegionSpec) -> tuple[int, ...]:
    """Sorted joint indices of ``region``; ``None`` means every joint.

    Args:
        layout: the skeleton layout.
        region: a region name, comma-separated joint names, or a sequence of joint names
            or 0-based indices.
    Raises:
        UnknownFormatError: unknown region or joint name (valid names listed).
        ValidationError: an index outside ``0..V-1``, or an empty region.
    """
    v = layout.num_joints
    if region is None:
        return tuple(range(v))
    if isinstance(region, str):
        text = region.strip()
        if text in layout.regions:
            return tuple(sorted(layout.regions[text]))
        items: list[Any] = [s.strip() for s in text.split(",") if s.strip()]
    else:
        items = list(region)
    joints: set[int] = set()
    for item in items:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= int(item) < v:
                raise ValidationError(f"joint index {int(item)} outside 0..{v - 1} of layout {layout.name}",
                                      field="region")
            joints.add(int(item))
        elif isinstance(item, str) and item in layout.joint_names:
            joints.add(layout.joint_names.index(item))
        else:
            raise UnknownFormatError(
                f"unknown region or joint {item!r} for layout {layout.name}; regions: "
                f"{', '.join(layout.regions)}; joints: {', '.join(layout.joint_names)}", field="region")
    if not joints:
        raise ValidationError(f"region {region!r} names no joint", field="region")
    return tuple(sorted(joints))


def joint_mask(layout: Layout, joints: Sequence[int]) -> np.ndarray:
    """``(V,)`` bool: true for the joints that may move."""
    mask = np.zeros(layout.num_joints, dtype=bool)
    mask[list(joints)] = True
    return mask


def joint_kind(name: str) -> str | None:
    """The leg kind (``hip``, ``knee``, ``ankle``, ``foot``) a joint name belongs to, if any."""
    for kind in ADVANCED_LEG_EPS:
        if name.startswith(kind + "_") or name == kind:
            return kind
    return None


def default_hierarchical_eps(layout: Layout, joints: Sequence[int]) -> dict[str, float]:
    """The advanced-mode defaults (hips 0.01, knees 0.05, ankles 0.15, feet 0.25 m) for
    ``joints``, by joint name.

    Raises:
        ValidationError: a joint of the region has no default (not a leg joint): give eps.
    """
    out = {}
    for j in joints:
        name = layout.joint_names[j]
        kind = joint_kind(name)
        if kind is None:
            raise ValidationError(
                f"advanced mode has default eps only for leg joints ({', '.join(ADVANCED_LEG_EPS)}); "
                f"joint {name!r} needs an explicit eps", field="eps")
        out[name] = ADVANCED_LEG_EPS[kind]
    return out


def _check_value(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be a number, got {value!r}", field="eps") from None
    if not math.isfinite(x) or x < 0:
        raise ValidationError(f"{what} must be finite and >= 0, got {value!r}", field="eps")
    return x


def is_scalar_eps(eps: EpsSpec) -> bool:
    """True for a single number (global clipping)."""
    if isinstance(eps, np.ndarray):
        return eps.ndim == 0
    if hasattr(eps, "dim") and hasattr(eps, "numel"):  # a torch tensor
        return eps.dim() == 0
    return isinstance(eps, (int, float, np.integer, np.floating)) and not isinstance(eps, bool)


#: The attack modes of the paper: every joint, one region, or a region with per-joint eps.
MODES = ("basic", "localized", "advanced")


def mode_region_eps(mode: str, region: RegionSpec, eps: EpsSpec, layout: Layout,
                    who: str = "CIASA") -> tuple[RegionSpec, EpsSpec]:
    """The region and eps a mode means (``who`` names the attack in errors).

    basic: every joint (a region is an error), scalar eps, default
    :data:`~attack.config.DEFAULT_EPS`; localized: a region is required, scalar eps;
    advanced: the region defaults to :data:`~attack.config.ADVANCED_DEFAULT_REGION`, eps
    defaults to the hierarchical leg schedule (:func:`default_hierarchical_eps`).
    """
    if mode not in MODES:
        raise ValidationError(f"{who} has no mode {mode!r}; modes: {', '.join(MODES)}", field="mode")
    if mode == "basic":
        if region is not None:
            raise ValidationError(f"{who} mode 'basic' attacks every joint; got region {region!r} "
                                  "(use mode 'localized')", field="region")
    elif mode == "localized":
        if region is None:
            raise ValidationError(f"{who} mode 'localized' needs a region", field="region")
    else:
        region = ADVANCED_DEFAULT_REGION if region is None else region
    if eps is None:
        eps = default_hierarchical_eps(layout, resolve_joints(layout, region)) if mode == "advanced" else DEFAULT_EPS
    elif mode != "advanced" and not is_scalar_eps(eps):
        raise ValidationError(f"{who} mode {mode!r} takes a scalar eps (global clipping); per-joint eps "
                              "is hierarchical clipping: use mode 'advanced'", field="eps")
    return region, eps


def eps_vector(layout: Layout, eps: EpsSpec, joints: Sequence[int]) -> np.ndarray:
    """Per-joint clipping bounds ``(V,)`` float64 (data units); 0 outside ``joints``.

    Args:
        layout: the skeleton layout.
        eps: a number (every joint of ``joints``); a mapping joint name -> eps (names
            must be in ``joints``; every joint of ``joints`` must be named); or a sequence
            with one value per joint of ``joints`` (in index order) or per layout joint.
        joints: the movable joints (sorted indices).
    Raises:
        ValidationError: negative, non-finite or non-numeric eps, wrong length, or a
            mapping that misses or adds joints.
        UnknownFormatError: a mapping key that is no joint of the layout.
    """
    v = layout.num_joints
    out = np.zeros(v, dtype=np.float64)
    joints = list(joints)
    if eps is None:
        raise ValidationError("eps is required", field="eps")
    if isinstance(eps, (str, bytes, bool)):
        raise ValidationError(f"eps must be a number, per-joint numbers or a joint -> number mapping, got {eps!r}",
                              field="eps")
    if is_scalar_eps(eps):
        out[joints] = _check_value(float(eps), "eps")
        return out
    if isinstance(eps, Mapping):
        names = {layout.joint_names[j] for j in joints}
        for key, value in eps.items():
            if key not in layout.joint_names:
                raise UnknownFormatError(f"eps names unknown joint {key!r} of layout {layout.name}; joints: "
                                         f"{', '.join(layout.joint_names)}", field="eps")
            if key not in names:
                raise ValidationError(f"eps names joint {key!r}, which is not in the attacked region "
                                      f"({', '.join(sorted(names))})", field="eps")
            out[layout.joint_names.index(key)] = _check_value(value, f"eps[{key}]")
        missing = sorted(names - set(eps))
        if missing:
            raise ValidationError(f"hierarchical eps misses joints of the region: {', '.join(missing)}",
                                  field="eps")
        return out
    values = np.asarray(eps.detach().cpu().numpy() if hasattr(eps, "detach") else eps, dtype=object).ravel()
    if len(values) == len(joints):
        for j, value in zip(joints, values):
            out[j] = _check_value(value, f"eps[{layout.joint_names[j]}]")
        return out
    if len(values) == v:
        for j in range(v):
            x = _check_value(values[j], f"eps[{layout.joint_names[j]}]")
            if j in joints:
                out[j] = x
        return out
    raise ValidationError(
        f"hierarchical eps has {len(values)} values; expected {len(joints)} (one per region joint) "
        f"or {v} (one per joint of layout {layout.name})", field="eps")


def channel_mask(layout: Layout) -> np.ndarray:
    """``(C,)`` bool: the channels an attack may change (not the Kinetics ``score``)."""
    return np.array([c != "score" for c in layout.channels], dtype=bool)

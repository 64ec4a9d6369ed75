"""Body models behind one protocol (:mod:`render.bodies.base`): Anny (default, open) and
SMPL-X (licensed files). ``get_body(name)`` builds one by name."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import UnknownFormatError
from render.bodies.base import BodyModel, BodyRig, ShapeSpace

#: Valid body names for :func:`get_body`, the default first.
BODY_NAMES: tuple[str, ...] = ("anny", "smplx")


def get_body(name: str = "anny", smplx_dir: str | Path | None = None, **kwargs) -> BodyModel:
    """Construct a body model by name.

    Args:
        name: ``"anny"`` or ``"smplx"``.
        smplx_dir: SMPL-X model directory (``--smplx-dir``; else ``SMPLX_MODEL_DIR``).
        kwargs: passed to the body's constructor (``cache_dir`` for Anny; ``gender``,
            ``num_betas`` for SMPL-X).
    Raises:
        UnknownFormatError: unknown name (the valid names are listed).
        MissingInputError: Anny's cache is not built, or the SMPL-X file is missing.
    """
    if name == "anny":
        from render.bodies.anny_body import AnnyBody

        return AnnyBody(**kwargs)
    if name == "smplx":
        from render.bodies.smplx_body import SmplxBody

        return SmplxBody(smplx_dir, **kwargs)
    raise UnknownFormatError(f"unknown body {name!r}; valid: {', '.join(BODY_NAMES)}", field="body")


__all__ = ["BODY_NAMES", "BodyModel", "BodyRig", "ShapeSpace", "get_body"]

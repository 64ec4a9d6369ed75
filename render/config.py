"""The render settings (:class:`RenderConfig`) as one pydantic model, for callers that take
them as a whole (the Prefect flows, a run's YAML file). The defaults are those of
:mod:`render.api`; the library functions keep their keyword arguments."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from render.api import DEFAULT_BODY, DEFAULT_QUALITY, DEFAULT_RESOLUTION, FPS
from render.assets import QUALITY_NAMES
from render.worker_client import DEFAULT_TIMEOUT_S


class RenderConfig(BaseModel):
    """Every setting of one sequence's render (:func:`render.api.render_sequence`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    body: Literal["anny", "smplx"] = Field(DEFAULT_BODY, description="body model: anny (bundled) or smplx "
                                           "(licensed files in smplx_dir or $SMPLX_MODEL_DIR)")
    smplx_dir: str | None = Field(None, description="SMPL-X model folder (body smplx only)")
    quality: Literal[QUALITY_NAMES] = Field(  # type: ignore[valid-type]
        DEFAULT_QUALITY, description="quality preset (blender_assets/quality_presets.json)")
    resolution: tuple[int, int] = Field(DEFAULT_RESOLUTION, description="video width and height, pixels "
                                        "(positive even numbers: H.264)")
    seed: int = Field(0, description="appearance seed; each body's seed derives from it and the sample name")
    device: Literal["auto", "cpu", "gpu"] = Field("auto", description="Cycles device: auto (GPU when present), "
                                                  "cpu or gpu")
    threads: int = Field(0, ge=0, description="render threads per Blender process (0: all cores)")
    timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0, description="wall-clock limit of one Blender worker, "
                             "seconds (the sequence fails when it is exceeded)")
    keep_blend: bool = Field(False, description="also store each scene as scene.blend")

    @field_validator("resolution")
    @classmethod
    def _even(cls, value: tuple[int, int]) -> tuple[int, int]:
        w, h = value
        if w <= 0 or h <= 0 or w % 2 or h % 2:
            raise ValueError(f"resolution must be positive even numbers (H.264), got {w}x{h}")
        return value

    def output_settings(self) -> dict[str, Any]:
        """The settings that change a bundle's files (a cache key's part): all but
        ``threads`` and ``timeout_s``, and the quality preset's own settings (so that a
        preset changed in ``blender_assets/quality_presets.json`` re-renders)."""
        from render.assets import quality_preset

        return {**self.model_dump(mode="json", exclude={"threads", "timeout_s"}), "fps": FPS,
                "quality_settings": quality_preset(self.quality)}

    def call_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`render.api.render_sequence`."""
        d = self.model_dump(exclude={"resolution"})
        return {**d, "resolution": tuple(self.resolution)}

"""The extraction settings (:class:`ExtractConfig`): every default of the stage in one place,
shared by the library functions, the CLI (``ciasa extract``) and the tests."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pose_extract.lifting import DEFAULT_HFOV_DEG
from pose_extract.mediapipe_runner import DEFAULT_MIN_DETECTION_CONFIDENCE, DEFAULT_MIN_TRACKING_CONFIDENCE
from pose_extract.sequence import DEFAULT_MAX_GAP


class ExtractConfig(BaseModel):
    """Every pose-extraction setting with its one default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fov_deg: float = Field(
        DEFAULT_HFOV_DEG, gt=1, lt=179,
        description="horizontal field of view in degrees, used when a video has no render manifest "
        "(default: the Kinect v2 colour camera's)",
    )
    fps: float | None = Field(
        None, gt=0,
        description="output frame rate (default: the source set's, from the render manifest, else the video's)",
    )
    max_gap: int = Field(
        DEFAULT_MAX_GAP, ge=0,
        description="undetected runs of at most this many video frames between detections are interpolated; "
        "longer ones are masked",
    )
    smooth_window: int = Field(5, ge=1, description="centred moving average of the root translation, frames (1: none)")
    min_detection_confidence: float = Field(DEFAULT_MIN_DETECTION_CONFIDENCE, ge=0, le=1,
                                            description="MediaPipe person detection threshold")
    min_tracking_confidence: float = Field(DEFAULT_MIN_TRACKING_CONFIDENCE, ge=0, le=1,
                                           description="MediaPipe landmark tracking threshold")
    max_people: int | None = Field(
        None, ge=1, le=4,
        description="people tracked per video (default: as many as the render bundle rendered, 1 for a plain "
        "video); above 1, a cascade of MediaPipe trackers, each seeing the frame with the earlier ones' people "
        "painted over (pose_extract.people); the main actor (most motion) comes first; a sentinel tracker makes a "
        "video with more people than this an error instead of a silent drop")
    people_mask: Literal["box", "skeleton"] = Field(
        "box", description="how the tracker cascade paints earlier people over: their grown landmark box "
        "(better on people apart), or their shape (better on people touching); pose_extract.people")
    flip: bool = Field(True, description="flip averaging: also track the mirrored video and average the two poses "
                       "(pose_extract.flip; one-person videos only, the people cascade runs without it); twice "
                       "MediaPipe's cost, 4 mm less root-relative error and a third of the left-right swaps at "
                       "640x360")
    adapter: Literal["none", "fit", "learned"] = Field(
        "none", description="after mapping to NTU-25: none; fit one consistent skeleton per sequence (constant "
        "bone lengths, robust, smooth; pose_extract.skeleton_fit); or learned: the Kinect adapter network trained "
        "on renders' ground truth (pose_extract.adapter_model), then one set of bone lengths per sequence "
        "(pose_extract.bone_projection)")
    adapter_file: str | None = Field(
        None, description="the learned adapter's weights (a ciasa.kinect_adapter file; default: the bundled "
        "pose_extract/bundled/kinect-adapter.pt)")


def make_config(base: ExtractConfig | None = None, **overrides) -> ExtractConfig:
    """``base`` (default settings when None) with the non-None ``overrides`` applied; an
    invalid value raises :class:`~pipeline.errors.ValidationError` naming its field."""
    from pydantic import ValidationError as PydanticError

    from pipeline.errors import ValidationError

    values = (base or ExtractConfig()).model_dump()
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ExtractConfig(**values)
    except PydanticError as exc:
        first = exc.errors()[0]
        raise ValidationError(str(first["msg"]), field=".".join(str(k) for k in first["loc"]) or None) from None

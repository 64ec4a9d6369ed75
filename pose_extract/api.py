"""One video -> one NTU-25 skeleton sequence per person in the Kinect camera frame.

:func:`extract_people` chains the stage's steps: MediaPipe landmarks
(:mod:`pose_extract.mediapipe_runner`, or :mod:`pose_extract.people` for several
people), MediaPipe world axes to Kinect axes and the root
translation that reprojects the landmarks onto the image (:mod:`pose_extract.lifting`),
the 33 landmarks to the 25 NTU joints (:mod:`pose_extract.mapping`), gap filling and
resampling to the output frame rate (:mod:`pose_extract.sequence`), per person.
:func:`extract_video` keeps the main actor.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import FormatError
from pose_extract.config import ExtractConfig, make_config
from pose_extract.lifting import CameraIntrinsics, lift
from pose_extract.mapping import CONSTANTS, to_kinect_axes, to_ntu25
from pose_extract.mediapipe_runner import Landmarks, run_mediapipe, settings
from pose_extract.sequence import FilledSequence, fill_gaps, resample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extraction:
    """The skeleton extracted from one video.

    Attributes:
        joints: ``(T, 25, 3)`` float64 metres, Kinect camera frame, NTU-25 joint order, at
            ``fps``; invalid frames hold a neighbouring pose (:mod:`pose_extract.sequence`);
            all zero when no frame had a person.
        valid: ``(T,)`` bool, detected or interpolated across a short gap.
        fps: frame rate of ``joints``.
        video_joints: ``(T_video, 25, 3)`` the same at the video's frame rate, frame ``t``
            = video frame ``t`` (for comparison with per-frame ground truth).
        video_valid: ``(T_video,)`` bool, ``valid`` at the video's frame rate.
        video_interpolated: ``(T_video,)`` bool, filled across a short gap.
        translation: ``(T_video, 3)`` metres, the lifted root translation (the MediaPipe
            hip midpoint in the camera frame; NaN where not solved).
        landmarks: the raw MediaPipe landmarks.
        intrinsics: the camera used for lifting.
        longest_gap: longest run of undetected video frames.
        parameters: every setting used (for a manifest).
    """

    joints: np.ndarray
    valid: np.ndarray
    fps: float
    video_joints: np.ndarray
    video_valid: np.ndarray
    video_interpolated: np.ndarray
    translation: np.ndarray
    landmarks: Landmarks
    intrinsics: CameraIntrinsics
    longest_gap: int
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        """``T``, frames at the output rate."""
        return int(self.joints.shape[0])

    @property
    def detected_frames(self) -> int:
        """Video frames with a detected and lifted pose."""
        return int((self.video_valid & ~self.video_interpolated).sum())

    @property
    def detection_rate(self) -> float:
        """Share of video frames with a detected and lifted pose."""
        n = self.video_valid.shape[0]
        return self.detected_frames / n if n else 0.0

    def outcome(self) -> dict[str, Any]:
        """Frame counts for a report: video frames, output frames, detected, gap (not
        detected), interpolated and masked (held) frames, the longest gap, the rate."""
        n = int(self.video_valid.shape[0])
        return {
            "video_frames": n,
            "frames": self.num_frames,
            "detected_frames": self.detected_frames,
            "detection_rate": round(self.detection_rate, 4),
            "gap_frames": n - self.detected_frames,
            "interpolated_frames": int(self.video_interpolated.sum()),
            "masked_frames": int((~self.video_valid).sum()),
            "longest_gap": self.longest_gap,
        }


def intrinsics_for_video(landmarks: Landmarks, intrinsics: CameraIntrinsics | None,
                         fov_deg: float) -> CameraIntrinsics:
    """The camera of a video: ``intrinsics`` when given (their image size must match the
    video's: :class:`FormatError` naming the video otherwise), else square pixels with the
    principal point at the image centre and ``fov_deg`` horizontal field of view."""
    if intrinsics is None:
        return CameraIntrinsics.from_fov(landmarks.width, landmarks.height, fov_deg)
    if (intrinsics.width, intrinsics.height) != (landmarks.width, landmarks.height):
        raise FormatError(
            f"the video is {landmarks.width}x{landmarks.height} but the intrinsics are for "
            f"{intrinsics.width}x{intrinsics.height}", path=landmarks.path, field="intrinsics",
        )
    return intrinsics


def _fit(filled: FilledSequence, lm: Landmarks, ok: np.ndarray,
         intr: CameraIntrinsics) -> tuple[FilledSequence, dict]:
    """:func:`~pose_extract.skeleton_fit.fit_skeleton` on the mapped joints: data from
    the detected frames (visibility-weighted, with their 2D landmarks), the others carried
    by the smoothness; validity and gap bookkeeping unchanged."""
    from dataclasses import replace

    from pose_extract.skeleton_fit import fit_skeleton

    weights = to_ntu25(np.asarray(lm.visibility, dtype=np.float64)[..., None])[..., 0]
    fit = fit_skeleton(filled.joints, weights, ok, pixels=to_ntu25(lm.image), intrinsics=intr)
    info = {"residual_mm": round(1000 * fit.residual_m, 2),
            "bone_lengths_m": [round(float(v), 5) for v in fit.bone_lengths]}
    return replace(filled, joints=fit.joints), info


@functools.lru_cache(maxsize=4)
def _load_learned(path: str, _stamp: tuple[int, int]) -> tuple[Any, dict[str, Any]]:
    from pipeline.io_utils import file_sha256
    from pose_extract.adapter_model import load_adapter

    model, card = load_adapter(path)
    return model, {"file": path, "sha256": file_sha256(path), "trained_on": card.get("data")}


def learned_adapter(path: str | None) -> tuple[Any, dict[str, Any]]:
    """The learned adapter of ``path`` (the bundled one when None), loaded once per file
    version, and its record for a manifest (file, SHA-256, training data)."""
    from pose_extract.adapter_model import BUNDLED_ADAPTER, load_adapter

    file = Path(path) if path is not None else BUNDLED_ADAPTER
    try:
        st = file.stat()
    except OSError:
        load_adapter(file)  # raises the one-line error naming the file
        raise
    return _load_learned(str(file), (st.st_mtime_ns, st.st_size))


def _learned(world: np.ndarray, lm: Landmarks, translation: np.ndarray, ok: np.ndarray, intr: CameraIntrinsics,
             cfg: ExtractConfig) -> tuple[np.ndarray, dict[str, Any]]:
    """Camera-frame NTU-25 joints ``(T, 25, 3)`` of the learned adapter (NaN where not ``ok``)."""
    from pose_extract.adapter_features import adapter_inputs, compose
    from pose_extract.adapter_model import run_adapter

    model, info = learned_adapter(cfg.adapter_file)
    out = run_adapter(model, adapter_inputs(world, lm.image, lm.visibility, translation, ok, intr), ok)
    joints = compose(np.nan_to_num(world), np.nan_to_num(translation), out)
    joints[~ok] = np.nan
    return joints, info


def _extract_person(lm: Landmarks, intr: CameraIntrinsics, cfg: ExtractConfig, runner: dict[str, Any]) -> Extraction:
    """One person's landmarks -> their :class:`Extraction` (lifting, mapping, gaps, the
    optional skeleton fit, resampling to the output rate)."""
    world = to_kinect_axes(lm.world)  # T x 33 x 3, hip-centred
    camera, translation, lifted = lift(world, lm.image, lm.visibility, intr, smooth_window=cfg.smooth_window)
    ok = lm.detected & lifted
    if lm.detected.any() and not ok.any():
        log.warning("%s: a person was detected but no frame could be placed in the camera frame", lm.path)
    fit_info = adapter_info = None
    mapped = to_ntu25(camera)
    if cfg.adapter == "learned" and ok.any():
        mapped, adapter_info = _learned(world, lm, translation, ok, intr, cfg)
    filled = fill_gaps(mapped, ok, cfg.max_gap)  # T_video x 25 x 3
    if cfg.adapter == "fit" and ok.any():
        filled, fit_info = _fit(filled, lm, ok, intr)
    if cfg.adapter == "learned" and ok.any():
        from dataclasses import replace

        from pose_extract.bone_projection import constant_bones

        filled = replace(filled, joints=constant_bones(filled.joints, ok))
    out_fps = float(cfg.fps) if cfg.fps is not None else lm.fps
    joints, valid, _ = resample(filled.joints, filled.valid, lm.fps, out_fps)
    params = {
        **runner,
        **cfg.model_dump(),
        "fps": out_fps,
        "video_fps": lm.fps,
        "intrinsics": intr.to_dict(),
        "mapping": "pose_extract.mapping (BlazePose 33 -> NTU 25, affine combinations)",
        "mapping_constants": dict(CONSTANTS),
        "skeleton_fit": fit_info,
        "learned_adapter": adapter_info,
    }
    return Extraction(
        joints=joints, valid=valid, fps=out_fps, video_joints=filled.joints, video_valid=filled.valid,
        video_interpolated=filled.interpolated, translation=translation, landmarks=lm, intrinsics=intr,
        longest_gap=filled.longest_gap, parameters=params,
    )


def extract_people(
    path: str | Path,
    *,
    fov_deg: float | None = None,
    intrinsics: CameraIntrinsics | None = None,
    fps: float | None = None,
    config: ExtractConfig | None = None,
    check_more: bool = True,
) -> list[Extraction]:
    """Extract the NTU-25 skeletons of up to ``config.max_people`` people in a video (1
    when None).

    With ``max_people`` 1 this is MediaPipe's single-person tracker
    (:mod:`pose_extract.mediapipe_runner`); above, the tracker cascade of
    :mod:`pose_extract.people`. Every person goes through the same lifting, mapping, gap
    filling and fit.

    Args:
        path, fov_deg, intrinsics, fps, config: as :func:`extract_video`.
        check_more: with more than one person, a sentinel tracker looks for a person beyond
            ``max_people`` and makes one an error (a real video with more people than NTU's
            two). Off where the number of people is known, as in a render bundle: there a
            detection beyond the rendered bodies can only be a remnant of the painted-over
            actors (a touching pair's limbs), not a person, and would cost the sample.

    Returns:
        At least one :class:`Extraction` (all frames invalid when nobody was found), main
        actor first: NTU's convention, the person whose joints vary most over the video
        (:func:`~pose_extract.people.motion_energy` on the detected frames).

    Raises:
        As :func:`extract_video`.
    """
    cfg = make_config(config, fov_deg=fov_deg, fps=fps)
    max_people = cfg.max_people or 1
    flip = cfg.flip and max_people == 1  # the people cascade has no flip averaging
    if max_people == 1:
        people = [run_mediapipe(path, min_detection_confidence=cfg.min_detection_confidence,
                                min_tracking_confidence=cfg.min_tracking_confidence, fps_fallback=cfg.fps,
                                flip=flip)]
    else:
        from pose_extract.people import run_people

        if cfg.flip:
            log.info("%s: flip averaging is for one person; the %d-person cascade runs without it", path, max_people)
        people = run_people(path, max_people=max_people, min_detection_confidence=cfg.min_detection_confidence,
                            min_tracking_confidence=cfg.min_tracking_confidence, fps_fallback=cfg.fps,
                            mask=cfg.people_mask, check_more=check_more)
    intr = intrinsics_for_video(people[0], intrinsics, cfg.fov_deg)
    runner = settings(cfg.min_detection_confidence, cfg.min_tracking_confidence, max_people=max_people,
                      flip=flip)
    out = [_extract_person(lm, intr, cfg, runner) for lm in people]
    if len(out) > 1:
        from pose_extract.people import motion_energy

        energy = [motion_energy(e.video_joints, e.video_valid & ~e.video_interpolated) for e in out]
        out = [out[k] for k in sorted(range(len(out)), key=lambda k: -energy[k])]
    return out


def extract_video(
    path: str | Path,
    *,
    fov_deg: float | None = None,
    intrinsics: CameraIntrinsics | None = None,
    fps: float | None = None,
    config: ExtractConfig | None = None,
) -> Extraction:
    """Extract the NTU-25 skeleton of the person in a video (the main actor when
    ``config.max_people`` > 1: :func:`extract_people`), in the Kinect camera frame.

    Args:
        path: the video.
        fov_deg: horizontal field of view (degrees) when ``intrinsics`` are not given
            (default ``config.fov_deg``, the Kinect v2 colour camera's 84.1).
        intrinsics: the camera (a render manifest's); overrides ``fov_deg``.
        fps: output frame rate (default ``config.fps``, else the video's).
        config: every other setting (:class:`ExtractConfig`; defaults when None).

    Returns:
        The :class:`Extraction`; a video without a person gives all frames invalid (and
        a warning), not an error.

    Raises:
        MissingInputError: the video does not exist.
        FormatError: not a readable video, or intrinsics for another image size.
        ValidationError: a setting out of range.
    """
    return extract_people(path, fov_deg=fov_deg, intrinsics=intrinsics, fps=fps, config=config)[0]

"""Run MediaPipe 0.10.21 legacy Pose over a video: per-frame BlazePose landmarks.

The extractor is BlazePose GHUM 3D through ``mp.solutions.pose.Pose`` in video mode
(``static_image_mode=False``: the detector runs on the first frame and after a loss, the
tracker in between) with ``model_complexity=1``, the only model that ships inside the
0.10.21 wheel (complexities 0 and 2 download their weights at run time and fail
offline), and MediaPipe's own landmark smoothing on. ``mediapipe`` is imported inside
:func:`run_mediapipe` only.

Landmark axes as MediaPipe gives them (measured on a rendered body facing the camera):
image landmarks are normalised by the frame size, converted here to pixels (u to the
image right, v down, (0, 0) at the top-left corner); world landmarks are metres with the
origin between the hips, x towards the image right, y down, z away from the camera
(relative depth only). The conversion to the Kinect frame is in
:mod:`pose_extract.mapping` and :mod:`pose_extract.lifting`.
"""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import FormatError, MissingInputError, ValidationError
from pose_extract.flip import average_poses, unmirror

log = logging.getLogger(__name__)

#: Number of BlazePose landmarks.
NUM_LANDMARKS = 33

#: The only model complexity whose weights ship in the mediapipe 0.10.21 wheel.
MODEL_COMPLEXITY = 1

#: MediaPipe's default detection / tracking confidence thresholds.
DEFAULT_MIN_DETECTION_CONFIDENCE = 0.5
DEFAULT_MIN_TRACKING_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Landmarks:
    """BlazePose landmarks of every frame of one video.

    Attributes:
        image: ``(T, 33, 2)`` float64 pixel coordinates (u right, v down, origin at the
            top-left image corner); NaN in frames without a detection.
        world: ``(T, 33, 3)`` float64 metres, MediaPipe world axes (origin between the
            hips, x towards the image right, y down, z away from the camera); NaN in
            frames without a detection.
        visibility: ``(T, 33)`` float64 in [0, 1], MediaPipe's per-landmark visibility;
            0 in frames without a detection.
        detected: ``(T,)`` bool, a pose was found in the frame.
        fps: frame rate of the video (frames per second).
        width: frame width, pixels.
        height: frame height, pixels.
        path: the video file.
    """

    image: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    detected: np.ndarray
    fps: float
    width: int
    height: int
    path: Path

    @property
    def num_frames(self) -> int:
        """``T``, the number of decoded frames."""
        return int(self.detected.shape[0])

    @property
    def detection_rate(self) -> float:
        """Share of frames with a detected pose (0 for an empty video)."""
        return float(self.detected.mean()) if self.num_frames else 0.0


def settings(
    min_detection_confidence: float = DEFAULT_MIN_DETECTION_CONFIDENCE,
    min_tracking_confidence: float = DEFAULT_MIN_TRACKING_CONFIDENCE,
    *,
    max_people: int = 1,
    flip: bool = False,
) -> dict[str, object]:
    """The extractor's settings as recorded in an output manifest (``max_people`` > 1:
    the tracker cascade of :mod:`pose_extract.people`; ``flip``: flip averaging)."""
    import importlib.metadata

    try:
        version = importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
        version = None
    return {
        "extractor": "mediapipe.solutions.pose (BlazePose GHUM 3D, legacy solution API)",
        "mediapipe_version": version,
        "static_image_mode": False,
        "model_complexity": MODEL_COMPLEXITY,
        "smooth_landmarks": True,
        "min_detection_confidence": float(min_detection_confidence),
        "min_tracking_confidence": float(min_tracking_confidence),
        "max_people": int(max_people),
        "flip_averaging": bool(flip),
        "people": ("single tracker" if max_people == 1 else
                   "tracker cascade, earlier people painted over (pose_extract.people)"),
    }


def open_video(path: str | Path):
    """An opened ``cv2.VideoCapture`` for ``path``.

    Raises:
        MissingInputError: the file does not exist.
        FormatError: OpenCV cannot open it as a video.
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise MissingInputError("no such video file", path=path)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise FormatError("not a readable video (OpenCV cannot open it)", path=path)
    return cap


def video_fps(cap, path: Path, fallback: float | None) -> float:
    """The frame rate an opened video records, else ``fallback`` (with a warning);
    :class:`FormatError` when it has none and no fallback is given."""
    import cv2

    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if math.isfinite(fps) and fps > 0:
        return fps
    if fallback is None:
        raise FormatError("the video has no frame rate and none was given", path=path, field="fps")
    log.warning("%s: the video has no frame rate; using %.3g fps", path, fallback)
    return float(fallback)


def check_unit_interval(**values: float) -> None:
    """:class:`ValidationError` naming the first setting outside [0, 1]."""
    for name, value in values.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ValidationError(f"must be in [0, 1], got {value}", field=name)


def pose_tracker(min_detection_confidence: float, min_tracking_confidence: float):
    """One MediaPipe legacy Pose in video mode with this module's settings (model
    complexity 1, landmark smoothing on); ``mediapipe`` is imported here."""
    import mediapipe as mp

    return mp.solutions.pose.Pose(static_image_mode=False, model_complexity=MODEL_COMPLEXITY, smooth_landmarks=True,
                                  min_detection_confidence=float(min_detection_confidence),
                                  min_tracking_confidence=float(min_tracking_confidence))


def frame_landmarks(result, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """One frame's pose from a tracker's ``process`` result: ``(33, 2)`` pixels,
    ``(33,)`` visibility clipped to [0, 1] and ``(33, 3)`` world metres (float64), or None
    when no pose (image and world) was found."""
    if result.pose_landmarks is None or result.pose_world_landmarks is None:
        return None
    img = result.pose_landmarks.landmark
    pixels = np.array([(lm.x * width, lm.y * height) for lm in img], dtype=np.float64)
    visibility = np.clip(np.array([lm.visibility for lm in img], dtype=np.float64), 0.0, 1.0)
    world = np.array([(lm.x, lm.y, lm.z) for lm in result.pose_world_landmarks.landmark], dtype=np.float64)
    return pixels, visibility, world


def run_mediapipe(
    path: str | Path,
    *,
    min_detection_confidence: float = DEFAULT_MIN_DETECTION_CONFIDENCE,
    min_tracking_confidence: float = DEFAULT_MIN_TRACKING_CONFIDENCE,
    fps_fallback: float | None = None,
    flip: bool = False,
) -> Landmarks:
    """Decode ``path`` with OpenCV and run MediaPipe Pose on every frame.

    Args:
        path: a video file OpenCV can read (``video.mp4`` of a render bundle).
        min_detection_confidence, min_tracking_confidence: MediaPipe thresholds in [0, 1].
        fps_fallback: frame rate to assume when the container records none.
        flip: also track the mirrored video with a second tracker and average the two
            poses (:mod:`pose_extract.flip`; twice the cost).

    Returns:
        The landmarks of every decoded frame; frames without a person have
        ``detected = False``. A video in which no frame has a person logs a warning.

    Raises:
        MissingInputError: ``path`` does not exist.
        FormatError: the file is not a readable video, or no frame can be decoded.
        ValidationError: a confidence threshold outside [0, 1].
    """
    import cv2

    check_unit_interval(min_detection_confidence=min_detection_confidence,
                        min_tracking_confidence=min_tracking_confidence)
    path = Path(path)
    cap = open_video(path)
    try:
        fps = video_fps(cap, path, fps_fallback)
        image, world, vis, detected = [], [], [], []
        width = height = 0
        with contextlib.ExitStack() as stack:
            pose = stack.enter_context(pose_tracker(min_detection_confidence, min_tracking_confidence))
            mirror = stack.enter_context(pose_tracker(min_detection_confidence, min_tracking_confidence)) \
                if flip else None
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                height, width = bgr.shape[:2]
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                found = frame_landmarks(pose.process(rgb), width, height)
                if mirror is not None:
                    other = frame_landmarks(mirror.process(np.ascontiguousarray(rgb[:, ::-1])), width, height)
                    found = average_poses(found, None if other is None else unmirror(other, width))
                detected.append(found is not None)
                if found is not None:
                    image.append(found[0])
                    vis.append(found[1])
                    world.append(found[2])
    finally:
        cap.release()
    t = len(detected)
    if t == 0:
        raise FormatError("no frame could be decoded (empty or corrupt video)", path=path)
    det = np.asarray(detected, dtype=bool)
    out_img = np.full((t, NUM_LANDMARKS, 2), np.nan)
    out_world = np.full((t, NUM_LANDMARKS, 3), np.nan)
    out_vis = np.zeros((t, NUM_LANDMARKS))
    if det.any():
        out_img[det] = np.stack(image)
        out_world[det] = np.stack(world)
        out_vis[det] = np.stack(vis)
    else:
        log.warning("%s: no person detected in any of its %d frames", path, t)
    return Landmarks(image=out_img, world=out_world, visibility=out_vis, detected=det, fps=fps,
                     width=int(width), height=int(height), path=path)

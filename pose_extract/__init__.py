"""Monocular 3D pose extraction from videos and conversion to NTU-25 in the camera
frame (issue: pose extraction). mediapipe is imported only inside the extractor.

Modules, one job each:

* :mod:`pose_extract.mediapipe_runner`: a video -> MediaPipe BlazePose landmarks per frame;
* :mod:`pose_extract.mapping`: MediaPipe axes -> Kinect axes, 33 landmarks -> 25 NTU joints;
* :mod:`pose_extract.lifting`: camera intrinsics and the root translation (pure numpy);
* :mod:`pose_extract.sequence`: detection gaps and resampling;
* :mod:`pose_extract.metrics`: errors against render ground truth;
* :mod:`pose_extract.config`: every setting's default (:class:`ExtractConfig`);
* :mod:`pose_extract.api`: :func:`extract_video`, one video -> one skeleton sequence;
* :mod:`pose_extract.bundle_manifest`: a render bundle's manifest, video and ground truth,
  read as files;
* :mod:`pose_extract.report`: the per-sample report (:class:`SampleOutcome`,
  :class:`ExtractReport`);
* :mod:`pose_extract.extracted_set`: extractions -> a skeleton set and back,
  :func:`merge_extractions` to join the parts, :func:`save_extraction` /
  :func:`load_extraction`, :func:`video_set` for a plain video;
* :mod:`pose_extract.bundles`: :func:`extract_bundles`, render bundles -> a skeleton set
  and a per-sample report; :func:`extract_bundle` one bundle at a time (a pipeline that
  maps over bundles).

The names below are imported lazily (``from pose_extract import extract_video`` loads
only what it needs).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ExtractConfig": "pose_extract.config",
    "Extraction": "pose_extract.api",
    "extract_video": "pose_extract.api",
    "ExtractReport": "pose_extract.report",
    "ExtractionError": "pose_extract.report",
    "SampleOutcome": "pose_extract.report",
    "extract_bundle": "pose_extract.bundles",
    "extract_bundles": "pose_extract.bundles",
    "load_extraction": "pose_extract.extracted_set",
    "merge_extractions": "pose_extract.extracted_set",
    "save_extraction": "pose_extract.extracted_set",
    "video_set": "pose_extract.extracted_set",
    "CameraIntrinsics": "pose_extract.lifting",
    "Landmarks": "pose_extract.mediapipe_runner",
    "PoseErrors": "pose_extract.metrics",
    "pose_errors": "pose_extract.metrics",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pose_extract' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

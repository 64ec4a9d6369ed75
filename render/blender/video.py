"""Output settings: an H.264 MP4 straight from the animation render, or PNG frames
(worker only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def set_video_output(path: Path, crf: str = "HIGH", scene: Any = None) -> None:
    """Render the animation of ``scene`` (default: the current one) to an H.264 MP4 whose
    name Blender derives from ``path`` (see :func:`movie_path`). Order matters: media type
    before file format."""
    import bpy

    r = (scene or bpy.context.scene).render
    r.image_settings.media_type = "VIDEO"
    r.image_settings.file_format = "FFMPEG"
    r.ffmpeg.format = "MPEG4"
    r.ffmpeg.codec = "H264"
    r.ffmpeg.constant_rate_factor = crf
    r.ffmpeg.ffmpeg_preset = "GOOD"
    r.ffmpeg.gopsize = 15
    r.ffmpeg.audio_codec = "NONE"
    r.use_file_extension = True
    r.filepath = str(path)


def set_image_output(path: Path) -> None:
    """Write single frames as 8-bit RGB PNG to ``path`` (a file path for stills)."""
    import bpy

    r = bpy.context.scene.render
    r.image_settings.media_type = "IMAGE"
    r.image_settings.file_format = "PNG"
    r.image_settings.color_mode = "RGB"
    r.image_settings.color_depth = "8"
    r.filepath = str(path)


def movie_path(scene: Any = None) -> Path:
    """The file Blender writes the animation of ``scene`` (default: the current one) to (it
    appends frame numbers and the extension to ``render.filepath`` by its own rules)."""
    import bpy

    scene = scene or bpy.context.scene
    return Path(scene.render.frame_path(frame=scene.frame_start))

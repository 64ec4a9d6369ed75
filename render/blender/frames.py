"""Frames as arrays inside Blender, and frames to a movie (worker only): what the cropped
render needs around Cycles (read a rendered PNG, paste a cropped frame over the empty
scene, write the frame, encode the frames with Blender's own FFmpeg writer through a
sequencer scene, so that the movie is made exactly as the animation render makes it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: The sequencer scene that encodes frames into a movie.
ENCODE_SCENE = "ciasa_encode"


def read_rgba(path: Path) -> np.ndarray:
    """``(H, W, 4)`` float32 pixels of the image file ``path`` as stored (8-bit PNGs give
    their byte values / 255; rows top to bottom)."""
    import bpy

    img = bpy.data.images.load(str(path))
    try:
        w, h = img.size
        a = np.empty(w * h * 4, dtype=np.float32)
        img.pixels.foreach_get(a)
    finally:
        bpy.data.images.remove(img)
    return a.reshape(h, w, 4)[::-1]


def write_rgb(pixels: np.ndarray, path: Path) -> None:
    """Write ``(H, W, 3 or 4)`` pixels in ``[0, 1]`` (rows top to bottom) as an 8-bit RGB
    PNG, without compression (the frames are temporary)."""
    import bpy

    h, w = pixels.shape[:2]
    rgba = np.ones((h, w, 4), dtype=np.float32)
    rgba[..., :3] = pixels[..., :3]
    img = bpy.data.images.new("ciasa_frame", w, h, alpha=False)
    try:
        img.pixels.foreach_set(np.ascontiguousarray(rgba[::-1]).ravel())
        img.filepath_raw = str(path)
        img.file_format = "PNG"
        img.save()
    finally:
        bpy.data.images.remove(img)


def paste(cropped: np.ndarray, plate: np.ndarray) -> np.ndarray:
    """The frame: ``cropped``'s rendered pixels (alpha > 0 inside the render border) over
    the empty scene ``plate``; both ``(H, W, 4)``."""
    if cropped.shape != plate.shape:
        raise ValueError(f"cropped frame {cropped.shape} and empty scene {plate.shape} differ in size")
    inside = cropped[..., 3:4] > 0
    out = np.where(inside, cropped, plate)
    out[..., 3] = 1.0
    return out


def encode_frames(first: Path, count: int, fps: int, resolution: tuple[int, int], target: Path,
                  crf: str = "HIGH") -> Path:
    """Encode ``count`` frames named like ``first`` (``frame_0000.png``, ``frame_0001.png``,
    ...; the same folder) into an H.264 MP4 with the settings of
    :func:`render.blender.video.set_video_output`, through a sequencer scene whose view
    transform passes the frames' colours through. Returns the file Blender wrote."""
    import bpy

    from render.blender import video

    if ENCODE_SCENE in bpy.data.scenes:
        bpy.data.scenes.remove(bpy.data.scenes[ENCODE_SCENE])
    enc = bpy.data.scenes.new(ENCODE_SCENE)
    r = enc.render
    r.resolution_x, r.resolution_y = int(resolution[0]), int(resolution[1])
    r.resolution_percentage = 100
    r.fps, r.fps_base = int(fps), 1.0
    enc.frame_start, enc.frame_end = 1, count
    enc.view_settings.view_transform = "Standard"
    enc.view_settings.look = "None"
    enc.view_settings.exposure, enc.view_settings.gamma = 0.0, 1.0
    editor = enc.sequence_editor_create()
    strip = editor.strips.new_image("frames", str(first), channel=1, frame_start=1)
    stem, digits = first.stem.rsplit("_", 1)
    for i in range(1, count):
        strip.elements.append(f"{stem}_{i:0{len(digits)}d}{first.suffix}")
    video.set_video_output(target, crf=crf, scene=enc)
    bpy.ops.render.render(animation=True, scene=enc.name)
    return video.movie_path(enc)

"""Flip averaging: MediaPipe on the mirrored frame too, the two poses averaged.

Test-time augmentation as pose estimators use it: the frame mirrored left-right is a
second, slightly different view for the network; its pose, mirrored back (pixel ``u`` ->
``width - u``, world ``x`` -> ``-x``) and with left and right landmarks exchanged, is a
second estimate of the same pose. Where both trackers found the person the two are
averaged; where only one did, its pose is kept. Pure numpy.
"""

from __future__ import annotations

import numpy as np

#: BlazePose's 33 landmarks: index of each landmark's mirror image (left <-> right; the
#: nose maps to itself). Order: nose, left eye inner/eye/outer, right eye inner/eye/outer,
#: left/right ear, mouth left/right, shoulders, elbows, wrists, pinkies, index fingers,
#: thumbs, hips, knees, ankles, heels, foot index.
MIRROR_LANDMARKS: tuple[int, ...] = (
    0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9,
    12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21,
    24, 23, 26, 25, 28, 27, 30, 29, 32, 31)

Pose = tuple[np.ndarray, np.ndarray, np.ndarray]  # (33, 2) pixels, (33,) visibility, (33, 3) world metres


def unmirror(pose: Pose, width: int) -> Pose:
    """A pose found on the mirrored frame, in the original frame's terms: ``u -> width -
    u`` (pixel edges: a point at the left edge maps to the right edge), world ``x -> -x``,
    left and right landmarks exchanged."""
    pixels, visibility, world = pose
    idx = np.asarray(MIRROR_LANDMARKS)
    px = pixels[idx].copy()
    px[:, 0] = float(width) - px[:, 0]
    wd = world[idx].copy()
    wd[:, 0] = -wd[:, 0]
    return px, visibility[idx].copy(), wd


def average_poses(direct: Pose | None, mirrored: Pose | None) -> Pose | None:
    """The mean of the two estimates (``mirrored`` already :func:`unmirror`-ed), or the
    one that exists, or None when neither tracker found the person."""
    if direct is None:
        return mirrored
    if mirrored is None:
        return direct
    return tuple((a + b) / 2.0 for a, b in zip(direct, mirrored))  # type: ignore[return-value]

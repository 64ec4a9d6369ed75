"""Several people in one video: a cascade of MediaPipe trackers, one identity per person.

MediaPipe's legacy Pose (:mod:`pose_extract.mediapipe_runner`) follows one person. The
Tasks API ``PoseLandmarker`` with ``num_poses=2`` (same bundled models) was measured on
the default two-person renders (320x180) and found the second person in 0-1 of 62-83
frames, at detection confidence 0.5 and 0.2, at the render's size and upscaled x2: its
detector runs on the whole frame shrunk to 224 pixels, where a second, smaller person's
face is a few pixels wide.

What works (measured on the same renders, docs/RESULTS.md): **a cascade**. Tracker ``k``
(its own ``mp.solutions.pose.Pose`` in video mode, MediaPipe's tracking and landmark
smoothing kept) sees the frame with the people of trackers ``0..k-1`` painted over
(:func:`paint_person`), so its detector finds another person and its tracker then follows
that person. Two ways to paint, measured on the three two-person renders of the default
run at 640x360 (share of frames with both bodies recovered): the grown landmark box
(``"box"``, the default: 94.6 % walking apart, 100 % kicking, 0 % patting on the back,
where the patter's arm stretches the box over the partner) and the person's shape
(``"skeleton"``: 37 % patting on the back, but 0 % walking apart, where the second
tracker picks up what the shape left of the first person).

Trackers are not identities: when tracker 0 loses its person it may pick up the other
one, and tracker 1 then loses the one it followed. :func:`link_tracks` re-assigns the
trackers' detections to identities frame by frame, by the image distance of the hip
midpoint to each identity's last position in units of the person's height (Hungarian
assignment, :func:`scipy.optimize.linear_sum_assignment`). :func:`drop_spurious` removes
what the painted box let through: a later tracker's detection whose hip lies inside an
earlier person's box (an arm or a leg sticking out of it), and identities seen in fewer
than ``min_share`` of the frames. Which identity is the main actor (NTU's body order) is
decided after lifting, from the motion (:func:`motion_energy`).

``mediapipe`` and ``cv2`` are imported inside :func:`run_people` only.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pipeline.errors import FormatError, ValidationError
from pose_extract.mediapipe_runner import (
    DEFAULT_MIN_DETECTION_CONFIDENCE,
    DEFAULT_MIN_TRACKING_CONFIDENCE,
    NUM_LANDMARKS,
    Landmarks,
    check_unit_interval,
    frame_landmarks,
    open_video,
    pose_tracker,
    video_fps,
)

log = logging.getLogger(__name__)

#: Growth of a person's landmark box before it is painted over, as fractions of the
#: box's width and height, plus pixels (measured on the two-person renders: smaller
#: boxes let limbs through, larger ones hide a partner standing close).
MASK_MARGIN = (0.15, 0.08, 3.0)
#: Grey level of the painted box (uint8 RGB).
MASK_VALUE = 127
#: BlazePose indices of the hips (their midpoint is a person's image position).
LEFT_HIP, RIGHT_HIP = 23, 24
#: A detection further than this many person heights from an identity's last position
#: is not that identity (unless no other identity is free).
LINK_GATE = 0.6
#: An identity detected in fewer than this share of the frames is dropped as spurious.
DEFAULT_MIN_SHARE = 0.2
#: With ``check_more``, a person beyond ``max_people`` seen in at least this share of the
#: frames (by a sentinel tracker after the others' people are painted over) is an error.
MORE_PEOPLE_SHARE = 0.5


def landmark_boxes(image: np.ndarray) -> np.ndarray:
    """Axis-aligned boxes of landmark sets.

    Args:
        image: ``(..., 33, 2)`` pixel coordinates (NaN where absent).

    Returns:
        ``(..., 4)`` float64 ``(u0, v0, u1, v1)`` pixels; NaN where the landmarks are NaN.
    """
    import warnings

    image = np.asarray(image, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames give NaN boxes
        lo, hi = np.nanmin(image, axis=-2), np.nanmax(image, axis=-2)
    return np.concatenate([lo, hi], axis=-1)


def grown_box(box: np.ndarray, width: int, height: int,
              margin: tuple[float, float, float] = MASK_MARGIN) -> tuple[int, int, int, int]:
    """``box`` ``(u0, v0, u1, v1)`` grown by ``margin`` (fractions of its width and height,
    plus pixels) and clipped to a ``width`` x ``height`` image: integer pixel bounds
    ``(u0, v0, u1, v1)``, end-exclusive."""
    u0, v0, u1, v1 = (float(x) for x in box)
    fu, fv, px = margin
    mu, mv = (u1 - u0) * fu + px, (v1 - v0) * fv + px
    return (max(0, int(np.floor(u0 - mu))), max(0, int(np.floor(v0 - mv))),
            min(width, int(np.ceil(u1 + mu))), min(height, int(np.ceil(v1 + mv))))


#: BlazePose segments painted as thick lines by the ``"skeleton"`` mask: arms, legs, hands, feet.
SKELETON_SEGMENTS = ((11, 13), (13, 15), (12, 14), (14, 16), (15, 17), (15, 19), (15, 21), (16, 18), (16, 20),
                     (16, 22), (23, 25), (25, 27), (24, 26), (26, 28), (27, 29), (27, 31), (28, 30), (28, 32))


def paint_person(frame: np.ndarray, px: np.ndarray, mask: str = "box") -> np.ndarray:
    """A copy of ``frame`` (``(H, W, 3)`` uint8) with the person of landmarks ``px``
    (``(33, 2)`` pixels) painted over in :data:`MASK_VALUE`: their grown landmark box
    (``"box"``), or their shape (``"skeleton"``: the torso polygon, the head as a disc,
    limbs as lines a fifth of the shoulder-to-hip length thick)."""
    import cv2

    out = frame.copy()
    h, w = out.shape[:2]
    if mask == "box":
        u0, v0, u1, v1 = grown_box(landmark_boxes(px), w, h)
        out[v0:v1, u0:u1] = MASK_VALUE
        return out
    if mask != "skeleton":
        raise ValidationError(f"unknown mask {mask!r}; known: box, skeleton", field="mask")
    if not np.isfinite(px).all():
        return out
    sh, hp = 0.5 * (px[11] + px[12]), 0.5 * (px[23] + px[24])
    torso = float(np.linalg.norm(sh - hp)) or 10.0
    thick = max(3, int(round(0.2 * torso)))
    colour = (MASK_VALUE,) * 3
    quad = np.round(px[[11, 12, 24, 23]]).astype(np.int32)
    cv2.fillConvexPoly(out, cv2.convexHull(quad), colour)
    cv2.polylines(out, [quad], True, colour, thick)
    head = px[:11].mean(axis=0)
    radius = int(round(max(0.45 * torso, float(np.linalg.norm(px[:11] - head, axis=1).max()) + thick)))
    cv2.circle(out, tuple(int(round(x)) for x in head), radius, colour, -1)
    cv2.line(out, tuple(int(round(x)) for x in head), tuple(int(round(x)) for x in sh), colour, thick)
    for a, b in SKELETON_SEGMENTS:
        cv2.line(out, tuple(int(round(x)) for x in px[a]), tuple(int(round(x)) for x in px[b]), colour, thick)
    return out


def hip_positions(image: np.ndarray) -> np.ndarray:
    """``(..., 33, 2)`` pixel landmarks -> ``(..., 2)`` hip midpoints (NaN where absent)."""
    image = np.asarray(image, dtype=np.float64)
    return 0.5 * (image[..., LEFT_HIP, :] + image[..., RIGHT_HIP, :])


def link_tracks(hips: np.ndarray, heights: np.ndarray, gate: float = LINK_GATE) -> np.ndarray:
    """Assign each frame's tracker detections to identities that persist across frames.

    Args:
        hips: ``(K, T, 2)`` hip midpoint of tracker ``k`` in frame ``t``, pixels; NaN where
            tracker ``k`` found nobody.
        heights: ``(K, T)`` height of that person's landmark box, pixels (the distance unit).
        gate: largest distance, in person heights, at which a detection continues an
            identity while another identity is still free.

    Returns:
        ``(T, K)`` int: ``owner[t, k]`` is the identity of tracker ``k``'s detection in
        frame ``t``, -1 where it found nobody. Identities are numbered in order of first
        appearance; each identity owns at most one detection per frame.
    """
    from scipy.optimize import linear_sum_assignment

    hips = np.asarray(hips, dtype=np.float64)
    heights = np.asarray(heights, dtype=np.float64)
    if hips.ndim != 3 or hips.shape[2] != 2 or heights.shape != hips.shape[:2]:
        raise ValidationError(f"hips must be (K, T, 2) and heights (K, T), got {hips.shape} and {heights.shape}",
                              field="hips")
    k_trackers, t_frames = hips.shape[:2]
    owner = np.full((t_frames, k_trackers), -1, dtype=np.int64)
    last = np.full((k_trackers, 2), np.nan)
    used = np.zeros(k_trackers, dtype=bool)
    big = 1e6
    for t in range(t_frames):
        det = np.flatnonzero(np.isfinite(hips[:, t]).all(axis=1))
        if det.size == 0:
            continue
        cost = np.full((det.size, k_trackers), big)
        for row, k in enumerate(det):
            scale = heights[k, t] if np.isfinite(heights[k, t]) and heights[k, t] > 1 else 1.0
            for ident in range(k_trackers):
                if used[ident]:
                    d = float(np.linalg.norm(hips[k, t] - last[ident])) / scale
                    cost[row, ident] = d if d <= gate else big / 2 + d
                else:
                    # a fresh identity: costs the gate, plus its rank so that identities
                    # are opened in order
                    cost[row, ident] = gate + 1e-3 * ident
        rows, cols = linear_sum_assignment(cost)
        for row, ident in zip(rows, cols):
            k = det[row]
            owner[t, k] = ident
            last[ident] = hips[k, t]
            used[ident] = True
    return owner


def drop_spurious(hips: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which detections to keep: tracker ``k``'s detection is dropped when its hip lies
    inside the (un-grown) box of an earlier tracker's person in the same frame.

    Args:
        hips: ``(K, T, 2)`` pixels, NaN where absent.
        boxes: ``(K, T, 4)`` landmark boxes (:func:`landmark_boxes`), NaN where absent.

    Returns:
        ``(K, T)`` bool, True for detections kept (False where absent).
    """
    hips = np.asarray(hips, dtype=np.float64)
    boxes = np.asarray(boxes, dtype=np.float64)
    keep = np.isfinite(hips).all(axis=-1)
    for k in range(1, hips.shape[0]):
        for j in range(k):
            b = boxes[j]
            inside = ((hips[k, :, 0] >= b[:, 0]) & (hips[k, :, 0] <= b[:, 2])
                      & (hips[k, :, 1] >= b[:, 1]) & (hips[k, :, 1] <= b[:, 3]))
            keep[k] &= ~(inside & keep[j])
    return keep


def motion_energy(joints: np.ndarray, valid: np.ndarray) -> float:
    """NTU's main-actor score: the summed variance over the valid frames of every joint
    coordinate (``joints (T, J, 3)`` metres, ``valid (T,)``), square metres; 0 with fewer
    than two valid frames."""
    joints = np.asarray(joints, dtype=np.float64)
    valid = np.asarray(valid, dtype=bool)
    if valid.sum() < 2:
        return 0.0
    return float(joints[valid].var(axis=0).sum())


def _empty(t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.full((t, NUM_LANDMARKS, 2), np.nan), np.full((t, NUM_LANDMARKS, 3), np.nan),
            np.zeros((t, NUM_LANDMARKS)))


def run_people(
    path: str | Path,
    *,
    max_people: int = 2,
    min_detection_confidence: float = DEFAULT_MIN_DETECTION_CONFIDENCE,
    min_tracking_confidence: float = DEFAULT_MIN_TRACKING_CONFIDENCE,
    min_share: float = DEFAULT_MIN_SHARE,
    fps_fallback: float | None = None,
    mask: str = "box",
    check_more: bool = False,
) -> list[Landmarks]:
    """Decode ``path`` and track up to ``max_people`` people through it (module docstring).

    Args:
        path: a video OpenCV can read.
        max_people: trackers in the cascade (1 gives exactly the single-person runner's
            landmarks).
        min_detection_confidence, min_tracking_confidence: MediaPipe thresholds in [0, 1].
        min_share: identities detected in fewer than this share of the frames are dropped.
        fps_fallback: frame rate to assume when the container records none.
        mask: how earlier people are painted over (:func:`paint_person`).
        check_more: also run a sentinel tracker on the frames with all ``max_people``
            people painted over; a person it finds (outside the others' boxes) in at least
            :data:`MORE_PEOPLE_SHARE` of the frames makes the video bad input rather than
            being dropped silently. The landmarks returned are the same either way.

    Returns:
        One :class:`Landmarks` per identity kept, in order of first appearance (at least
        one: an identity with no detection when nobody is in the video).

    Raises:
        MissingInputError, FormatError: as :func:`~pose_extract.mediapipe_runner.run_mediapipe`.
        ValidationError: ``max_people`` < 1, a threshold outside [0, 1], or (with
            ``check_more``) more people in the video than ``max_people``.
    """
    import cv2

    if isinstance(max_people, bool) or not isinstance(max_people, int) or max_people < 1:
        raise ValidationError(f"must be an integer >= 1, got {max_people!r}", field="max_people")
    check_unit_interval(min_detection_confidence=min_detection_confidence,
                        min_tracking_confidence=min_tracking_confidence, min_share=min_share)
    path = Path(path)
    cap = open_video(path)
    n_trackers = max_people + int(bool(check_more))
    image: list[list[np.ndarray]] = [[] for _ in range(n_trackers)]
    world: list[list[np.ndarray]] = [[] for _ in range(n_trackers)]
    vis: list[list[np.ndarray]] = [[] for _ in range(n_trackers)]
    missing = (np.full((NUM_LANDMARKS, 2), np.nan), np.zeros(NUM_LANDMARKS), np.full((NUM_LANDMARKS, 3), np.nan))
    width = height = 0
    try:
        fps = video_fps(cap, path, fps_fallback)
        trackers = [pose_tracker(min_detection_confidence, min_tracking_confidence) for _ in range(n_trackers)]
        try:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                height, width = bgr.shape[:2]
                frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                for k, tracker in enumerate(trackers):
                    found = frame_landmarks(tracker.process(frame), width, height)
                    px, v, w = missing if found is None else found
                    image[k].append(px)
                    vis[k].append(v)
                    world[k].append(w)
                    if found is not None and k + 1 < n_trackers:
                        frame = paint_person(frame, px, mask)
        finally:
            for tracker in trackers:
                tracker.close()
    finally:
        cap.release()
    t = len(image[0])
    if t == 0:
        raise FormatError("no frame could be decoded (empty or corrupt video)", path=path)
    img_a = np.stack([np.stack(x) for x in image])  # K x T x 33 x 2
    world_a = np.stack([np.stack(x) for x in world])
    vis_a = np.stack([np.stack(x) for x in vis])
    if check_more:
        share = float(drop_spurious(hip_positions(img_a), landmark_boxes(img_a))[-1].mean())
        if share >= MORE_PEOPLE_SHARE:
            raise ValidationError(
                f"more than {max_people} people in the video (one more is seen in {100 * share:.0f} % of the "
                f"frames); NTU skeletons hold at most 2 bodies: crop the video to the actors, or set max_people "
                f"(--max-people) to {max_people + 1} to track them all", path=path, field="max_people")
        img_a, world_a, vis_a = img_a[:max_people], world_a[:max_people], vis_a[:max_people]
    return split_identities(img_a, world_a, vis_a, fps=fps, width=int(width), height=int(height), path=path,
                            min_share=min_share)


def split_identities(image: np.ndarray, world: np.ndarray, visibility: np.ndarray, *, fps: float, width: int,
                     height: int, path: Path, min_share: float = DEFAULT_MIN_SHARE) -> list[Landmarks]:
    """Trackers' landmarks ``image (K, T, 33, 2)``, ``world (K, T, 33, 3)``,
    ``visibility (K, T, 33)`` (NaN / 0 where a tracker found nobody) -> one
    :class:`Landmarks` per identity (:func:`drop_spurious`, :func:`link_tracks`, then
    identities seen in fewer than ``min_share`` of the frames dropped; the first identity
    is always kept)."""
    k_trackers, t = image.shape[:2]
    boxes = landmark_boxes(image)
    hips = hip_positions(image)
    keep = drop_spurious(hips, boxes)
    hips = np.where(keep[..., None], hips, np.nan)
    owner = link_tracks(hips, boxes[..., 3] - boxes[..., 1])
    people = []
    for ident in range(k_trackers):
        img, wld, vis = _empty(t)
        det = np.zeros(t, dtype=bool)
        for k in range(k_trackers):
            sel = owner[:, k] == ident
            img[sel], wld[sel], vis[sel] = image[k, sel], world[k, sel], visibility[k, sel]
            det |= sel
        people.append((det, img, wld, vis))
    seen = [p for p in people if p[0].any()]
    kept = [p for p in seen if p[0].mean() >= min_share] or (seen[:1] if seen else people[:1])
    if len(kept) < len(seen):
        log.info("%s: %d of %d tracked people dropped (seen in under %.0f %% of the frames)", path,
                 len(seen) - len(kept), len(seen), 100 * min_share)
    return [Landmarks(image=img, world=wld, visibility=vis, detected=det, fps=fps, width=width, height=height,
                      path=path) for det, img, wld, vis in kept]

"""Measurement: does MediaPipe find the rendered person? (render issue acceptance)

Runs MediaPipe 0.10.21 legacy Pose (``model_complexity=1``, video mode with tracking, the
model that ships in the wheel) over the ``video.mp4`` of every render bundle under
``--renders`` and reports, per sequence and overall, the share of frames with a detected
pose and the mean landmark visibility. Optionally saves example frames with the detected
landmarks drawn (``--examples N --examples-dir DIR``) and writes the figures as JSON.

This is a measurement, not a timing benchmark: the baseline it compares against is the
90 % detection rate the render stage promises.

Run: ``.venv/bin/python bench/render_detection.py --renders build/renders --json out.json``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

GOAL = 0.90


def detect_video(path: Path) -> dict:
    """``{"frames", "detected", "rate", "visibility", "images"}`` for one video; ``images``
    keeps the RGB frames (H, W, 3) uint8 with their landmarks for drawing examples."""
    import cv2
    import mediapipe as mp

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise OSError(f"{path}: cannot open the video")
    frames, detected, vis, images = 0, 0, [], []
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1,
                                smooth_landmarks=True) as pose:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            res = pose.process(rgb)
            frames += 1
            if res.pose_landmarks is not None:
                detected += 1
                vis.append(float(np.mean([lm.visibility for lm in res.pose_landmarks.landmark])))
            images.append((rgb, res.pose_landmarks))
    cap.release()
    return {"frames": frames, "detected": detected, "rate": detected / frames if frames else 0.0,
            "visibility": float(np.mean(vis)) if vis else 0.0, "images": images}


def draw(rgb: np.ndarray, landmarks, out: Path, scale: int = 2) -> None:
    """Save the frame and, beside it, the frame with the detected landmarks drawn, both
    enlarged ``scale`` times (PNG)."""
    import cv2
    import mediapipe as mp

    big = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    img = big.copy()
    if landmarks is not None:
        mp.solutions.drawing_utils.draw_landmarks(img, landmarks, mp.solutions.pose.POSE_CONNECTIONS)
    cv2.imwrite(str(out), cv2.cvtColor(np.concatenate((big, img), axis=1), cv2.COLOR_RGB2BGR))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=Path, required=True, help="folder holding render bundles")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--examples", type=int, default=0, help="save this many example frames")
    ap.add_argument("--examples-dir", type=Path, default=Path("docs/images"))
    args = ap.parse_args()

    videos = sorted(args.renders.glob("*/video.mp4"))
    if not videos:
        raise SystemExit(f"no */video.mp4 under {args.renders}")
    rows, total, found = [], 0, 0
    picks = set(np.linspace(0, len(videos) - 1, args.examples).round().astype(int)) if args.examples else set()
    for i, video in enumerate(videos):
        r = detect_video(video)
        total += r["frames"]
        found += r["detected"]
        manifest = json.loads((video.parent / "manifest.json").read_text()) if (video.parent / "manifest.json").is_file() else {}
        rows.append({"bundle": video.parent.name, "sample": manifest.get("sample", {}).get("name"),
                     "frames": r["frames"], "detected": r["detected"], "rate": r["rate"],
                     "visibility": r["visibility"]})
        print(f"{video.parent.name:40s} {r['detected']:4d}/{r['frames']:<4d} {100 * r['rate']:6.1f} %"
              f"  visibility {r['visibility']:.2f}")
        if i in picks and r["images"]:
            args.examples_dir.mkdir(parents=True, exist_ok=True)
            rgb, lms = r["images"][len(r["images"]) // 2]
            draw(rgb, lms, args.examples_dir / f"render_{video.parent.name}.png")
    rate = found / total if total else 0.0
    print(f"overall: {found}/{total} frames = {100 * rate:.1f} % (goal {100 * GOAL:.0f} %; ratio {rate / GOAL:.3f}x)")
    if args.json:
        args.json.write_text(json.dumps({"overall": rate, "frames": total, "detected": found,
                                         "goal": GOAL, "sequences": rows}, indent=1))


if __name__ == "__main__":
    main()

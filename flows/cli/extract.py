"""``ciasa extract``: videos -> NTU-25 skeleton set in the Kinect camera frame (MediaPipe
Pose, lifted with the camera intrinsics)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import build_config, config_option, console, err_console, progress_bar
from pose_extract.config import ExtractConfig


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def _print_outcomes(report) -> None:
    """One row per sample (errors against the source skeletons), then each failure's reason."""
    from rich import box
    from rich.table import Table

    table = Table(title="pose extraction (errors in mm against the source skeletons)", box=box.SIMPLE_HEAD,
                  padding=(0, 0), pad_edge=False)
    table.add_column("sample", no_wrap=True)
    for col in ("status", "frames", "det %", "MPJPE", "root-rel", "PA", "swap %", "bone err %", "bone var %",
                "people", "all %", "id swap %"):
        table.add_column(col, justify="right", no_wrap=True)
    for s in report.samples:
        m = s.metrics.get("source_joints", {}) if s.ok else {}
        people = s.metrics.get("people", {}) if s.ok else {}
        rate = s.counts.get("detection_rate")
        swaps = m.get("swap_rate")
        both, ids = people.get("all_recovered_rate"), people.get("identity_swap_rate")
        table.add_row(s.name, s.status, _fmt(s.counts.get("frames")), _fmt(None if rate is None else 100.0 * rate),
                      _fmt(m.get("mpjpe_mm")), _fmt(m.get("root_relative_mpjpe_mm")), _fmt(m.get("pa_mpjpe_mm")),
                      _fmt(None if swaps is None else 100.0 * swaps), _fmt(m.get("bone_length_error_pct")),
                      _fmt(m.get("bone_length_variation_pct")), _fmt(s.counts.get("people")),
                      _fmt(None if both is None else 100.0 * both), _fmt(None if ids is None else 100.0 * ids))
    console.print(table)
    for s in report.failed:
        err_console.print(f"{s.name}: failed: {s.reason}", soft_wrap=True)


def extract_command(
    renders: Optional[Path] = typer.Option(None, "--renders", help="a folder of render bundles (one sub-folder "
                                           "each) or one bundle folder; the camera comes from each manifest"),
    video: Optional[Path] = typer.Option(None, "--video", help="one video file (camera from --fov)"),
    out: Path = typer.Option(..., "--out", help="output skeleton set (.npz, with its .json manifest; with --renders "
                             "also <stem>_report.json)"),
    fov: float = config_option(ExtractConfig, "fov_deg", "--fov"),
    fps: Optional[float] = config_option(ExtractConfig, "fps", "--fps"),
    max_gap: int = config_option(ExtractConfig, "max_gap", "--max-gap"),
    smooth_window: int = config_option(ExtractConfig, "smooth_window", "--smooth-window"),
    min_detection_confidence: float = config_option(ExtractConfig, "min_detection_confidence",
                                                    "--min-detection-confidence"),
    min_tracking_confidence: float = config_option(ExtractConfig, "min_tracking_confidence",
                                                   "--min-tracking-confidence"),
    adapter: str = config_option(ExtractConfig, "adapter", "--adapter"),
    adapter_file: Optional[str] = config_option(ExtractConfig, "adapter_file", "--adapter-file"),
    max_people: Optional[int] = config_option(ExtractConfig, "max_people", "--max-people"),
    people_mask: str = config_option(ExtractConfig, "people_mask", "--people-mask"),
    flip: bool = config_option(ExtractConfig, "flip", "--flip/--no-flip"),
) -> None:
    """Extract 3D skeletons from videos with MediaPipe Pose: NTU-25 joints in the Kinect camera
    frame, one sample per video; with render bundles, also errors against their ground truth."""
    from pipeline.errors import ValidationError
    from pose_extract.bundle_manifest import find_bundles
    from pose_extract.bundles import extract_bundles
    from pose_extract.extracted_set import save_extraction, video_set
    from pose_extract.report import ExtractionError

    if (renders is None) == (video is None):
        raise ValidationError("give exactly one of --renders DIR and --video FILE", field="--renders/--video")
    cfg = build_config(ExtractConfig, fov_deg=fov, fps=fps, max_gap=max_gap, smooth_window=smooth_window,
                       min_detection_confidence=min_detection_confidence,
                       min_tracking_confidence=min_tracking_confidence, adapter=adapter, adapter_file=adapter_file,
                       max_people=max_people, people_mask=people_mask, flip=flip)
    if video is not None:
        sset, ext = video_set(video, config=cfg)
        path, _ = save_extraction(sset, None, out)
        people = sset.data.shape[4]
        console.print(f"{video.name}: {ext.num_frames} frames at {ext.fps:g} fps, "
                      f"{people} {'person' if people == 1 else 'people'}, the main actor detected in "
                      f"{100.0 * ext.detection_rate:.1f} % of the video frames -> {path}")
        return
    folders = find_bundles(renders)
    with progress_bar(f"extracting {len(folders)} videos", len(folders)) as advance:
        try:
            sset, report = extract_bundles(folders, config=cfg, on_sample=lambda _o: advance(1))
        except ExtractionError as exc:
            _, rpath = save_extraction(None, exc.report, out)
            _print_outcomes(exc.report)
            err_console.print(f"report: {rpath}")
            raise
    path, rpath = save_extraction(sset, report, out)
    _print_outcomes(report)
    summary = report.summary()
    console.print(f"{summary['ok']} of {summary['samples']} videos extracted to {path} (report: {rpath})")
    if report.failed:
        raise ExtractionError(f"{len(report.failed)} video(s) failed: "
                              + "; ".join(f"{s.name}: {s.reason}" for s in report.failed), report=report)

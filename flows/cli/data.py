"""``ciasa data``: synthesise, convert, inspect and plot skeleton sets."""

from __future__ import annotations

import inspect
import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import build_config, config_option, console, progress_bar

app = typer.Typer(help="Skeleton datasets: synthesise, convert, inspect, plot.", no_args_is_help=True)


class InFormat(str, Enum):
    npz = "npz"
    ntu_raw = "ntu-raw"
    stgcn = "stgcn"
    kinetics_json = "kinetics-json"
    pyskl = "pyskl"


class OutFormat(str, Enum):
    npz = "npz"
    stgcn = "stgcn"
    pyskl = "pyskl"
    kinetics_json = "kinetics-json"
    ntu_raw = "ntu-raw"


class Benchmark(str, Enum):
    xsub = "xsub"
    xview = "xview"
    xsub120 = "xsub120"
    xset = "xset"


class BodySelection(str, Enum):
    first = "first"
    energy = "energy"


def _opt(field: str, *names: str, **kw):
    """A typer option whose default, help and bounds come from :class:`SynthConfig`."""
    from pipeline.synth.generate import SynthConfig

    return config_option(SynthConfig, field, *names, **kw)


def _reader_default(option: str):
    """The default of the NTU raw reader's keyword ``option`` (kept in one place)."""
    from pipeline.formats.ntu_raw import read_ntu_raw

    return inspect.signature(read_ntu_raw).parameters[option].default


@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="output folder (train/val .npz + st-gcn files)"),
    seed: int = _opt("seed"),
    samples: int = _opt("samples"),
    frames: int = _opt("frames"),
    val_fraction: float = _opt("val_fraction"),
    noise: bool = _opt("noise", "--noise/--no-noise"),
    jitter_mm: float = _opt("jitter_mm"),
    glitch_rate: float = _opt("glitch_rate"),
) -> None:
    """Generate the synthetic NTU-style action dataset (12 NTU classes, Kinect camera frame)."""
    from pipeline.synth import SynthConfig, generate_synthetic, write_synthetic

    cfg = build_config(SynthConfig, seed=seed, samples=samples, frames=frames, val_fraction=val_fraction,
                       noise=noise, jitter_mm=jitter_mm, glitch_rate=glitch_rate)  # fmt: skip
    with progress_bar("synthesising", cfg.samples) as advance:
        sset = generate_synthetic(cfg, progress=advance)
    written = write_synthetic(sset, out)
    _print_summary(sset, f"synthetic set (seed {seed})")
    console.print(f"wrote {len(written)} files to {out}")


def _opt60(field: str, *names: str, **kw):
    """A typer option whose default, help and bounds come from :class:`NTU60Config`."""
    from pipeline.synth.ntu60.world import NTU60Config

    return config_option(NTU60Config, field, *names, **kw)


@app.command("synth-ntu60")
def synth_ntu60(
    out: Path = typer.Option(..., "--out", help="output folder (xview/ and xsub/, train/val .npz + st-gcn files)"),
    seed: int = _opt60("seed"),
    takes_per_class: int = _opt60("takes_per_class"),
    frames: int = _opt60("frames"),
    noise: bool = _opt60("noise", "--noise/--no-noise"),
    jitter_mm: float = _opt60("jitter_mm"),
    drift: float = _opt60("drift"),
    glitch_rate: float = _opt60("glitch_rate"),
    posture: float = _opt60("posture"),
    mix: float = _opt60("mix"),
    occlusion_mm: float = _opt60("occlusion_mm"),
    fit_mm: float = _opt60("fit_mm"),
    attitude_deg: float = _opt60("attitude_deg"),
    pair_across: bool = _opt60("pair_across", "--pair-across/--pair-facing-camera"),
    keep_in_range: bool = _opt60("keep_in_range", "--keep-in-range/--no-keep-in-range"),
) -> None:
    """Generate the NTU-60-like world: all 60 NTU classes (two-person A050-A060), 40
    performers, 17 set-ups, two replications seen by three Kinect views (docs/SYNTHETIC.md)."""
    from pipeline.synth.ntu60.classes import CLASSES
    from pipeline.synth.ntu60.world import NTU60Config, generate_ntu60, sample_count, write_ntu60

    cfg = build_config(NTU60Config, seed=seed, takes_per_class=takes_per_class, frames=frames, noise=noise,
                       jitter_mm=jitter_mm, drift=drift, glitch_rate=glitch_rate, posture=posture, mix=mix,
                       occlusion_mm=occlusion_mm, fit_mm=fit_mm, attitude_deg=attitude_deg, pair_across=pair_across,
                       keep_in_range=keep_in_range)  # fmt: skip
    with progress_bar("synthesising", sample_count(cfg, len(CLASSES))) as advance:
        sset = generate_ntu60(cfg, progress=advance)
    written = write_ntu60(sset, out)
    _print_summary(sset, f"NTU-60-like set (seed {seed})")
    console.print(f"wrote {len(written)} files to {out}")


@app.command()
def convert(
    src: Path = typer.Argument(..., help="input file or folder"),
    out: Path = typer.Argument(..., help="output folder (npz, stgcn, kinetics-json, ntu-raw) or .pkl file (pyskl)"),
    from_: InFormat = typer.Option(..., "--from", help="input format"),
    to: OutFormat = typer.Option(..., "--to", help="output format"),
    split: Optional[Benchmark] = typer.Option(None, help="write the benchmark's train and val parts instead of one set"),
    part: str = typer.Option("all", help="part name of a single output set"),
    body_selection: BodySelection = typer.Option(BodySelection.first, help="ntu-raw: first two bodies (st-gcn) or by motion energy (2s-AGCN)"),
    max_bodies: int = typer.Option(_reader_default("max_bodies"), min=1, help="ntu-raw: bodies kept per sample (M)"),
    max_frames: Optional[int] = typer.Option(None, min=1, help="ntu-raw: pad/truncate to T frames (official: 300; default the longest); kinetics-json: T (default 300, a frame_index >= T is an error)"),
    ignore_list: Optional[Path] = typer.Option(None, help="ntu-raw: NTU 'samples with missing skeletons' list"),
    labels: Optional[Path] = typer.Option(None, help="kinetics-json: label JSON (default <src>_label.json)"),
) -> None:
    """Convert a skeleton dataset between formats (one set holding every sample by default).

    With ``--split`` the benchmark's train and val parts are written together: both
    appear, or (on any error) neither does."""
    from pipeline.formats import read_set, write_set
    from pipeline.io_utils import atomic_outputs

    options: dict = {}
    fmt = from_.value
    if fmt == "ntu-raw":
        if not src.exists():
            from pipeline.errors import MissingInputError

            raise MissingInputError("no such file or directory", path=src)
        n_files = len(list(src.glob("*.skeleton"))) if src.is_dir() else 1
        benches = ("xsub", "xview") + ((split.value,) if split and split.value not in ("xsub", "xview") else ())
        options = dict(body_selection=body_selection.value, max_bodies=max_bodies, max_frames=max_frames,
                       ignore_list=ignore_list, benchmarks=benches)  # fmt: skip
        with progress_bar("reading .skeleton files", n_files) as advance:
            sset = read_set(fmt, src, progress=advance, **options)
    else:
        if fmt == "kinetics-json" and labels is not None:
            options["labels"] = labels
        if fmt == "kinetics-json" and max_frames is not None:
            options["max_frames"] = max_frames
        sset = _read(fmt, src, **options)
    written: list[Path] = []
    if to.value == "pyskl":
        if split is not None:
            _benchmark_splits(sset, split.value, src)
        written = write_set("pyskl", sset, out)
    elif split is None:
        written = _write_one(to.value, sset, out, part)
    else:
        parts = _benchmark_splits(sset, split.value, src)
        subsets = {name: sset.subset(_indices(sset, members)) for name, members in parts.items()}
        with atomic_outputs():  # one group: the writers' own groups join it
            for name, sub in subsets.items():
                written += _write_one(to.value, sub, out, name)
    console.print(f"read {len(sset)} samples ({fmt}), wrote {len(written)} files ({to.value}) to {out}")


def _write_one(fmt: str, sset, out: Path, part: str) -> list[Path]:
    from pipeline.formats import write_set

    if fmt in ("npz", "stgcn", "kinetics-json"):
        return write_set(fmt, sset, out, part=part)
    return write_set(fmt, sset, out if part == "all" else out / part)


def _indices(sset, members: list[str]):
    import numpy as np

    wanted = set(members)
    return np.array([i for i, n in enumerate(sset.name.tolist()) if n in wanted], dtype=np.int64)


def _benchmark_splits(sset, bench: str, src: Path | None = None) -> dict[str, list[str]]:
    """``{"train": names, "val": names}`` for a benchmark: from the set's splits
    (``<bench>_train``/``<bench>_val``), else from NTU-style sample names.

    Only names of samples in the set are kept; raises :class:`ValidationError` naming
    the benchmark and part if either part would be empty."""
    parts = _benchmark_members(sset, bench)
    present = set(sset.name.tolist())
    parts = {k: [n for n in v if n in present] for k, v in parts.items()}
    from pipeline.errors import ValidationError

    for name, members in parts.items():
        if not members:
            counts = ", ".join(f"{k} {len(v)}" for k, v in parts.items())
            raise ValidationError(
                f"split {bench} has no {name} samples ({counts} of {len(sset)}); nothing written",
                path=src, field="split",
            )
    return parts


def _benchmark_members(sset, bench: str) -> dict[str, list[str]]:
    from pipeline.errors import ValidationError

    key_t, key_v = f"{bench}_train", f"{bench}_val"
    if key_t in sset.splits and key_v in sset.splits:
        return {"train": list(sset.splits[key_t]), "val": list(sset.splits[key_v])}
    from pipeline.errors import FormatError
    from pipeline.formats.ntu_names import make_splits

    try:
        made = make_splits(sset.name.tolist(), (bench,))
    except FormatError as exc:
        raise ValidationError(
            f"the set has no {key_t}/{key_v} splits and its sample names are not NTU names "
            f"({exc.reason}); splits available: {', '.join(sset.splits) or '(none)'}",
            field="splits",
        ) from exc
    sset.splits = {**sset.splits, **made}
    return {"train": made.get(key_t, []), "val": made.get(key_v, [])}


@app.command()
def info(
    path: Path = typer.Argument(..., help="a skeleton set in any readable format"),
    from_: Optional[InFormat] = typer.Option(None, "--from", help="format (default: guessed from the name)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Counts, classes, frames, value ranges and layout of a skeleton set."""
    from pipeline.formats import detect_format
    from pipeline.summary import summarize

    fmt = from_.value if from_ else detect_format(path)
    sset = _read(fmt, path)
    if as_json:
        console.print_json(json.dumps(summarize(sset)))
    else:
        _print_summary(sset, f"{path} ({fmt})")


def _read(fmt: str, path: Path, **options):
    """``read_set``, refusing first an st-gcn folder with several parts: the user is
    told to pass the ``*_data.npy`` file of the part wanted."""
    from pipeline.formats import read_set

    if fmt == "stgcn" and path.is_dir():
        from pipeline.errors import FormatError
        from pipeline.formats.stgcn import DATA_SUFFIX

        found = sorted(path.glob(f"*{DATA_SUFFIX}"))
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise FormatError(
                f"the folder holds several st-gcn parts ({names}); pass the *{DATA_SUFFIX} "
                f"file of one of them instead of the folder, e.g. {found[0]}",
                path=path,
            )
    return read_set(fmt, path, **options)


def _print_summary(sset, title: str) -> None:
    from rich.table import Table

    from pipeline.summary import summarize

    s = summarize(sset)
    head = Table(title=title, show_header=False)
    for k in ("samples", "shape", "layout", "coordinate_frame", "fps", "frames", "bodies", "splits"):
        head.add_row(k, str(s[k]))
    console.print(head)
    ranges = Table(title="value ranges over valid frames")
    for col in ("channel", "min", "mean", "max"):
        ranges.add_column(col)
    for ch, r in s["value_ranges"].items():
        ranges.add_row(ch, *("-" if r[k] is None else f"{r[k]:.3f}" for k in ("min", "mean", "max")))
    console.print(ranges)
    classes = Table(title=f"{len(s['classes'])} classes with samples")
    for col in ("label", "class", "samples"):
        classes.add_column(col)
    for c in s["classes"]:
        classes.add_row(str(c["label"]), c["name"], str(c["count"]))
    console.print(classes)


@app.command()
def plot(
    path: Path = typer.Argument(..., help="a skeleton set"),
    out: Path = typer.Option(..., "--out", help="PNG to write"),
    index: int = typer.Option(0, "--index", "-i", help="sample index (0-based)"),
    name: Optional[str] = typer.Option(None, help="sample name (instead of --index)"),
    compare: Optional[Path] = typer.Option(None, help="a second set (e.g. adversarial) drawn in red over the first"),
    gif: Optional[Path] = typer.Option(None, help="also write an animated GIF here"),
    panels: int = typer.Option(8, min=1, max=40, help="frames in the strip"),
    view: str = typer.Option("front", help="front (what the camera sees) or side"),
    from_: Optional[InFormat] = typer.Option(None, "--from", help="format of both sets (default: guessed)"),
) -> None:
    """Skeleton strip over time (green original, red comparison) and optional GIF."""
    from pipeline.errors import ValidationError
    from pipeline.formats import detect_format
    from pipeline.plot import plot_sample

    sset = _read(from_.value if from_ else detect_format(path), path)
    other = _read(from_.value if from_ else detect_format(compare), compare) if compare else None
    if name is not None:
        hits = [i for i, n in enumerate(sset.name.tolist()) if n == name]
        if not hits:
            raise ValidationError("no sample with this name", path=path, sample=name, field="name")
        index = hits[0]
    written = plot_sample(sset, index, compare=other, out=out, gif=gif, num_panels=panels, view=view)
    for p in written:
        console.print(f"wrote {p}")

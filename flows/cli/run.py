"""``ciasa run``: the cross-modal experiment as one Prefect flow run; ``ciasa serve``: the
same flow as a served deployment on a cron schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console

_OVERRIDES_HELP = ("settings as section.field=value (values read as YAML), e.g. source.samples=2 "
                   "render.quality=preview render.resolution=[96,64] attack.iterations=20; sections: model, "
                   "source, attack, render, extract, evaluate, render_retries, extract_retries ('ciasa run "
                   "--show-config' prints them all)")


def _default_run_dir() -> str:
    from flows.rundir import DEFAULT_RUN_DIR

    return DEFAULT_RUN_DIR


def _config(config: Optional[Path], overrides: Optional[list[str]],  # noqa: ANN202 - CrossModalConfig
            preset: Optional[str] = None):
    from flows.config import load_config

    return load_config(config, overrides or [], preset=preset)


_PRESET_HELP = ("named settings applied under --config and the overrides: paper (the paper's scale: 240 "
                "sequences, four per class; about 4 h on 2 cores with AVX-512, 8 h with AVX2 only; or in shards, "
                "source.shard=K/4, pooled by 'ciasa merge-runs': see README)")


def run_command(
    overrides: Optional[list[str]] = typer.Argument(None, help=_OVERRIDES_HELP, show_default=False),
    config: Optional[Path] = typer.Option(None, "--config", help="run settings (YAML mapping of the sections)"),
    preset: Optional[str] = typer.Option(None, "--preset", help=_PRESET_HELP),
    runner: str = typer.Option("local", "--runner", help="where tasks run: local (threads in this process), "
                               "process (process pool), dask (a temporary local cluster) or dask=tcp://host:port "
                               "(an existing cluster)"),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="tasks at once (default: 1 for local, 2 "
                                          "for process and a temporary dask cluster)"),
    api: Optional[str] = typer.Option(None, "--api", help="Prefect API URL of a running server, e.g. "
                                      "http://127.0.0.1:4200/api (default: $PREFECT_API_URL, else an ephemeral "
                                      "server)"),
    run_dir: Path = typer.Option(_default_run_dir(), "--run-dir", help="run folder: stage outputs, run.json, "
                                 "report (a re-run reuses every complete output)"),
    show_config: bool = typer.Option(False, "--show-config", help="print the resolved settings as YAML and exit"),
) -> None:
    """Run the cross-modal experiment (select -> CIASA -> render -> extract -> evaluate ->
    report) as a Prefect flow; resumable: a re-run recomputes only what is missing."""
    import contextlib

    from flows.runners import ephemeral_api, parse_runner, prepare_api, task_runner

    cfg = _config(config, overrides, preset)
    if show_config:
        import yaml

        console.print(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False), end="", markup=False)
        return
    spec = parse_runner(runner)
    url = prepare_api(api)
    console.print(f"Prefect API: {url or 'ephemeral server (no --api, no PREFECT_API_URL)'}; runner: {runner}",
                  soft_wrap=True, markup=False)
    from flows.cross_modal import cross_modal

    n = workers or (1 if spec.kind == "local" else 2)
    with contextlib.ExitStack() as stack:
        if url is None:  # one ephemeral server for this process and its workers
            stack.enter_context(ephemeral_api())
        tr = stack.enter_context(task_runner(spec, n))
        report = cross_modal.with_options(task_runner=tr)(config=cfg, run_dir=str(run_dir))
    # paths on one line each, whatever the terminal width (to copy, or to grep from a log)
    console.print(f"run folder: {Path(run_dir).resolve()}", soft_wrap=True, markup=False)
    console.print(f"report: {report}", soft_wrap=True, markup=False)
    for line in result_lines(Path(run_dir)):
        console.print(line, soft_wrap=True, markup=False)


def result_lines(run_dir: Path) -> list[str]:
    """What a finished run measured, in words, from its ``run.json``: the headline (the
    recogniser's clean and adversarial accuracy on the recovered skeletons), the report's
    verdict (does the drop survive the video, and is it the attack's) and, with a control,
    the control's verdict; nothing when the run has no cross-modal measurement."""
    import json

    from flows.rundir import MANIFEST

    try:
        doc = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    lines = [f"measured: {doc['headline']}"] if isinstance(doc.get("headline"), str) else []
    if isinstance(doc.get("verdict"), str):
        lines.append(f"verdict: {doc['verdict']}")
    if isinstance(doc.get("control"), str):
        lines.append(f"against the control: {doc['control']}")
    return lines


def serve_command(
    overrides: Optional[list[str]] = typer.Argument(None, help=_OVERRIDES_HELP, show_default=False),
    cron: str = typer.Option(..., "--cron", help="schedule, cron syntax (e.g. '0 3 * * *'; '* * * * *' every "
                             "minute)"),
    config: Optional[Path] = typer.Option(None, "--config", help="run settings (YAML): the deployment's default "
                                          "parameters"),
    preset: Optional[str] = typer.Option(None, "--preset", help=_PRESET_HELP),
    name: str = typer.Option("cross-modal", "--name", help="deployment name"),
    api: Optional[str] = typer.Option(None, "--api", help="Prefect API URL of the running server (default: "
                                      "$PREFECT_API_URL); required"),
    run_dir: Path = typer.Option(_default_run_dir(), "--run-dir", help="run folder of the scheduled runs"),
    limit: int = typer.Option(1, "--limit", min=1, help="flow runs at once; the deployment's runs share the run "
                              "folder, so runs at once may render the same sequence twice"),
) -> None:
    """Serve the cross-modal flow as a deployment on a cron schedule; each scheduled run
    (or one triggered from the UI or 'prefect deployment run cross-modal/NAME') runs in a
    subprocess of this one. Stop with Ctrl-C."""
    import os

    from flows.runners import prepare_api
    from pipeline.errors import ValidationError

    cfg = _config(config, overrides, preset)
    if not (api or os.environ.get("PREFECT_API_URL")):
        raise ValidationError("serve needs a running Prefect server: start one with 'prefect server start --host "
                              "127.0.0.1' and give --api http://127.0.0.1:4200/api (or set PREFECT_API_URL)",
                              field="api")
    prepare_api(api)
    from flows.cross_modal import cross_modal

    console.print(f"serving deployment cross-modal/{name} on cron {cron!r} (run folder {Path(run_dir).resolve()})",
                  soft_wrap=True, markup=False)
    cross_modal.serve(name=name, cron=cron, limit=limit,
                      parameters={"config": cfg.model_dump(mode="json"), "run_dir": str(Path(run_dir).resolve())})

"""Where a run's tasks execute and which Prefect API it reports to.

``--runner`` values (:func:`parse_runner`):

* ``local`` (default): Prefect's thread pool in this process, ``workers`` tasks at once
  (1 by default: one Blender or MediaPipe process at a time);
* ``process``: Prefect's process pool (spawned processes), ``workers`` at once;
* ``dask``: a temporary local Dask cluster of ``workers`` worker processes (one thread
  each), started before the flow and closed after it (:func:`task_runner`);
* ``dask=tcp://host:8786``: an existing Dask cluster. Its workers must have ciasa installed
  and see the run folder at the same path (a shared file system). A worker started with
  ``dask worker tcp://host:8786 --resources GPU=1`` receives the attack (the flow annotates
  the attack task with ``resources={"GPU": 1}`` when a worker declares that resource);
  render and extraction tasks go to any worker.

API (:func:`prepare_api`): ``--api URL`` (or ``PREFECT_API_URL``) must answer
``GET <URL>/health`` within a few seconds, else :class:`ServerUnreachable`; there is no
fallback. Without one, an ephemeral server (on ``$PREFECT_HOME``) is started for the run
(:func:`ephemeral_api`) and shared with its worker processes; its start-up timeout is
raised to 180 s and analytics are switched off unless the user set them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.errors import CiasaError, ValidationError

RUNNER_KINDS = ("local", "process", "dask")
#: Default seconds for the server check.
HEALTH_TIMEOUT_S = 5.0
#: Environment defaults for the ephemeral server (shared/PREFECT.md: the 20 s default
#: start-up timeout fails on a loaded 2-core machine; analytics fail offline).
EPHEMERAL_ENV = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
                 "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


class ServerUnreachable(CiasaError):
    """The Prefect API the run was told to use does not answer."""


@dataclass(frozen=True)
class RunnerSpec:
    """A parsed ``--runner`` value: ``kind`` and, for Dask, the scheduler ``address``
    (None: a temporary local cluster)."""

    kind: str
    address: str | None = None


def parse_runner(text: str) -> RunnerSpec:
    """``local`` | ``process`` | ``dask`` | ``dask=ADDRESS``; :class:`ValidationError`
    naming ``runner`` otherwise."""
    kind, sep, address = text.strip().partition("=")
    if kind not in RUNNER_KINDS:
        raise ValidationError(f"unknown runner {text!r}; use local, process, dask or dask=ADDRESS", field="runner")
    if sep and (kind != "dask" or not address):
        raise ValidationError(f"only dask takes an address (dask=tcp://host:8786), got {text!r}", field="runner")
    return RunnerSpec(kind, address or None)


@contextlib.contextmanager
def task_runner(spec: RunnerSpec, workers: int) -> Iterator[Any]:
    """The Prefect task runner of ``spec`` with ``workers`` parallel tasks; a temporary
    Dask cluster lives as long as the ``with`` block."""
    if workers < 1:
        raise ValidationError(f"workers must be >= 1, got {workers}", field="workers")
    if spec.kind == "local":
        from prefect.task_runners import ThreadPoolTaskRunner

        yield ThreadPoolTaskRunner(max_workers=workers)
    elif spec.kind == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        yield ProcessPoolTaskRunner(max_workers=workers)
    else:
        from prefect_dask import DaskTaskRunner

        if spec.address is not None:
            yield DaskTaskRunner(address=spec.address)
            return
        from distributed import LocalCluster

        # one cluster for the flow and its sub-flows (each sub-flow connects to it)
        with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
            yield DaskTaskRunner(address=cluster.scheduler_address)


@contextlib.contextmanager
def ephemeral_api() -> Iterator[str]:
    """Start Prefect's ephemeral API server from this process (the one Prefect would start
    on first use, on ``$PREFECT_HOME``) and point this process and every process started
    inside the ``with`` block (process-pool and Dask workers) at it; without this, each
    worker process would start a server of its own on the same database. Yields the API
    URL; the server stops when this process exits, and when it is killed outright
    (:mod:`flows.orphan_guard`)."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.orphan_guard import stop_with_this_process

    server = SubprocessASGIServer()
    server.start()
    if server.server_process is not None:  # a process killed outright runs no atexit handler
        stop_with_this_process(server.server_process.pid)
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
    # the server stops at exit (Prefect registered that when it started), after Prefect's
    # log worker has sent the last logs: stopping it here would leave those to time out


def check_server(url: str, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
    """Raise :class:`ServerUnreachable` unless ``GET <url>/health`` answers 200 within
    ``timeout_s`` seconds (``url`` is the API URL, e.g. ``http://127.0.0.1:4200/api``)."""
    import httpx

    health = url.rstrip("/") + "/health"
    try:
        resp = httpx.get(health, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise ServerUnreachable(f"the Prefect server at {url} does not answer ({type(exc).__name__}: "
                                f"{' '.join(str(exc).split()) or 'no reply'}); start it with 'prefect server start "
                                f"--host 127.0.0.1' or drop --api to use an ephemeral one", field="api") from None
    if resp.status_code != 200:
        raise ServerUnreachable(f"the Prefect server at {url} answered {health} with HTTP {resp.status_code}; is it "
                                "a Prefect API URL (ending in /api)?", field="api")


def prepare_api(api: str | None) -> str | None:
    """Point this process (and the processes it starts) at the API to report to.

    With ``api`` (or ``PREFECT_API_URL`` set) the server is checked first
    (:func:`check_server`). Without either, the ephemeral server's environment defaults
    (:data:`EPHEMERAL_ENV`) are set where the user has not set them. Returns the API URL
    in use (None: ephemeral). Call before Prefect is imported.
    """
    url = api or os.environ.get("PREFECT_API_URL") or None
    if url is not None:
        check_server(url)
        os.environ["PREFECT_API_URL"] = url
        return url
    for k, v in EPHEMERAL_ENV.items():
        os.environ.setdefault(k, v)
    return None

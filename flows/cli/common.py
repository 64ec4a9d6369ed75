"""CLI plumbing: logging set-up, rich progress bars, one-line errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console()
err_console = Console(stderr=True)


def setup_logging(verbose: bool) -> None:
    """Route library logging through rich on stderr (INFO with -v, WARNING otherwise)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
        force=True,
    )


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (only when stderr is a terminal); yields ``advance(n)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,  # no bar residue in logs and pipes
    ) as prog:
        task = prog.add_task(description, total=total)
        yield lambda n=1: prog.advance(task, n)


def config_option(model: type, field: str, *names: str, **kw):
    """A typer option whose default, help and inclusive bounds come from field ``field``
    of the pydantic ``model`` (one place for every default). Exclusive bounds
    (``gt``/``lt``), which click cannot show, are named in the help and checked by the
    model itself."""
    import typer

    f = model.model_fields[field]
    notes = []
    for constraint in f.metadata:
        if getattr(constraint, "ge", None) is not None:
            kw.setdefault("min", constraint.ge)
        if getattr(constraint, "le", None) is not None:
            kw.setdefault("max", constraint.le)
        if getattr(constraint, "gt", None) is not None:
            notes.append(f"> {constraint.gt}")
        if getattr(constraint, "lt", None) is not None:
            notes.append(f"< {constraint.lt}")
    text = (f.description or field) + (f" (must be {' and '.join(notes)})" if notes else "")
    return typer.Option(f.default, *names, help=text, **kw)


def build_config(model: type, /, **values):
    """``model(**values)`` for a pydantic config model; an invalid value becomes one
    :class:`~pipeline.errors.ValidationError` naming its field (one-line CLI error)."""
    from pydantic import ValidationError as PydanticError

    from pipeline.errors import ValidationError

    try:
        return model(**values)
    except PydanticError as exc:
        first = exc.errors()[0]
        field = ".".join(str(k) for k in first["loc"]) or None
        raise ValidationError(str(first["msg"]), field=field) from exc

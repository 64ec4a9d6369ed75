"""``ciasa``: the command-line entry point."""

from __future__ import annotations

import sys

import typer

from flows.cli.adapter import app as adapter_app
from flows.cli.attack import attack_command
from flows.cli.common import err_console, setup_logging
from flows.cli.control import control_command
from flows.cli.crossmodal import crossmodal_command
from flows.cli.data import app as data_app
from flows.cli.evaluate import evaluate_command
from flows.cli.experiment import experiment_command
from flows.cli.extract import extract_command
from flows.cli.merge import merge_runs_command
from flows.cli.render import render_command
from flows.cli.run import run_command, serve_command
from flows.cli.train import train_command

app = typer.Typer(
    name="ciasa",
    help="Do adversarial attacks on skeleton action recognition survive the physical world?",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data_app, name="data")
app.add_typer(adapter_app, name="adapter")
app.command("train")(train_command)
app.command("render")(render_command)
app.command("evaluate")(evaluate_command)
app.command("evaluate-crossmodal")(crossmodal_command)
app.command("evaluate-control")(control_command)
app.command("attack")(attack_command)
app.command("experiment")(experiment_command)
app.command("extract")(extract_command)
app.command("run")(run_command)
app.command("merge-runs")(merge_runs_command)
app.command("serve")(serve_command)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="log progress details")) -> None:
    setup_logging(verbose)


def _error_line(message: str) -> None:
    """Print ``error: <message>`` on stderr as one line (whitespace collapsed)."""
    from rich.text import Text

    err_console.print(Text("error: ", style="red") + Text(" ".join(message.split())), soft_wrap=True)


def _os_error_message(exc: OSError) -> str:
    """``<path>: <reason>`` for an OS error (``<path> -> <path2>`` for renames)."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    where = str(exc.filename) + (f" -> {exc.filename2}" if exc.filename2 is not None else "")
    return f"{where}: {reason}"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad input and OS errors (unwritable output, a file where a folder
    should be) print one line on stderr and exit 1."""
    from pipeline.errors import CiasaError

    try:
        app(args=argv, standalone_mode=False)
    except CiasaError as exc:
        _error_line(str(exc))
        return 1
    except OSError as exc:
        _error_line(_os_error_message(exc))
        return 1
    except (typer.Exit, SystemExit) as exc:  # --help, typer.Exit(code)
        return int(getattr(exc, "exit_code", getattr(exc, "code", 0)) or 0)
    except typer.Abort:
        err_console.print("aborted")
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C
        _error_line(f"interrupted{': ' + str(exc) if str(exc) else ''}")
        return 130
    except Exception as exc:  # usage errors (typer vendors its own click: duck-type them)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())

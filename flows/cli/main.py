"""``ciasa``: the command-line entry point."""

from __future__ import annotations

import sys

import typer

from flows.cli.common import err_console, setup_logging
from flows.cli.data import app as data_app

app = typer.Typer(
    name="ciasa",
    help="Do adversarial attacks on skeleton action recognition survive the physical world?",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data_app, name="data")


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="log progress details")) -> None:
    setup_logging(verbose)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad input prints one line on stderr and exits 1."""
    from pipeline.errors import CiasaError

    try:
        app(args=argv, standalone_mode=False)
    except CiasaError as exc:
        from rich.text import Text

        err_console.print(Text("error: ", style="red") + Text(" ".join(str(exc).split())), soft_wrap=True)
        return 1
    except (typer.Exit, SystemExit) as exc:  # --help, typer.Exit(code)
        return int(getattr(exc, "exit_code", getattr(exc, "code", 0)) or 0)
    except typer.Abort:
        err_console.print("aborted")
        return 1
    except Exception as exc:  # usage errors (typer vendors its own click: duck-type them)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""An interrupted command (Ctrl-C) ends in one line and exit code 130, not a traceback."""

from __future__ import annotations

from flows.cli.main import main


def test_an_interrupted_command_is_one_line_and_exit_130(monkeypatch, capsys):
    import flows.cli.main as cli

    def interrupted(**_kw):
        raise KeyboardInterrupt("by the user")

    monkeypatch.setattr(cli, "app", interrupted)
    assert main(["run"]) == 130
    assert capsys.readouterr().err.strip() == "error: interrupted: by the user"
    monkeypatch.setattr(cli, "app", lambda **_kw: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert main(["run"]) == 130
    assert capsys.readouterr().err.strip() == "error: interrupted"

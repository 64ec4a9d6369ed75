"""``ciasa run`` / ``ciasa serve`` through the real entry point, on bad input only (the flow
itself is tested in tests/flows/test_cross_modal.py): each fails in one line naming what is
wrong, before any Prefect server is started."""

from __future__ import annotations

import socket

import pytest

from flows.cli.main import main


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the socket is


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("override, field", [
    ("render.resolution=[95,64]", "render.resolution"),
    ("source.samples=0", "source.samples"),
    ("attack.mode=sideways", "attack.mode"),
    ("render.qualty=preview", "render.qualty"),
    ("attack.iterations", "attack.iterations"),
])
def test_invalid_setting_names_the_field(override, field, capsys):
    assert main(["run", override]) == 1
    assert field in _one_line_error(capsys)


def test_invalid_yaml_value_names_the_field(tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("render:\n  threads: -1\n")
    assert main(["run", "--config", str(cfg)]) == 1
    assert "render.threads" in _one_line_error(capsys)


def test_show_config_prints_every_section(capsys):
    assert main(["run", "--show-config", "source.samples=3"]) == 0
    out = capsys.readouterr().out
    for section in ("model:", "source:", "attack:", "render:", "extract:", "evaluate:", "samples: 3",
                    "mode: advanced"):
        assert section in out


def test_preset_paper_in_show_config_and_a_bad_preset(capsys):
    assert main(["run", "--show-config", "--preset", "paper"]) == 0
    assert "samples: 240" in capsys.readouterr().out
    assert main(["run", "--preset", "nope"]) == 1
    assert "no preset 'nope'" in _one_line_error(capsys)


def test_top_level_model_setting_is_taken(capsys):
    """``model=...`` is a field of the run, not the config class handed to the builder (a
    keyword clash once failed every flow test: "got multiple values for argument 'model'")."""
    assert main(["run", "--show-config", "model=stgcn-synth", "source.world=ntu12"]) == 0
    out = capsys.readouterr().out
    assert "model: stgcn-synth" in out and "world: ntu12" in out


def test_unanswered_server_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    url = f"http://127.0.0.1:{_closed_port()}/api"
    assert main(["run", "--api", url, "source.samples=1"]) == 1
    err = _one_line_error(capsys)
    assert url in err and "does not answer" in err


def test_bad_runner_and_serve_without_server(capsys, monkeypatch):
    assert main(["run", "--runner", "ray"]) == 1
    assert "runner" in _one_line_error(capsys)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--cron", "* * * * *"]) == 1
    assert "prefect server start" in _one_line_error(capsys)


def test_a_finished_run_says_what_it_measured_in_words(tmp_path):
    from flows.cli.run import result_lines

    assert result_lines(tmp_path) == []  # no run.json: nothing to say
    (tmp_path / "run.json").write_text('{"status": "completed", "headline": "m accuracy on 2 recovered samples: '
                                       '50.0 % clean, 0.0 % adversarial", "verdict": "Not shown to be the '
                                       'attack\'s: ...", "control": "the attack cannot be told from the control"}')
    lines = result_lines(tmp_path)
    assert lines == ["measured: m accuracy on 2 recovered samples: 50.0 % clean, 0.0 % adversarial",
                     "verdict: Not shown to be the attack's: ...",
                     "against the control: the attack cannot be told from the control"]
    (tmp_path / "run.json").write_text('{"status": "completed", "headline": null}')  # no evaluation
    assert result_lines(tmp_path) == []

"""The ``nbconnect`` command as a new user meets it: its help says what it is, and a mistake gets
one line saying what is wrong (exit status 2), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect.__main__ import cli, main


def test_the_help_says_what_the_command_is(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out  # reStructuredText markup is for docs, not a terminal
    assert "LLM" in out and "list" in out and "demo" in out and "run" in out


def test_list_has_a_description_of_its_own(capsys):
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    out = capsys.readouterr().out
    assert "masked" in out.split("options:")[0]


@pytest.mark.parametrize("port", ["70000", "-5", "65536"])
def test_a_port_out_of_range_is_a_usage_error_before_jupyterlab_starts(port, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--no-browser", "--port", port, "--dir", str(tmp_path / "d")])
    assert info.value.code == 2
    assert "1 to 65535" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_a_store_that_is_a_folder_is_one_line_not_a_traceback(tmp_path, capsys):
    assert cli(["list", "--store", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nbconnect list: ") and str(tmp_path) in err
    assert "Traceback" not in err


def test_a_corrupt_store_is_one_line_and_left_as_it_is(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{oops")
    path.chmod(0o600)
    assert cli(["list", "--store", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert path.read_text() == "{oops"


def test_an_empty_store_lists_no_empty_models_heading(tmp_path, capsys):
    assert cli(["list", "--store", str(tmp_path / "none.json")]) == 0
    out = capsys.readouterr().out
    assert "models:" not in out
    assert "demo:demo-fast" in out  # what works with no connection at all


def test_cli_returns_what_main_returns(tmp_path, capsys):
    path = tmp_path / "store.json"
    nbc.Organization(path=path, connections=[nbc.Anthropic(api_key="sk-ant-key-w1x2")])
    assert cli(["list", "--store", str(path)]) == 0
    assert "anthropic" in capsys.readouterr().out


@pytest.mark.slow
def test_python_dash_m_goes_through_cli(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "nbconnect", "list", "--store", str(tmp_path)],
        cwd=Path(nbc.__file__).resolve().parent.parent,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.startswith("nbconnect list: ")
    assert "Traceback" not in done.stderr

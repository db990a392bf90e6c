"""The ``nbconnect list`` command: shows connections with masked hints, never the secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect.__main__ import main

CANARY = "CLICANARY4d5e6f"
OPENAI_KEY = f"sk-proj-{CANARY}-a1b2"
AZURE_KEY = f"{CANARY}-azure-z9y8"


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "store.json"
    nbc.Organization(
        path=path,
        connections=[
            nbc.OpenAI(api_key=OPENAI_KEY),
            nbc.AzureOpenAI(
                deployment="gpt4o-prod", endpoint="https://r.openai.azure.com", api_key=AZURE_KEY
            ),
            nbc.CustomLLM(name="llama3.2:latest", endpoint="http://localhost:11434/v1"),
        ],
    )
    return path


def test_list_prints_hints_not_secrets(store, capsys):
    assert main(["list", "--store", str(store)]) == 0
    out, err = capsys.readouterr()
    assert CANARY not in out and CANARY not in err
    assert f"store: {store}" in out
    lines = out.splitlines()
    openai = next(line for line in lines if line.strip().startswith("openai "))
    assert "OpenAI" in openai and "sk-proj-…a1b2" in openai and "(store)" in openai
    azure = next(line for line in lines if line.strip().startswith("gpt4o-prod"))
    assert "Azure OpenAI" in azure and "…z9y8" in azure
    assert any(line.strip().startswith("llama3.2:latest") and "Custom LLM" in line for line in lines)
    models = lines[lines.index("models:") + 1 :]
    assert "  openai:gpt-4.1-mini" in models and "  gpt4o-prod" in models and "  llama3.2:latest" in models


def test_list_empty_store_says_how_to_start(tmp_path, capsys):
    path = tmp_path / "none.json"
    assert main(["list", "--store", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no connections yet" in out and "org.add(" in out
    assert not path.exists()  # listing never creates or writes a store


def test_list_without_store_uses_nbconnect_home(_isolated_home, capsys):
    nbc.Organization().add(nbc.Anthropic(api_key=f"sk-ant-{CANARY}-q7r8"))
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert f"store: {_isolated_home / 'connections.json'}" in out
    assert "anthropic" in out and "…q7r8" in out and CANARY not in out


def test_list_env_shows_environment_connections_and_does_not_save_them(store, capsys, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", f"AIza{CANARY}-g5h6")
    before = store.read_bytes()
    assert main(["list", "--store", str(store), "--env"]) == 0
    out = capsys.readouterr().out
    gemini = next(line for line in out.splitlines() if line.strip().startswith("gemini "))
    assert "(environment)" in gemini and "…g5h6" in gemini
    assert CANARY not in out
    assert store.read_bytes() == before  # an environment key is never written by listing


def test_list_reports_a_corrupt_store(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{oops")
    path.chmod(0o600)
    with pytest.raises(nbc.StoreError, match="not valid JSON"):
        main(["list", "--store", str(path)])
    assert path.read_text() == "{oops"


def test_usage_errors_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["list", "--bogus"])
    assert info.value.code == 2


@pytest.mark.slow
def test_python_dash_m_entry_point(store):
    done = subprocess.run(
        [sys.executable, "-m", "nbconnect", "list", "--store", str(store)],
        cwd=Path(nbc.__file__).resolve().parent.parent,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "sk-proj-…a1b2" in done.stdout and CANARY not in done.stdout + done.stderr

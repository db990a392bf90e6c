"""``nbconnect demo``: copies the playground notebook and serves it with JupyterLab on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from importlib.resources import files
from pathlib import Path

import psutil
import pytest

from nbconnect.__main__ import main

PACKAGED = files("nbconnect.data").joinpath("playground.ipynb").read_bytes()
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/lab/tree/playground\.ipynb\?token=([0-9a-f]+)")


def test_without_jupyterlab_it_says_what_to_install(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a)
    )
    assert main(["demo", "--no-browser", "--dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert "pip install jupyterlab" in err and "nbconnect[demo]" in err
    assert not (tmp_path / "d").exists()  # nothing copied before the check


def test_the_notebook_is_copied_once_and_edits_are_kept(tmp_path, capsys):
    from nbconnect.__main__ import _copy_notebook

    work = tmp_path / "new" / "dir"
    notebook = _copy_notebook(work)
    assert notebook == work / "playground.ipynb" and notebook.read_bytes() == PACKAGED
    assert "copied the playground notebook" in capsys.readouterr().out
    notebook.write_text("my edits")
    assert _copy_notebook(work).read_text() == "my edits"
    assert "opening your existing" in capsys.readouterr().out


def test_help_lists_the_demo_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--no-browser" in out and "--port" in out and "--dir" in out


def _isolated_env(base: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "AZURE_", "NBCONNECT_", "JUPYTER")
        )
    }
    for key, sub in {
        "HOME": "home",
        "XDG_CONFIG_HOME": "home/.config",
        "XDG_CACHE_HOME": "home/.cache",
        "XDG_DATA_HOME": "home/.local/share",
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
        "NBCONNECT_HOME": "nbconnect-home",
    }.items():
        (base / sub).mkdir(parents=True, exist_ok=True)
        env[key] = str(base / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


@pytest.mark.slow
def test_demo_serves_the_playground_with_a_token_on_loopback_and_stops_cleanly(tmp_path):
    work = tmp_path / "demo"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbconnect", "demo", "--no-browser", "--port", str(port), "--dir", str(work)],
        cwd=tmp_path,
        env=_isolated_env(tmp_path / "env"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: a Ctrl-C in the test run does not reach it
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    seen: list[str] = []
    lab_pids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        match = None
        while match is None:
            assert time.monotonic() < deadline, "no URL printed within 120 s:\n" + "".join(seen)
            assert proc.poll() is None or not lines.empty(), "nbconnect demo exited:\n" + "".join(seen)
            try:
                seen.append(lines.get(timeout=0.5))
            except queue.Empty:
                continue
            match = URL.search(seen[-1])
        assert int(match.group(1)) == port
        token = match.group(2)
        base = f"http://127.0.0.1:{port}"
        lab_pids = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        assert lab_pids, "JupyterLab runs as a child of nbconnect demo"

        status, body = _get(f"{base}/api/status", token)
        assert status == 200 and "started" in json.loads(body)
        assert _get(f"{base}/api/status")[0] == 403  # the token is required
        status, body = _get(f"{base}/api/contents/playground.ipynb?content=0", token)
        assert status == 200 and json.loads(body)["type"] == "notebook"
        assert (work / "playground.ipynb").read_bytes() == PACKAGED
        assert _get(match.group(0))[0] == 200  # the printed URL opens the notebook page

        listening = [
            c.laddr
            for pid in lab_pids
            for c in psutil.Process(pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening

        proc.send_signal(signal.SIGTERM)  # by its own PID: it stops JupyterLab, then exits
        assert proc.wait(timeout=60) == 0, "".join(seen)
        _, alive = psutil.wait_procs(
            [psutil.Process(p) for p in lab_pids if psutil.pid_exists(p)], timeout=30
        )
        assert not alive, f"JupyterLab still running: {alive}"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        for pid in [proc.pid, *lab_pids]:  # only what this test started, by PID
            try:
                p = psutil.Process(pid)
                if p.is_running():
                    p.kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(timeout=10)
        reader.join(timeout=10)  # reads to the end of the pipe once the process is gone
        proc.stdout.close()

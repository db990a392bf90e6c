"""A real Label Studio server for the round-trip tests, started once per session.

Label Studio pins Django and much else, so it lives in its own virtualenv: ``$LABEL_STUDIO_VENV``
(``.ci/run`` makes one), else ``.venv-labelstudio`` at the repo root. Without one the live tests
skip with the reason, except under ``CI=true`` where they fail. The server runs on 127.0.0.1 on a
free port, its database and files in a tmp dir, with a first user whose legacy API token the test
chooses (``LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true`` must be set before the organization exists).
It is stopped by its own PID at the end of the session.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.23.2"
START_TIMEOUT_S = 300  # the first start migrates a fresh database: about 50 s here, more on a busy machine


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def _venv() -> Path | None:
    given = os.environ.get("LABEL_STUDIO_VENV")
    venv = Path(given) if given else ROOT / ".venv-labelstudio"
    return venv if (venv / "bin" / "label-studio").is_file() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class LabelStudioServer:
    url: str
    api_key: str


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory) -> LabelStudioServer:
    venv = _venv()
    if venv is None:
        reason = (
            f"the live Label Studio tests need label-studio=={VERSION} in its own virtualenv: "
            f"python3 -m venv .venv-labelstudio && .venv-labelstudio/bin/pip install label-studio=={VERSION} "
            "(or set LABEL_STUDIO_VENV); .ci/run does this"
        )
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("label-studio")
    port, token = _free_port(), secrets.token_hex(20)
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(home / "data"),
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "HOME": str(home),  # anything it writes beside its data dir stays in tmp too
    }
    command = [
        str(venv / "bin" / "label-studio"),
        "start",
        "--no-browser",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--username",
        "nbconnect@example.com",
        "--password",
        secrets.token_hex(12),
        "--user-token",
        token,
    ]
    log = home / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"Label Studio did not answer {url}/health (exit code {proc.poll()}):\n{tail}")
            time.sleep(1)
        yield LabelStudioServer(url, token)
    finally:
        proc.terminate()  # our own PID only
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)

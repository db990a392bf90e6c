"""The binder/ files alone make an environment in which every tutorial notebook runs.

Binder (repo2docker) starts from an image that has Python and JupyterLab, installs
``binder/requirements.txt``, then runs ``binder/postBuild`` from the repository root. This test
does the same in a fresh virtual environment (pip downloads from the package index, reusing pip's
cache) and runs copies of the notebooks there with nbval, away from the source tree, so that the
installed package, not the checkout, is what the notebooks import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BINDER = REPO / "binder"
# What repo2docker's base image has and a bare venv lacks: the notebook kernel and, here, the runner.
RUNNER = ["pytest>=8", "nbval>=0.11", "ipykernel>=6.5"]


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - started
    print(f"[{took:6.1f} s] {' '.join(map(str, cmd))}")
    assert done.returncode == 0, (
        f"{cmd} failed ({done.returncode}):\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    )
    return done.stdout


def test_binder_files_are_what_repo2docker_reads():
    assert sorted(p.name for p in BINDER.iterdir()) == ["postBuild", "requirements.txt"]
    assert os.access(BINDER / "postBuild", os.X_OK), "binder/postBuild must be executable (git mode 100755)"
    assert (BINDER / "postBuild").read_text().startswith("#!")


@pytest.mark.slow
def test_a_fresh_env_from_the_binder_files_runs_every_notebook(tmp_path):
    started = time.monotonic()
    venv = tmp_path / "venv"
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    # Only the variables a shell on Binder would have: no provider keys, nothing of the test run's venv.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "AZURE_", "NBCONNECT_", "JUPYTER")
        )
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env = {**base, "VIRTUAL_ENV": str(venv), "PATH": f"{bindir}{os.pathsep}{base.get('PATH', '')}"}
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]

    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=base, timeout=300)
    _run([*pip, "install", "-q", "-r", str(BINDER / "requirements.txt")], cwd=REPO, env=env, timeout=900)
    _run(["bash", str(BINDER / "postBuild")], cwd=REPO, env=env, timeout=900)
    _run([*pip, "install", "-q", *RUNNER], cwd=tmp_path, env=env, timeout=900)
    built = time.monotonic() - started

    where = _run(
        [str(python), "-c", "import nbconnect, nbconnect.data; print(nbconnect.__file__)"],
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert Path(where.strip()).is_relative_to(venv), f"nbconnect imported from {where}, not the fresh env"

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        shutil.copy(path, notebooks / path.name)
    home = tmp_path / "home"
    kernel_env = {
        **env,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "NBCONNECT_HOME": str(home / "nbconnect"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "MPLBACKEND": "Agg",
    }
    out = _run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            str(notebooks),
        ],
        cwd=notebooks,  # no pyproject here: the run uses nothing of this repository's pytest config
        env=kernel_env,
        timeout=900,
    )
    assert " passed" in out and " failed" not in out, out
    print(f"binder env built in {built:.0f} s; notebooks ran in {time.monotonic() - started - built:.0f} s")

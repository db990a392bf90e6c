"""Run the notebooks as tests (``pytest --nbval-lax notebooks/``) hermetically.

Each notebook's kernel starts without provider keys, so the cells that use real providers skip
themselves, and with a private NBCONNECT_HOME, cache dir and TMPDIR, so a test run never reads or
writes the developer's saved connections and leaves nothing behind. The pytest process's own
environment is restored as soon as the kernel has started.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from regenerate import kernel_environ  # notebooks/ is on sys.path while pytest loads this conftest

_made: list[str] = []
_started: set[str] = set()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    # nbval starts a notebook's kernel while setting up its first cell: the kernel inherits os.environ.
    if item.path.suffix != ".ipynb" or item.nodeid.split("::")[0] in _started:
        yield
        return
    _started.add(item.nodeid.split("::")[0])
    home = tempfile.mkdtemp(prefix="nbconnect-nbval-")  # before TMPDIR changes: lands in the usual place
    _made.append(home)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_environ(saved, home))  # the same environment regenerate.py runs them in
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def pytest_unconfigure(config):
    for path in _made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Say how to refresh the stored outputs when a checked cell printed different numbers."""
    report = (yield).get_result()
    if item.path.suffix == ".ipynb" and report.failed and "outputs differ" in str(report.longrepr):
        report.sections.append(
            (
                "how to fix",
                "A # NBVAL_CHECK_OUTPUT cell printed different numbers than the ones stored in the notebook.\n"
                "A bug if the new numbers are wrong; if the change is intended (the Demo answers differently "
                f"now), store the new outputs: .venv/bin/python notebooks/regenerate.py {item.path.stem}",
            )
        )

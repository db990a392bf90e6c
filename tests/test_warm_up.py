"""What a first run imports (aiohttp, the TLS context, jsonschema) loads in a background thread
from the first Organization on (the user's, a widget's, the one run() makes), once per process,
and never at import: importing a library starts no thread. Each case is a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Records every thread started from here on, whatever starts it.
_WATCH_THREADS = """
import json, sys, threading
started = []
_start = threading.Thread.start
def _recording_start(self):
    started.append(self.name)
    _start(self)
threading.Thread.start = _recording_start
"""

_IMPORT = (
    _WATCH_THREADS
    + """
import nbconnect
print(json.dumps({"threads": threading.active_count(), "started": started,
                  "aiohttp": "aiohttp" in sys.modules}))
"""
)

# Counts warm-ups, joins the warm-up thread, then uses nbconnect twice more the same ways.
_FIRST_USE = (
    _WATCH_THREADS
    + """
import nbconnect as nbc
from nbconnect._wire import http
warmed = []
_warm_up = http.warm_up
def _counted():
    warmed.append(threading.current_thread().name)
    _warm_up()
http.warm_up = _counted

def join_warm_up():
    for t in threading.enumerate():
        if t.name == "nbconnect-warm-up":
            t.join(60)

def use():
    {use}

before = {{"warmed": list(warmed), "aiohttp": "aiohttp" in sys.modules}}
use()
join_warm_up()
loaded = all(m in sys.modules for m in ("aiohttp", "jsonschema"))
use(); nbc.Organization(persist=False)
join_warm_up()
print(json.dumps({{"before": before, "loaded": loaded, "warmed": warmed,
                  "started": started.count("nbconnect-warm-up")}}))
"""
)

FIRST_USES = {
    "Organization": "nbc.Organization(persist=False)",
    "ConnectionsPanel": "nbc.ConnectionsPanel()",
    "estimate without org": (
        "nbc.estimate('Say {t}', data=[{'t': 'a'}], schema='label: a|b', models=['demo:demo-fast'])"
    ),
}


def run_python(code: str, tmp_path: Path) -> dict:
    env = {"PYTHONPATH": str(ROOT), "NBCONNECT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_nbconnect_starts_no_thread_and_loads_no_transport(tmp_path):
    assert run_python(_IMPORT, tmp_path) == {"threads": 1, "started": [], "aiohttp": False}


@pytest.mark.parametrize("use", list(FIRST_USES.values()), ids=list(FIRST_USES))
def test_the_first_use_warms_up_once_in_the_background(tmp_path, use):
    out = run_python(_FIRST_USE.format(use=use), tmp_path)
    assert out["before"] == {"warmed": [], "aiohttp": False}  # nothing happened at import
    assert out["loaded"]  # the first use loaded what a run needs...
    assert out["warmed"] == ["nbconnect-warm-up"]  # ...in its own thread, once for all three uses
    assert out["started"] == 1


# The warm-up is held until the run has had a second to go ahead without it; the run must not.
_RUN_DURING_WARM_UP = (
    _WATCH_THREADS
    + """
import nbconnect as nbc
from nbconnect._wire import http
order, gate = [], threading.Event()
def _held():
    gate.wait()
    order.append("warmed")
http.warm_up = _held

org = nbc.Organization.demo()
run = threading.Thread(target=lambda: (
    nbc.run("Say {t}", data=[{"t": "a"}], schema="label: a|b", models=["demo:demo-fast"], org=org,
            cache=False, progress=False),
    order.append("ran"),
))
run.start()
run.join(1.0)
gate.set()
run.join(60)
print(json.dumps({"order": order}))
"""
)


def test_a_run_started_during_the_warm_up_waits_for_it_instead_of_racing_it(tmp_path):
    # Racing it, the run does the same imports beside it and both end later. (Without the wait,
    # this demo run ends within the second it is given, before the warm-up.)
    assert run_python(_RUN_DURING_WARM_UP, tmp_path) == {"order": ["warmed", "ran"]}

"""A batch run survives its kernel: killed (SIGKILL) after submission, resumed by a new process.

The fake (in this process) keeps the batches running on its clock; the first child process
submits a 13,336-cell run over four batch providers (Vertex AI through the fake's Cloud Storage
bucket) and is killed once the cache database
holds every batch id; the clock moves on; a second child process re-runs the same call and must
re-attach: no batch created twice, no line submitted twice, every cell answered exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nbconnect._engine.api import resume
from nbconnect.testing import FakeProvider

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import json, sys
    import nbconnect as nbc

    url, cache, rows, out, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key="sk-restart", base_url=url + "/v1"))
    org.add(nbc.Anthropic(api_key="sk-ant-restart", base_url=url))
    org.add(nbc.Gemini(api_key="AIza-restart", base_url=url))
    org.add(nbc.VertexAI(credentials=key, location="us-central1", base_url=url, storage_url=url,
                         batch_bucket="gs://restart-runs/nb"))
    texts = [f"row {i}: the parcel came {'early' if i % 3 else 'late'}" for i in range(rows)]
    res = nbc.run(
        "Classify: {text}", data=texts, schema="label: good|bad, score: float",
        models=["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash",
                "vertex:gemini-2.5-flash"],
        org=org, cache=cache, batch=True, batch_size=2000, batch_poll=0.05, progress=False,
    )
    df = res.df
    with open(out, "w") as f:
        json.dump({"rows": df["row"].tolist(), "models": df["model"].tolist(), "valid": df["_valid"].tolist(),
                   "batch": df["_batch_id"].tolist(), "cached": df["_cached"].tolist()}, f)
    """
)


def _child(server: FakeProvider, cache: Path, rows: int, out: Path, script: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    key = script.with_name("key.json")
    key.write_text(json.dumps(server.service_account()))
    with open(out.with_suffix(".err"), "wb") as err:  # the child keeps its own copy of the handle
        return subprocess.Popen(
            [sys.executable, str(script), server.url, str(cache), str(rows), str(out), str(key)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _stderr(proc: subprocess.Popen) -> str:
    return Path(proc.args[-2]).with_suffix(".err").read_text(errors="replace")[-2000:]


def _wait_for(predicate, proc: subprocess.Popen, what: str, limit: float = 120.0) -> None:
    """Poll ``predicate`` until true; fail with the child's stderr if it dies first."""
    deadline = time.monotonic() + limit  # a guard against a hang, not a speed assertion
    while not predicate():
        if proc.poll() is not None:
            pytest.fail(f"the child ended before {what}: {_stderr(proc)}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_batch_run_is_resumed_by_a_new_process_without_loss_or_duplicates(tmp_path):
    rows, per_batch = 3334, 2000
    providers = 4
    expected_batches = providers * -(-rows // per_batch)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    cache = tmp_path / "cache.sqlite"
    with FakeProvider() as server:
        server.storage.create_bucket("restart-runs")
        server.batches.latency = 3600.0  # fake seconds: nothing finishes until the clock moves
        first = _child(server, cache, rows, tmp_path / "first.json", script)

        def remembered() -> bool:
            return cache.exists() and len(resume(cache=str(cache))) == expected_batches

        _wait_for(remembered, first, "every batch was accepted and remembered")
        first.send_signal(signal.SIGKILL)  # the kernel dies: nothing is cancelled, nothing collected
        first.wait()
        assert server.batches.created == expected_batches
        assert all(b.cancelled_at is None for b in server.batches.batches.values())

        server.batch_clock.advance(hours=2)  # the batches finish while no process watches
        second = _child(server, cache, rows, tmp_path / "second.json", script)
        _wait_for(lambda: second.poll() is not None, second, "the resumed run finished", limit=300)
        assert second.returncode == 0, _stderr(second)

        out = json.loads((tmp_path / "second.json").read_text())
        cells = list(zip(out["rows"], out["models"], strict=True))
        assert len(cells) == providers * rows and len(set(cells)) == providers * rows  # none lost, none twice
        assert all(out["valid"]) and all(b is not None for b in out["batch"])
        # re-attached: no new batch, and every line went to a provider exactly once
        assert server.batches.created == expected_batches
        assert server.batches.lines_submitted() == providers * rows
        # a Vertex line carries no id: its request (unique per cell here) stands for it
        ids = [
            json.dumps(ln.body, sort_keys=True) if b.api == "vertex" else ln.custom_id
            for b in server.batches.batches.values()
            for ln in b.lines
        ]
        assert len(set(ids)) == len(ids)
        assert (
            sum(b.api == "vertex" for b in server.batches.batches.values()) == expected_batches // providers
        )
    assert resume(cache=str(cache))["collected"].all()

"""Shared bits of the benchmarks: the loopback server (in a child process), the prompt, a table printer."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import platform
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import nbconnect as nbc

SCHEMA = "label: positive|negative|neutral, score: float"
TEMPLATE = "Classify: {text}"
MODEL = "bench-model"


def texts(n: int) -> list[str]:
    return [f"review number {i}: it was {'great' if i % 2 else 'awful'}" for i in range(n)]


def org_for(url: str) -> nbc.Organization:
    org = nbc.Organization(persist=False)
    org.add(nbc.CustomLLM(name=MODEL, endpoint=url + "/v1", json_mode="json_schema"))
    return org


def bodies(n: int) -> list[dict]:
    """The exact request bodies nbconnect sends for the first ``n`` rows (for the other clients)."""
    from nbconnect._schema.schema import as_schema
    from nbconnect._wire.adapter import Call
    from nbconnect._wire.lookup import adapter_for

    adapter = adapter_for(
        nbc.CustomLLM(name=MODEL, endpoint="http://127.0.0.1:1/v1", json_mode="json_schema")
    )
    schema = as_schema(SCHEMA)
    return [
        adapter.prepare_call(Call(model=MODEL, user=f"Classify: {t}", schema=schema)).body for t in texts(n)
    ]


def _serve(latency: float, conn) -> None:  # the child process
    from nbconnect.testing import FakeProvider

    with FakeProvider(latency=latency) as server:
        conn.send(server.url)
        conn.recv()  # block until the parent says stop


SERVERS = ("fake", "uvicorn")


@contextlib.contextmanager
def server(latency: float = 0.0, *, in_process: bool = False, kind: str = "fake") -> Iterator[str]:
    """A loopback server speaking the OpenAI format; yields its base URL (no ``/v1``).

    ``kind="fake"``: nbconnect's FakeProvider; ``"uvicorn"``: the independent ASGI app of
    ``_asgi.py`` served by uvicorn. By default it runs in a child process, so that on a small
    machine the server's CPU is not charged to the client being measured (``in_process=True``:
    a FakeProvider in a thread of this process).
    """
    if in_process and kind == "fake":
        from nbconnect.testing import FakeProvider

        with FakeProvider(latency=latency) as srv:
            yield srv.url
        return
    parent, child = mp.Pipe()
    from _asgi import serve

    target = serve if kind == "uvicorn" else _serve
    proc = mp.get_context("spawn").Process(target=target, args=(latency, child), daemon=True)
    proc.start()
    try:
        if not parent.poll(60):
            raise RuntimeError(f"the {kind} server child process did not start")
        yield parent.recv()
    finally:
        parent.send("stop")
        proc.join(10)


def machine() -> str:
    """The machine, and its 1-minute load average: other work on it slows every figure down."""
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}, load {load:.1f}"


def table(rows: list[tuple], header: tuple) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for k, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))

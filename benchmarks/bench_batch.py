"""Batch vs live for the same run: cost and client-side CPU per cell.

    .venv/bin/python benchmarks/bench_batch.py [--rows 2000] [--rounds 3] [--in-process]

One run of ``--rows`` rows over three models (OpenAI, Anthropic and Gemini formats) against the
loopback FakeProvider (in a child process by default, so its CPU is not charged to the client),
once live (``concurrency=32``) and once with ``batch=True`` (the fake's batches finish at once;
``batch_poll=0.05``). Each run gets a fresh cache file, so nothing is served from a cache.
CPU is this process's CPU time per cell (median round); cost is the Results' ``_cost_usd`` sum
(catalog list prices live, batch prices in batch mode). Nothing is asserted: figures only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import SCHEMA, TEMPLATE, machine, server, table, texts

import nbconnect as nbc

MODELS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"]


def org_for(url: str) -> nbc.Organization:
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key="sk-bench", base_url=url + "/v1"))
    org.add(nbc.Anthropic(api_key="sk-ant-bench", base_url=url))
    org.add(nbc.Gemini(api_key="AIza-bench", base_url=url))
    return org


def one(url: str, rows: int, batch: bool, folder: Path, k: int) -> tuple[float, float, float, int]:
    """(wall s, CPU s, cost USD, valid cells) of one run."""
    kw = dict(batch=True, batch_poll=0.05) if batch else dict(concurrency=32, per_connection=32)
    cpu, wall = time.process_time(), time.perf_counter()
    res = nbc.run(
        TEMPLATE,
        data=texts(rows),
        schema=SCHEMA,
        models=MODELS,
        org=org_for(url),
        progress=False,
        cache=str(folder / f"{'batch' if batch else 'live'}-{k}.sqlite"),
        **kw,
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    df = res.df
    return wall, cpu, float(df["_cost_usd"].sum()), int(df["_valid"].sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--in-process", action="store_true", help="run the server in a thread of this process")
    args = ap.parse_args()
    cells = args.rows * len(MODELS)
    print(f"{cells:,} cells ({args.rows:,} rows x {len(MODELS)} models); {machine()}")
    figures: dict[str, list[tuple[float, float, float, int]]] = {"live": [], "batch": []}
    with tempfile.TemporaryDirectory() as tmp, server(in_process=args.in_process) as url:
        one(url, 20, False, Path(tmp), -1)  # warm up: imports, first connections
        one(url, 20, True, Path(tmp), -1)
        for k in range(args.rounds):
            for mode in ("live", "batch"):
                figures[mode].append(one(url, args.rows, mode == "batch", Path(tmp), k))
    rows = []
    for mode, runs in figures.items():
        cpu = statistics.median(r[1] for r in runs)
        cost = runs[0][2]
        rows.append(
            (
                mode,
                f"{min(r[0] for r in runs):.2f}",
                f"{cpu / cells * 1e3:.3f}",
                f"{cost:.4f}",
                f"{cost / cells * 1e6:.2f}",
                f"{runs[0][3]:,}",
            )
        )
    table(rows, ("mode", "best wall s", "CPU ms/cell", "cost USD", "cost µUSD/cell", "valid cells"))
    live, batch = figures["live"][0][2], figures["batch"][0][2]
    print(
        f"batch / live cost: {batch / live:.2f}   "
        f"batch / live CPU: {statistics.median(r[1] for r in figures['batch']) / statistics.median(r[1] for r in figures['live']):.2f}"
    )


if __name__ == "__main__":
    main()

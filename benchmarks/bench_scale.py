"""Scale: 100,000 cells into Results, then summary() — seconds and peak memory.

    .venv/bin/python benchmarks/bench_scale.py [--cells 100000] [--synthetic]

By default the cells come from a real run: the engine runs 33,334 rows x the 3 Demo models
(``Demo(latency=0)``, in-process, no sockets; about a minute and a half on 2 cores, not timed),
with a ground-truth column so that summary() computes accuracy too. Then, timed: ``job.results``
(the cell dicts -> ``Results.from_rows``) and ``summary()``. ``--synthetic`` builds the same kind
of cell dicts directly instead of running (seconds). Peak memory is measured twice: tracemalloc's
peak during Results + summary (a second, untimed pass: tracing slows Python down), and the
process's max RSS. Targets (issue 4): < 3 s and < 1 GB for Results + summary.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import random
import resource
import time
import tracemalloc

import pandas as pd
from _common import SCHEMA, machine, table

import nbconnect as nbc
from nbconnect._engine.api import start
from nbconnect._results.results import Results
from nbconnect._schema.schema import as_schema

MODELS = ["demo:demo-careful", "demo:demo-fast", "demo:demo-echo"]
LABELS = ("positive", "negative", "neutral")
WORDS = ("great", "awful", "fine", "slow", "love", "broken")


def data(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [f"review {i}: it was {WORDS[i % 6]}" for i in range(rows)],
            "true_label": [LABELS[i % 3] for i in range(rows)],  # truth for the "label" field
        }
    )


def from_engine(rows: int):
    """Run the engine over the Demo models; returns a function building the Results."""
    job = start(
        "Classify: {text}", data=data(rows), schema=SCHEMA, models=MODELS,
        org=nbc.Organization.demo(latency=0), concurrency=256, per_connection=256,
        cache=False, progress=False, truth="true_label",
    )  # fmt: skip
    asyncio.run(job.arun())
    return lambda: job.results


def synthetic(rows: int):
    """The cell dicts the runner writes, made up: ~8% invalid, like the Demo models."""
    rng, df, schema = random.Random(0), data(rows), as_schema(SCHEMA).json
    cells = []
    for row, text, truth in zip(df.index, df["text"], df["true_label"]):
        for m in MODELS:
            ok = rng.random() > 0.08
            value = {"label": rng.choice(LABELS), "score": round(rng.random(), 3)}
            cells.append({
                "row": int(row), "text": text, "true_label": truth, "model": m, "connection": "demo",
                "provider": "demo", "label": value["label"] if ok else None, "score": value["score"] if ok else None,
                "_valid": ok, "_error": None if ok else "schema mismatch", "_error_type": None if ok else "schema_mismatch",
                "_finish_reason": "stop", "_enforcement": "json_schema_strict", "_input_tokens": 9,
                "_output_tokens": 8, "_cost_usd": 4e-5, "_latency_s": rng.random() / 2, "_attempts": 1,
                "_wait_s": 0.0, "_cached": False, "_raw": json.dumps(value),
            })  # fmt: skip
    return lambda: Results.from_rows(
        cells, fields=["label", "score"], models=MODELS, inputs=["text", "true_label"],
        schema=schema, truth="true_label",
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--synthetic", action="store_true", help="make the cell dicts up instead of running")
    args = ap.parse_args()
    rows = math.ceil(args.cells / len(MODELS))
    source = "synthetic cell dicts" if args.synthetic else "a Demo run (33,334 rows x 3 models)"
    print(f"scale: {rows * len(MODELS):,} cells from {source}; {machine()}")
    started = time.perf_counter()
    build = (synthetic if args.synthetic else from_engine)(rows)
    print(f"  cells made in {time.perf_counter() - started:.1f} s (not counted)")
    gc.collect()  # start the timed part with no garbage left over from making the cells

    t0 = time.perf_counter()
    results = build()
    t1 = time.perf_counter()
    summary = results.summary()
    t2 = time.perf_counter()
    assert len(results) == rows * len(MODELS) and "accuracy" in summary.columns

    del results, summary
    tracemalloc.start()
    build().summary()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print()
    table(
        [
            ("Results from the cell dicts", f"{t1 - t0:.2f}", ""),
            ("summary()", f"{t2 - t1:.2f}", ""),
            ("Results + summary()", f"{t2 - t0:.2f}", f"{peak / 2**20:,.0f}"),
        ],
        ("step", "seconds", "peak MiB (tracemalloc)"),
    )
    print(f"process max RSS (everything, the run included): {rss:,.0f} MiB")
    ok_time, ok_mem = t2 - t0 < 3, peak < 2**30
    print(f"\nResults + summary: {t2 - t0:.2f} s (target < 3 s: {'met' if ok_time else 'MISSED'}), "
          f"peak {peak / 2**20:,.0f} MiB (target < 1 GiB: {'met' if ok_mem else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()

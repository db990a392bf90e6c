"""Latency-bound run: 2,000 calls, 100 ms added server latency, concurrency 64.

    .venv/bin/python benchmarks/bench_latency.py [--calls 2000] [--concurrency 64] [--latency 0.1] [--rounds 3]

With 64 calls in flight and every answer taking 100 ms, the ideal wall time is
ceil(calls / 64) x 0.1 s (3.2 s for 2,000 calls). This prints the wall time over that ideal for
``nbc.run(..., concurrency=64, per_connection=64, cache=False, progress=False)`` against a loopback
FakeProvider in a child process, and, for reference, for the plain httpx loop of
bench_overhead.py at the same concurrency. Target (issue 4): nbconnect <= 1.15. The best of
``--rounds`` runs is reported (the least disturbed by other load), after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics

from _common import bodies, machine, server, table
from bench_overhead import nbconnect_run, plain_httpx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n, conc, lat = args.calls, args.concurrency, args.latency
    ideal = math.ceil(n / conc) * lat
    print(f"latency-bound: {n} calls, {lat * 1000:.0f} ms latency, concurrency {conc}; {machine()}")
    payloads, warm = bodies(n), bodies(2 * conc)
    with server(lat) as url:
        variants = {
            "nbconnect run()": lambda: nbconnect_run(url, n, conc),
            "plain httpx loop (reference)": lambda: asyncio.run(plain_httpx(url, payloads, warm, conc)),
        }
        nbconnect_run(url, 2 * conc, conc)  # warm-up
        seen: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
        for r in range(args.rounds):
            for name, go in variants.items():
                seen[name].append(go())
            print(
                f"  round {r + 1}: " + ", ".join(f"{k.split()[0]} {v[-1][0]:.2f} s" for k, v in seen.items())
            )
    rows = []
    for name, runs in seen.items():
        wall, cpu = min(w for w, _ in runs), statistics.median(c for _, c in runs)
        rows.append((name, f"{wall:.2f}", f"{ideal:.2f}", f"{wall / ideal:.2f}", f"{cpu / n * 1e6:,.0f}"))
    print()
    table(rows, ("client", "wall s (best)", "ideal s", "wall/ideal", "CPU us/call"))
    ratio = min(w for w, _ in seen["nbconnect run()"]) / ideal
    print(f"\nnbconnect wall / ideal = {ratio:.2f}  (target <= 1.15: {'met' if ratio <= 1.15 else 'MISSED'})")


if __name__ == "__main__":
    main()

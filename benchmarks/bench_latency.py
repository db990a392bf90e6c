"""Latency-bound run: 2,000 calls, 100 ms added server latency, concurrency 64.

    .venv/bin/python benchmarks/bench_latency.py [--calls 2000] [--concurrency 64] [--latency 0.1]
        [--rounds 3] [--server uvicorn|fake]

With 64 calls in flight and every answer taking 100 ms, the ideal wall time is
ceil(calls / 64) x 0.1 s (3.2 s for 2,000 calls). This prints the wall time over that ideal and
the client's CPU per call for

- ``nbc.run(..., concurrency=64)`` with every other option at its default (cache on, in a fresh
  file; progress bar on; per_connection = concurrency): the figure issue 19 asks for;
- ``nbc.run`` with ``cache=False, progress=False`` (what the engine itself costs);
- the baselines of bench_overhead.py from the same run: a bare aiohttp loop, httpx on the
  httpx-aiohttp transport, and a plain httpx loop.

The server is the independent uvicorn app of ``_asgi.py`` by default (``--server fake``: the
project's FakeProvider), in a child process; it counts the requests it had in flight at once,
printed for the nbconnect runs. Targets (issue 19): nbconnect with defaults <= 1.15x ideal and
<= 1,000 us of client CPU per call. Wall time is the best of ``--rounds`` (the least disturbed by
other load), CPU the median; a warm-up run goes first.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import urllib.request

from _common import SERVERS, machine, server, table
from bench_overhead import baselines, nbconnect_run, rounds

DEFAULTS = "nbconnect run(), default options"


def _max_in_flight(url: str) -> int | None:
    """The uvicorn app's own count of requests in flight at once since its last reset (and its
    CPU per request, printed: a server near a full core is what limits the run then)."""
    try:
        with urllib.request.urlopen(url + "/_stats", timeout=5) as resp:
            stats = json.loads(resp.read())
        urllib.request.urlopen(urllib.request.Request(url + "/_reset", method="POST"), timeout=5).close()
    except OSError:  # the FakeProvider has no such route
        return None
    if stats["count"]:
        print(f"    (server: {stats['cpu_s'] / stats['count'] * 1e6:,.0f} us CPU/request)", end="")
    return stats["max_in_flight"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--server", choices=SERVERS, default="uvicorn", help="the loopback server (default: uvicorn)"
    )
    args = ap.parse_args()
    n, conc, lat = args.calls, args.concurrency, args.latency
    ideal = math.ceil(n / conc) * lat
    print(
        f"latency-bound: {n} calls, {lat * 1000:.0f} ms latency, concurrency {conc}, {args.server} server; {machine()}"
    )
    in_flight: dict[str, list[int]] = {}

    def watched(name: str, go):
        def run():
            _max_in_flight(url)  # reset the server's count
            out = go()
            if (peak := _max_in_flight(url)) is not None:
                in_flight.setdefault(name, []).append(peak)
            return out

        return run

    with server(lat, kind=args.server) as url:
        variants = {
            DEFAULTS: watched(DEFAULTS, lambda: nbconnect_run(url, n, conc, defaults=True)),
            "nbconnect run(), cache/progress off": lambda: nbconnect_run(url, n, conc),
            **baselines(url, n, conc),
        }
        nbconnect_run(url, 2 * conc, conc, defaults=True)  # warm-up
        seen = rounds(variants, n, args.rounds, lambda wall: f"{wall:.2f} s")
    rows = []
    for name, runs in seen.items():
        wall, cpu = min(w for w, _ in runs), statistics.median(c for _, c in runs)
        rows.append((name, f"{wall:.2f}", f"{ideal:.2f}", f"{wall / ideal:.2f}", f"{cpu / n * 1e6:,.0f}"))
    print()
    table(rows, ("client", "wall s (best)", "ideal s", "wall/ideal", "CPU us/call (median)"))
    ratio = min(w for w, _ in seen[DEFAULTS]) / ideal
    cpu = statistics.median(c for _, c in seen[DEFAULTS]) / n * 1e6
    print(
        f"\nnbconnect (defaults) wall / ideal = {ratio:.2f}  (target <= 1.15: {'met' if ratio <= 1.15 else 'MISSED'})"
    )
    print(
        f"nbconnect (defaults) client CPU = {cpu:,.0f} us/call  (target <= 1,000: {'met' if cpu <= 1000 else 'MISSED'})"
    )
    if DEFAULTS in in_flight:
        print(f"server's most requests in flight at once, per round (defaults): {in_flight[DEFAULTS]}")


if __name__ == "__main__":
    main()

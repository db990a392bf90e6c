"""Client overhead: 2,000 calls, no added latency — nbconnect vs a plain httpx loop vs the openai SDK.

    .venv/bin/python benchmarks/bench_overhead.py [--calls 2000] [--concurrency 32] [--rounds 3] [--in-process]

Every variant sends the same request bodies (the ones nbconnect builds) at the same concurrency
to the same loopback FakeProvider, each run in a fresh event loop. The server runs in a child
process by default, so that its CPU is not charged to the client being measured.

- plain httpx: one ``httpx.AsyncClient`` (pool = concurrency), an ``asyncio.Semaphore``, and
  ``json.loads`` of the answer; warmed up with 2 x concurrency calls on the same client.
- openai SDK: ``AsyncOpenAI(base_url=..., max_retries=0)``, ``chat.completions.create(**body)``
  (same ``response_format``), warmed up the same way.
- nbconnect: ``run(...)`` end to end (plan, calls, parsing, schema validation, Results), with
  ``cache=False, progress=False``; warmed up by a first ``run`` of 2 x concurrency rows.

The variants are interleaved for ``--rounds`` rounds; calls/s is the best round (least disturbed
by other load on the machine), CPU is this process's CPU time per call (median round), a figure
that other load disturbs much less. Targets (issue 4): nbconnect >= 0.8x plain, >= 1.5x the SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx
from _common import MODEL, SCHEMA, TEMPLATE, bodies, machine, org_for, server, table, texts

import nbconnect as nbc


async def plain_httpx(url: str, payloads: list[dict], warm: list[dict], conc: int) -> tuple[float, float]:
    gate = asyncio.Semaphore(conc)
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one(body: dict) -> None:
            async with gate:
                resp = await client.post(url + "/v1/chat/completions", json=body)
                resp.raise_for_status()
                json.loads(resp.json()["choices"][0]["message"]["content"])

        await asyncio.gather(*(one(b) for b in warm))
        return await _timed(asyncio.gather(*(one(b) for b in payloads)))


async def openai_sdk(url: str, payloads: list[dict], warm: list[dict], conc: int) -> tuple[float, float]:
    from openai import AsyncOpenAI

    gate = asyncio.Semaphore(conc)
    async with AsyncOpenAI(base_url=url + "/v1", api_key="sk-bench", max_retries=0) as client:

        async def one(body: dict) -> None:
            async with gate:
                out = await client.chat.completions.create(**body)
                json.loads(out.choices[0].message.content)

        await asyncio.gather(*(one(b) for b in warm))
        return await _timed(asyncio.gather(*(one(b) for b in payloads)))


async def _timed(awaitable) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await awaitable
    return time.perf_counter() - wall, time.process_time() - cpu


def nbconnect_run(url: str, n: int, conc: int) -> tuple[float, float]:
    org, data = org_for(url), texts(n)
    wall, cpu = time.perf_counter(), time.process_time()
    res = nbc.run(
        TEMPLATE, data=data, schema=SCHEMA, models=[MODEL], org=org,
        concurrency=conc, per_connection=conc, cache=False, progress=False,
    )  # fmt: skip
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not res.df["_valid"].all():
        raise RuntimeError(f"nbconnect cells failed: {res.df['_error'].dropna().head().tolist()}")
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--in-process", action="store_true", help="serve from a thread of this process")
    args = ap.parse_args()
    n, conc = args.calls, args.concurrency
    where = "a thread of this process" if args.in_process else "a child process"
    print(f"overhead: {n} calls, concurrency {conc}, no added latency, server in {where}; {machine()}")
    payloads, warm = bodies(n), bodies(2 * conc)
    with server(0.0, in_process=args.in_process) as url:
        variants = {
            "plain httpx loop": lambda: asyncio.run(plain_httpx(url, payloads, warm, conc)),
            "openai SDK (AsyncOpenAI)": lambda: asyncio.run(openai_sdk(url, payloads, warm, conc)),
            "nbconnect run()": lambda: nbconnect_run(url, n, conc),
        }
        nbconnect_run(url, 2 * conc, conc)  # warm-up: imports, catalog, the remembered JSON mode
        seen: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
        for r in range(args.rounds):
            for name, go in variants.items():
                seen[name].append(go())
            print(
                f"  round {r + 1}: "
                + ", ".join(f"{k.split()[0]} {n / v[-1][0]:,.0f}/s" for k, v in seen.items())
            )
    rate = {k: n / min(w for w, _ in v) for k, v in seen.items()}
    cpu = {k: statistics.median(c for _, c in v) / n * 1e6 for k, v in seen.items()}
    print()
    table(
        [(k, f"{rate[k]:,.0f}", f"{cpu[k]:,.0f}") for k in variants],
        ("client", "calls/s (best)", "CPU us/call"),
    )
    nb = "nbconnect run()"
    for other, target in (("plain httpx loop", 0.8), ("openai SDK (AsyncOpenAI)", 1.5)):
        ratio, by_cpu = rate[nb] / rate[other], cpu[other] / cpu[nb]
        verdict = "met" if ratio >= target else "MISSED"
        print(
            f"nbconnect / {other:<25} {ratio:5.2f}x calls/s, {by_cpu:5.2f}x by CPU  (target >= {target}: {verdict})"
        )


if __name__ == "__main__":
    main()

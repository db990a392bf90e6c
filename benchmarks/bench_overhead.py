"""Client overhead: 2,000 calls, no added latency — nbconnect vs a plain httpx loop vs the openai SDK.

    .venv/bin/python benchmarks/bench_overhead.py [--calls 2000] [--concurrency 32] [--in-process]

Every variant sends the same request bodies at the same concurrency to the same loopback
FakeProvider (a child process by default, so its CPU is not charged to the client), in a fresh
event loop, after a warm-up. Targets (issue 4): nbconnect >= 0.8x the plain loop, >= 1.5x the SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
from _common import SCHEMA, TEMPLATE, MODEL, bodies, machine, org_for, server, table, texts

from nbconnect._api import run  # nbc.run once it is exported


def bench_nbconnect(url: str, n: int, conc: int) -> float:
    org = org_for(url)

    def once(k: int) -> float:
        started = time.perf_counter()
        res = run(
            TEMPLATE, data=texts(k), schema=SCHEMA, models=[MODEL], org=org,
            concurrency=conc, per_connection=conc, cache=False, progress=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        assert res.df["_valid"].all(), res.df["_error"].dropna().head()
        return elapsed

    once(2 * conc)  # warm-up: imports, the connection pool, the remembered JSON mode
    return n / once(n)


async def _httpx(url: str, payloads: list[dict], conc: int) -> None:
    gate = asyncio.Semaphore(conc)
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one(body: dict) -> None:
            async with gate:
                resp = await client.post(url + "/v1/chat/completions", json=body)
                resp.raise_for_status()
                json.loads(resp.json()["choices"][0]["message"]["content"])

        await asyncio.gather(*(one(b) for b in payloads))


async def _sdk(url: str, payloads: list[dict], conc: int) -> None:
    from openai import AsyncOpenAI

    gate = asyncio.Semaphore(conc)
    async with AsyncOpenAI(base_url=url + "/v1", api_key="sk-bench", max_retries=0) as client:

        async def one(body: dict) -> None:
            async with gate:
                out = await client.chat.completions.create(**body)
                json.loads(out.choices[0].message.content)

        await asyncio.gather(*(one(b) for b in payloads))


def bench_async(fn, url: str, n: int, conc: int) -> float:
    payloads = bodies(n)

    async def main() -> float:
        await fn(url, payloads[: 2 * conc], conc)  # warm-up (in this loop: imports, code paths)
        started = time.perf_counter()
        await fn(url, payloads, conc)
        return n / (time.perf_counter() - started)

    return asyncio.run(main())  # a fresh event loop per variant


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--in-process", action="store_true", help="run the server in a thread of this process")
    args = ap.parse_args()
    n, conc = args.calls, args.concurrency
    where = "thread of this process" if args.in_process else "child process"
    print(f"overhead: {n} calls, concurrency {conc}, no added latency; server in a {where}; {machine()}\n")
    with server(0.0, in_process=args.in_process) as url:
        rates = {
            "plain httpx loop": bench_async(_httpx, url, n, conc),
            "openai SDK (AsyncOpenAI)": bench_async(_sdk, url, n, conc),
            "nbconnect run()": bench_nbconnect(url, n, conc),
        }
    table([(k, f"{v:,.0f}") for k, v in rates.items()], ("client", "calls/s"))
    nb = rates["nbconnect run()"]
    plain, sdk = nb / rates["plain httpx loop"], nb / rates["openai SDK (AsyncOpenAI)"]
    print(f"\nnbconnect / plain httpx = {plain:.2f}  (target >= 0.80: {'met' if plain >= 0.8 else 'MISSED'})")
    print(f"nbconnect / openai SDK  = {sdk:.2f}  (target >= 1.50: {'met' if sdk >= 1.5 else 'MISSED'})")


if __name__ == "__main__":
    main()

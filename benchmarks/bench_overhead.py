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
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import MODEL, SCHEMA, SERVERS, TEMPLATE, bodies, machine, org_for, server, table, texts

import nbconnect as nbc


async def _loop(post, payloads: list[dict], warm: list[dict], conc: int) -> tuple[float, float]:
    """Send every body through ``post`` (an async function), ``conc`` at a time; warm up first."""
    gate = asyncio.Semaphore(conc)

    async def one(body: dict) -> None:
        async with gate:
            json.loads(await post(body))

    await asyncio.gather(*(one(b) for b in warm))
    return await _timed(asyncio.gather(*(one(b) for b in payloads)))


async def plain_httpx(url: str, payloads: list[dict], warm: list[dict], conc: int, transport=None):
    """One httpx.AsyncClient (pool = concurrency); ``transport``: httpx's own, or another one."""
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(limits=limits, timeout=60, transport=transport) as client:

        async def post(body: dict) -> str:
            resp = await client.post(url + "/v1/chat/completions", json=body)
            resp.raise_for_status()
            return resp.json()["choices"][0]["message"]["content"]

        return await _loop(post, payloads, warm, conc)


async def httpx_on_aiohttp(url: str, payloads: list[dict], warm: list[dict], conc: int):
    """The same httpx loop on httpx-aiohttp's transport (what the openai SDK's DefaultAioHttpClient uses)."""
    from httpx_aiohttp import AiohttpTransport

    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    return await plain_httpx(url, payloads, warm, conc, AiohttpTransport(limits=limits))


async def bare_aiohttp(url: str, payloads: list[dict], warm: list[dict], conc: int):
    """aiohttp alone: one ClientSession (connector limit = concurrency), no httpx at all."""
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session:

        async def post(body: dict) -> str:
            async with session.post(url + "/v1/chat/completions", json=body) as resp:
                resp.raise_for_status()
                return (await resp.json())["choices"][0]["message"]["content"]

        return await _loop(post, payloads, warm, conc)


def baselines(url: str, n: int, conc: int) -> dict[str, Any]:
    """The reference loops, each a fresh event loop per call, sending nbconnect's request bodies."""
    payloads, warm = bodies(n), bodies(2 * conc)
    return {
        "bare aiohttp loop": lambda: asyncio.run(bare_aiohttp(url, payloads, warm, conc)),
        "httpx on aiohttp transport": lambda: asyncio.run(httpx_on_aiohttp(url, payloads, warm, conc)),
        "plain httpx loop": lambda: asyncio.run(plain_httpx(url, payloads, warm, conc)),
    }


async def openai_sdk(url: str, payloads: list[dict], warm: list[dict], conc: int) -> tuple[float, float]:
    from openai import AsyncOpenAI

    async with AsyncOpenAI(base_url=url + "/v1", api_key="sk-bench", max_retries=0) as client:

        async def post(body: dict) -> str:
            out = await client.chat.completions.create(**body)
            return out.choices[0].message.content

        return await _loop(post, payloads, warm, conc)


async def _timed(awaitable) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await awaitable
    return time.perf_counter() - wall, time.process_time() - cpu


def nbconnect_run(url: str, n: int, conc: int, *, defaults: bool = False) -> tuple[float, float]:
    """``nbc.run`` end to end. ``defaults``: only ``concurrency=`` set, every other option at its
    default (cache on, in a fresh file; progress bar on), else ``cache=False, progress=False``."""
    org, data = org_for(url), texts(n)
    if defaults:
        folder = tempfile.mkdtemp(prefix="nbc-bench-")
        opts: dict[str, Any] = {"cache": str(Path(folder) / "replies.sqlite")}
    else:
        opts = {"per_connection": conc, "cache": False, "progress": False}
    wall, cpu = time.perf_counter(), time.process_time()
    res = nbc.run(TEMPLATE, data=data, schema=SCHEMA, models=[MODEL], org=org, concurrency=conc, **opts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not res.df["_valid"].all():
        raise RuntimeError(f"nbconnect cells failed: {res.df['_error'].dropna().head().tolist()}")
    if defaults:
        shutil.rmtree(folder, ignore_errors=True)
    return wall, cpu


def rounds(variants: dict[str, Any], n: int, count: int, show) -> dict[str, list[tuple[float, float]]]:
    """Run the variants interleaved ``count`` times; (wall s, CPU s) of each run, by variant."""
    seen: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for r in range(count):
        for name, go in variants.items():
            seen[name].append(go())
        print(f"  round {r + 1}: " + ", ".join(f"{k.split()[0]} {show(v[-1][0])}" for k, v in seen.items()))
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--server", choices=SERVERS, default="uvicorn", help="the loopback server (default: uvicorn)"
    )
    ap.add_argument(
        "--in-process", action="store_true", help="serve from a thread of this process (fake only)"
    )
    args = ap.parse_args()
    n, conc = args.calls, args.concurrency
    where = "a thread of this process" if args.in_process and args.server == "fake" else "a child process"
    print(
        f"overhead: {n} calls, concurrency {conc}, no added latency, {args.server} server in {where}; {machine()}"
    )
    payloads, warm = bodies(n), bodies(2 * conc)
    with server(0.0, in_process=args.in_process, kind=args.server) as url:
        variants = {
            **baselines(url, n, conc),
            "openai SDK (AsyncOpenAI)": lambda: asyncio.run(openai_sdk(url, payloads, warm, conc)),
            "nbconnect run()": lambda: nbconnect_run(url, n, conc),
        }
        nbconnect_run(url, 2 * conc, conc)  # warm-up: imports, catalog, the remembered JSON mode
        seen = rounds(variants, n, args.rounds, lambda wall: f"{n / wall:,.0f}/s")
    rate = {k: n / min(w for w, _ in v) for k, v in seen.items()}
    cpu = {k: statistics.median(c for _, c in v) / n * 1e6 for k, v in seen.items()}
    print()
    table(
        [(k, f"{rate[k]:,.0f}", f"{cpu[k]:,.0f}") for k in variants],
        ("client", "calls/s (best)", "CPU us/call (median)"),
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

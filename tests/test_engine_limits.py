"""Limits measured where they matter, on the server: global ``concurrency``, ``per_connection`` and its
default, ``rpm``; the adaptive per-connection limit after a 429; echoed half-masked keys kept out of
errors, logs and Results."""

from __future__ import annotations

import asyncio
import logging

import pytest
from _orgs import custom_org

from nbconnect._engine import limits
from nbconnect._engine.api import run
from nbconnect._engine.limits import Gate
from nbconnect.testing import Fault

SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review number {i}: it was {'great' if i % 2 else 'awful'}" for i in range(24)]


def go(server, models=("model-a",), rows: int = 12, **kw):
    org = custom_org(server, *models)
    kw.setdefault("cache", False)
    kw.setdefault("progress", False)
    return run("Classify: {text}", data=TEXTS[:rows], schema=SCHEMA, models=list(models), org=org, **kw)


# -- concurrency, measured by the server -------------------------------------------------------------


def test_global_concurrency_holds_across_connections(server):
    server.latency = 0.2
    res = go(server, models=("model-a", "model-b", "model-c"), concurrency=4)
    assert res.df["_valid"].all() and len(res.df) == 36
    assert server.max_in_flight == 4  # never more, and the run did use all four


def test_per_connection_caps_each_connection(server):
    server.latency = 0.2
    res = go(server, models=("model-a",), concurrency=16, per_connection=3)
    assert res.df["_valid"].all()
    assert server.max_in_flight == 3


def test_per_connection_defaults_to_the_global_concurrency(server):
    server.latency = 1.0  # every call is still in flight when the last one starts
    res = go(server, models=("model-a",), concurrency=12)
    assert res.df["_valid"].all()
    assert server.max_in_flight == 12  # not the old fixed default of 8


def test_rpm_limits_starts_in_every_window(server, monkeypatch):
    monkeypatch.setattr(limits, "RPM_WINDOW", 1.0)  # rpm counts starts per window; a second, here
    res = go(server, rows=7, rpm=3)
    assert res.df["_valid"].all()
    starts = sorted(r.time for r in server.requests if r.path.endswith("/chat/completions"))
    assert len(starts) == 7
    # any 4 consecutive starts span at least a window (arrival can lag the start a little)
    assert min(later - first for first, later in zip(starts, starts[3:])) >= 0.8


# -- the adaptive limit --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_rate_limit_halves_the_limit_once_per_burst_and_successes_win_it_back():
    gate = Gate(8, grow_after=2)
    tickets = []
    for _ in range(3):
        async with gate as ticket:
            tickets.append(ticket)
    gate.rate_limited(0, tickets[0])
    assert (gate.limit, gate.cuts) == (4, 1)
    gate.rate_limited(0, tickets[2])  # admitted before the cut: the same burst
    assert (gate.limit, gate.cuts) == (4, 1)
    async with gate as later:
        pass
    gate.rate_limited(0, later)  # a call admitted after the cut hit the limit again
    assert (gate.limit, gate.cuts) == (2, 2)
    gate.succeeded()
    assert gate.limit == 2
    gate.succeeded()
    assert gate.limit == 3  # one more per grow_after (2) successes in a row
    gate.succeeded()
    assert gate.limit == 3
    gate.succeeded()
    assert gate.limit == 4
    for _ in range(20):
        gate.succeeded()
    assert gate.limit == gate.cap == 8  # never above the cap


@pytest.mark.anyio
async def test_by_default_the_limit_grows_by_one_per_round_of_calls():
    gate = Gate(8)
    async with gate as ticket:
        pass
    gate.rate_limited(0, ticket)
    for _ in range(3):
        gate.succeeded()
    assert gate.limit == 4
    gate.succeeded()  # the fourth success at limit 4: a full round
    assert gate.limit == 5


@pytest.mark.anyio
async def test_halving_rounds_down_and_never_reaches_zero():
    gate = Gate(3)
    async with gate as first:
        pass
    gate.rate_limited(0, first)
    assert gate.limit == 1  # 3 // 2: a whole number of calls
    async with gate as second:
        pass
    gate.rate_limited(0, second)
    assert gate.limit == 1  # one call at a time is as low as it goes


@pytest.mark.anyio
async def test_the_gate_admits_no_more_than_its_current_limit():
    gate = Gate(4)
    async with gate as ticket:
        pass
    gate.rate_limited(0, ticket)  # limit 2
    inside: list[int] = []
    leave = [asyncio.Event() for _ in range(6)]

    async def call(k: int) -> None:
        async with gate:
            inside.append(k)
            await leave[k].wait()
            inside.remove(k)

    async def settle() -> None:
        for _ in range(20):  # give every waiter its chance to get in
            await asyncio.sleep(0)

    tasks = [asyncio.ensure_future(call(k)) for k in range(6)]
    await settle()
    for k in range(6):  # one call leaves at a time: exactly one waiter takes its place
        assert len(inside) == min(2, 6 - k) and gate.active == len(inside), (k, inside)
        leave[inside[0]].set()
        await settle()
    await asyncio.gather(*tasks)
    assert gate.active == 0


class FakeTime:
    """A clock that moves only when the gate sleeps, recording each sleep."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.anyio
async def test_rpm_waits_exactly_until_the_oldest_start_leaves_the_window():
    t = FakeTime()
    gate = Gate(8, rpm=2, clock=t.clock, sleep=t.sleep)
    async with gate:  # t = 100
        pass
    t.now = 110.0
    async with gate:  # t = 110: two starts in the window
        pass
    async with gate:  # the third waits for the start at 100 to be a minute old
        pass
    assert t.sleeps == [pytest.approx(50.0)] and t.now == pytest.approx(160.0)
    async with gate:  # now the window holds 110 and 160: wait until 170
        pass
    assert t.sleeps[1:] == [pytest.approx(10.0)]


@pytest.mark.anyio
async def test_a_pause_holds_every_new_call_for_exactly_its_length():
    t = FakeTime()
    gate = Gate(4, clock=t.clock, sleep=t.sleep)
    async with gate as ticket:
        pass
    gate.rate_limited(2.5, ticket)
    gate.pause(1.0)  # a shorter pause does not shorten the longer one
    async with gate:
        pass
    async with gate:
        pass
    assert t.sleeps == [pytest.approx(2.5)]


@pytest.mark.anyio
async def test_a_cancelled_waiter_gives_its_place_back():
    gate = Gate(1)
    await gate.__aenter__()
    waiter = asyncio.ensure_future(gate.__aenter__())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await gate.__aexit__()
    async with gate:  # would hang if the cancelled waiter had kept the slot
        assert gate.active == 1
    assert gate.active == 0


def test_a_429_lowers_the_connections_limit_and_progress_shows_it(server):
    server.latency = 0.05
    server.script("/chat/completions", [Fault("rate_limit", retry_after=0.2)])
    seen = []
    res = go(server, rows=12, concurrency=8, on_progress=lambda p: seen.append(p.models["model-a"].limit))
    assert res.df["_valid"].all()
    assert 0 < min(v for v in seen if v) < 8  # halved after the 429
    assert res.summary().loc["model-a", "wait_s"] == pytest.approx(0.2)


# -- echoed keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("echoed", ["sk-...9f3c", "sk-proj-abc*******************9f3c"])
def test_half_masked_keys_a_provider_echoes_stay_out_of_errors_logs_and_results(server, caplog, echoed):
    caplog.set_level(logging.DEBUG)
    message = f"Incorrect API key provided: {echoed}. Find your key at the dashboard"
    server.script("/chat/completions", [Fault("status", status=401, message=message)])
    res = go(server, rows=2, per_connection=1)
    df = res.df
    # the refused key holds back the second row (test_refused_key.py); its message is checked below too
    assert df["_error_type"].iloc[1] == "not_sent"
    bad = df.loc[~df["_valid"] & df["_error_type"].ne("not_sent")]
    assert bad["_error_type"].tolist() == ["authentication"]
    assert "<key>" in bad["_error"].iloc[0]
    for where, text in {
        "dataframe": df.to_csv(),
        "summary": res.summary().to_string(),
        "logs": caplog.text,
    }.items():
        assert echoed not in text, where

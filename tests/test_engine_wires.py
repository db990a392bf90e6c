"""The engine on each wire family (OpenAI, Anthropic, Google formats of FakeProvider): exact retry
counts, the 429 pause with each family's hint, the budget with many calls in flight, the cache,
and hints the engine must survive (malformed, HTTP dates). Counts come from the server's own log."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

import pytest

import nbconnect as nbc
from nbconnect._engine.api import run
from nbconnect.testing import FakeProvider, Fault

KEY = "sk-test-engine-wires-0000"
SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review number {i}: it was {'great' if i % 2 else 'awful'}" for i in range(40)]


@dataclass(frozen=True)
class Family:
    name: str
    model: str  # the model reference
    path: str  # what the generate route's path contains

    def connection(self, url: str) -> nbc.Connection:
        if self.name == "openai":
            return nbc.OpenAI(api_key=KEY, base_url=f"{url}/v1")
        if self.name == "anthropic":
            return nbc.Anthropic(api_key=KEY, base_url=url)
        return nbc.Gemini(api_key=KEY, base_url=url)


FAMILIES = [
    Family("openai", "openai:gpt-4.1-mini", "/chat/completions"),
    Family("anthropic", "anthropic:claude-haiku-4-5", "/v1/messages"),
    Family("google", "gemini:gemini-2.5-flash", ":generateContent"),
]


@pytest.fixture(params=FAMILIES, ids=[f.name for f in FAMILIES])
def family(request) -> Family:
    return request.param


@pytest.fixture
def server():
    with FakeProvider(api_keys={KEY}) as srv:
        yield srv


def go(server, family: Family, rows: int, **kw):
    org = nbc.Organization(persist=False)
    org.add(family.connection(server.url))
    kw.setdefault("cache", False)
    kw.setdefault("progress", False)
    return run("Classify: {text}", data=TEXTS[:rows], schema=SCHEMA, models=[family.model], org=org, **kw)


def sent(server, family: Family) -> list:
    return [r for r in server.requests if family.path in r.path]


# A retryable failure whose hint says "now", so retry counts are tested without backoff sleeps.
NOW_FAIL = Fault("server_error", headers={"retry-after": "0"})


@pytest.mark.parametrize("max_retries", [0, 1, 2, 3])
def test_a_cell_is_tried_exactly_max_retries_plus_one_times(server, family, max_retries):
    server.script(family.path, [NOW_FAIL] * (max_retries + 1))
    res = go(server, family, 1, max_retries=max_retries)
    cell = res.df.iloc[0]
    assert not cell["_valid"] and cell["_error_type"] == "server_error"
    assert cell["_attempts"] == max_retries + 1
    assert len(sent(server, family)) == max_retries + 1

    server.reset()
    server.script(family.path, [NOW_FAIL] * max_retries)  # the last allowed attempt succeeds
    res = go(server, family, 1, max_retries=max_retries)
    cell = res.df.iloc[0]
    assert cell["_valid"] and cell["_attempts"] == max_retries + 1
    assert len(sent(server, family)) == max_retries + 1


def test_a_429_pauses_the_connection_for_the_familys_hint(server, family):
    # OpenAI and Anthropic send retry-after; Google sends RetryInfo.retryDelay ("0.5s") in the body.
    server.latency = 0.1
    server.script(family.path, [Fault("rate_limit", retry_after=0.5)])
    progress = []
    res = go(server, family, 6, per_connection=2, on_progress=progress.append)
    df = res.df
    assert df["_valid"].all()
    assert df["_attempts"].tolist().count(2) == 1 and df["_wait_s"].max() == pytest.approx(0.5)
    times = sorted(r.time for r in sent(server, family))
    assert len(times) == 7
    # Two calls went out at once; the first got the 429 (answered 0.1 s after it arrived). The
    # other worker was free long before the pause ended, yet nothing else started until then.
    assert times[2] - times[0] >= 0.55
    stats = progress[-1].models[family.model]
    assert stats.retries == 1 and stats.wait_s == pytest.approx(0.5)


def test_a_quota_sized_hint_is_recorded_not_waited_for(server, family):
    server.script(family.path, [Fault("rate_limit", retry_after=3600)])
    res = go(server, family, 3, per_connection=1)
    df = res.df
    bad = df.loc[~df["_valid"]]
    assert len(bad) == 1 and bad["_attempts"].tolist() == [1]
    assert "exhausted quota" in bad["_error"].iloc[0]
    assert df["_wait_s"].sum() == 0  # nobody else waited either: the connection was not paused
    assert len(sent(server, family)) == 3


def test_budget_with_many_calls_in_flight_overshoots_by_at_most_one_call(server, family):
    server.latency = 0.3  # calls overlap, so many are in flight when the budget is checked
    per_call = go(server, family, 32, dry_run=True).cost_usd / 32
    assert per_call > 0  # the catalog prices these models
    budget = 10.5 * per_call
    res = go(server, family, 32, concurrency=16, budget_usd=budget)
    df = res.df
    answered = df.loc[df["_valid"]]
    assert server.max_in_flight >= 8
    assert answered["_cost_usd"].sum() <= budget + answered["_cost_usd"].max()
    skipped = df["_error_type"] == "budget"
    assert skipped.any() and len(answered) >= 8
    assert len(sent(server, family)) == len(answered)


def test_the_cache_answers_a_rerun_without_a_request(server, family, tmp_path):
    cache = str(tmp_path / "cache.sqlite")
    first = go(server, family, 5, cache=cache)
    assert first.df["_valid"].all() and len(sent(server, family)) == 5
    again = go(server, family, 5, cache=cache)
    assert len(sent(server, family)) == 5  # nothing new was sent
    assert again.df["_cached"].all()
    assert again.df["label"].tolist() == first.df["label"].tolist()


HEADER_FAMILIES = [f for f in FAMILIES if f.name != "google"]  # Google's hint is in the body


@pytest.mark.parametrize("fam", HEADER_FAMILIES, ids=[f.name for f in HEADER_FAMILIES])
def test_a_malformed_retry_after_is_a_retried_rate_limit_not_an_internal_error(server, fam):
    server.script(fam.path, [Fault("rate_limit", headers={"retry-after": "soon"})])
    res = go(server, fam, 1)
    cell = res.df.iloc[0]
    assert cell["_valid"] and cell["_attempts"] == 2
    assert 0 < cell["_wait_s"] <= 0.5  # backed off without a hint (base 0.5 s)


@pytest.mark.parametrize("fam", HEADER_FAMILIES, ids=[f.name for f in HEADER_FAMILIES])
def test_an_http_date_retry_after_waits_until_that_time(server, fam):
    when = email.utils.formatdate(time.time() + 3, usegmt=True)  # whole seconds: 2 to 3 s ahead
    server.script(fam.path, [Fault("rate_limit", headers={"retry-after": when})])
    res = go(server, fam, 1)
    cell = res.df.iloc[0]
    assert cell["_valid"] and cell["_attempts"] == 2
    assert 0 < cell["_wait_s"] <= 3.0  # a date already past (the wrong sign) would give 0

"""The run engine against a real loopback server: retries, timeouts, resets, stop, cache, budget."""

from __future__ import annotations

import asyncio
import threading
import time

import pandas as pd
import pytest
from _orgs import custom_org

import nbconnect as nbc
from nbconnect._engine.api import arun, estimate, run, start
from nbconnect.testing import Fault

SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review number {i}: it was {'great' if i % 2 else 'awful'}" for i in range(12)]


def go(server, data=TEXTS, models=("model-a",), **kw):
    kw.setdefault("cache", False)
    kw.setdefault("progress", False)
    return run(
        "Classify: {text}",
        data=data,
        schema=SCHEMA,
        models=list(models),
        org=kw.pop("org", None) or custom_org(server, *models),
        **kw,
    )


def posts(server) -> int:
    return server.count("/chat/completions")


def test_every_cell_gets_a_valid_result(server):
    res = go(server, models=("model-a", "model-b"))
    df = res.df
    assert len(df) == 24 and df["_valid"].all()
    assert sorted(df["model"].unique()) == ["model-a", "model-b"]
    assert set(df["label"]) <= {"positive", "negative", "neutral"}
    assert posts(server) == 24
    # inputs are carried into the results, one row per input x model
    assert df.groupby("row")["text"].nunique().eq(1).all()


def test_429_retry_after_is_honoured_and_recorded(server):
    server.script("/chat/completions", [Fault("rate_limit", retry_after=0.4)])
    started = time.monotonic()
    res = go(server, data=TEXTS[:1])
    cell = res.df.iloc[0]
    assert cell["_valid"] and cell["_attempts"] == 2
    assert cell["_wait_s"] == pytest.approx(0.4)
    assert time.monotonic() - started >= 0.4
    assert posts(server) == 2


def test_429_pauses_the_whole_connection(server):
    server.script("/chat/completions", [Fault("rate_limit", retry_after=0.5)])
    res = go(server, data=TEXTS[:4], per_connection=4)
    assert res.df["_valid"].all()
    # after the 429, no request of that connection was sent before the pause ended
    times = sorted(r.time for r in server.requests if r.path.endswith("/chat/completions"))
    first_429 = times[0]
    later = [t for t in times[1:] if t - first_429 > 0.05]
    assert later and min(later) - first_429 >= 0.45


def test_500_then_success(server):
    server.script("/chat/completions", [Fault("server_error"), Fault("server_error")])
    res = go(server, data=TEXTS[:1])
    assert res.df.iloc[0]["_valid"] and res.df.iloc[0]["_attempts"] == 3


def test_connection_reset_is_retried(server):
    server.script("/chat/completions", [Fault("reset")])
    res = go(server, data=TEXTS[:1])
    assert res.df.iloc[0]["_valid"] and res.df.iloc[0]["_attempts"] == 2


def test_slower_than_timeout_is_a_recorded_timeout(server):
    server.script("/chat/completions", [Fault("slow", seconds=3)] * 3)
    res = go(server, data=TEXTS[:1], timeout=0.3, max_retries=0)
    cell = res.df.iloc[0]
    assert not cell["_valid"] and cell["_error_type"] == "timeout"
    assert "timed out" in cell["_error"]


def test_non_retryable_errors_are_recorded_once(server):
    server.script("/chat/completions", [Fault("status", status=401, message="bad key")])
    res = go(server, data=TEXTS[:1])
    cell = res.df.iloc[0]
    assert cell["_error_type"] == "authentication" and cell["_attempts"] == 1
    assert posts(server) == 1


def test_model_failures_do_not_lose_other_cells(server):
    server.script(
        "/chat/completions", [Fault("broken_json"), Fault("not_json", status=200), Fault("truncated")]
    )
    res = go(server, data=TEXTS[:6], per_connection=1, max_retries=0)
    df = res.df
    assert len(df) == 6
    assert df["_valid"].sum() == 3
    assert set(df.loc[~df["_valid"], "_error_type"]) == {"schema_mismatch", "server_error", "truncated"}


def test_cache_rerun_sends_nothing_for_finished_cells(server, tmp_path):
    cache = tmp_path / "c.sqlite"
    server.script("/chat/completions", [Fault("status", status=400, message="nope")])
    first = go(server, data=TEXTS[:5], cache=str(cache), per_connection=1)
    assert first.df["_valid"].sum() == 4 and posts(server) == 5
    second = go(server, data=TEXTS[:5], cache=str(cache))
    assert second.df["_valid"].all()
    assert posts(server) == 6  # only the failed cell was sent again
    assert second.df["_cached"].sum() == 4
    pd.testing.assert_series_equal(
        first.df.loc[first.df["_valid"], "label"], second.df.loc[first.df["_valid"], "label"]
    )


def test_redo_runs_only_cells_without_a_valid_result(server):
    server.script("/chat/completions", [Fault("status", status=400, message="nope")])
    first = go(server, data=TEXTS[:4], per_connection=1)
    again = go(server, data=TEXTS[:4], redo=first)
    assert posts(server) == 5
    assert len(again.df) == 4 and again.df["_valid"].all()


def test_budget_stops_scheduling(server):
    nbc.catalog.add("custom", "model-a", input_per_m=1000.0, output_per_m=1000.0)
    try:
        per_call = go(server, dry_run=True).cost_usd / len(TEXTS)
        budget = 3.5 * per_call
        res = go(server, data=TEXTS, per_connection=1, budget_usd=budget)
    finally:
        nbc.catalog.reset()
    df = res.df
    skipped = df["_error_type"] == "budget"
    assert skipped.any() and df["_valid"].sum() >= 3
    assert df.loc[df["_valid"], "_cost_usd"].sum() <= budget
    assert "budget" in df.loc[skipped, "_error"].iloc[0]
    assert posts(server) == int(df["_valid"].sum())


def test_stop_keeps_every_finished_cell(server):
    server.latency = 0.2
    org = custom_org(server)
    job = start(
        "Classify: {text}",
        data=TEXTS * 4,
        schema=SCHEMA,
        models=["model-a"],
        org=org,
        cache=False,
        progress=False,
        per_connection=4,
    )
    timer = threading.Timer(0.5, job.stop)
    timer.start()
    res = asyncio.run(job.arun())
    df = res.df
    finished = df["_valid"]
    assert 0 < finished.sum() < len(df)
    assert set(df.loc[~finished, "_error_type"]) == {"cancelled"}
    assert len(df) == 48


@pytest.mark.anyio
async def test_cancelling_arun_returns_what_finished(server):
    server.latency = 0.2
    task = asyncio.ensure_future(
        arun(
            "Classify: {text}",
            data=TEXTS * 4,
            schema=SCHEMA,
            models=["model-a"],
            org=custom_org(server),
            cache=False,
            progress=False,
            per_connection=4,
        )
    )
    await asyncio.sleep(0.5)
    task.cancel()
    res = await task
    assert 0 < res.df["_valid"].sum() < 48


@pytest.mark.anyio
async def test_sync_run_works_inside_a_running_loop(server):
    # A notebook cell: an event loop already runs in this thread.
    res = go(server, data=TEXTS[:2])
    assert res.df["_valid"].all()


def test_missing_template_columns_are_listed(server):
    with pytest.raises(nbc.TemplateError, match=r"\{title\}.*Columns: text"):
        run("About {title}: {text}", data=TEXTS, schema=SCHEMA, models=["model-a"], org=custom_org(server))
    assert posts(server) == 0


def test_unknown_model_reference_is_refused_before_any_request(server):
    with pytest.raises(nbc.UnknownModelError, match="nope"):
        run("x {text}", data=TEXTS, schema=SCHEMA, models=["nope:model"], org=custom_org(server))
    assert posts(server) == 0


def test_estimate_counts_calls_and_cost():
    est = estimate(
        "Classify: {text}",
        data=TEXTS,
        schema=SCHEMA,
        models=["demo:demo-careful", "demo:demo-fast"],
        org=nbc.Organization.demo(),
    )
    assert est.calls == 24
    assert est.df.loc["demo:demo-careful", "calls"] == 12
    assert est.df.loc["demo:demo-careful", "cost_usd"] > est.df.loc["demo:demo-fast", "cost_usd"] > 0


def test_dry_run_sends_nothing(server):
    est = go(server, dry_run=True)
    assert est.calls == 12 and posts(server) == 0


def test_row_selection(server):
    assert len(go(server, limit=3).df) == 3
    sampled = go(server, sample=4, seed=7).df
    assert len(sampled) == 4
    assert sampled["row"].tolist() == sorted(sampled["row"].tolist())
    assert go(server, sample=4, seed=7).df["row"].tolist() == sampled["row"].tolist()


def test_demo_models_differ_visibly():
    data = [
        f"I {'love' if i % 3 else 'hate'} this, {'great' if i % 2 else 'awful'} battery" for i in range(60)
    ]
    res = run(
        "Classify: {text}",
        data=data,
        schema=SCHEMA + ", aspects: list[str]",
        models=["demo:demo-careful", "demo:demo-fast", "demo:demo-echo"],
        org=nbc.Organization.demo(),
        cache=False,
        progress=False,
    )
    valid = res.df.groupby("model")["_valid"].mean()
    assert valid["demo:demo-careful"] == 1.0
    assert valid["demo:demo-fast"] < 1.0  # it breaks the schema now and then
    enforcement = res.df.groupby("model")["_enforcement"].first()
    assert enforcement["demo:demo-careful"] == "json_schema_strict"
    assert enforcement["demo:demo-fast"] == "json_object"  # no native JSON schema: fell back


def test_input_column_named_like_a_field_is_refused_before_any_request(server):
    data = [{"text": "good", "label": "positive"}]
    with pytest.raises(nbc.ConfigError, match="gold_label"):
        go(server, data=data)
    assert posts(server) == 0


def test_nested_pydantic_models_are_flattened():
    from pydantic import BaseModel

    from nbconnect._engine.plan import flat_fields
    from nbconnect._schema.schema import as_schema

    class Address(BaseModel):
        city: str
        zip: str

    class Person(BaseModel):
        name: str
        home: Address
        work: Address | None = None
        tags: list[str]

    assert flat_fields(as_schema(Person).json) == [
        "name",
        "home.city",
        "home.zip",
        "work.city",
        "work.zip",
        "tags",
    ]


def test_run_lists_its_options_and_rejects_unknown_ones():
    import inspect

    params = inspect.signature(nbc.run).parameters
    for name in (
        "system",
        "temperature",
        "max_tokens",
        "concurrency",
        "max_retries",
        "timeout",
        "budget_usd",
        "cache",
        "dry_run",
        "progress",
    ):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    with pytest.raises(TypeError, match="bogus"):
        nbc.run("x {text}", data=["a"], schema="a: str", models=["demo:demo-careful"], bogus=1)


def test_an_unexpected_answer_shape_is_recorded_and_the_run_goes_on(server):
    # a 200 whose body is an error object: no choices, no content
    server.script("/chat/completions", [Fault("status", status=200, message="not a completion")])
    res = go(server, data=TEXTS[:5], per_connection=1)
    df = res.df
    assert len(df) == 5 and df["_valid"].sum() == 4
    bad = df.loc[~df["_valid"]].iloc[0]
    assert bad["_error_type"] in ("empty", "internal") and bad["_error"]
    assert posts(server) == 5  # every other cell was still sent


def test_a_broken_progress_callback_does_not_end_the_run(server, caplog):
    def boom(_progress):
        raise RuntimeError("callback bug")

    res = go(server, data=TEXTS[:4], on_progress=boom)
    assert res.df["_valid"].all()
    assert "on_progress callback failed" in caplog.text


def test_a_quota_sized_retry_after_does_not_stall_the_connection(server):
    server.script("/chat/completions", [Fault("rate_limit", retry_after=3600)])
    res = go(server, data=TEXTS[:4], per_connection=1)
    df = res.df
    assert df["_valid"].sum() == 3
    assert df.loc[~df["_valid"], "_error_type"].tolist() == ["rate_limited"]
    # nobody waited: neither the cell that got the hint nor the ones queued behind it
    assert df["_wait_s"].sum() == 0 and df["_attempts"].tolist() == [1, 1, 1, 1]

"""Batch runs (``run(..., batch=True)``) against the fake's batch endpoints on real sockets.

The fake answers each batch line exactly as its live route would, on a clock the tests move
(``server.batch_clock``), so nothing waits hours and every answer can be predicted.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from _batch_jobs import lose_after_submission

import nbconnect as nbc
from nbconnect._catalog.catalog import catalog
from nbconnect._engine.api import estimate, resume, run, start
from nbconnect._engine.runner import run_job_blocking
from nbconnect._wire.batch.openai import OpenAIBatch
from nbconnect.testing import FakeProvider, Fault

TEMPLATE = "Classify: {text}"
SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review {i}: it was {'great' if i % 2 else 'awful'}" for i in range(10)]
MODELS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"]


def batch_org(server, *, local: bool = False) -> nbc.Organization:
    """The three batch providers on the fake; ``local`` adds a custom server (no batch API)."""
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key="sk-batch-test", base_url=f"{server.url}/v1"))
    org.add(nbc.Anthropic(api_key="sk-ant-batch", base_url=server.url))
    org.add(nbc.Gemini(api_key="AIza-batch", base_url=server.url))
    if local:
        org.add(nbc.CustomLLM(name="local-model", endpoint=f"{server.url}/v1", json_mode="json_schema"))
    return org


def run_args(server, tmp_path, *, data=TEXTS, models=MODELS, org=None, **kw) -> dict:
    """The arguments of a run of TEMPLATE on the fake, batched unless ``batch=False``; ``kw`` adds
    to or overrides them."""
    return {
        "data": data,
        "schema": SCHEMA,
        "models": models,
        "org": org or batch_org(server),
        "batch": True,
        "batch_poll": 0.01,
        "cache": str(tmp_path / "cache.sqlite"),
        "progress": False,
        **kw,
    }


def go(server, tmp_path, **kw):
    """A batch run of TEMPLATE on the fake, to its end."""
    return run(TEMPLATE, **run_args(server, tmp_path, **kw))


def batch_job(server, tmp_path, **kw):
    """The Job of a batch run of TEMPLATE on the fake, not yet started."""
    return start(TEMPLATE, **run_args(server, tmp_path, **kw))


def demo_batched_and_live(tmp_path, **kw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells of one Demo run of TEXTS through its in-process batch API, and of the same run live."""
    kw = dict(data=TEXTS, schema=SCHEMA, progress=False, **kw)
    batched = run(TEMPLATE, batch=True, batch_poll=0.01, cache=str(tmp_path / "c.sqlite"), **kw).df
    return batched, run(TEMPLATE, cache=False, **kw).df


def test_every_cell_comes_back_from_a_batch_at_batch_prices(server, tmp_path):
    res = go(server, tmp_path, batch_size=4)
    df = res.df
    assert len(df) == 30 and df["_valid"].all()
    live_paths = ("/v1/chat/completions", "/v1/messages")  # nothing went to the live routes
    assert not any(r.path in live_paths or r.path.endswith(":generateContent") for r in server.requests)
    # 10 cells per provider in batches of at most 4: 3 batches each, every line sent once
    assert server.batches.created == 9 and server.batches.lines_submitted() == 30
    assert df["_batch_id"].notna().all() and df.groupby("model")["_batch_id"].nunique().eq(3).all()
    # the same requests sent live get the same answers (the fake answers a function of the request)
    live = run(TEMPLATE, **run_args(server, tmp_path, batch=False, cache=False))
    pd.testing.assert_frame_equal(
        df[["label", "score", "_input_tokens"]], live.df[["label", "score", "_input_tokens"]]
    )
    for _, row in df.iterrows():  # priced at half the list price
        provider = row["provider"]
        info = catalog.get(provider, row["model"].split(":", 1)[1])
        tokens = [
            row[c] for c in ("_input_tokens", "_output_tokens", "_cached_tokens", "_cache_write_tokens")
        ]
        live = info.cost(*(None if pd.isna(t) else int(t) for t in tokens))
        assert row["_cost_usd"] == pytest.approx(live * 0.5)


def test_a_rerun_pays_nothing_and_submits_nothing(server, tmp_path):
    first = go(server, tmp_path)
    created = server.batches.created
    again = go(server, tmp_path)
    assert server.batches.created == created
    assert again.df["_cached"].all() and again.df["_valid"].all()
    assert list(again.df["label"]) == list(first.df["label"])


def test_estimate_says_which_connection_batches_and_prices_it(server, tmp_path):
    models = ["openai:gpt-4.1-mini", "local-model"]
    kw = run_args(server, tmp_path, models=models, org=batch_org(server, local=True))
    est = estimate(TEMPLATE, **kw)
    live = estimate(TEMPLATE, **{**kw, "batch": False})
    assert est.df.loc["openai:gpt-4.1-mini", "route"] == "batch"
    assert (
        est.df.loc["local-model", "route"].startswith("live: ")
        and "no batch API" in est.df.loc["local-model", "route"]
    )
    assert est.df.loc["openai:gpt-4.1-mini", "cost_usd"] == pytest.approx(
        live.df.loc["openai:gpt-4.1-mini", "cost_usd"] * 0.5
    )
    # the run does what the estimate says: the custom server's cells go live, the rest in a batch
    res = run(TEMPLATE, **kw)
    df = res.df
    assert df["_valid"].all()
    assert df.loc[df["model"] == "local-model", "_batch_id"].isna().all()
    assert df.loc[df["model"] == "openai:gpt-4.1-mini", "_batch_id"].notna().all()
    assert server.count("/chat/completions") == len(TEXTS)  # only the custom server's live calls


def test_vertex_runs_live_and_says_why(server, tmp_path):
    org = nbc.Organization(persist=False)
    org.add(
        nbc.VertexAI(
            credentials=server.service_account(), project="p", location="us-central1", base_url=server.url
        )
    )
    kw = run_args(server, tmp_path, data=TEXTS[:2], models=["vertex:gemini-2.5-flash"], org=org)
    est = estimate(TEMPLATE, **kw)
    assert "Cloud Storage" in est.df["route"].iloc[0]
    res = run(TEMPLATE, **kw)
    assert res.df["_valid"].all() and server.batches.created == 0


def test_batch_needs_the_cache_database(server, tmp_path):
    with pytest.raises(nbc.ConfigError, match="cache"):
        batch_job(server, tmp_path, cache=False)


def test_expired_half_done_batch_records_the_rest_and_redo_resubmits_only_those(server, tmp_path):
    server.batches.script(["expire_half", "ok", "ok"])
    first = go(server, tmp_path, models=MODELS[:1])
    df = first.df
    assert df["_valid"].sum() == 5
    failed = df[~df["_valid"]]
    assert set(failed["_error_type"]) == {"batch_expired"} and failed["_error"].str.contains("expired").all()
    lines = server.batches.lines_submitted()
    second = go(server, tmp_path, models=MODELS[:1], redo=first)
    assert server.batches.lines_submitted() - lines == 5  # only the expired cells went again
    assert second.df["_valid"].all() and len(second.df) == 10


def test_a_broken_result_line_and_a_failed_request_are_recorded_per_cell(server, tmp_path):
    server.batches.script(["broken_line"])
    openai = go(server, tmp_path, models=MODELS[:1]).df
    server.batches.script(["error_line"])
    anthropic = go(server, tmp_path, models=MODELS[1:2]).df
    bad = openai[~openai["_valid"]]
    assert len(bad) == 1 and bad["_error_type"].iloc[0] == "batch_missing"
    bad = anthropic[~anthropic["_valid"]]
    assert len(bad) == 1 and bad["_error_type"].iloc[0] == "batch_request_failed"
    assert "failed this request" in bad["_error"].iloc[0]
    assert openai["_valid"].sum() == anthropic["_valid"].sum() == 9


def test_azure_needs_a_batch_deployment_and_says_so(server, tmp_path):
    org = nbc.Organization(persist=False)
    org.add(nbc.AzureOpenAI(deployment="gpt-4o-std", endpoint=server.url, api_key="az-key-1234567890"))
    server.batches.not_batch.add("gpt-4o-std")
    res = go(server, tmp_path, models=["gpt-4o-std"], org=org)
    df = res.df
    assert not df["_valid"].any()
    assert df["_error"].str.contains("Global-Batch").all() and df["_error"].str.contains("gpt-4o-std").all()
    # a batch deployment works, on Azure's own paths
    server.batches.not_batch.clear()
    res = go(server, tmp_path, models=["gpt-4o-std"], org=org)
    assert res.df["_valid"].all()
    assert any(r.path == "/openai/batches" and "api-version" in r.query for r in server.requests)


def test_progress_shows_batch_states_while_waiting(server, tmp_path):
    server.batches.latency = 100.0  # fake seconds
    seen: list[dict[str, int]] = []

    def tick(progress):
        seen.append(dict(progress.batches))
        server.batch_clock.advance(seconds=7)

    res = go(server, tmp_path, models=MODELS[:1], on_progress=tick)
    assert res.df["_valid"].all()
    states = {s for counts in seen for s in counts}
    assert {"validating", "in_progress", "finalizing", "done"} <= states


def test_stop_cancels_the_provider_batches_and_keeps_what_finished(server, tmp_path):
    server.batches.latency = 10_000.0
    models = ["openai:gpt-4.1-mini", "local-model"]
    job = batch_job(server, tmp_path, models=models, org=batch_org(server, local=True))
    created = threading.Event()

    def watch():
        while not created.is_set():
            if server.batches.created and job.progress.models["local-model"].done == len(TEXTS):
                created.set()
                job.stop()
            created.wait(0.01)

    threading.Thread(target=watch, daemon=True).start()
    res = run_job_blocking(job)
    assert created.is_set()
    (batch,) = server.batches.batches.values()
    assert batch.cancelled_at is not None  # the provider batch was cancelled
    df = res.df
    assert df.loc[df["model"] == "local-model", "_valid"].all()  # the live cells that finished are kept
    assert (df.loc[df["model"] == "openai:gpt-4.1-mini", "_error_type"] == "cancelled").all()


def test_splits_by_bytes_within_the_provider_limit(server, tmp_path, monkeypatch):
    monkeypatch.setattr(OpenAIBatch, "max_bytes", 1500)  # a few lines per batch
    res = go(server, tmp_path, models=MODELS[:1])
    assert res.df["_valid"].all()
    sizes = [len(b.lines) for b in server.batches.batches.values()]
    assert len(sizes) > 2 and sum(sizes) == 10
    for b in server.batches.batches.values():
        assert len(server.batches.files[b.input_file]) <= 1500


def test_resume_reattaches_to_batches_in_flight(server, tmp_path):
    """A run interrupted after submission (its process gone) is resumed without resubmitting."""
    server.batches.latency = 3600.0
    kw = run_args(server, tmp_path)
    cache = kw["cache"]
    lose_after_submission(start(TEMPLATE, **kw), cache, batches=3)
    assert server.batches.created == 3 and all(
        b.cancelled_at is None for b in server.batches.batches.values()
    )
    listing = resume(cache=cache)
    assert isinstance(listing, pd.DataFrame) and not listing["collected"].any()
    server.batch_clock.advance(hours=2)
    res = resume(TEMPLATE, **kw)
    assert server.batches.created == 3  # re-attached, nothing submitted twice
    assert res.df["_valid"].all() and len(res.df) == 30
    assert resume(cache=cache)["collected"].all()


def test_transient_errors_on_submit_and_status_are_retried(server, tmp_path):
    from nbconnect.testing import Fault

    server.script("/v1/messages/batches", [Fault("overloaded")])  # the create
    server.script("/v1/batches/batch_", [Fault("server_error"), Fault("rate_limit", retry_after=0)])  # status
    res = go(server, tmp_path, models=MODELS[:2])
    assert res.df["_valid"].all()
    assert server.script_remaining() == 0 and server.batches.created == 2


def test_a_budget_limits_what_is_submitted(server, tmp_path):
    kw = run_args(server, tmp_path, models=MODELS[:1])
    per_cell = estimate(TEMPLATE, **{**kw, "cache": str(tmp_path / "e.sqlite")}).cost_usd / len(TEXTS)
    res = run(TEMPLATE, **kw, budget_usd=per_cell * 4.5)
    df = res.df
    assert server.batches.lines_submitted() == 4  # only what the budget pays for, at batch prices
    assert df["_valid"].sum() == 4 and (df.loc[~df["_valid"], "_error_type"] == "budget").all()


def test_progress_says_which_connections_batch(server, tmp_path):
    models = ["openai:gpt-4.1-mini", "local-model"]
    job = batch_job(server, tmp_path, data=TEXTS[:2], models=models, org=batch_org(server, local=True))
    run_job_blocking(job)
    assert job.progress.routes["openai"] == "batch"
    assert job.progress.routes["local-model"].startswith("live: Custom LLM has no batch API")


def test_gemini_past_the_inline_limit_uploads_a_file(tmp_path, monkeypatch):
    from nbconnect._wire.batch.google import GeminiBatch

    monkeypatch.setattr(GeminiBatch, "inline_bytes", 500)  # a few requests are "too big" to inline
    with FakeProvider(api_keys={"AIza-batch"}) as server:  # the key is checked, the upload URL is its own
        server.batches.script(["broken_line"])
        res = go(server, tmp_path, models=MODELS[2:])
        df = res.df
        assert df["_valid"].sum() == 9 and df.loc[~df["_valid"], "_error_type"].tolist() == ["batch_missing"]
        paths = [r.path for r in server.requests]
        assert paths.count("/upload/v1/files") == 2  # start, then upload + finalize
        assert any(p.startswith("/download/v1/files/") for p in paths)
        (batch,) = server.batches.batches.values()
        assert batch.extra["file_input"] and len(batch.lines) == 10


def test_a_batch_the_provider_no_longer_knows_is_let_go_and_sent_anew(server, tmp_path):
    server.batches.latency = 3600.0
    kw = run_args(server, tmp_path, models=MODELS[:1])
    lose_after_submission(start(TEMPLATE, **kw), kw["cache"], batches=1)
    server.batches.batches.clear()  # the provider forgot it (deleted, or past its retention)
    lost = resume(TEMPLATE, **kw).df
    assert not lost["_valid"].any() and lost["_error"].str.contains("is lost").all()
    server.batches.latency = 0.0
    again = resume(TEMPLATE, **kw).df
    assert again["_valid"].all() and server.batches.created == 1  # sent anew, once


def test_the_demo_batches_in_process_with_the_live_answers_at_half_price(tmp_path):
    batched, live = demo_batched_and_live(tmp_path, models=["demo:demo-careful", "demo:demo-fast"])
    assert batched["_batch_id"].notna().all() and batched["_batch_id"].str.startswith("batch_demo").all()
    cols = ["label", "score", "_valid", "_input_tokens", "_output_tokens"]
    pd.testing.assert_frame_equal(batched[cols], live[cols])  # same requests, same (deterministic) answers
    assert (batched["_cost_usd"] / live["_cost_usd"]).round(9).eq(0.5).all()


def test_a_run_over_part_of_a_batch_leaves_the_rest_for_the_run_that_wants_it(server, tmp_path):
    server.batches.latency = 3600.0
    cache = str(tmp_path / "cache.sqlite")
    lose_after_submission(batch_job(server, tmp_path, models=MODELS[:1]), cache, batches=1)
    server.batch_clock.advance(hours=2)
    half = go(server, tmp_path, data=TEXTS[:5], models=MODELS[:1]).df
    assert half["_valid"].all() and not resume(cache=cache)["collected"].any()  # kept for the other rows
    whole = go(server, tmp_path, models=MODELS[:1]).df
    assert whole["_valid"].all() and whole["_cached"].sum() == 5
    assert server.batches.created == 1  # the other five came from the same batch, not a new one
    assert resume(cache=cache)["collected"].all()


def test_no_key_reaches_the_batch_records_or_the_results(tmp_path):
    sentinel = "sk-BATCH-SENTINEL-0123456789abcdef"
    with FakeProvider(api_keys={"sk-other-key-123456"}) as server:
        org = nbc.Organization(persist=False)
        org.add(nbc.OpenAI(api_key=sentinel, base_url=f"{server.url}/v1"))
        refused = go(server, tmp_path, models=MODELS[:1], org=org).df  # the upload is refused: 401
        server.api_keys = {sentinel}
        answered = go(server, tmp_path, models=MODELS[:1], org=org).df
    assert not refused["_valid"].any() and answered["_valid"].all()
    assert refused["_error_type"].eq("authentication").all()
    for text in (refused.to_csv(), answered.to_csv(), resume(cache=str(tmp_path / "cache.sqlite")).to_csv()):
        assert sentinel not in text
    assert sentinel.encode() not in (tmp_path / "cache.sqlite").read_bytes()


def test_a_batch_after_a_live_fallback_finds_the_live_cache_entries(server, tmp_path):
    """A live run that discovered a JSON-mode fallback caches its cells under the first-choice request;
    a later batch run in the same process must look them up under that key too (not under the
    remembered mode's request), so it pays for nothing and submits no batch."""
    from nbconnect._wire.adapter import remembered_modes
    from nbconnect.testing import Fault

    remembered_modes().clear()
    cache = str(tmp_path / "cache.sqlite")
    org = batch_org(server)
    model = ["openai:gpt-4.1-mini"]
    rejection = Fault(
        "status", status=400, message="response_format json_schema is not supported with this model"
    )
    # the fake cannot read a schema out of the prompt, so the json_object answers are scripted
    answers = [Fault("ok", value={"label": "positive", "score": i / 10}) for i in range(len(TEXTS))]
    server.script("/chat/completions", [rejection, *answers])
    try:
        # concurrency=1: every cell after the first is sent in the remembered mode
        live = run(TEMPLATE, **run_args(server, tmp_path, models=model, org=org, batch=False, concurrency=1))
        assert live.df["_valid"].all() and not live.df["_cached"].any()
        sent = [
            r.json["response_format"]["type"] for r in server.requests if r.path.endswith("/chat/completions")
        ]
        assert sent == ["json_schema"] + ["json_object"] * len(TEXTS)  # the fallback happened, and stuck
        assert list(remembered_modes().values()) == ["json_object"]

        again = go(server, tmp_path, models=model, org=org, cache=cache)
        assert server.batches.created == 0 and server.batches.lines_submitted() == 0
        assert again.df["_cached"].all() and again.df["_valid"].all()
        assert list(again.df["label"]) == list(live.df["label"])
    finally:
        remembered_modes().clear()


def test_a_stop_while_the_provider_creates_the_batch_still_cancels_it(server, tmp_path):
    # the create call is answered only after the stop: the batch exists at the provider, so the
    # stop must wait for its id and cancel it rather than leave it running (and billing) unseen
    server.batches.latency = 10_000.0
    server.script("/batches", [Fault("slow", seconds=1.0)])
    job = batch_job(server, tmp_path, models=["openai:gpt-4.1-mini"])

    def stop_once_the_create_arrives():
        while not server.count("/batches"):
            threading.Event().wait(0.01)
        job.stop()

    threading.Thread(target=stop_once_the_create_arrives, daemon=True).start()
    res = run_job_blocking(job)
    (batch,) = server.batches.batches.values()
    assert batch.cancelled_at is not None
    assert (res.df["_error_type"] == "cancelled").all()


def _lines(server) -> list:
    return [ln for b in server.batches.batches.values() for ln in b.lines]


def test_repeats_and_variants_are_separate_batch_lines_with_their_settings(server, tmp_path):
    # Batch custom ids are cache keys: a key without the sample would fold the repeats into one
    # line (or a duplicate custom_id); the variant's settings and the per-sample seed must reach
    # the batched body as they reach a live one.
    variants = {"v1": {}, "v2": {"system": "Be careful.", "temperature": 0.3}}
    models = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"]
    res = go(server, tmp_path, data=TEXTS[:4], models=models, variants=variants, repeats=3)
    df = res.df
    assert len(df) == 4 * 2 * 2 * 3 and df["_valid"].all() and df["_batch_id"].notna().all()
    lines = _lines(server)
    assert len(lines) == 48 and len({ln.custom_id for ln in lines}) == 48
    openai = [ln.body for ln in lines if "messages" in ln.body and "seed" in ln.body]
    assert sorted({b["seed"] for b in openai}) == [0, 1, 2] and len(openai) == 24
    careful = [b for b in openai if b["messages"][0] == {"role": "system", "content": "Be careful."}]
    assert len(careful) == 12 and {b["temperature"] for b in careful} == {0.3}
    assert all("temperature" not in b for b in openai if b["messages"][0]["role"] != "system")
    again = go(server, tmp_path, data=TEXTS[:4], models=models, variants=variants, repeats=3)
    assert len(_lines(server)) == 48 and again.df["_valid"].all()  # all 48 came from the cache
    assert res.meta["run"]["repeats"] == 3 and set(res.meta["run"]["variants"]) == {"v1", "v2"}


def test_demo_batches_variants_and_repeats_with_the_live_answers(tmp_path):
    # the Demo's answers move with the system prompt, temperature and per-sample seed: a batch
    # that lost any of them (or folded repeats together) would differ from the live run
    variants = {"v1": {}, "v2": {"system": "Read it twice.", "temperature": 0.9}}
    batched, live = demo_batched_and_live(tmp_path, models=["demo:demo-fast"], variants=variants, repeats=3)
    keys = ["row", "variant", "model", "sample"]
    batched, live = (
        batched.sort_values(keys).reset_index(drop=True),
        live.sort_values(keys).reset_index(drop=True),
    )
    assert batched["_batch_id"].notna().all() and len(batched) == 10 * 2 * 3
    cols = [*keys, "label", "score", "_valid", "_output_tokens"]
    pd.testing.assert_frame_equal(batched[cols], live[cols])
    assert live.groupby(["row", "variant"])["score"].nunique().max() > 1  # the repeats do differ

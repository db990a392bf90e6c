"""Vertex AI batch runs (``VertexAI(batch_bucket=...)`` + ``run(..., batch=True)``) against the fake's
``batchPredictionJobs`` and Cloud Storage, on real sockets and the fake's batch clock."""

from __future__ import annotations

import json
import threading

import pandas as pd
import pytest
from _batch_jobs import lose_after_submission

import nbconnect as nbc
from nbconnect._catalog.catalog import catalog
from nbconnect._engine.api import estimate, resume, run, start
from nbconnect._engine.runner import run_job_blocking
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.batch.vertex import request_digest
from nbconnect._wire.lookup import adapter_for
from nbconnect.testing import FakeProvider

SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review {i}: it was {'great' if i % 2 else 'awful'}" for i in range(10)]
MODEL = ["vertex:gemini-2.5-flash"]
BUCKET = "nbc-batch"


@pytest.fixture
def server():
    with FakeProvider() as srv:
        srv.storage.create_bucket(BUCKET)
        yield srv


def vertex_org(server, *, bucket: str | None = f"gs://{BUCKET}/runs") -> nbc.Organization:
    org = nbc.Organization(persist=False)
    org.add(
        nbc.VertexAI(
            credentials=server.service_account(),
            project="proj",
            location="us-central1",
            base_url=server.url,
            storage_url=server.url,
            batch_bucket=bucket,
        )
    )
    return org


def go(server, tmp_path, *, data=TEXTS, org=None, **kw):
    kw.setdefault("cache", str(tmp_path / "cache.sqlite"))
    kw.setdefault("progress", False)
    kw.setdefault("batch_poll", 0.01)
    kw.setdefault("prompt", "Classify: {text}")
    prompt = kw.pop("prompt")
    return run(
        prompt, data=data, schema=SCHEMA, models=MODEL, org=org or vertex_org(server), batch=True, **kw
    )


def jobs(server):
    return [b for b in server.batches.batches.values() if b.api == "vertex"]


def uploads(server):
    return [r for r in server.requests if r.path.startswith("/upload/storage/v1/")]


def live_bodies(server) -> list:
    return [r.json for r in server.requests if r.path.endswith(":generateContent")]


def test_every_cell_comes_back_from_a_vertex_job_with_the_live_request_at_batch_prices(server, tmp_path):
    variants = {"plain": {}, "careful": {"system": "Be careful.", "temperature": 0.3}}
    res = go(server, tmp_path, variants=variants, repeats=2)
    df = res.df
    assert len(df) == 40 and df["_valid"].all(), df["_error"].dropna().tolist()
    assert not live_bodies(server)  # nothing went to generateContent live
    assert df["_batch_id"].str.match(r"projects/\d+/locations/us-central1/batchPredictionJobs/\d+$").all()
    (job,) = jobs(server)
    (upload,) = uploads(server)
    sent = [json.loads(line)["request"] for line in upload.body.decode().splitlines()]
    assert len(sent) == 40 and [ln.body for ln in job.lines] == sent
    # the same requests sent live: the same bodies (schema, system, temperature, per-sample seed)
    live = run(
        "Classify: {text}",
        data=TEXTS,
        schema=SCHEMA,
        models=MODEL,
        org=vertex_org(server),
        variants=variants,
        repeats=2,
        cache=False,
        progress=False,
    )
    key = lambda body: json.dumps(body, sort_keys=True)  # noqa: E731
    assert sorted(map(key, live_bodies(server))) == sorted(map(key, sent))
    assert {b["generationConfig"].get("temperature") for b in sent} == {None, 0.3}
    assert {b["generationConfig"]["seed"] for b in sent} == {0, 1}
    assert all("responseJsonSchema" in b["generationConfig"] for b in sent)
    cols = ["row", "variant", "sample", "label", "score", "_input_tokens"]
    ordered = [
        d.sort_values(["row", "variant", "sample"]).reset_index(drop=True)[cols] for d in (df, live.df)
    ]
    pd.testing.assert_frame_equal(*ordered)  # the fake answers a function of the request
    info = catalog.get("vertex", "gemini-2.5-flash")
    for _, row in df.iterrows():
        listed = info.cost(int(row["_input_tokens"]), int(row["_output_tokens"]), None, None)
        assert row["_cost_usd"] == pytest.approx(listed * 0.5)
    # what stays in the bucket: the output, not the input
    names = server.storage.names(BUCKET)
    assert not any(n.endswith("input.jsonl") for n in names)
    assert any(n.endswith("/predictions.jsonl") and "/output/prediction-model-" in n for n in names)
    assert all(n.startswith("runs/nbconnect/nbconnect-vertex-40-") for n in names)


def test_images_go_into_the_batch_as_they_go_live(server, tmp_path):
    prompt = "Look at the picture. {image:image} Which shape and colour is it?"
    kw = dict(
        data=nbc.data.shapes().head(4),
        schema="shape: circle|square|triangle, colour: red|green|blue|yellow|purple|orange",
        models=MODEL,
        progress=False,
    )
    res = run(prompt, org=vertex_org(server), batch=True, batch_poll=0.01, cache=str(tmp_path / "c"), **kw)
    assert res.df["_valid"].all() and res.df["_batch_id"].notna().all()
    (upload,) = uploads(server)
    sent = [json.loads(line)["request"] for line in upload.body.decode().splitlines()]
    live = run(prompt, org=vertex_org(server), cache=False, **kw)
    assert sorted(map(request_digest, sent)) == sorted(map(request_digest, live_bodies(server)))
    assert all(any("inlineData" in p for p in b["contents"][0]["parts"]) for b in sent)
    assert list(res.df["shape"]) == list(live.df["shape"])


def test_without_a_bucket_vertex_runs_live_and_the_estimate_and_progress_say_how_to_batch(server, tmp_path):
    org = vertex_org(server, bucket=None)
    kw = dict(
        data=TEXTS[:2], schema=SCHEMA, models=MODEL, org=org, batch=True, cache=str(tmp_path / "c.sqlite")
    )
    est = estimate("Classify: {text}", **kw)
    route = est.df["route"].iloc[0]
    assert route.startswith("live: ") and "batch_bucket='gs://your-bucket'" in route
    job = start("Classify: {text}", progress=False, batch_poll=0.01, **kw)
    res = run_job_blocking(job)
    assert res.df["_valid"].all() and res.df["_batch_id"].isna().all() and not jobs(server)
    assert len(live_bodies(server)) == 2 and job.progress.routes["vertex"] == route


def test_with_a_bucket_the_estimate_prices_vertex_at_batch_prices(server, tmp_path):
    kw = dict(
        data=TEXTS, schema=SCHEMA, models=MODEL, org=vertex_org(server), cache=str(tmp_path / "c.sqlite")
    )
    batched = estimate("Classify: {text}", batch=True, **kw).df.iloc[0]
    live = estimate("Classify: {text}", **kw).df.iloc[0]
    assert batched["route"] == "batch"
    assert (
        batched["cost_usd"] == pytest.approx(live["cost_usd"] * 0.5)
        and batched["live_cost_usd"] == live["cost_usd"]
    )


@pytest.mark.parametrize(
    ("bucket", "said"),
    [
        ("gs://My_Bucket", "is not a bucket name"),
        ("s3://data/runs", "is not a gs:// address"),
        ("gs://ab", "is not a bucket name"),
        ("gs://google-runs", "contains 'google'"),
        ("gs://10.0.0.1", "IP address"),
        ("gs://nbc-batch/a//b", "empty, '.' or '..' part"),
        ("gs://nbc-batch/a/../b", "empty, '.' or '..' part"),
        ("gs://nbc-batch/run*", "# [ ] * ?"),
        ("gs://" + "a" * 64, "too long"),
    ],
)
def test_a_bad_bucket_is_refused_with_the_fix_before_any_request(server, bucket, said):
    with pytest.raises(nbc.ConfigError) as err:
        vertex_org(server, bucket=bucket)
    text = str(err.value)
    assert said in text and "batch_bucket='gs://your-bucket'" in text
    assert not server.requests  # not even a token


def test_a_bucket_is_normalised_and_a_bare_name_accepted(server):
    for given, kept in [
        ("nbc-batch", "gs://nbc-batch"),
        ("gs://nbc-batch/a/b/", "gs://nbc-batch/a/b"),
        ("gs://my.bucket.example/x", "gs://my.bucket.example/x"),
    ]:
        conn = vertex_org(server, bucket=given)["vertex"]
        assert conn.batch_bucket == kept


def test_a_bucket_the_project_lacks_fails_the_cells_with_the_fix(server, tmp_path):
    res = go(server, tmp_path, org=vertex_org(server, bucket="gs://not-made/x"))
    df = res.df
    assert not df["_valid"].any() and not jobs(server)
    assert df["_error"].str.contains("bucket 'not-made' exists").all()


def test_progress_counts_the_job_states_while_waiting(server, tmp_path):
    server.batches.latency = 100.0
    seen: list[dict[str, int]] = []

    def tick(progress):
        seen.append(dict(progress.batches))
        server.batch_clock.advance(seconds=7)

    res = go(server, tmp_path, on_progress=tick)
    assert res.df["_valid"].all()
    assert {"validating", "in_progress", "done"} <= {s for counts in seen for s in counts}


def test_output_in_several_files_and_pages_is_all_read(server, tmp_path):
    server.batches.vertex_rows_per_file = 3  # four predictions files
    server.storage.page_size = 2  # listed over two pages
    res = go(server, tmp_path)
    assert res.df["_valid"].all()
    files = [n for n in server.storage.names(BUCKET) if "/predictions" in n]
    assert len(files) == 4 and all(n.endswith(".jsonl") for n in files)
    listings = [r for r in server.requests if r.path == f"/storage/v1/b/{BUCKET}/o"]
    assert len(listings) == 2 and "pageToken" in listings[1].query


def test_expired_half_done_job_keeps_what_finished_and_redo_resubmits_only_the_rest(server, tmp_path):
    server.batches.script(["expire_half"])
    first = go(server, tmp_path)
    df = first.df
    assert df["_valid"].sum() == 5
    failed = df[~df["_valid"]]
    assert set(failed["_error_type"]) == {"batch_expired"} and failed["_error"].str.contains("expired").all()
    second = go(server, tmp_path, redo=first)
    assert [len(j.lines) for j in jobs(server)] == [10, 5]  # only the expired cells went again
    assert second.df["_valid"].all() and len(second.df) == 10


def test_a_broken_output_line_and_a_failed_request_are_recorded_per_cell(server, tmp_path):
    server.batches.script(["broken_line", "error_line"])
    broken = go(server, tmp_path).df
    failed = go(server, tmp_path, data=[t + " again" for t in TEXTS]).df
    bad = broken[~broken["_valid"]]
    assert len(bad) == 1 and bad["_error_type"].iloc[0] == "batch_missing"
    bad = failed[~failed["_valid"]]
    assert len(bad) == 1 and bad["_error_type"].iloc[0] == "batch_request_failed"
    assert "failed this request" in bad["_error"].iloc[0] and "INTERNAL" in bad["_error"].iloc[0]
    assert broken["_valid"].sum() == failed["_valid"].sum() == 9


def test_a_failed_job_fails_its_cells_with_googles_message(server, tmp_path):
    server.batches.script(["fail"])
    df = go(server, tmp_path).df
    assert not df["_valid"].any() and (df["_error_type"] == "batch_failed").all()
    assert df["_error"].str.contains("failed validation").all()


def test_a_restart_between_submit_and_collect_reattaches_to_the_job(server, tmp_path):
    server.batches.latency = 3600.0
    cache = str(tmp_path / "c.sqlite")
    kw = dict(data=TEXTS, schema=SCHEMA, models=MODEL, org=vertex_org(server), cache=cache, progress=False)
    lose_after_submission(start("Classify: {text}", batch=True, batch_poll=0.01, **kw), cache, batches=1)
    (job,) = jobs(server)
    assert job.cancelled_at is None and not resume(cache=cache)["collected"].any()
    server.batch_clock.advance(hours=2)
    res = resume("Classify: {text}", batch_poll=0.01, **kw)
    assert len(jobs(server)) == 1 and len(uploads(server)) == 1  # re-attached, nothing sent twice
    assert res.df["_valid"].all() and (res.df["_batch_id"] == job.id).all()
    assert resume(cache=cache)["collected"].all()


def test_a_job_vertex_no_longer_knows_is_let_go_and_its_cells_sent_anew(server, tmp_path):
    server.batches.latency = 3600.0
    cache = str(tmp_path / "c.sqlite")
    kw = dict(data=TEXTS, schema=SCHEMA, models=MODEL, org=vertex_org(server), cache=cache, progress=False)
    lose_after_submission(start("Classify: {text}", batch=True, batch_poll=0.01, **kw), cache, batches=1)
    server.batches.batches.clear()  # deleted at the provider
    lost = resume("Classify: {text}", batch_poll=0.01, **kw).df
    assert not lost["_valid"].any() and lost["_error"].str.contains("is lost").all()
    assert lost["_error"].str.contains("has no batch prediction job").all()
    server.batches.latency = 0.0
    again = resume("Classify: {text}", batch_poll=0.01, **kw).df
    assert again["_valid"].all() and len(jobs(server)) == 1 and len(uploads(server)) == 2


def test_a_bucket_that_refuses_the_results_keeps_the_job_for_the_run_after_the_fix(server, tmp_path):
    from nbconnect.testing import Fault

    server.script("/predictions.jsonl", [Fault("status", status=403, message="Forbidden")])
    refused = go(server, tmp_path).df  # the output file may not be read
    assert not refused["_valid"].any() and refused["_error"].str.contains("run again later").all()
    assert refused["_error"].str.contains("roles/storage.objectUser").all()
    again = go(server, tmp_path).df  # the role granted: the same job's output, nothing paid twice
    assert again["_valid"].all() and len(jobs(server)) == 1 and len(uploads(server)) == 1


def test_stop_cancels_the_job_and_a_rerun_collects_what_finished_before(server, tmp_path):
    server.batches.latency = 1000.0
    cache = str(tmp_path / "c.sqlite")
    kw = dict(data=TEXTS, schema=SCHEMA, models=MODEL, org=vertex_org(server), cache=cache, progress=False)
    job = start("Classify: {text}", batch=True, batch_poll=0.01, **kw)

    def stop_once_submitted():
        while not jobs(server):
            threading.Event().wait(0.01)
        server.batch_clock.advance(seconds=300)  # 3 of 10 requests finished
        job.stop()

    threading.Thread(target=stop_once_submitted, daemon=True).start()
    stopped = run_job_blocking(job).df
    (vjob,) = jobs(server)
    assert vjob.cancelled_at is not None and (stopped["_error_type"] == "cancelled").all()
    again = go(server, tmp_path, cache=cache)
    df = again.df
    assert df["_valid"].sum() == 3 and len(jobs(server)) == 1  # the finished rows, from the same job
    assert set(df.loc[~df["_valid"], "_error_type"]) == {"batch_cancelled"}
    server.batches.latency = 0.0
    third = go(server, tmp_path, cache=cache, redo=again)
    assert third.df["_valid"].all() and [len(j.lines) for j in jobs(server)] == [10, 7]


@pytest.mark.anyio
async def test_identical_requests_in_one_job_get_one_answer_each(server):
    # Vertex rows carry no id: they are matched on the request they echo, so two lines with the
    # same body must still come back as two results (in order), not one result twice or none
    adapter = adapter_for(vertex_org(server)["vertex"])
    try:
        api = adapter.batch_class(adapter)
        calls = [
            Call(model="gemini-2.5-flash", user=u, schema=as_schema(SCHEMA))
            for u in ("same", "same", "other")
        ]
        prepared = [adapter.prepare(c, adapter.plan(c)[0]) for c in calls]
        ids = api.custom_ids(["k1", "k2", "k3"], prepared)
        assert len(set(ids)) == 3 and ids[0].rsplit("-", 1)[0] == ids[1].rsplit("-", 1)[0]
        name = await api.submit(
            [api.line(i, p) for i, p in zip(ids, prepared, strict=True)], "gemini-2.5-flash", "dup"
        )
        lines = await api.results(await api.status(name))
        assert sorted(ln.custom_id for ln in lines) == sorted(ids)
        assert all(ln.error is None and ln.body["candidates"] for ln in lines)
    finally:
        await adapter.aclose()


def test_whole_numbers_are_matched_exactly_and_fractions_through_a_32_bit_echo():
    from nbconnect._wire.batch.vertex import request_digest

    def body(seed: int, temperature: float) -> dict:
        return {"contents": [], "generationConfig": {"seed": seed, "temperature": temperature}}

    # seeds differing in the 7th digit are two requests: their answers must not be swapped
    assert request_digest(body(1234567, 0.7)) != request_digest(body(1234568, 0.7))
    # the echo of 0.7 rounded to 32 bits (0.699999988079071) is still the same request
    assert request_digest(body(1234567, 0.7)) == request_digest(body(1234567, 0.699999988079071))

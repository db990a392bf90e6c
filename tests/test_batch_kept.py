"""A batch whose poll fails is kept unless the provider says it no longer knows it.

A batch the provider accepted is paid for once, whoever collects it. So a key refused while
polling (revoked, rotated, a 403), a network failure or an outage must keep the batch id in the
cache database: its cells are recorded *not collected yet* (not run, not wrong), with the fix, and
the run after the fix collects the same batch: nothing submitted, nothing paid, twice. Only a 404
(tests/test_batch.py::test_a_batch_the_provider_no_longer_knows_is_let_go_and_sent_anew) lets it go.
On the FakeProvider's batch endpoints, real sockets, its batch clock.
"""

from __future__ import annotations

import pytest
from _batch_jobs import lose_after_submission

import nbconnect as nbc
from nbconnect._engine.api import resume, run, start
from nbconnect._engine.progress import postfix
from nbconnect._engine.runner import run_job_blocking
from nbconnect._widgets.playground_view import answered_counts
from nbconnect.testing import FakeProvider, Fault

TEMPLATE = "Classify: {text}"
SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review {i}: it was {'great' if i % 2 else 'awful'}" for i in range(10)]

#: provider -> (its connection on the fake with a given key, a model of it)
CONNECTIONS = {
    "openai": (lambda url, key: nbc.OpenAI(api_key=key, base_url=f"{url}/v1"), "openai:gpt-4.1-mini"),
    "anthropic": (lambda url, key: nbc.Anthropic(api_key=key, base_url=url), "anthropic:claude-haiku-4-5"),
    "gemini": (lambda url, key: nbc.Gemini(api_key=key, base_url=url), "gemini:gemini-2.5-flash"),
}
OLD, NEW = "sk-old-key-0123456789", "sk-new-key-9876543210"


def run_kw(server, tmp_path, provider: str, key: str, **kw) -> dict:
    make, model = CONNECTIONS[provider]
    org = nbc.Organization(persist=False)
    org.add(make(server.url, key))
    return {
        "data": TEXTS,
        "schema": SCHEMA,
        "models": [model],
        "org": org,
        "batch": True,
        "batch_poll": 0.01,
        "cache": str(tmp_path / "cache.sqlite"),
        "progress": False,
        **kw,
    }


def kept(cache: str) -> bool:
    """Whether every batch the cache database remembers is still there to be collected."""
    listing = resume(cache=cache)
    return len(listing) > 0 and not listing["collected"].any() and "lost" not in set(listing["state"])


def assert_not_collected(df, fix: str, *, refused: bool) -> None:
    """Every cell recorded as not collected yet, saying why, the fix, and that re-running collects it."""
    assert (df["_error_type"] == "not_collected").all() and not df["_valid"].any(), df["_error"].tolist()
    errors = df["_error"]
    assert errors.str.contains("The batch is kept", regex=False).all()
    assert errors.str.contains("nbc.resume()", regex=False).all()
    assert errors.str.contains("without paying for them again", regex=False).all()
    if refused:
        assert errors.str.contains("did not accept its credentials", regex=False).all()
        assert errors.str.contains("while polling batch", regex=False).all()
        assert errors.str.contains(f"Fix: {fix}", regex=False).all()


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_a_key_revoked_while_the_batch_runs_keeps_it_and_the_new_key_collects_it(tmp_path, provider):
    with FakeProvider(api_keys={OLD}) as server:
        server.batches.latency = 3600.0
        kw = run_kw(server, tmp_path, provider, OLD)
        lose_after_submission(start(TEMPLATE, **kw), kw["cache"], batches=1)
        server.api_keys = {NEW}  # the old key revoked at the provider while the batch runs
        refused = resume(TEMPLATE, **kw)
        fix = type(kw["org"][provider]).key_fix
        assert_not_collected(refused.df, fix, refused=True)
        assert OLD not in " ".join(refused.df["_error"])  # the key masked, never in full
        counts = answered_counts(refused)  # not run: neither right nor wrong
        assert counts["not_run"] == len(TEXTS) and counts["ended"] == "batch not collected yet"
        assert kept(kw["cache"]) and server.batches.created == 1
        server.batch_clock.advance(hours=2)
        fixed = resume(TEMPLATE, **run_kw(server, tmp_path, provider, NEW)).df
        assert fixed["_valid"].all(), fixed["_error"].tolist()
        assert server.batches.created == 1 and server.batches.lines_submitted() == len(TEXTS)
        assert resume(cache=kw["cache"])["collected"].all()


def test_one_refused_poll_keeps_every_batch_of_the_connection_unpolled(tmp_path):
    # a 401 while polling the first of two batches: the second would be refused the same key, so
    # it is not polled (one refused request, not one per batch); both are kept for the fixed run
    with FakeProvider() as server:
        server.batches.latency = 3600.0
        refusal = Fault("status", status=401, type="authentication_error", message="invalid x-api-key")
        server.script("/v1/messages/batches/msgbatch_", [refusal, refusal])  # the key stays refused
        kw = run_kw(server, tmp_path, "anthropic", OLD, batch_size=5)
        df = run(TEMPLATE, **kw).df
        assert_not_collected(df, nbc.Anthropic.key_fix, refused=True)
        polls = [r for r in server.requests if r.method == "GET" and "/messages/batches/" in r.path]
        assert len(polls) == 1 and polls[0].fault == "status"
        assert df["_batch_id"].nunique() == 2 and kept(kw["cache"]) and server.batches.created == 2
        server.reset()  # the key fixed: the second refusal is never sent
        server.batch_clock.advance(hours=2)
        again = run(TEMPLATE, **kw).df
        assert again["_valid"].all() and server.batches.created == 2


def test_a_403_while_polling_keeps_the_batch_with_the_access_fix(server, tmp_path):
    server.batches.latency = 3600.0
    denied = Fault("status", status=403, code="permission_denied", message="This key may not read batches")
    server.script("/v1/batches/batch_", [denied])
    kw = run_kw(server, tmp_path, "openai", OLD)
    df = run(TEMPLATE, **kw).df
    assert_not_collected(df, nbc.OpenAI.key_fix, refused=False)
    assert df["_error"].str.contains("Fix: give the key that access", regex=False).all()
    assert df["_error"].str.contains("This key may not read batches", regex=False).all()
    server.batch_clock.advance(hours=2)
    again = run(TEMPLATE, **kw).df
    assert again["_valid"].all() and server.batches.created == 1


def test_a_network_failure_while_polling_keeps_the_batch(server, tmp_path):
    server.batches.latency = 3600.0
    server.script("/v1/batches/batch_", [Fault("reset")])  # cut off mid-answer
    kw = run_kw(server, tmp_path, "openai", OLD, max_retries=0)  # no retry: the failure is the poll's end
    df = run(TEMPLATE, **kw).df
    assert_not_collected(df, nbc.OpenAI.key_fix, refused=False)
    assert df["_error"].str.contains("could not be read", regex=False).all()
    assert kept(kw["cache"])
    server.batch_clock.advance(hours=2)
    again = run(TEMPLATE, **kw).df
    assert again["_valid"].all() and server.batches.created == 1


def test_cells_of_a_kept_batch_are_counted_apart_from_errors_in_progress_and_the_job(tmp_path):
    # the cells wait in a batch the next run collects: progress must not call them model errors
    with FakeProvider(api_keys={OLD}) as server:
        server.batches.latency = 3600.0
        kw = run_kw(server, tmp_path, "openai", OLD)
        lose_after_submission(start(TEMPLATE, **kw), kw["cache"], batches=1)
        server.api_keys = {NEW}
        job = start(TEMPLATE, **kw)
        run_job_blocking(job)
        assert job.progress.errors == 0 and job.progress.not_collected == len(TEXTS)
        assert f"{len(TEXTS)} in a batch kept for the next run to collect" in repr(job)
        assert f"not_collected={len(TEXTS)}" in postfix(job.progress)

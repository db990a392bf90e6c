"""A refused key stops the run from sending to its connection (live and batch), against the loopback
FakeProvider: the server's own request log says how many calls went out."""

from __future__ import annotations

import pytest

import nbconnect as nbc
from nbconnect import _errors as E
from nbconnect._engine.api import run, start
from nbconnect._engine.refusals import NOT_SENT
from nbconnect._engine.runner import run_job_blocking
from nbconnect._widgets.playground_view import answered_counts
from nbconnect._wire.retry import CONNECTION, MODEL, refusal_scope
from nbconnect.testing import FakeProvider, Fault

SCHEMA = "label: positive|negative|neutral, score: float"
TEXTS = [f"review {i}: it was {'great' if i % 2 else 'awful'}" for i in range(40)]
GOOD, BAD = "sk-good-key-0123456789", "sk-WRONG-key-sentinel-9876"


@pytest.fixture
def server():
    with FakeProvider(api_keys={GOOD}) as srv:
        yield srv


def two_custom(server, bad_key: str) -> nbc.Organization:
    """model-a with ``bad_key``, model-b with the key the server accepts."""
    org = nbc.Organization(persist=False)
    for name, key in (("model-a", bad_key), ("model-b", GOOD)):
        org.add(nbc.CustomLLM(name=name, endpoint=f"{server.url}/v1", api_key=key, json_mode="json_schema"))
    return org


def sent(server, model: str) -> int:
    return sum(
        1
        for r in server.requests
        if r.path.endswith("/chat/completions") and (r.json or {}).get("model") == model
    )


def kw(**more):
    return dict(schema=SCHEMA, cache=False, progress=False, save=False, **more)


def test_a_refused_key_stops_its_connection_and_the_other_goes_on(server):
    job = start(
        "Classify: {text}",
        data=TEXTS,
        models=["model-a", "model-b"],
        org=two_custom(server, BAD),
        per_connection=4,
        concurrency=4,  # fewer slots than workers: some calls of model-a wait while the 401s come back
        **kw(),
    )
    res = run_job_blocking(job)
    df = res.df
    a, b = df[df["model"] == "model-a"], df[df["model"] == "model-b"]
    went_out = sent(server, "model-a")
    # only the calls already in flight when the first refusal came back, not one per row
    assert 1 <= went_out <= 4
    assert b["_valid"].all() and len(b) == len(TEXTS) and sent(server, "model-b") == len(TEXTS)
    assert (a["_error_type"] == "authentication").sum() == went_out
    held = a[a["_error_type"] == NOT_SENT]
    assert len(held) == len(TEXTS) - went_out
    assert held["_attempts"].eq(0).all()  # never sent, not even once
    text = held["_error"].iloc[0]
    assert "model-a" in text and nbc.CustomLLM.key_fix in text and "redo=" in text
    assert BAD not in df.to_csv()
    # counted as not run everywhere, never as a wrong answer of the model
    progress = job.progress.models["model-a"]
    assert progress.not_sent == len(held) and progress.done == went_out and progress.errors == went_out
    assert f"{len(held)} not sent" in repr(job)
    assert f"{len(held)} not run" in repr(res)
    assert answered_counts(res)["ended"] == "key refused"
    assert res.summary().loc["model-a", "not_run"] == len(held)


def test_a_retry_waiting_when_the_key_is_refused_is_not_sent(server):
    org = nbc.Organization(persist=False)
    org.add(nbc.CustomLLM(name="model-a", endpoint=f"{server.url}/v1", api_key=GOOD, json_mode="json_schema"))
    # two calls at once: one is told to come back in a second, the other is refused its key meanwhile
    server.script("/chat/completions", [Fault("rate_limit", retry_after=1), Fault("status", status=401)])
    df = run("Classify: {text}", data=TEXTS[:6], models=["model-a"], org=org, per_connection=2, **kw()).df
    assert sent(server, "model-a") == 2  # the retry was held back, and nothing after it went out
    assert df["_error_type"].value_counts().to_dict() == {NOT_SENT: 5, "authentication": 1}
    waited = df[df["_wait_s"] > 0]
    assert len(waited) == 1 and waited["_error_type"].iloc[0] == NOT_SENT and waited["_attempts"].iloc[0] == 1


def test_redo_sends_the_held_back_cells_once_the_key_is_fixed(server):
    first = run("Classify: {text}", data=TEXTS[:12], models=["model-a", "model-b"],
                org=two_custom(server, BAD), per_connection=2, **kw())  # fmt: skip
    assert not first.df.loc[first.df["model"] == "model-a", "_valid"].any()
    server.reset()
    fixed = run("Classify: {text}", data=TEXTS[:12], models=["model-a", "model-b"],
                org=two_custom(server, GOOD), redo=first, **kw())  # fmt: skip
    assert fixed.df["_valid"].all() and len(fixed.df) == 24
    assert sent(server, "model-a") == 12 and sent(server, "model-b") == 0  # only what had no answer


def test_a_403_stops_only_that_model_of_the_connection():
    with FakeProvider() as server:
        org = nbc.Organization(persist=False)
        org.add(nbc.OpenAI(api_key="sk-test-0123456789", base_url=f"{server.url}/v1"))
        models = ["openai:gpt-4.1-mini", "openai:gpt-4.1-nano"]
        # one worker: the first call is row 0 of the first model, and it is refused
        server.script("/chat/completions", [Fault("status", status=403, message="no access to this model")])
        df = run("Classify: {text}", data=TEXTS[:10], models=models, org=org, per_connection=1, **kw()).df
    mini, nano = df[df["model"] == models[0]], df[df["model"] == models[1]]
    assert sent(server, "gpt-4.1-mini") == 1 and mini["_error_type"].iloc[0] == "permission"
    assert mini["_error_type"].iloc[1:].eq(NOT_SENT).all()
    assert "may not use gpt-4.1-mini" in mini["_error"].iloc[1]
    assert nano["_valid"].all() and sent(server, "gpt-4.1-nano") == 10


def test_a_refused_batch_upload_is_not_tried_again_for_every_batch(tmp_path):
    def go(key: str, **more):
        org = nbc.Organization(persist=False)
        org.add(nbc.OpenAI(api_key=key, base_url=f"{server.url}/v1"))
        return run("Classify: {text}", data=TEXTS[:10], models=["openai:gpt-4.1-mini"], org=org,
                   batch=True, batch_size=2, batch_poll=0.01, schema=SCHEMA, progress=False, save=False,
                   cache=str(tmp_path / "cache.sqlite"), **more)  # fmt: skip

    with FakeProvider(api_keys={GOOD}) as server:
        first = go(BAD)
        assert server.count("/files") == 1  # five batches of two, but one refusal stands for all five
        assert first.df["_error_type"].value_counts().to_dict() == {NOT_SENT: 8, "authentication": 2}
        assert first.df.loc[first.df["_error_type"] == NOT_SENT, "_error"].str.contains("redo=").all()
        again = go(GOOD, redo=first)
    assert again.df["_valid"].all() and server.batches.created == 5


@pytest.mark.parametrize(
    ("err", "scope"),
    [
        (E.AuthenticationError("bad key", status=401), CONNECTION),
        (E.AuthenticationError("API_KEY_INVALID", status=400), CONNECTION),  # Gemini's way
        (E.PermissionDeniedError("no access to the model", status=403), MODEL),
        (E.AuthenticationError("try again", status=401, retryable=True), None),  # x-should-retry: true
        (E.NotFoundError("no such model", status=404), None),
        (E.BadRequestError("bad", status=400), None),
        (E.RateLimitError("slow down", status=429), None),
        (E.QuotaExceededError("out of credit", status=429), None),
    ],
)
def test_which_failures_rule_out_a_connection_or_a_model(err, scope):
    assert refusal_scope(err) == scope


def test_a_bucket_that_refuses_is_no_refusal_of_the_key_or_the_model():
    # a 403 from the Vertex batch bucket (a storage role missing) must not stop the model's live
    # cells as if the key could not use the model
    denied = E.PermissionDeniedError("Cloud Storage: forbidden", provider="vertex", status=403)
    assert refusal_scope(denied) == MODEL
    denied.from_storage = True
    assert refusal_scope(denied) is None

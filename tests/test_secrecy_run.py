"""A sentinel key pushed through a whole run: it must not appear in results, cache, logs or errors."""

from __future__ import annotations

import logging
import traceback

import pytest

import nbconnect as nbc
from nbconnect._wire.lookup import adapter_for
from nbconnect.testing import FakeProvider, Fault

SENTINEL = "sk-SENTINEL-7f3a9c2e5b1d4a8f6e0c"


@pytest.fixture
def server():
    with FakeProvider(api_keys={SENTINEL}) as srv:
        yield srv


def test_no_secret_in_results_cache_logs_or_errors(server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # httpx / httpcore debug logs included
    org = nbc.Organization(tmp_path / "store.json")
    org.add(nbc.OpenAI(api_key=SENTINEL, base_url=f"{server.url}/v1"))
    org.add(
        nbc.CustomLLM(
            name="gpt-4.1-mini", endpoint=f"{server.url}/v1", api_key=SENTINEL, auth_token=SENTINEL + "-token"
        )
    )
    # one call fails with an error that echoes the key back, as some providers do
    server.script(
        "/chat/completions", [Fault("status", status=400, message=f"bad request for key {SENTINEL}")]
    )
    cache = tmp_path / "cache.sqlite"
    res = nbc.run(
        "Classify: {text}",
        data=["good", "bad", "fine"],
        schema="label: positive|negative|neutral",
        models=["openai:gpt-4.1-mini", "gpt-4.1-mini"],
        org=org,
        cache=str(cache),
        progress=False,
        per_connection=1,
    )
    assert res.df["_valid"].sum() == 5
    assert "bad request for key <secret>" in res.df["_error"].dropna().iloc[0]
    places = {
        "dataframe": res.df.to_csv(),
        "repr": repr(res) + res._repr_html_() + repr(org) + repr(list(org)),
        "summary": res.summary().to_string(),
        "logs": caplog.text,
        "cache": cache.read_bytes().decode("latin-1"),
        "saved results": (res.save(tmp_path / "r.jsonl")).read_text(),
    }
    for where, text in places.items():
        assert SENTINEL not in text, where
    assert SENTINEL in (tmp_path / "store.json").read_text()  # the one place it belongs


@pytest.mark.anyio
async def test_provider_errors_never_carry_the_key(server):
    server.script(
        "/chat/completions", [Fault("status", status=401, message=f"Incorrect API key provided: {SENTINEL}")]
    )
    conn = nbc.OpenAI(api_key=SENTINEL, base_url=f"{server.url}/v1")
    from nbconnect._schema.schema import as_schema
    from nbconnect._wire.adapter import Call

    async with adapter_for(conn) as adapter:
        with pytest.raises(nbc.AuthenticationError) as info:
            await adapter.complete(Call(model="gpt-4.1-mini", user="x", schema=as_schema("a: str")))
    text = str(info.value) + "".join(traceback.format_exception(info.value)) + repr(info.value.args)
    assert SENTINEL not in text


def test_redirect_does_not_carry_the_key_to_another_port(server):
    with FakeProvider() as other:
        server.script("/models", [Fault("redirect", location=f"{other.url}/v1/models")])
        check = nbc.OpenAI(api_key=SENTINEL, base_url=f"{server.url}/v1").verify()
        assert not check.ok and "redirect" in check.message
        assert other.count() == 0


def test_no_token_or_key_in_a_vertex_batch_its_bucket_logs_or_errors(tmp_path, caplog):
    """A Vertex AI batch sends the service account's token to Cloud Storage too: it must reach no
    object, object name, query, log, error, Results or cache (neither may the key)."""
    caplog.set_level(logging.DEBUG)
    with FakeProvider() as server:
        server.storage.create_bucket("nbc-secrets")
        key = server.service_account()
        org = nbc.Organization(persist=False)
        org.add(
            nbc.VertexAI(
                credentials=key,
                location="us-central1",
                base_url=server.url,
                storage_url=server.url,
                batch_bucket="gs://nbc-secrets/runs",
            )
        )
        kw = dict(schema="label: positive|negative", models=["vertex:gemini-2.5-flash"], org=org, batch=True)
        kw.update(cache=str(tmp_path / "cache.sqlite"), progress=False, batch_poll=0.01)
        server.script("/upload/storage/", [Fault("status", status=403, message="Forbidden")])
        refused = nbc.run("Classify: {text}", data=["good", "bad"], **kw)
        answered = nbc.run("Classify: {text}", data=["fine", "awful"], **kw)
        uploads = [r for r in server.requests if r.path.startswith("/upload/storage/")]
        tokens = {r.headers["authorization"].removeprefix("Bearer ") for r in uploads}
        stored = b"".join(n.encode() + o.data for n, o in server.storage.buckets["nbc-secrets"].items())
        sent = b"".join(r.body + repr(r.query).encode() for r in uploads)
    assert not refused.df["_valid"].any() and refused.df["_error"].str.contains("storage.objectUser").all()
    assert answered.df["_valid"].all() and len(tokens) == 1 and next(iter(tokens)).startswith("ya29.")
    secrets = [*tokens, key["private_key"].splitlines()[1], key["private_key_id"]]
    places = {
        "objects": stored.decode("latin-1"),
        "uploads": sent.decode("latin-1"),
        "dataframes": refused.df.to_csv() + answered.df.to_csv(),
        "batch records": nbc.resume(cache=str(tmp_path / "cache.sqlite")).to_csv(),
        "logs": caplog.text,
        "cache": (tmp_path / "cache.sqlite").read_bytes().decode("latin-1"),
    }
    for where, text in places.items():
        for secret in secrets:
            assert secret not in text, where

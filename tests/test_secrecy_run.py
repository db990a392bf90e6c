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

"""Costs that match the bill: cached-input, cache-write and reasoning tokens, through the engine on
every wire family, against the loopback fake, checked with the official SDKs' reading of the same
answers and the prices in catalog.json (read here directly, not through the Catalog class)."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest
from _orgs import fake_org
from _prices import bill, prices
from _sdk_parse import anthropic_sdk, google_sdk, openai_sdk

import nbconnect as nbc
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.lookup import adapter_for
from nbconnect.testing import FakeProvider

SCHEMA = "label: positive|negative, score: float"
TEXTS = ["great value", "awful, it broke", "fine"]
# about 1,700 tokens before the user's text: long enough for the fake's prompt cache (1,024+)
LONG_SYSTEM = "You label product reviews. Read carefully and answer in JSON. " * 110
TOKEN_COLUMNS = ("_input_tokens", "_cached_tokens", "_output_tokens", "_reasoning_tokens")
MODELS = {  # model ref -> (catalog provider, model id, the SDK reading of an answer)
    "openai:gpt-5-mini": ("openai", "gpt-5-mini", openai_sdk),
    "anthropic:claude-haiku-4-5": ("anthropic", "claude-haiku-4-5", anthropic_sdk),
    "gemini:gemini-2.5-pro": ("gemini", "gemini-2.5-pro", google_sdk),
}


async def sdk_reading(org: nbc.Organization, ref: str, user: str, read) -> object:
    """Send the request nbconnect sends for ``user`` and read the answer with the SDK's types."""
    conn, model = org.resolve(ref)
    adapter = adapter_for(conn)
    try:
        prepared = adapter.prepare_call(
            Call(model=model, user=user, schema=as_schema(SCHEMA), system=LONG_SYSTEM)
        )
        async with httpx.AsyncClient() as client:
            resp = await client.send(prepared.to_httpx())
    finally:
        await adapter.aclose()
    assert resp.status_code == 200, resp.text
    return read(resp.json())


@pytest.mark.anyio
async def test_cached_and_reasoning_tokens_are_recorded_and_priced_on_every_wire():
    with FakeProvider() as server:
        org = fake_org(server)
        res = await nbc.arun(
            "Review: {text}", data=TEXTS, schema=SCHEMA, models=list(MODELS), org=org,
            system=LONG_SYSTEM, cache=False, progress=False,
        )  # fmt: skip
        df = res.df
        assert df["_valid"].all(), df["_error"].tolist()
        for ref, (provider, model, read) in MODELS.items():
            p = prices(provider, model)
            for _, cell in df[df["model"] == ref].iterrows():
                sdk = await sdk_reading(org, ref, f"Review: {cell['text']}", read)
                got = tuple(None if pd.isna(cell[c]) else int(cell[c]) for c in TOKEN_COLUMNS)
                assert got == (sdk.input, sdk.cached, sdk.output, sdk.reasoning), ref
                assert cell["_cached_tokens"] >= 1024  # the long system prompt came from the cache
                write = 0 if pd.isna(cell["_cache_write_tokens"]) else int(cell["_cache_write_tokens"])
                expected = bill(p, int(sdk.input), int(sdk.cached), write, int(sdk.output))
                assert cell["_cost_usd"] == pytest.approx(expected, rel=1e-9), ref
                assert cell["_cost_usd"] < bill(
                    p | {"cached_input": p["input"]}, int(sdk.input), 0, 0, int(sdk.output)
                )
    thinking = df[df["model"] != "anthropic:claude-haiku-4-5"]  # the fake's Claude does not think
    assert (thinking["_reasoning_tokens"] > 0).all()
    summary = res.summary()
    for name in ("cached_tokens", "reasoning_tokens"):
        assert (
            summary[name] == df.groupby("model")["_" + name].sum(min_count=1).reindex(summary.index)
        ).all()


def test_the_demo_bills_cached_and_reasoning_tokens():
    res = nbc.run(
        "Classify: {text}", data=TEXTS, schema=SCHEMA, models=["demo:demo-careful", "demo:demo-fast"],
        org=nbc.Organization.demo(), cache=False, progress=False,
    )  # fmt: skip
    df = res.df
    assert (df["_cached_tokens"] > 0).all() and (df["_cached_tokens"] < df["_input_tokens"]).all()
    careful = df[df["model"] == "demo:demo-careful"]
    assert (careful["_reasoning_tokens"] > 0).all() and (
        careful["_reasoning_tokens"] < careful["_output_tokens"]
    ).all()
    assert (df.loc[df["model"] == "demo:demo-fast", "_reasoning_tokens"] == 0).all()
    for _, cell in df.iterrows():
        p = prices("demo", cell["model"].removeprefix("demo:"))
        expected = bill(p, cell["_input_tokens"], cell["_cached_tokens"], 0, cell["_output_tokens"])
        assert cell["_cost_usd"] == pytest.approx(expected, rel=1e-9)
    assert res.summary().loc["demo:demo-careful", "reasoning_tokens"] == careful["_reasoning_tokens"].sum()


def test_a_cached_rerun_keeps_the_token_breakdown(tmp_path):
    run = lambda: nbc.run(  # noqa: E731
        "Classify: {text}", data=TEXTS, schema=SCHEMA, models=["demo:demo-careful"],
        org=nbc.Organization.demo(), cache=tmp_path, progress=False,
    )  # fmt: skip
    first, again = run().df, run().df
    assert again["_cached"].all()
    for name in ("_input_tokens", "_cached_tokens", "_output_tokens", "_reasoning_tokens", "_cost_usd"):
        assert again[name].tolist() == first[name].tolist(), name


def test_catalog_cost_bills_each_part_at_its_price():
    info = nbc.catalog.get("anthropic", "claude-sonnet-4-6")
    p = prices("anthropic", "claude-sonnet-4-6")
    assert p["cached_input"] < p["input"] < p["cache_write"]  # reads are cheaper, writes dearer
    assert info.cost(1000, 100, 600, 300) == pytest.approx(bill(p, 1000, 600, 300, 100))
    assert info.cost(1000, 100) == pytest.approx(bill(p, 1000, 0, 0, 100))
    # a model without cached prices bills cached tokens as plain input
    plain = nbc.catalog.add("custom", "no-cache-price", input_per_m=2.0, output_per_m=4.0)
    assert plain.cost(1000, 10, 900) == pytest.approx((1000 * 2.0 + 10 * 4.0) / 1e6)
    nbc.catalog.reset()

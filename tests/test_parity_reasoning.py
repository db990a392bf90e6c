"""Reasoning effort and per-sample seeds go out as each official SDK sends them.

The SDK side is built from the logical call (effort, seed, limits) by each SDK's own parameters:
openai's ``reasoning_effort`` / ``seed``, anthropic's ``thinking`` and google-genai's
``ThinkingConfig`` / ``seed``; ours comes from ``Call`` through the adapter's ``prepare``.
"""

from __future__ import annotations

import json

import anthropic
import httpx
import httpx2
import openai
import pytest
from google import genai
from google.genai import types as genai_types

from nbconnect import Anthropic, Gemini, OpenAI
from nbconnect._catalog.catalog import catalog
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call, schema_instruction
from nbconnect._wire.anthropic import FORCED_TOOL, OUTPUT_CONFIG, THINKING_BUDGET, AnthropicAdapter
from nbconnect._wire.google import THINKING_BUDGET as GEMINI_BUDGET
from nbconnect._wire.google import GeminiAdapter
from nbconnect._wire.openai import OpenAIAdapter

KEY = "sk-parity-SENTINEL-reasoning-0123456789"
SYSTEM = "Classify the review."
USER = "Great battery, awful screen."
SCHEMA = as_schema("label: positive|negative|neutral")


def _call(model: str, **kw) -> Call:
    return Call(model=model, user=USER, schema=SCHEMA, system=SYSTEM, **kw)


# -- OpenAI ------------------------------------------------------------------------------------


async def _openai_sdk(**kwargs) -> dict:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        reply = {
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": kwargs["model"],
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}
            ],
        }
        return httpx.Response(200, json=reply)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = openai.AsyncOpenAI(api_key=KEY, http_client=http)
        await client.chat.completions.create(**kwargs)
    return json.loads(seen[0].content)


@pytest.mark.anyio
@pytest.mark.parametrize("effort", ["low", "medium", "high"])
async def test_openai_reasoning_effort_and_seed_match_sdk(effort):
    ours = OpenAIAdapter(OpenAI(api_key=KEY)).prepare(
        _call("gpt-5-mini", reasoning_effort=effort, seed=2, max_tokens=300), "json_object"
    )
    sdk = await _openai_sdk(
        model="gpt-5-mini",
        messages=[
            {"role": "system", "content": f"{SYSTEM}\n\n{schema_instruction(SCHEMA)}"},
            {"role": "user", "content": USER},
        ],
        response_format={"type": "json_object"},
        max_completion_tokens=300,
        seed=2,
        reasoning_effort=effort,
    )
    assert ours.body == sdk


@pytest.mark.anyio
async def test_openai_sends_neither_without_effort_or_seed():
    ours = OpenAIAdapter(OpenAI(api_key=KEY)).prepare(_call("gpt-4.1-mini"), "json_object")
    assert "reasoning_effort" not in ours.body and "seed" not in ours.body


# -- Anthropic ---------------------------------------------------------------------------------


async def _anthropic_sdk(**kwargs) -> dict:
    seen: list[httpx2.Request] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        reply = {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "model": kwargs["model"],
            "content": [{"type": "text", "text": "{}"}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
        return httpx2.Response(200, json=reply)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(capture)) as http:
        client = anthropic.AsyncAnthropic(api_key=KEY, http_client=http)
        await client.messages.create(**kwargs)
    return json.loads(seen[0].content)


@pytest.mark.anyio
@pytest.mark.parametrize("effort", ["low", "high"])
async def test_anthropic_extended_thinking_matches_sdk(effort):
    adapter = AnthropicAdapter(Anthropic(api_key=KEY))
    call = _call("claude-sonnet-4-6", reasoning_effort=effort, max_tokens=512, seed=1)
    ours = adapter.prepare(call, OUTPUT_CONFIG)
    budget = THINKING_BUDGET[effort]
    sdk = await _anthropic_sdk(
        model="claude-sonnet-4-6",
        max_tokens=512 + budget,  # the answer's allowance on top of the thinking budget
        system=SYSTEM,
        messages=[{"role": "user", "content": USER}],
        thinking={"type": "enabled", "budget_tokens": budget},
        output_config={
            "format": {"type": "json_schema", "schema": ours.body["output_config"]["format"]["schema"]}
        },
    )
    assert ours.body == sdk
    assert budget >= 1024 and ours.body["max_tokens"] > budget  # the API's rules for budget_tokens
    assert "seed" not in ours.body  # the Messages API takes no seed


def test_anthropic_thinking_never_forces_a_tool():
    adapter = AnthropicAdapter(Anthropic(api_key=KEY))
    # claude-opus-4-1 starts with the forced tool (native: false); thinking rules that mode out
    assert adapter.call_modes(_call("claude-opus-4-1")) == [FORCED_TOOL, OUTPUT_CONFIG]
    assert adapter.call_modes(_call("claude-opus-4-1", reasoning_effort="low")) == [OUTPUT_CONFIG]
    assert adapter.plan(_call("claude-sonnet-4-6", reasoning_effort="low")) == [OUTPUT_CONFIG]
    # and such a model is refused before the run, with the reason
    why = AnthropicAdapter.reasoning_refusal(catalog.get("anthropic", "claude-opus-4-1"))
    assert why is not None and "forced tool" in why
    assert AnthropicAdapter.reasoning_refusal(catalog.get("anthropic", "claude-sonnet-4-6")) is None


# -- Gemini ------------------------------------------------------------------------------------


async def _genai_sdk(model: str, config: genai_types.GenerateContentConfig) -> dict:
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": "{}"}]}, "finishReason": "STOP"}
                ]
            },
        )

    transport = httpx.MockTransport(capture)
    with httpx.Client(transport=transport) as sync_http:
        async with httpx.AsyncClient(transport=transport) as async_http:
            options = {"httpx_client": sync_http, "httpx_async_client": async_http}
            client = genai.Client(api_key=KEY, http_options=options)
            await client.aio.models.generate_content(model=model, contents=USER, config=config)
    return json.loads(seen[0].content)


@pytest.mark.anyio
@pytest.mark.parametrize("effort", ["low", "medium", "high"])
async def test_gemini_thinking_budget_and_seed_match_sdk(effort):
    adapter = GeminiAdapter(Gemini(api_key=KEY))
    ours = adapter.prepare(
        _call("gemini-2.5-flash", reasoning_effort=effort, seed=4, max_tokens=256, temperature=0.5),
        "response_json_schema",
    )
    budget = GEMINI_BUDGET[effort]
    config = genai_types.GenerateContentConfig(
        system_instruction=SYSTEM,
        response_mime_type="application/json",
        response_json_schema=ours.body["generationConfig"]["responseJsonSchema"],
        max_output_tokens=256 + budget,  # maxOutputTokens covers the thinking on Gemini 2.5
        temperature=0.5,
        seed=4,
        thinking_config=genai_types.ThinkingConfig(thinking_budget=budget),
    )
    sdk = await _genai_sdk("gemini-2.5-flash", config)
    # google-genai 3.6.1 writes ThinkingConfig's fields in their proto names (thinking_budget),
    # which the API accepts as it accepts the documented JSON name (thinkingBudget) that we send
    thinking = sdk["generationConfig"].pop("thinkingConfig")
    assert thinking == {"thinking_budget": budget}
    assert ours.body["generationConfig"].pop("thinkingConfig") == {"thinkingBudget": budget}
    assert ours.body == sdk

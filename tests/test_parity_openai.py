"""Our OpenAI-family requests match what the official openai SDK sends for the same call."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

import nbconnect as nbc
from nbconnect._adapter import Call
from nbconnect._adapters import adapter_for
from nbconnect._schema import as_schema

KEY = "sk-parity-SENTINEL-0123456789abcdef"
SCHEMA = as_schema("label: positive|negative|neutral, confidence: float, tags: list[str], note?: str")
CALL = Call(
    model="gpt-4.1-mini",
    system="Classify the review.",
    user="Great battery, awful screen.",
    schema=SCHEMA,
    max_tokens=200,
    temperature=0.0,
)

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4.1-mini-2025-04-14",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": '{"label":"neutral"}', "refusal": None},
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


def capture_client(seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=COMPLETION)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def sdk_kwargs(adapter, call: Call) -> dict:
    """The SDK call for the same logical request: we hand it our body's parts, it builds the request."""
    body = adapter.prepare_call(call).body
    return {
        k: body[k]
        for k in (
            "model",
            "messages",
            "response_format",
            "max_completion_tokens",
            "max_tokens",
            "temperature",
        )
        if k in body
    }


def assert_same(ours, theirs: httpx.Request, auth_header: str) -> None:
    ours_req = ours.to_httpx()
    assert ours_req.method == theirs.method
    assert ours_req.url.path == theirs.url.path
    assert dict(ours_req.url.params) == dict(theirs.url.params)
    assert ours_req.headers[auth_header] == theirs.headers[auth_header]
    assert ours_req.headers["content-type"] == theirs.headers["content-type"]
    assert json.loads(ours_req.content) == json.loads(theirs.content)


@pytest.mark.anyio
async def test_openai_matches_sdk():
    conn = nbc.OpenAI(api_key=KEY, organization="org-1", project="proj-1")
    adapter = adapter_for(conn)
    seen: list[httpx.Request] = []
    sdk = openai.AsyncOpenAI(
        api_key=KEY, organization="org-1", project="proj-1", http_client=capture_client(seen)
    )
    await sdk.chat.completions.create(**sdk_kwargs(adapter, CALL))
    ours = adapter.prepare_call(CALL)
    assert_same(ours, seen[0], "authorization")
    assert seen[0].url.host == httpx.URL(ours.url).host == "api.openai.com"
    assert ours.to_httpx().headers["openai-organization"] == seen[0].headers["openai-organization"]
    assert ours.to_httpx().headers["openai-project"] == seen[0].headers["openai-project"]
    fmt = ours.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False
    assert sorted(fmt["json_schema"]["schema"]["required"]) == ["confidence", "label", "note", "tags"]


@pytest.mark.anyio
async def test_azure_openai_matches_sdk_azure_client():
    conn = nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint="https://res.openai.azure.com/", api_key=KEY)
    adapter = adapter_for(conn)
    call = Call(model="gpt4o-prod", user="Hello", schema=SCHEMA)
    seen: list[httpx.Request] = []
    sdk = openai.AsyncAzureOpenAI(
        api_key=KEY,
        azure_endpoint="https://res.openai.azure.com",
        api_version="2024-10-21",
        http_client=capture_client(seen),
    )
    await sdk.chat.completions.create(**sdk_kwargs(adapter, call))
    ours = adapter.prepare_call(call)
    assert_same(ours, seen[0], "api-key")
    assert seen[0].url.path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert seen[0].url.params["api-version"] == "2024-10-21"
    assert "authorization" not in ours.to_httpx().headers


@pytest.mark.anyio
@pytest.mark.parametrize("json_mode", ["json_schema", "json_object_schema", "json_object"])
async def test_custom_llm_matches_sdk(json_mode):
    conn = nbc.CustomLLM(
        name="llama3.2", endpoint="http://127.0.0.1:11434/v1", api_key="ollama-key-123", json_mode=json_mode
    )
    adapter = adapter_for(conn)
    call = Call(model="llama3.2", user="Hello", schema=SCHEMA, max_tokens=50)
    seen: list[httpx.Request] = []
    sdk = openai.AsyncOpenAI(
        api_key="ollama-key-123", base_url="http://127.0.0.1:11434/v1", http_client=capture_client(seen)
    )
    await sdk.chat.completions.create(**sdk_kwargs(adapter, call))
    ours = adapter.prepare_call(call)
    assert_same(ours, seen[0], "authorization")
    fmt = ours.body["response_format"]
    expected_type = "json_schema" if json_mode == "json_schema" else "json_object"
    assert fmt["type"] == expected_type
    if json_mode == "json_object_schema":  # the seed's form: the schema beside type json_object
        assert fmt["schema"] == SCHEMA.json
    assert ours.body["max_tokens"] == 50  # local servers know max_tokens, not max_completion_tokens


def test_foundry_routes_build_the_documented_urls():
    models = adapter_for(
        nbc.AzureAIFoundry(
            model="DeepSeek-R1",
            api_key=KEY,
            endpoint="https://r.services.ai.azure.com/models/chat/completions",
        )
    )
    url = httpx.URL(models.prepare_call(Call(model="DeepSeek-R1", user="x", schema=SCHEMA)).url)
    assert url.path == "/models/chat/completions" and url.params["api-version"] == "2024-05-01-preview"
    v1 = adapter_for(
        nbc.AzureAIFoundry(model="grok-3", api_key=KEY, endpoint="https://r.services.ai.azure.com/openai/v1/")
    )
    prepared = v1.prepare_call(Call(model="grok-3", user="x", schema=SCHEMA))
    assert httpx.URL(prepared.url).path == "/openai/v1/chat/completions" and "api-version" not in prepared.url
    assert prepared.headers["api-key"] == KEY and prepared.body["model"] == "grok-3"

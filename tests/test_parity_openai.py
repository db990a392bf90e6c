"""Our OpenAI-family requests match what the official openai SDK sends for the same call.

The SDK builds its request from the logical call on its own: the messages and limits from the same
inputs, and the structured-output part from the same pydantic model through
``client.chat.completions.parse(response_format=Model)``, never from our body. Ours comes from
``as_schema(Model)`` and the adapter's ``prepare(call, mode)``.
"""

from __future__ import annotations

import copy
import json
from typing import Literal

import httpx
import openai
import pytest
from pydantic import BaseModel, Field

import nbconnect as nbc
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call, schema_instruction
from nbconnect._wire.lookup import adapter_for

KEY = "sk-parity-SENTINEL-0123456789abcdef"
SYSTEM = "Classify the review."
USER = "Great battery, awful screen."


class Author(BaseModel):
    name: str
    verified: bool


class Review(BaseModel):
    """A classified product review."""

    label: Literal["positive", "negative", "neutral"]
    confidence: float = Field(description="How sure the label is, 0 to 1")
    tags: list[str]
    author: Author
    note: str | None  # nullable but required: no default


class ReviewWithDefaults(BaseModel):
    label: Literal["positive", "negative", "neutral"]
    note: str | None = None  # Optional[str] = None
    stars: int = 3


REVIEW = Review(label="neutral", confidence=0.5, tags=[], author=Author(name="a", verified=True), note=None)


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4.1-mini-2025-04-14",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content, "refusal": None},
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def capture_client(seen: list[httpx.Request], content: str = REVIEW.model_dump_json()) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=completion(content))

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def messages(system: str | None, user: str) -> list[dict[str, str]]:
    """The chat messages for a system and a user prompt, as the SDK's users write them."""
    return [*([{"role": "system", "content": system}] if system else []), {"role": "user", "content": user}]


def sdk_body(request: httpx.Request) -> dict:
    body = json.loads(request.content)
    # parse() always sends "stream": false (the API's default); we leave the default out.
    assert body.pop("stream") is False
    return body


def assert_same(ours, theirs: httpx.Request, auth_header: str) -> dict:
    """Method, path, query, auth and content type agree; returns our body for the callers' checks."""
    ours_req = ours.to_httpx()
    assert ours_req.method == theirs.method
    assert ours_req.url.path == theirs.url.path
    assert dict(ours_req.url.params) == dict(theirs.url.params)
    assert ours_req.headers[auth_header] == theirs.headers[auth_header]
    assert ours_req.headers["content-type"] == theirs.headers["content-type"]
    return json.loads(ours_req.content)


@pytest.mark.anyio
async def test_openai_matches_sdk():
    conn = nbc.OpenAI(api_key=KEY, organization="org-1", project="proj-1")
    adapter = adapter_for(conn)
    call = Call(
        model="gpt-4.1-mini",
        system=SYSTEM,
        user=USER,
        schema=as_schema(Review),
        max_tokens=200,
        temperature=0.0,
    )
    seen: list[httpx.Request] = []
    sdk = openai.AsyncOpenAI(
        api_key=KEY, organization="org-1", project="proj-1", http_client=capture_client(seen)
    )
    parsed = await sdk.chat.completions.parse(
        model="gpt-4.1-mini",
        messages=messages(SYSTEM, USER),
        response_format=Review,
        max_completion_tokens=200,
        temperature=0.0,
    )
    assert parsed.choices[0].message.parsed == REVIEW
    ours = adapter.prepare(call, "json_schema_strict")
    body = assert_same(ours, seen[0], "authorization")
    assert seen[0].url.host == httpx.URL(ours.url).host == "api.openai.com"
    assert ours.to_httpx().headers["openai-organization"] == seen[0].headers["openai-organization"]
    assert ours.to_httpx().headers["openai-project"] == seen[0].headers["openai-project"]
    theirs = sdk_body(seen[0])
    # The structured-output part first, so a schema difference shows on its own.
    assert body["response_format"] == theirs["response_format"]
    assert theirs["response_format"]["json_schema"]["name"] == "Review"
    assert theirs["response_format"]["json_schema"]["strict"] is True
    assert body == theirs


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["openai", "azure_openai"])
async def test_optional_fields_match_sdk_but_for_the_documented_default(provider):
    seen: list[httpx.Request] = []
    if provider == "openai":
        conn = nbc.OpenAI(api_key=KEY)
        sdk = openai.AsyncOpenAI(api_key=KEY, http_client=capture_client(seen))
        model = "gpt-4.1-mini"
    else:
        conn = nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint="https://res.openai.azure.com/", api_key=KEY)
        sdk = openai.AsyncAzureOpenAI(
            api_key=KEY,
            azure_endpoint="https://res.openai.azure.com",
            api_version="2024-10-21",
            http_client=capture_client(seen),
        )
        model = "gpt4o-prod"
    await sdk.chat.completions.parse(
        model=model, messages=messages(None, USER), response_format=ReviewWithDefaults
    )
    adapter = adapter_for(conn)
    call = Call(model=model, user=USER, schema=as_schema(ReviewWithDefaults))
    ours = adapter.prepare(call, "json_schema_strict").body["response_format"]
    theirs = sdk_body(seen[0])["response_format"]
    ours_props = ours["json_schema"]["schema"]["properties"]
    theirs_props = theirs["json_schema"]["schema"]["properties"]
    # Optional[str] = None: both send the null union, required, without the None default.
    assert (
        ours_props["note"]
        == theirs_props["note"]
        == {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "title": "Note",
        }
    )
    # The documented difference (tests/test_schema.py::test_documented_differences_from_the_sdk):
    # for a non-null default the SDK sends a required, non-null integer and keeps "default" (which
    # strict mode does not list); we make it nullable, move the default into the description, and
    # restore() drops the null so pydantic applies the default.
    assert theirs_props["stars"] == {"default": 3, "title": "Stars", "type": "integer"}
    assert ours_props["stars"] == {
        "title": "Stars",
        "type": ["integer", "null"],
        "description": "(default: 3)",
    }
    answer = adapter.adapt(call.schema, "json_schema_strict").restore(
        {"label": "neutral", "note": None, "stars": None}
    )
    assert (
        answer == {"label": "neutral", "note": None} and ReviewWithDefaults.model_validate(answer).stars == 3
    )
    # ... and that is the only difference.
    expected = copy.deepcopy(theirs)
    expected["json_schema"]["schema"]["properties"]["stars"] = ours_props["stars"]
    assert ours == expected


@pytest.mark.anyio
async def test_azure_openai_matches_sdk_azure_client():
    conn = nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint="https://res.openai.azure.com/", api_key=KEY)
    adapter = adapter_for(conn)
    call = Call(model="gpt4o-prod", user=USER, schema=as_schema(Review))
    seen: list[httpx.Request] = []
    sdk = openai.AsyncAzureOpenAI(
        api_key=KEY,
        azure_endpoint="https://res.openai.azure.com",
        api_version="2024-10-21",
        http_client=capture_client(seen),
    )
    await sdk.chat.completions.parse(
        model="gpt4o-prod", messages=messages(None, USER), response_format=Review
    )
    ours = adapter.prepare(call, "json_schema_strict")
    body = assert_same(ours, seen[0], "api-key")
    assert seen[0].url.path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert seen[0].url.params["api-version"] == "2024-10-21"
    assert "authorization" not in ours.to_httpx().headers
    theirs = sdk_body(seen[0])
    assert body["response_format"] == theirs["response_format"]
    assert body == theirs


CUSTOM_REPLY = '{"label": "neutral"}'


@pytest.mark.anyio
async def test_custom_llm_json_schema_sends_the_schema_as_written():
    conn = nbc.CustomLLM(
        name="llama3.2",
        endpoint="http://127.0.0.1:11434/v1",
        api_key="ollama-key-123",
        json_mode="json_schema",
    )
    call = Call(model="llama3.2", user=USER, schema=as_schema(Review), max_tokens=50)
    seen: list[httpx.Request] = []
    sdk = openai.AsyncOpenAI(
        api_key="ollama-key-123", base_url="http://127.0.0.1:11434/v1", http_client=capture_client(seen)
    )
    await sdk.chat.completions.parse(
        model="llama3.2", messages=messages(None, USER), response_format=Review, max_tokens=50
    )
    ours = adapter_for(conn).prepare(call, "json_schema_strict")
    body = assert_same(ours, seen[0], "authorization")
    theirs = sdk_body(seen[0])
    assert body["max_tokens"] == 50  # local servers know max_tokens, not max_completion_tokens
    # Deliberate difference (OpenAIAdapter.adapt_schema): local grammar engines get the schema as
    # written, where the SDK sends its strict rewrite. For this model (every field required) the
    # rewrite only adds additionalProperties: false on each object; nothing else differs.
    ours_schema = body["response_format"]["json_schema"]["schema"]
    assert ours_schema == Review.model_json_schema()
    expected = copy.deepcopy(ours_schema)
    expected["additionalProperties"] = False
    expected["$defs"]["Author"]["additionalProperties"] = False
    assert theirs["response_format"]["json_schema"]["schema"] == expected
    theirs["response_format"]["json_schema"]["schema"] = ours_schema
    # ...and since that schema does not meet strict mode's rules, it is not sent as strict
    assert body["response_format"]["json_schema"]["strict"] is False
    theirs["response_format"]["json_schema"]["strict"] = False
    assert body == theirs


@pytest.mark.anyio
@pytest.mark.parametrize("json_mode", ["json_object_schema", "json_object"])
async def test_custom_llm_json_object_matches_sdk(json_mode):
    conn = nbc.CustomLLM(
        name="llama3.2", endpoint="http://127.0.0.1:11434/v1", api_key="ollama-key-123", json_mode=json_mode
    )
    call = Call(model="llama3.2", user=USER, schema=as_schema(Review), max_tokens=50)
    # JSON mode has no pydantic helper in the SDK: the format is written by hand, the seed's form
    # carrying the model's own JSON Schema beside type json_object.
    response_format: dict = {"type": "json_object"}
    system = None
    if json_mode == "json_object_schema":
        response_format["schema"] = Review.model_json_schema()
    else:  # plain JSON mode cannot carry the schema, so the prompt does (the same text for both)
        system = schema_instruction(call.schema)
    seen: list[httpx.Request] = []
    sdk = openai.AsyncOpenAI(
        api_key="ollama-key-123",
        base_url="http://127.0.0.1:11434/v1",
        http_client=capture_client(seen, CUSTOM_REPLY),
    )
    await sdk.chat.completions.create(
        model="llama3.2",
        messages=messages(system, USER),
        response_format=response_format,
        max_tokens=50,
    )
    ours = adapter_for(conn).prepare(call, json_mode)
    body = assert_same(ours, seen[0], "authorization")
    assert body["response_format"] == json.loads(seen[0].content)["response_format"] == response_format
    assert body == json.loads(seen[0].content)


def test_foundry_routes_build_the_documented_urls():
    schema = as_schema(Review)
    models = adapter_for(
        nbc.AzureAIFoundry(
            model="DeepSeek-R1",
            api_key=KEY,
            endpoint="https://r.services.ai.azure.com/models/chat/completions",
        )
    )
    url = httpx.URL(models.prepare_call(Call(model="DeepSeek-R1", user="x", schema=schema)).url)
    assert url.path == "/models/chat/completions" and url.params["api-version"] == "2024-05-01-preview"
    v1 = adapter_for(
        nbc.AzureAIFoundry(model="grok-3", api_key=KEY, endpoint="https://r.services.ai.azure.com/openai/v1/")
    )
    prepared = v1.prepare_call(Call(model="grok-3", user="x", schema=schema))
    assert httpx.URL(prepared.url).path == "/openai/v1/chat/completions" and "api-version" not in prepared.url
    assert prepared.headers["api-key"] == KEY and prepared.body["model"] == "grok-3"

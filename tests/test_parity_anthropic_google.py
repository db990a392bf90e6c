"""Parity with the official SDKs: the request nbconnect builds equals the one the SDK sends.

Each SDK is pointed at a mock transport that records its request; nothing leaves the process
(the Vertex token comes from the loopback token endpoint of ``FakeProvider``). Compared: method, URL path and query,
the auth header's name and form, version headers, and the body. The structured-output part is built
by each SDK itself from the same pydantic model (``messages.parse(output_format=Model)``, a tool from
the SDK's ``beta_tool`` helper, genai's ``response_json_schema``/``response_schema``), never from ours,
which comes from ``as_schema(Model)`` through the adapter's ``prepare(call, mode)``.
"""

from __future__ import annotations

import copy
import json
from typing import Literal

import anthropic
import httpx
import httpx2
import pytest
from google import genai
from google.genai import types as genai_types
from google.oauth2 import credentials as oauth2_credentials
from pydantic import BaseModel, Field

from nbconnect import Anthropic, Gemini, VertexAI
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.anthropic import AnthropicAdapter
from nbconnect._wire.google import GeminiAdapter
from nbconnect._wire.vertex import VertexAdapter
from nbconnect.testing import FakeProvider

SENTINEL = "sk-ant-PARITY-SENTINEL-0123456789"
GEMINI_KEY = "AIzaPARITY-SENTINEL-0123456789abcdef"
QUOTA_PROJECT = "billing-project"


class Person(BaseModel):
    name: str
    role: Literal["host", "guest"]


DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class Event(BaseModel):
    """An event found in the text."""

    name: str = Field(description="What the event is called")
    day: Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    people: list[Person]


class EventWithDefaults(BaseModel):
    name: str
    note: str | None = None  # Optional[str] = None
    count: int = 3


SCHEMA = as_schema(Event)
EVENT = Event(name="meeting", day="Fri", people=[Person(name="Alice", role="host")])
SYSTEM = "Extract the event."
USER = "Alice and Bob meet Friday."


def _call(model: str, schema=SCHEMA, **kw) -> Call:
    return Call(model=model, user=USER, schema=as_schema(schema), system=SYSTEM, **kw)


def _with(schema: dict, path: tuple[str, ...], **keys) -> dict:
    """A copy of ``schema`` with ``keys`` set on the node at ``path``: one stated difference."""
    out = copy.deepcopy(schema)
    node = out
    for part in path:
        node = node[part]
    node.update(keys)
    return out


# -- Anthropic --------------------------------------------------------------------------------------


def _anthropic_reply(content: list[dict]) -> dict:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


async def _anthropic_sdk_request(method: str, answer: BaseModel, **kwargs) -> httpx2.Request:
    """The request ``client.messages.<method>(**kwargs)`` sends; the reply carries ``answer``."""
    seen: list[httpx2.Request] = []
    text = [{"type": "text", "text": answer.model_dump_json()}]

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=_anthropic_reply(text))

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(capture)) as http:
        client = anthropic.AsyncAnthropic(
            api_key=SENTINEL, base_url="https://api.anthropic.com", http_client=http
        )
        result = await getattr(client.messages, method)(**kwargs)
    if method == "parse":
        assert result.parsed_output == answer
    return seen[0]


def _assert_same_request(sdk, ours_prepared) -> dict:
    ours = ours_prepared.to_httpx()
    assert ours.method == sdk.method
    assert (ours.url.scheme, ours.url.host, ours.url.path) == (sdk.url.scheme, sdk.url.host, sdk.url.path)
    assert dict(ours.url.params) == dict(sdk.url.params)
    assert ours.headers["content-type"] == sdk.headers["content-type"] == "application/json"
    return json.loads(ours.content)


def _parse_kwargs(model: str, output_format: type[BaseModel]) -> dict:
    return {
        "model": model,
        "max_tokens": 1024,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": USER}],
        "output_format": output_format,
    }


@pytest.mark.anyio
async def test_anthropic_output_config_matches_sdk():
    adapter = AnthropicAdapter(Anthropic(api_key=SENTINEL))
    prepared = adapter.prepare(_call("claude-haiku-4-5"), "output_config")
    sdk = await _anthropic_sdk_request("parse", EVENT, **_parse_kwargs("claude-haiku-4-5", Event))
    body = _assert_same_request(sdk, prepared)
    # auth: the SDK sends the key as a Bearer token, and pins anthropic-version
    assert sdk.headers["authorization"] == f"Bearer {SENTINEL}"
    assert prepared.headers["Authorization"] == sdk.headers["authorization"]
    assert prepared.headers["anthropic-version"] == sdk.headers["anthropic-version"]
    assert "x-api-key" not in sdk.headers and "x-api-key" not in {k.lower() for k in prepared.headers}
    assert "anthropic-beta" not in sdk.headers
    theirs = json.loads(sdk.content)
    ours_format, sdk_format = body["output_config"]["format"], theirs["output_config"]["format"]
    assert ours_format.keys() == sdk_format.keys() == {"type", "schema"}
    assert ours_format["type"] == sdk_format["type"] == "json_schema"
    # The one difference: the SDK's transform_schema drops "type" next to an enum of literals; we
    # keep pydantic's "type": "string" there (the same constraint, and the API accepts both).
    assert sdk_format["schema"]["properties"]["day"] == {"enum": DAYS, "title": "Day"}
    expected = _with(sdk_format["schema"], ("properties", "day"), type="string")
    expected = _with(expected, ("$defs", "Person", "properties", "role"), type="string")
    assert ours_format["schema"] == expected
    theirs["output_config"] = body["output_config"]
    assert body == theirs


@pytest.mark.anyio
async def test_anthropic_optional_fields_differ_from_sdk_only_in_descriptions():
    adapter = AnthropicAdapter(Anthropic(api_key=SENTINEL))
    prepared = adapter.prepare(_call("claude-haiku-4-5", EventWithDefaults), "output_config")
    answer = EventWithDefaults(name="meeting")
    sdk = await _anthropic_sdk_request(
        "parse", answer, **_parse_kwargs("claude-haiku-4-5", EventWithDefaults)
    )
    ours = _assert_same_request(sdk, prepared)["output_config"]["format"]["schema"]
    theirs = json.loads(sdk.content)["output_config"]["format"]["schema"]
    # Both keep optional fields optional (no null rewrite as in OpenAI strict mode)...
    assert ours["required"] == theirs["required"] == ["name"]
    # ...and both move defaults out of the schema, in different words: the SDK appends Python reprs
    # ("{default: None}", even for pydantic's None default); we drop the None default (the null
    # union says it) and write "(default: 3)". Cosmetic: only the model reads descriptions.
    assert theirs["properties"]["note"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "title": "Note",
        "description": "{default: None}",
    }
    assert theirs["properties"]["count"] == {
        "type": "integer",
        "title": "Count",
        "description": "{default: 3}",
    }
    expected = _with(theirs, ("properties", "count"), description="(default: 3)")
    del expected["properties"]["note"]["description"]
    assert ours == expected


@pytest.mark.anyio
async def test_anthropic_forced_tool_matches_sdk():
    adapter = AnthropicAdapter(Anthropic(api_key=SENTINEL))
    prepared = adapter.prepare(_call("claude-opus-4-1", temperature=0.0, max_tokens=300), "forced_tool")
    # The SDK's tool helper builds the tool from the same model (its input_schema is the model's JSON
    # Schema); tool_choice has no helper, so it is written as the API documents it.
    sdk_tool = anthropic.beta_tool(
        lambda **answer: answer, name="Event", description=Event.__doc__, input_schema=Event
    ).to_dict()
    sdk = await _anthropic_sdk_request(
        "create",
        EVENT,
        model="claude-opus-4-1",
        max_tokens=300,
        system=SYSTEM,
        messages=[{"role": "user", "content": USER}],
        tools=[sdk_tool],
        tool_choice={"type": "tool", "name": "Event", "disable_parallel_tool_use": True},
    )
    body = _assert_same_request(sdk, prepared)
    theirs = json.loads(sdk.content)
    # anthropic 2.14.0 (anthropic-version 2026-10-21) has no temperature parameter, so neither do we
    assert "temperature" not in body and "temperature" not in theirs
    [ours_tool], [their_tool] = body["tools"], theirs["tools"]
    assert ours_tool.keys() == their_tool.keys() == {"name", "description", "input_schema"}
    assert ours_tool["name"] == their_tool["name"] == "Event"
    assert ours_tool["description"] == their_tool["description"] == "An event found in the text."
    # The one difference: beta_tool sends the model's schema untouched; we send the schema rewritten
    # for structured outputs (the same one output_config gets), which closes every object.
    assert their_tool["input_schema"] == Event.model_json_schema()
    expected = _with(their_tool["input_schema"], (), additionalProperties=False)
    expected = _with(expected, ("$defs", "Person"), additionalProperties=False)
    assert ours_tool["input_schema"] == expected
    theirs["tools"] = body["tools"]
    assert body == theirs


@pytest.mark.anyio
async def test_anthropic_list_models_matches_sdk():
    seen: list[httpx2.Request] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"data": [], "has_more": False, "first_id": None, "last_id": None})

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(capture)) as http:
        client = anthropic.AsyncAnthropic(
            api_key=SENTINEL, base_url="https://api.anthropic.com", http_client=http
        )
        async for _ in client.models.list(limit=1000):
            pass
    ours: list[httpx.Request] = []

    def ours_capture(request: httpx.Request) -> httpx.Response:
        ours.append(request)
        return httpx.Response(200, json={"data": [], "has_more": False})

    async with httpx.AsyncClient(transport=httpx.MockTransport(ours_capture)) as http:
        await AnthropicAdapter(Anthropic(api_key=SENTINEL), client=http).list_models()
    assert (ours[0].method, ours[0].url.path, dict(ours[0].url.params)) == (
        seen[0].method,
        seen[0].url.path,
        dict(seen[0].url.params),
    )
    assert ours[0].headers["authorization"] == seen[0].headers["authorization"]


# -- Gemini ----------------------------------------------------------------------------------------

_GEMINI_REPLY = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "{}"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1},
}


async def _genai_request(client_kwargs: dict, method: str = "generate", **kw) -> httpx.Request:
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if method == "list":
            return httpx.Response(200, json={"models": [], "publisherModels": []})
        return httpx.Response(200, json=_GEMINI_REPLY)

    transport = httpx.MockTransport(capture)
    with httpx.Client(transport=transport) as sync_http:
        async with httpx.AsyncClient(transport=transport) as async_http:
            options = {"httpx_client": sync_http, "httpx_async_client": async_http}
            client = genai.Client(http_options=options, **client_kwargs)
            if method == "list":
                async for _ in await client.aio.models.list(**kw):
                    pass
            else:
                await client.aio.models.generate_content(**kw)
    return seen[0]


def _genai_config(**schema) -> genai_types.GenerateContentConfig:
    return genai_types.GenerateContentConfig(
        system_instruction=SYSTEM,
        response_mime_type="application/json",
        max_output_tokens=512,
        temperature=0.0,
        **schema,
    )


def _genai_generate(model: str, config: genai_types.GenerateContentConfig) -> dict:
    return {"model": model, "contents": USER, "config": config}


@pytest.mark.anyio
async def test_gemini_response_json_schema_matches_sdk():
    adapter = GeminiAdapter(Gemini(api_key=GEMINI_KEY))
    prepared = adapter.prepare(
        _call("gemini-2.5-flash", temperature=0.0, max_tokens=512), "response_json_schema"
    )
    # google-genai 3.6.1 passes response_json_schema through untouched (t_json_schema), so a model
    # class cannot be serialised; its documented form is the model's JSON Schema.
    with pytest.raises(TypeError, match="not JSON serializable"):
        await _genai_request(
            {"api_key": GEMINI_KEY},
            **_genai_generate("gemini-2.5-flash", _genai_config(response_json_schema=Event)),
        )
    sdk = await _genai_request(
        {"api_key": GEMINI_KEY},
        **_genai_generate("gemini-2.5-flash", _genai_config(response_json_schema=Event.model_json_schema())),
    )
    body = _assert_same_request(sdk, prepared)
    # google-genai 3.6.1 calls the Gemini API on /v1/ (older SDKs used /v1beta/)
    assert sdk.url.path == "/v1/models/gemini-2.5-flash:generateContent"
    assert prepared.headers == {"x-goog-api-key": GEMINI_KEY}
    assert sdk.headers["x-goog-api-key"] == GEMINI_KEY
    assert "authorization" not in sdk.headers
    theirs = json.loads(sdk.content)
    # Exactly the SDK's schema: titles, $defs and the bare $ref kept as pydantic writes them.
    assert body["generationConfig"]["responseJsonSchema"] == theirs["generationConfig"]["responseJsonSchema"]
    assert body == theirs


@pytest.mark.anyio
async def test_gemini_optional_fields_differ_from_sdk_only_in_defaults():
    adapter = GeminiAdapter(Gemini(api_key=GEMINI_KEY))
    prepared = adapter.prepare(_call("gemini-2.5-flash", EventWithDefaults), "response_json_schema")
    sdk = await _genai_request(
        {"api_key": GEMINI_KEY},
        model="gemini-2.5-flash",
        contents=USER,
        config=genai_types.GenerateContentConfig(
            system_instruction=SYSTEM,
            response_mime_type="application/json",
            response_json_schema=EventWithDefaults.model_json_schema(),
        ),
    )
    ours = _assert_same_request(sdk, prepared)["generationConfig"]["responseJsonSchema"]
    theirs = json.loads(sdk.content)["generationConfig"]["responseJsonSchema"]
    # The SDK sends pydantic's "default" keys; "default" is not among responseJsonSchema's keywords
    # (providers.md §5.1), so we drop the None default (the null union says it) and move 3 into the
    # description, where the model can still read it. Nothing else differs.
    assert theirs["properties"]["note"]["default"] is None
    assert theirs["properties"]["count"] == {"default": 3, "title": "Count", "type": "integer"}
    expected = copy.deepcopy(theirs)
    del expected["properties"]["note"]["default"]
    expected["properties"]["count"] = {"title": "Count", "type": "integer", "description": "(default: 3)"}
    assert ours == expected


@pytest.mark.anyio
async def test_gemini_list_models_matches_sdk():
    sdk = await _genai_request({"api_key": GEMINI_KEY}, method="list", config={"page_size": 1000})
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"models": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http:
        await GeminiAdapter(Gemini(api_key=GEMINI_KEY), client=http).list_models()
    assert (seen[0].method, seen[0].url.path, dict(seen[0].url.params)) == (
        sdk.method,
        sdk.url.path,
        dict(sdk.url.params),
    )


# -- Vertex AI --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vertex_key():
    with FakeProvider() as server:
        yield server.service_account(project_id="proj", quota_project_id=QUOTA_PROJECT)


def _vertex_sdk_client(location: str, token: str) -> dict:
    # google-genai refreshes only expired credentials: a token set up front is sent as is.
    creds = oauth2_credentials.Credentials(token=token, quota_project_id=QUOTA_PROJECT)
    return {"vertexai": True, "project": "proj", "location": location, "credentials": creds}


@pytest.mark.anyio
@pytest.mark.parametrize("location", ["us-central1", "global", "eu"])
async def test_vertex_response_json_schema_matches_sdk(vertex_key, location):
    adapter = VertexAdapter(VertexAI(credentials=vertex_key, location=location))
    prepared = await adapter.authorize(
        adapter.prepare(_call("gemini-2.5-flash", temperature=0.0, max_tokens=512), "response_json_schema")
    )
    token = prepared.headers["Authorization"].removeprefix("Bearer ")
    sdk = await _genai_request(
        _vertex_sdk_client(location, token),
        **_genai_generate("gemini-2.5-flash", _genai_config(response_json_schema=Event.model_json_schema())),
    )
    body = _assert_same_request(sdk, prepared)
    assert sdk.url.path.startswith(f"/v1beta1/projects/proj/locations/{location}/publishers/google/models/")
    assert token.startswith("ya29.") and sdk.headers["authorization"] == f"Bearer {token}"
    assert prepared.headers["x-goog-user-project"] == sdk.headers["x-goog-user-project"] == QUOTA_PROJECT
    assert "x-goog-api-key" not in sdk.headers and "x-goog-api-key" not in prepared.headers
    theirs = json.loads(sdk.content)
    assert body["generationConfig"]["responseJsonSchema"] == theirs["generationConfig"]["responseJsonSchema"]
    assert body == theirs


@pytest.mark.anyio
@pytest.mark.parametrize("model", [Event, EventWithDefaults])
async def test_vertex_legacy_response_schema_matches_sdk(vertex_key, model):
    adapter = VertexAdapter(VertexAI(credentials=vertex_key, location="us-central1"))
    prepared = await adapter.authorize(adapter.prepare(_call("gemini-2.0-flash", model), "response_schema"))
    token = prepared.headers["Authorization"].removeprefix("Bearer ")
    # responseSchema is the SDK's own conversion: it takes the model class and inlines $defs,
    # upper-cases types, turns null unions into nullable and adds the property ordering.
    sdk = await _genai_request(
        _vertex_sdk_client("us-central1", token),
        model="gemini-2.0-flash",
        contents=USER,
        config=genai_types.GenerateContentConfig(
            system_instruction=SYSTEM, response_mime_type="application/json", response_schema=model
        ),
    )
    body = _assert_same_request(sdk, prepared)
    sdk_body = json.loads(sdk.content)
    assert body["generationConfig"].keys() == sdk_body["generationConfig"].keys()
    assert body["generationConfig"].keys() == {"responseMimeType", "responseSchema"}
    # google-genai 3.6.1 writes property_ordering in snake case; the API's JSON reader takes both
    # spellings, and ours is the documented camelCase one. Nothing else differs.
    assert "property_ordering" in sdk_body["generationConfig"]["responseSchema"]
    assert body == _camel(sdk_body)


def _camel(value):
    if isinstance(value, dict):
        return {("propertyOrdering" if k == "property_ordering" else k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


@pytest.mark.anyio
async def test_vertex_list_models_matches_sdk(vertex_key):
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"publisherModels": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http:
        await VertexAdapter(
            VertexAI(credentials=vertex_key, location="us-central1"), client=http
        ).list_models()
    token = seen[0].headers["authorization"].removeprefix("Bearer ")
    sdk = await _genai_request(_vertex_sdk_client("us-central1", token), method="list")
    assert (str(seen[0].url), seen[0].method) == (str(sdk.url), sdk.method)
    assert seen[0].headers["authorization"] == sdk.headers["authorization"]
    assert seen[0].headers["x-goog-user-project"] == sdk.headers["x-goog-user-project"]

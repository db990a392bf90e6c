"""Parity with the official SDKs: the request nbconnect builds equals the one the SDK sends.

Each SDK is pointed at a mock transport that records its request; nothing leaves the process
(the Vertex token comes from the loopback token endpoint in ``_tokenserver``). Compared: method, URL path and query,
the auth header's name and form, version headers, and the body (structured-output part included).
"""

from __future__ import annotations

import json

import anthropic
import httpx
import httpx2
import pytest
from _tokenserver import TokenServer, new_rsa_key, service_account_info
from google import genai
from google.oauth2 import credentials as oauth2_credentials

from nbconnect import Anthropic, Gemini, VertexAI
from nbconnect._adapter import Call
from nbconnect._schema import as_schema
from nbconnect._wire_anthropic import AnthropicAdapter
from nbconnect._wire_google import GoogleAdapter

SENTINEL = "sk-ant-PARITY-SENTINEL-0123456789"
GEMINI_KEY = "AIzaPARITY-SENTINEL-0123456789abcdef"
QUOTA_PROJECT = "billing-project"
SCHEMA = as_schema(
    {
        "type": "object",
        "title": "Event",
        "properties": {
            "name": {"type": "string"},
            "people": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["name", "people"],
    }
)
SYSTEM = "Extract the event."
USER = "Alice and Bob meet Friday."


def _call(model: str, **kw) -> Call:
    return Call(model=model, user=USER, schema=SCHEMA, system=SYSTEM, **kw)


# -- Anthropic --------------------------------------------------------------------------------------


_ANTHROPIC_REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "{}"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}


async def _anthropic_sdk_request(**create) -> httpx2.Request:
    seen: list[httpx2.Request] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=_ANTHROPIC_REPLY)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(capture)) as http:
        client = anthropic.AsyncAnthropic(
            api_key=SENTINEL, base_url="https://api.anthropic.com", http_client=http
        )
        await client.messages.create(**create)
    return seen[0]


def _assert_same_request(sdk, ours_prepared) -> dict:
    ours = ours_prepared.to_httpx()
    assert ours.method == sdk.method
    assert (ours.url.scheme, ours.url.host, ours.url.path) == (sdk.url.scheme, sdk.url.host, sdk.url.path)
    assert dict(ours.url.params) == dict(sdk.url.params)
    assert ours.headers["content-type"] == sdk.headers["content-type"] == "application/json"
    return json.loads(ours.content)


@pytest.mark.anyio
async def test_anthropic_output_config_matches_sdk():
    adapter = AnthropicAdapter(Anthropic(api_key=SENTINEL))
    prepared = adapter.prepare(_call("claude-haiku-4-5"), "output_config")
    schema = adapter.adapt(SCHEMA, "output_config").schema
    sdk = await _anthropic_sdk_request(
        model="claude-haiku-4-5",
        max_tokens=1024,
        system=SYSTEM,
        messages=[{"role": "user", "content": USER}],
        output_config={"format": {"type": "json_schema", "schema": schema}},
    )
    body = _assert_same_request(sdk, prepared)
    # auth: the SDK sends the key as a Bearer token, and pins anthropic-version
    assert sdk.headers["authorization"] == f"Bearer {SENTINEL}"
    assert prepared.headers["Authorization"] == sdk.headers["authorization"]
    assert prepared.headers["anthropic-version"] == sdk.headers["anthropic-version"]
    assert "x-api-key" not in sdk.headers and "x-api-key" not in {k.lower() for k in prepared.headers}
    assert "anthropic-beta" not in sdk.headers
    assert body == json.loads(sdk.content)
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}


@pytest.mark.anyio
async def test_anthropic_forced_tool_matches_sdk():
    adapter = AnthropicAdapter(Anthropic(api_key=SENTINEL))
    prepared = adapter.prepare(_call("claude-opus-4-1", temperature=0.0, max_tokens=300), "forced_tool")
    tool = prepared.body["tools"][0]
    sdk = await _anthropic_sdk_request(
        model="claude-opus-4-1",
        max_tokens=300,
        system=SYSTEM,
        messages=[{"role": "user", "content": USER}],
        tools=[tool],
        tool_choice={"type": "tool", "name": "Event", "disable_parallel_tool_use": True},
    )
    body = _assert_same_request(sdk, prepared)
    # anthropic 2.14.0 (anthropic-version 2026-10-21) has no temperature parameter, so neither do we
    assert "temperature" not in body
    assert body == json.loads(sdk.content)
    assert tool["name"] == "Event" and tool["input_schema"] == adapter.adapt(SCHEMA, "forced_tool").schema
    assert tool["input_schema"]["type"] == "object"


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


def _genai_config(schema_field: str, schema: dict) -> dict:
    return {
        "system_instruction": SYSTEM,
        "response_mime_type": "application/json",
        schema_field: schema,
        "max_output_tokens": 512,
        "temperature": 0.0,
    }


@pytest.mark.anyio
async def test_gemini_response_json_schema_matches_sdk():
    adapter = GoogleAdapter(Gemini(api_key=GEMINI_KEY))
    prepared = adapter.prepare(
        _call("gemini-2.5-flash", temperature=0.0, max_tokens=512), "response_json_schema"
    )
    schema = adapter.adapt(SCHEMA, "response_json_schema").schema
    sdk = await _genai_request(
        {"api_key": GEMINI_KEY},
        model="gemini-2.5-flash",
        contents=USER,
        config=_genai_config("response_json_schema", schema),
    )
    body = _assert_same_request(sdk, prepared)
    # google-genai 3.6.1 calls the Gemini API on /v1/ (older SDKs used /v1beta/)
    assert sdk.url.path == "/v1/models/gemini-2.5-flash:generateContent"
    assert prepared.headers == {"x-goog-api-key": GEMINI_KEY}
    assert sdk.headers["x-goog-api-key"] == GEMINI_KEY
    assert "authorization" not in sdk.headers
    assert body == json.loads(sdk.content)
    assert body["generationConfig"]["responseJsonSchema"] == schema


@pytest.mark.anyio
async def test_gemini_list_models_matches_sdk():
    sdk = await _genai_request({"api_key": GEMINI_KEY}, method="list", config={"page_size": 1000})
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"models": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http:
        await GoogleAdapter(Gemini(api_key=GEMINI_KEY), client=http).list_models()
    assert (seen[0].method, seen[0].url.path, dict(seen[0].url.params)) == (
        sdk.method,
        sdk.url.path,
        dict(sdk.url.params),
    )


# -- Vertex AI --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vertex_key():
    pem, public = new_rsa_key()
    server = TokenServer(public).start()
    yield service_account_info(pem, server.token_uri, project_id="proj", quota_project_id=QUOTA_PROJECT)
    server.stop()


def _vertex_sdk_client(location: str, token: str) -> dict:
    # google-genai refreshes only expired credentials: a token set up front is sent as is.
    creds = oauth2_credentials.Credentials(token=token, quota_project_id=QUOTA_PROJECT)
    return {"vertexai": True, "project": "proj", "location": location, "credentials": creds}


@pytest.mark.anyio
@pytest.mark.parametrize("location", ["us-central1", "global", "eu"])
async def test_vertex_response_json_schema_matches_sdk(vertex_key, location):
    adapter = GoogleAdapter(VertexAI(credentials=vertex_key, location=location))
    prepared = await adapter.authorize(
        adapter.prepare(_call("gemini-2.5-flash", temperature=0.0, max_tokens=512), "response_json_schema")
    )
    schema = adapter.adapt(SCHEMA, "response_json_schema").schema
    token = prepared.headers["Authorization"].removeprefix("Bearer ")
    sdk = await _genai_request(
        _vertex_sdk_client(location, token),
        model="gemini-2.5-flash",
        contents=USER,
        config=_genai_config("response_json_schema", schema),
    )
    body = _assert_same_request(sdk, prepared)
    assert sdk.url.path.startswith(f"/v1beta1/projects/proj/locations/{location}/publishers/google/models/")
    assert token.startswith("ya29.") and sdk.headers["authorization"] == f"Bearer {token}"
    assert prepared.headers["x-goog-user-project"] == sdk.headers["x-goog-user-project"] == QUOTA_PROJECT
    assert "x-goog-api-key" not in sdk.headers and "x-goog-api-key" not in prepared.headers
    assert body == json.loads(sdk.content)


@pytest.mark.anyio
async def test_vertex_legacy_response_schema_matches_sdk(vertex_key):
    adapter = GoogleAdapter(VertexAI(credentials=vertex_key, location="us-central1"))
    prepared = await adapter.authorize(adapter.prepare(_call("gemini-2.0-flash"), "response_schema"))
    token = prepared.headers["Authorization"].removeprefix("Bearer ")
    sdk = await _genai_request(
        _vertex_sdk_client("us-central1", token),
        model="gemini-2.0-flash",
        contents=USER,
        config={
            "system_instruction": SYSTEM,
            "response_mime_type": "application/json",
            "response_schema": SCHEMA.json,
        },
    )
    body = _assert_same_request(sdk, prepared)
    sdk_body = json.loads(sdk.content)
    assert body["generationConfig"].keys() == sdk_body["generationConfig"].keys()
    assert body["generationConfig"].keys() == {"responseMimeType", "responseSchema"}
    # google-genai 3.6.1 writes property_ordering in snake case; the API's JSON reader takes both
    # spellings, and ours is the documented camelCase one.
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
        await GoogleAdapter(
            VertexAI(credentials=vertex_key, location="us-central1"), client=http
        ).list_models()
    token = seen[0].headers["authorization"].removeprefix("Bearer ")
    sdk = await _genai_request(_vertex_sdk_client("us-central1", token), method="list")
    assert (str(seen[0].url), seen[0].method) == (str(sdk.url), sdk.method)
    assert seen[0].headers["authorization"] == sdk.headers["authorization"]
    assert seen[0].headers["x-goog-user-project"] == sdk.headers["x-goog-user-project"]

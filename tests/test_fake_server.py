"""FakeProvider (nbconnect.testing): wire shapes, faults, scripts, keep-alive, concurrency, SDKs.

Everything talks to the server over real sockets with plain httpx or the official SDKs, so these
tests also prove the shapes are the ones real clients parse.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import anyio
import httpx
import jsonschema
import pytest

import nbconnect.testing
from nbconnect.testing import FakeProvider, Fault, answer_for, broken_answer, openapi_to_json_schema

EVENT = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "date": {"type": ["string", "null"], "format": "date"},
        "people": {"type": "array", "items": {"type": "string"}},
        "kind": {"type": "string", "enum": ["meeting", "party", "call", "trip"]},
    },
    "required": ["name", "date", "people", "kind"],
    "additionalProperties": False,
}
TREE = {  # $defs, $ref, recursion, nullable anyOf, numbers, integers, booleans, patterns, formats
    "type": "object",
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "label": {"type": "string", "minLength": 3, "maxLength": 20},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2},
                "parent": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
            },
            "required": ["label", "children", "parent"],
            "additionalProperties": False,
        }
    },
    "properties": {
        "root": {"$ref": "#/$defs/node"},
        "score": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "stars": {"type": "integer", "minimum": 1, "maximum": 5},
        "price": {"type": "number", "multipleOf": 0.25, "minimum": 10, "maximum": 20},
        "ok": {"type": "boolean"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
        "id": {"type": "string", "format": "uuid"},
        "when": {"type": "string", "format": "date-time"},
        "email": {"type": "string", "format": "email"},
        "tags": {
            "type": "array",
            "items": {"enum": [1, 2, 3]},
            "minItems": 2,
            "maxItems": 3,
            "uniqueItems": True,
        },
        "note": {"type": ["string", "null"]},
    },
    "required": ["root", "score", "stars", "price", "ok", "code", "id", "when", "email", "tags", "note"],
    "additionalProperties": False,
}
SCHEMAS = [EVENT, TREE]
TEXTS = [f"Row {i}: Alice and Bob meet on day {i} to discuss budget #{i * 7}." for i in range(12)]


def check(schema, value):
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(value)


def is_valid(schema, value) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


# -- request bodies per family -------------------------------------------------------------------


def openai_body(schema, text="Alice and Bob meet Friday.", **extra):
    return {
        "model": "gpt-4.1-mini",
        "messages": [{"role": "system", "content": "Extract the event."}, {"role": "user", "content": text}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "event", "strict": True, "schema": schema},
        },
        **extra,
    }


def anthropic_body(schema, text="Alice and Bob meet Friday.", **extra):
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "system": "Extract the event.",
        "messages": [{"role": "user", "content": text}],
        "output_config": {"format": {"type": "json_schema", "schema": schema}},
        **extra,
    }


def anthropic_tool_body(schema, text="Alice and Bob meet Friday."):
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        "tools": [{"name": "record_event", "description": "Record it.", "input_schema": schema}],
        "tool_choice": {"type": "tool", "name": "record_event", "disable_parallel_tool_use": True},
    }


def gemini_body(schema, text="Alice and Bob meet Friday.", key="responseJsonSchema"):
    return {
        "systemInstruction": {"parts": [{"text": "Extract the event."}]},
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "generationConfig": {"responseMimeType": "application/json", key: schema, "maxOutputTokens": 512},
    }


AV = {"anthropic-version": "2023-06-01"}
VERTEX_PATH = (
    "/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
)


def answer_text(family: str, data: dict):
    """The JSON answer out of a 200 body, the way an adapter would extract it."""
    if family in ("openai", "azure"):
        return json.loads(data["choices"][0]["message"]["content"])
    if family == "anthropic":
        block = data["content"][0]
        return block["input"] if block["type"] == "tool_use" else json.loads(block["text"])
    return json.loads("".join(p["text"] for p in data["candidates"][0]["content"]["parts"]))


# (family, path, body builder, extra headers)
ROUTES = [
    ("openai", "/v1/chat/completions", openai_body, {}),
    ("azure", "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21", openai_body, {}),
    ("azure", "/openai/v1/chat/completions", openai_body, {}),
    ("azure", "/models/chat/completions?api-version=2024-05-01-preview", openai_body, {}),
    ("anthropic", "/v1/messages", anthropic_body, AV),
    ("anthropic", "/v1/messages", anthropic_tool_body, AV),
    ("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", gemini_body, {}),
    ("gemini", "/v1/models/gemini-2.5-flash:generateContent", gemini_body, {}),
    ("vertex", VERTEX_PATH, gemini_body, {}),
    ("vertex", VERTEX_PATH.replace("/v1/", "/v1beta1/"), gemini_body, {}),
]
ROUTE_IDS = [
    "openai",
    "azure-classic",
    "azure-v1",
    "foundry",
    "anthropic",
    "anthropic-tool",
    "gemini-v1beta",
    "gemini-v1",
    "vertex",
    "vertex-v1beta1",
]
# one route per wire family, for fault shapes
FAMILIES = {
    "openai": ("/v1/chat/completions", openai_body, {}),
    "azure": ("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21", openai_body, {}),
    "anthropic": ("/v1/messages", anthropic_body, AV),
    "gemini": ("/v1beta/models/gemini-2.5-flash:generateContent", gemini_body, {}),
    "vertex": (VERTEX_PATH, gemini_body, {}),
}


@pytest.fixture
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def post(client, server, family, schema=EVENT, text="Alice and Bob meet Friday."):
    path, build, headers = FAMILIES[family]
    return client.post(server.url + path, json=build(schema, text), headers=headers)


# -- public surface ------------------------------------------------------------------------------


def test_public_names_are_pinned():
    assert sorted(nbconnect.testing.__all__) == sorted(
        [
            "DEFAULT_MODELS",
            "FAULT_KINDS",
            "FakeProvider",
            "Fault",
            "Recorded",
            "answer_for",
            "broken_answer",
            "openapi_to_json_schema",
        ]
    )
    for name in nbconnect.testing.__all__:
        assert hasattr(nbconnect.testing, name)


def test_fault_rejects_unknown_kinds_and_options():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")
    with pytest.raises(TypeError, match="unknown option"):
        Fault("rate_limit", retry_afterr=1)
    with pytest.raises(TypeError, match="location"):
        Fault("redirect")
    assert Fault("slow", seconds=1) == Fault("slow", seconds=1)
    assert repr(Fault("status", status=404)) == "Fault('status', status=404)"


# -- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", SCHEMAS, ids=["event", "tree"])
def test_answer_for_satisfies_schema_and_is_deterministic(schema):
    values = [answer_for(schema, t) for t in TEXTS]
    for v in values:
        check(schema, v)
    assert values == [answer_for(schema, t) for t in TEXTS]
    assert len({json.dumps(v, sort_keys=True) for v in values}) == len(TEXTS)  # rows differ
    for t in TEXTS:
        assert not is_valid(schema, broken_answer(schema, t))


def test_answer_varies_enum_by_text():
    kinds = {answer_for(EVENT, t)["kind"] for t in TEXTS}
    assert len(kinds) >= 3


def test_answer_without_schema():
    value = answer_for(None, "hello there")
    assert list(value) == ["answer"] and isinstance(value["answer"], str)


def test_openapi_schema_conversion():
    api = {
        "type": "OBJECT",
        "properties": {
            "n": {"type": "INTEGER", "nullable": True},
            "tags": {
                "type": "ARRAY",
                "items": {"type": "STRING", "format": "enum", "enum": ["a", "b"]},
                "minItems": "1",
            },
        },
        "required": ["n", "tags"],
        "propertyOrdering": ["tags", "n"],
    }
    converted = openapi_to_json_schema(api)
    assert converted["properties"]["n"]["type"] == ["integer", "null"]
    assert converted["properties"]["tags"]["minItems"] == 1
    for t in TEXTS:
        value = answer_for(converted, t)
        check(converted, value)
        assert list(value) == ["tags", "n"]  # Gemini's propertyOrdering is honoured


@pytest.mark.parametrize("schema", SCHEMAS, ids=["event", "tree"])
@pytest.mark.parametrize(("family", "path", "build", "headers"), ROUTES, ids=ROUTE_IDS)
def test_answers_validate_against_request_schema(server, client, family, path, build, headers, schema):
    for text in TEXTS[:4]:
        r = client.post(server.url + path, json=build(schema, text), headers=headers)
        assert r.status_code == 200, r.text
        value = answer_text(family, r.json())
        check(schema, value)
        assert value == answer_for(schema, text)
    assert server.requests[-1].family == family
    assert server.count() == 4


def test_openai_response_shape(server, client):
    r = post(client, server, "openai")
    data = r.json()
    assert r.headers["x-request-id"].startswith("req_")
    assert r.headers["content-type"] == "application/json"
    assert data["id"].startswith("chatcmpl-") and data["object"] == "chat.completion"
    choice = data["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["refusal"] is None
    usage = data["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0


def test_azure_response_shape(server, client):
    r = post(client, server, "azure")
    data = r.json()
    assert r.headers["apim-request-id"]
    assert data["model"] == "gpt-4.1-mini"
    assert data["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False
    assert data["choices"][0]["content_filter_results"]["violence"]["severity"] == "safe"
    # the classic deployment route works without a model in the body
    body = openai_body(EVENT)
    del body["model"]
    r = client.post(
        server.url + "/openai/deployments/dep-1/chat/completions?api-version=2024-10-21", json=body
    )
    assert r.status_code == 200 and r.json()["model"] == "dep-1"
    assert server.requests[-1].query == {"api-version": "2024-10-21"}


def test_anthropic_response_shapes(server, client):
    r = post(client, server, "anthropic")
    data = r.json()
    assert r.headers["request-id"].startswith("req_")
    assert data["id"].startswith("msg_") and data["type"] == "message" and data["role"] == "assistant"
    assert data["stop_reason"] == "end_turn" and data["content"][0]["type"] == "text"
    assert {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"} <= set(
        data["usage"]
    )
    r = client.post(server.url + "/v1/messages", json=anthropic_tool_body(EVENT), headers=AV)
    data = r.json()
    block = data["content"][0]
    assert data["stop_reason"] == "tool_use"
    assert (
        block["type"] == "tool_use" and block["name"] == "record_event" and block["id"].startswith("toolu_")
    )
    check(EVENT, block["input"])


def test_google_response_shapes(server, client):
    data = post(client, server, "gemini").json()
    cand = data["candidates"][0]
    assert cand["finishReason"] == "STOP" and cand["content"]["role"] == "model"
    meta = data["usageMetadata"]
    assert meta["totalTokenCount"] == meta["promptTokenCount"] + meta["candidatesTokenCount"]
    assert data["modelVersion"] == "gemini-2.5-flash" and data["responseId"]
    data = post(client, server, "vertex").json()
    assert data["createTime"].endswith("Z") and data["usageMetadata"]["trafficType"] == "ON_DEMAND"


def test_gemini_openapi_response_schema(server, client):
    api = {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING"}, "pop": {"type": "INTEGER", "nullable": True}},
        "required": ["city", "pop"],
    }
    expected = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "pop": {"type": ["integer", "null"]}},
        "required": ["city", "pop"],
    }
    for text in TEXTS[:5]:
        body = gemini_body(api, text, key="responseSchema")
        r = client.post(server.url + "/v1beta/models/gemini-2.5-flash:generateContent", json=body)
        check(expected, answer_text("gemini", r.json()))


def test_no_schema_answers_an_answer_object(server, client):
    body = {"model": "m", "messages": [{"role": "user", "content": "Say hi"}]}
    r = client.post(server.url + "/v1/chat/completions", json=body)
    assert list(json.loads(r.json()["choices"][0]["message"]["content"])) == ["answer"]
    # llama.cpp-style json_object with a top-level schema is honoured
    body["response_format"] = {"type": "json_object", "schema": EVENT}
    r = client.post(server.url + "/v1/chat/completions", json=body)
    check(EVENT, answer_text("openai", r.json()))


def test_requests_are_validated_like_the_providers(server, client):
    url = server.url
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
    }
    r = client.post(url + "/v1/chat/completions", json=body)
    assert r.status_code == 400 and "must contain the word 'json'" in r.json()["error"]["message"]
    flat = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "response_format": {"type": "json_schema", "schema": EVENT},
    }
    r = client.post(url + "/v1/chat/completions", json=flat)
    assert r.status_code == 400 and r.json()["error"]["param"] == "response_format.json_schema"
    r = client.post(
        url + "/v1/chat/completions", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    r = client.post(url + "/v1/messages", json=anthropic_body(EVENT))
    assert r.status_code == 400 and r.json()["error"]["message"] == "anthropic-version: header is required"
    no_max = anthropic_body(EVENT)
    del no_max["max_tokens"]
    r = client.post(url + "/v1/messages", json=no_max, headers=AV)
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    thinking = {**anthropic_tool_body(EVENT), "thinking": {"type": "enabled", "budget_tokens": 1024}}
    r = client.post(url + "/v1/messages", json=thinking, headers=AV)
    assert r.status_code == 400 and "Thinking may not be enabled" in r.json()["error"]["message"]
    r = client.post(url + "/v1beta/models/g:generateContent", json=gemini_body(EVENT, key="responseSchema"))
    assert r.status_code == 400 and "additionalProperties" in r.json()["error"]["message"]
    r = client.post(url + VERTEX_PATH, json=gemini_body(EVENT, key="responseSchema"))
    assert r.status_code == 200  # Vertex accepts additionalProperties
    r = client.post(url + "/v1/nothing/here", json={})
    assert r.status_code == 404 and "Invalid URL" in r.json()["error"]["message"]


# -- auth ----------------------------------------------------------------------------------------


def test_api_keys(client):
    with FakeProvider(api_keys={"sk-good-key-123456"}) as server:
        url = server.url
        good_bearer = {"Authorization": "Bearer sk-good-key-123456"}
        r = client.post(
            url + "/v1/chat/completions", json=openai_body(EVENT), headers={"Authorization": "Bearer sk-bad"}
        )
        err = r.json()["error"]
        assert (
            r.status_code == 401
            and err["code"] == "invalid_api_key"
            and err["type"] == "invalid_request_error"
        )
        r = client.post(url + "/v1/chat/completions", json=openai_body(EVENT))
        assert r.status_code == 401 and "didn't provide an API key" in r.json()["error"]["message"]
        assert (
            client.post(
                url + "/v1/chat/completions", json=openai_body(EVENT), headers=good_bearer
            ).status_code
            == 200
        )
        azure = url + "/openai/deployments/d/chat/completions?api-version=2024-10-21"
        r = client.post(azure, json=openai_body(EVENT), headers={"api-key": "nope"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "401"
        assert (
            client.post(azure, json=openai_body(EVENT), headers={"api-key": "sk-good-key-123456"}).status_code
            == 200
        )

        r = client.post(url + "/v1/messages", json=anthropic_body(EVENT), headers={**AV, "x-api-key": "nope"})
        assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
        assert r.json()["request_id"] == r.headers["request-id"]
        for auth in ({"x-api-key": "sk-good-key-123456"}, good_bearer):
            assert (
                client.post(
                    url + "/v1/messages", json=anthropic_body(EVENT), headers={**AV, **auth}
                ).status_code
                == 200
            )

        gem = url + "/v1beta/models/gemini-2.5-flash:generateContent"
        r = client.post(gem, json=gemini_body(EVENT), headers={"x-goog-api-key": "nope"})
        err = r.json()["error"]
        assert r.status_code == 400 and err["status"] == "INVALID_ARGUMENT"
        assert err["details"][0]["reason"] == "API_KEY_INVALID"
        assert (
            client.post(
                gem, json=gemini_body(EVENT), headers={"x-goog-api-key": "sk-good-key-123456"}
            ).status_code
            == 200
        )
        assert client.post(gem + "?key=sk-good-key-123456", json=gemini_body(EVENT)).status_code == 200

        r = client.post(
            url + VERTEX_PATH, json=gemini_body(EVENT), headers={"Authorization": "Bearer ya29.bad"}
        )
        assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
        assert client.post(url + VERTEX_PATH, json=gemini_body(EVENT), headers=good_bearer).status_code == 200


# -- models --------------------------------------------------------------------------------------


def test_list_models_per_family(server, client):
    url = server.url
    data = client.get(url + "/v1/models", headers={"Authorization": "Bearer k"}).json()
    assert data["object"] == "list" and data["data"][0]["object"] == "model" and "owned_by" in data["data"][0]
    assert client.get(url + "/openai/v1/models").json()["object"] == "list"
    classic = client.get(url + "/openai/models?api-version=2024-10-21").json()["data"][0]
    assert classic["capabilities"]["chat_completion"] is True and classic["status"] == "succeeded"
    assert client.get(url + "/v1/models/gpt-4.1").json()["id"] == "gpt-4.1"
    missing = client.get(url + "/v1/models/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"

    page = client.get(url + "/v1/models?limit=2", headers={**AV, "x-api-key": "k"}).json()
    assert [m["type"] for m in page["data"]] == ["model", "model"] and page["has_more"] is True
    assert page["first_id"] == page["data"][0]["id"] and page["last_id"] == page["data"][1]["id"]
    rest = client.get(url + f"/v1/models?limit=2&after_id={page['last_id']}", headers=AV).json()
    assert rest["has_more"] is False and len(rest["data"]) == 1

    for version in ("v1beta", "v1"):
        models = client.get(url + f"/{version}/models", headers={"x-goog-api-key": "k"}).json()["models"]
        assert models[0]["name"].startswith("models/")
        assert "generateContent" in models[0]["supportedGenerationMethods"]
        assert any("generateContent" not in m["supportedGenerationMethods"] for m in models)
    vertex = client.get(
        url + "/v1beta1/publishers/google/models", headers={"Authorization": "Bearer t"}
    ).json()
    assert vertex["publisherModels"][0]["name"].startswith("publishers/google/models/")

    server.models = {"openai": ["only-this"], "anthropic": []}
    assert [m["id"] for m in client.get(url + "/v1/models").json()["data"]] == ["only-this"]
    empty = client.get(url + "/v1/models", headers=AV).json()
    assert empty == {"data": [], "has_more": False, "first_id": None, "last_id": None}


def test_google_count_tokens(client):
    ping = {"contents": [{"role": "user", "parts": [{"text": "ping"}]}]}
    vertex = VERTEX_PATH.replace(":generateContent", ":countTokens")
    gemini = "/v1beta/models/gemini-2.5-flash:countTokens"
    with FakeProvider(api_keys={"k"}, fault_rate=1.0) as server:  # random faults hit generate only
        url = server.url
        v = client.post(url + vertex, json=ping, headers={"Authorization": "Bearer k"})
        assert v.status_code == 200 and v.json()["totalTokens"] > 0 and "totalBillableCharacters" in v.json()
        g = client.post(url + gemini, json=ping, headers={"x-goog-api-key": "k"})
        assert g.status_code == 200 and g.json()["totalTokens"] == v.json()["totalTokens"]
        assert [r.family for r in server.requests] == ["vertex", "gemini"]
        assert all(r.fault is None for r in server.requests)

        r = client.post(url + vertex, json=ping, headers={"Authorization": "Bearer bad"})
        assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
        r = client.post(url + gemini, json=ping, headers={"x-goog-api-key": "bad"})
        assert r.status_code == 400 and r.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
        r = client.post(url + vertex, json={}, headers={"Authorization": "Bearer k"})
        assert r.status_code == 400 and "CountTokensRequest.contents" in r.json()["error"]["message"]

        server.script(":countTokens", [Fault("status", status=403, message="denied"), Fault("rate_limit")])
        r = client.post(url + vertex, json=ping, headers={"Authorization": "Bearer k"})
        assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"
        r = client.post(url + gemini, json=ping, headers={"x-goog-api-key": "k"})
        assert r.status_code == 429 and server.requests[-1].fault == "rate_limit"

    genai = pytest.importorskip("google.genai")
    credentials = pytest.importorskip("google.oauth2.credentials")
    with FakeProvider(api_keys={"tok"}) as server:
        sdk = genai.Client(
            vertexai=True,
            project="p1",
            location="us-central1",
            credentials=credentials.Credentials(token="tok"),
            http_options={"base_url": server.url},
        )
        assert sdk.models.count_tokens(model="gemini-2.5-flash", contents="ping").total_tokens > 0
        assert server.requests[-1].path.endswith("/models/gemini-2.5-flash:countTokens")
        sdk.close()


# -- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", list(FAMILIES))
def test_status_fault_has_provider_error_body(server, client, family):
    server.script("", [Fault("status", status=404, message="no such model", code="model_not_found")])
    r = post(client, server, family)
    assert r.status_code == 404
    data = r.json()
    if family == "openai":
        assert data["error"] == {
            "message": "no such model",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    elif family == "azure":
        assert data["error"] == {"code": "model_not_found", "message": "no such model"}
    elif family == "anthropic":
        assert data["type"] == "error" and data["error"]["type"] == "model_not_found"
    else:
        assert data["error"]["code"] == 404 and data["error"]["message"] == "no such model"
    assert server.requests[-1].fault == "status"


def test_status_defaults_per_family(server, client):
    server.script("/v1/messages", [Fault("status", status=404)])
    assert post(client, server, "anthropic").json()["error"]["type"] == "not_found_error"
    server.script("generateContent", [Fault("status", status=403)])
    assert post(client, server, "gemini").json()["error"]["status"] == "PERMISSION_DENIED"


def test_rate_limit_fault(server, client):
    server.script("", [Fault("rate_limit", retry_after=2), Fault("rate_limit", retry_after_ms=250)])
    r = post(client, server, "openai")
    assert r.status_code == 429 and r.headers["retry-after"] == "2" and "retry-after-ms" not in r.headers
    assert (
        r.json()["error"]["code"] == "rate_limit_exceeded"
        and r.headers["x-ratelimit-remaining-requests"] == "0"
    )
    r = post(client, server, "openai")
    assert r.headers["retry-after-ms"] == "250" and "retry-after" not in r.headers

    server.script("", [Fault("rate_limit")])
    r = post(client, server, "anthropic")
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert (
        r.json()["error"]["type"] == "rate_limit_error" and "anthropic-ratelimit-requests-reset" in r.headers
    )

    server.script("", [Fault("rate_limit", retry_after=37)])
    r = post(client, server, "azure")
    assert r.headers["retry-after"] == "37" and r.headers["retry-after-ms"] == "37000"

    for family in ("gemini", "vertex"):
        server.script("", [Fault("rate_limit", retry_after=37)])
        r = post(client, server, family)
        err = r.json()["error"]
        assert r.status_code == 429 and err["status"] == "RESOURCE_EXHAUSTED"
        retry = [d for d in err["details"] if d["@type"].endswith("RetryInfo")]
        assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]

    server.script("", [Fault("rate_limit", retry_after=None)])
    r = post(client, server, "gemini")
    assert not [d for d in r.json()["error"]["details"] if d["@type"].endswith("RetryInfo")]


def test_quota_overloaded_and_server_errors(server, client):
    server.script("", [Fault("quota")])
    r = post(client, server, "openai")
    assert (
        r.status_code == 429
        and r.json()["error"]["code"] == r.json()["error"]["type"] == "insufficient_quota"
    )
    server.script("", [Fault("quota")])
    assert "credit balance" in post(client, server, "anthropic").json()["error"]["message"]
    server.script("", [Fault("quota")])
    assert "PerDay" in json.dumps(post(client, server, "gemini").json())

    server.script("", [Fault("overloaded")])
    r = post(client, server, "anthropic")
    assert r.status_code == 529 and r.json()["error"]["type"] == "overloaded_error"
    for family in ("openai", "gemini"):
        server.script("", [Fault("overloaded")])
        assert post(client, server, family).status_code == 503
    server.script("", [Fault("overloaded")])
    assert post(client, server, "vertex").json()["error"]["status"] == "UNAVAILABLE"

    server.script("", [Fault("server_error"), Fault("server_error", status=502)])
    r = post(client, server, "openai")
    assert r.status_code == 500 and r.json()["error"]["type"] == "server_error"
    assert post(client, server, "openai").status_code == 502
    server.script("", [Fault("server_error")])
    assert post(client, server, "anthropic").json()["error"]["type"] == "api_error"
    server.script("", [Fault("server_error")])
    assert post(client, server, "gemini").json()["error"]["status"] == "INTERNAL"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_reset_breaks_the_connection(server, family):
    server.script("", [Fault("reset"), Fault("reset", before_response=True)])
    with httpx.Client(timeout=5) as c:
        for _ in range(2):
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                post(c, server, family)
        assert post(c, server, family).status_code == 200  # a fresh connection works again


def test_slow_times_out_without_blocking_others():
    with FakeProvider() as server:  # its own server: the held slow answer outlives the test's requests
        server.script("/slow/", [Fault("slow", seconds=600)])  # held far longer than the test runs
        with httpx.Client(timeout=httpx.Timeout(5, read=0.3)) as impatient, pytest.raises(httpx.ReadTimeout):
            impatient.post(server.url + "/slow/v1/chat/completions", json=openai_body(EVENT))
        with httpx.Client(timeout=120) as fast:  # the timeout only guards against a hang
            assert post(fast, server, "openai").status_code == 200
        # answered while the slow one was still held, by the server's own count of requests in flight
        assert server.max_in_flight == 2


def test_slow_then_another_fault(server, client):
    server.script("", [Fault("slow", seconds=0.05, then=Fault("server_error"))])
    assert post(client, server, "openai").status_code == 500
    assert server.requests[-1].fault == "slow"


def test_not_json_truncated_and_broken(server, client):
    server.script("", [Fault("not_json"), Fault("not_json", status=502)])
    r = post(client, server, "openai")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        r.json()
    r = post(client, server, "openai")
    assert r.status_code == 502 and "502 Bad Gateway" in r.text

    reasons = {"openai": ("choices", "length"), "azure": ("choices", "length")}
    for family in FAMILIES:
        server.script("", [Fault("truncated"), Fault("broken_json")])
        data = post(client, server, family).json()
        if family in reasons:
            assert data["choices"][0]["finish_reason"] == "length"
            text = data["choices"][0]["message"]["content"]
        elif family == "anthropic":
            assert data["stop_reason"] == "max_tokens"
            text = data["content"][0]["text"]
        else:
            assert data["candidates"][0]["finishReason"] == "MAX_TOKENS"
            assert data["usageMetadata"]["candidatesTokenCount"] == 512  # maxOutputTokens
            text = data["candidates"][0]["content"]["parts"][0]["text"]
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
        broken = answer_text(family, post(client, server, family).json())
        assert not is_valid(EVENT, broken)
    server.script("", [Fault("broken_json")])
    r = client.post(server.url + "/v1/messages", json=anthropic_tool_body(EVENT), headers=AV)
    assert not is_valid(EVENT, r.json()["content"][0]["input"])


def test_refusal_and_content_filter(server, client):
    server.script("", [Fault("refusal")])
    msg = post(client, server, "openai").json()["choices"][0]["message"]
    assert msg["content"] is None and msg["refusal"]
    server.script("", [Fault("refusal")])
    data = post(client, server, "anthropic").json()
    assert data["stop_reason"] == "refusal" and data["stop_details"]["type"] == "refusal"
    server.script("", [Fault("refusal"), Fault("refusal", prompt=True)])
    data = post(client, server, "gemini").json()
    assert data["candidates"][0]["finishReason"] == "SAFETY" and "content" not in data["candidates"][0]
    data = post(client, server, "gemini").json()
    assert "candidates" not in data and data["promptFeedback"]["blockReason"] == "SAFETY"

    server.script("", [Fault("content_filter"), Fault("content_filter", prompt=True)])
    choice = post(client, server, "azure").json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["content_filter_results"]["violence"]["filtered"] is True
    r = post(client, server, "azure")
    assert r.status_code == 400 and r.json()["error"]["code"] == "content_filter"
    assert r.json()["error"]["innererror"]["code"] == "ResponsibleAIPolicyViolation"


def test_redirect_and_extra_headers(server, client):
    server.script(
        "",
        [
            Fault("redirect", location="http://evil.example/steal"),
            Fault("ok", headers={"x-should-retry": "false"}),
        ],
    )
    r = post(client, server, "openai")
    assert r.status_code == 307 and r.headers["location"] == "http://evil.example/steal"
    r = post(client, server, "openai")
    assert r.status_code == 200 and r.headers["x-should-retry"] == "false"


def test_ok_fault_with_given_value_or_text(server, client):
    server.script("", [Fault("ok", value={"name": "x"}), Fault("ok", text="not json at all")])
    assert answer_text("openai", post(client, server, "openai").json()) == {"name": "x"}
    assert post(client, server, "openai").json()["choices"][0]["message"]["content"] == "not json at all"


# -- scripts and counting ------------------------------------------------------------------------


def test_script_is_consumed_in_order_then_normal_answers_resume(server, client):
    server.script(
        "/chat/completions", ["server_error", Fault("rate_limit", retry_after=0), "ok", "overloaded"]
    )
    server.script("/chat/completions", [Fault("status", status=418)])  # appends to the same queue
    assert server.script_remaining() == 5
    statuses = [post(client, server, "openai").status_code for _ in range(7)]
    assert statuses == [500, 429, 200, 503, 418, 200, 200]
    assert server.script_remaining("/chat/completions") == 0
    assert [r.fault for r in server.requests] == [
        "server_error",
        "rate_limit",
        "ok",
        "overloaded",
        "status",
        None,
        None,
    ]


def test_scripts_only_hit_matching_paths(server, client):
    server.script("/v1/messages", ["server_error"])
    assert post(client, server, "openai").status_code == 200
    assert post(client, server, "gemini").status_code == 200
    assert post(client, server, "anthropic").status_code == 500
    assert post(client, server, "anthropic").status_code == 200


def test_count_and_recorded_requests(server, client):
    post(client, server, "openai", text="one")
    post(client, server, "anthropic", text="two")
    client.get(server.url + "/v1/models?limit=5", headers={"Authorization": "Bearer k", "X-Custom": "Yes"})
    assert server.count() == 3
    assert server.count("/chat/completions") == 1
    assert server.count("models") == 1
    first, second, third = server.requests
    assert first.method == "POST" and first.path == "/v1/chat/completions"
    assert first.json["messages"][1]["content"] == "one" and json.loads(first.body) == first.json
    assert second.headers["anthropic-version"] == "2023-06-01"
    assert third.method == "GET" and third.query == {"limit": "5"} and third.headers["x-custom"] == "Yes"
    assert third.json is None and third.body == b""
    assert first.time <= second.time <= third.time  # time.monotonic() at arrival
    server.reset()
    assert server.count() == 0


# -- transport behaviour -------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(server):
    with httpx.Client(timeout=5) as c:
        addrs = set()
        for i in range(50):
            r = post(c, server, "openai" if i % 2 else "gemini", text=f"row {i}")
            assert r.status_code == 200
            addrs.add(r.extensions["network_stream"].get_extra_info("client_addr"))
        assert len(addrs) == 1
    assert server.count() == 50


def test_connection_close_is_honoured(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"connection: close" in head.lower()
    assert json.loads(body)["object"] == "list"


def test_malformed_request_gets_400(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")


def test_a_bug_in_the_fake_is_a_visible_500(server, client, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr("nbconnect.testing._answers.OpenAIWire.answer", boom)
    r = post(client, server, "openai")
    assert (
        r.status_code == 500
        and "FakeProvider internal error: KeyError('oops')" in r.json()["error"]["message"]
    )
    assert post(client, server, "anthropic").status_code == 200  # the server itself is fine


def test_chunked_request_body(server, client):
    def chunks():
        yield json.dumps(openai_body(EVENT)).encode()

    r = client.post(server.url + "/v1/chat/completions", content=chunks())
    assert r.status_code == 200
    check(EVENT, answer_text("openai", r.json()))


@pytest.mark.anyio
async def test_64_concurrent_requests_overlap():
    with FakeProvider(latency=0.2) as server:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=120, limits=limits) as c:  # timeout: a hang guard only
            path, build, _ = FAMILIES["openai"]

            async def one(i):
                r = await c.post(server.url + path, json=build(EVENT, f"row {i}"))
                assert r.status_code == 200

            async def all_received():
                while server.count() < 64:
                    await asyncio.sleep(0.01)

            with server.holding():  # no answer leaves until all 64 are in: a serial server never gets there
                calls = [asyncio.create_task(one(i)) for i in range(64)]
                await asyncio.wait_for(all_received(), 120)
                assert server.max_in_flight == 64
            await asyncio.gather(*calls)
    assert server.count() == 64


@pytest.mark.anyio
async def test_random_faults_are_seeded_and_per_request():
    async def run(seed):
        outcome = {}
        with FakeProvider(
            fault_rate=0.3, seed=seed, fault_mix=["server_error", "rate_limit", "truncated"]
        ) as s:
            async with httpx.AsyncClient(timeout=10) as c:

                async def one(i):
                    r = await c.post(s.url + "/v1/chat/completions", json=openai_body(EVENT, f"row {i}"))
                    finish = r.json()["choices"][0]["finish_reason"] if r.status_code == 200 else None
                    outcome[i] = (r.status_code, finish)

                async with anyio.create_task_group() as tg:
                    for i in range(150):
                        tg.start_soon(one, i)
        return outcome

    first, again, other = await run(7), await run(7), await run(8)
    assert first == again  # same seed, same requests -> same faults, whatever the arrival order
    assert first != other
    faulted = sum(1 for status, finish in first.values() if status != 200 or finish == "length")
    assert 20 < faulted < 75  # about 30 % of 150
    assert {status for status, _ in first.values()} <= {200, 429, 500}


def test_random_faults_give_a_retry_a_fresh_draw(client):
    with FakeProvider(fault_rate=0.5, seed=1, fault_mix={"server_error": 1}) as server:
        ok = 0
        for i in range(20):
            for _attempt in range(12):
                if post(client, server, "openai", text=f"row {i}").status_code == 200:
                    ok += 1
                    break
        assert ok == 20
        # list routes never get random faults
        assert all(client.get(server.url + "/v1/models").status_code == 200 for _ in range(20))


def test_soak_mixed_faults_survive(client):
    """A small version of the 5,000-call soak: every answer is a well-formed success or fault."""
    with FakeProvider(fault_rate=0.25, seed=3) as server:
        seen = set()
        for i in range(300):
            try:
                r = post(client, server, ("openai", "anthropic", "gemini")[i % 3], text=f"row {i}")
            except (httpx.ReadError, httpx.RemoteProtocolError):
                seen.add("reset")
                continue
            seen.add(r.status_code)
        assert {200, 429, 500, "reset"} <= seen
        assert server.count() == 300


# -- lifecycle -----------------------------------------------------------------------------------


def test_server_stops_cleanly():
    before = {t.ident for t in threading.enumerate()}
    server = FakeProvider()
    with server:
        port = server.port
        assert any(t.name == "FakeProvider" for t in threading.enumerate())
        server.script("/chat/completions", [Fault("slow", seconds=30)])
        keep = httpx.Client(timeout=120)  # a hang guard: the error below must be the closed connection
        assert keep.get(server.url + "/v1/models").status_code == 200  # an idle keep-alive connection
        errors = []

        def slow_call():
            try:
                keep.post(server.url + "/v1/chat/completions", json=openai_body(EVENT))
            except httpx.HTTPError as exc:
                errors.append(exc)

        pending = threading.Thread(target=slow_call)
        pending.start()
        while server.count() < 2:
            time.sleep(0.01)
    # stop() returned without answering the held request: the client saw its connection go away
    # (below) instead of the answer due in 30 s. The join's timeout only guards against a hang.
    pending.join(120)
    keep.close()
    assert not pending.is_alive() and len(errors) == 1  # the client saw the connection go away
    assert not isinstance(errors[0], httpx.TimeoutException)  # ...closed by stop(), not timed out
    assert {t.ident for t in threading.enumerate()} <= before
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    server.stop()  # idempotent
    with server:  # and it can be started again
        assert httpx.get(server.url + "/v1/models").status_code == 200


# -- the official SDKs parse what it sends -------------------------------------------------------


def test_openai_sdk_parses_answers(server):
    openai = pytest.importorskip("openai")
    pydantic = pytest.importorskip("pydantic")

    class Event(pydantic.BaseModel):
        name: str
        people: list[str]

    with openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0) as client:
        done = client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[{"role": "user", "content": "Al and Bo"}],
            response_format={"type": "json_schema", "json_schema": {"name": "event", "schema": EVENT}},
        )
        check(EVENT, json.loads(done.choices[0].message.content))
        assert done.usage.total_tokens > 0 and done.choices[0].finish_reason == "stop"
        parsed = client.chat.completions.parse(
            model="gpt-4.1-mini", messages=[{"role": "user", "content": "Al and Bo"}], response_format=Event
        )
        assert isinstance(parsed.choices[0].message.parsed, Event)
        assert server.requests[-1].headers["authorization"] == "Bearer sk-test"
        assert [m.id for m in client.models.list()] == nbconnect.testing.DEFAULT_MODELS["openai"]
        server.script("", [Fault("rate_limit", retry_after=0)])
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        server.script("", [Fault("refusal")])
        refused = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert refused.choices[0].message.refusal


def test_azure_openai_sdk_parses_answers(server):
    openai = pytest.importorskip("openai")
    with openai.AzureOpenAI(
        azure_endpoint=server.url, api_key="k", api_version="2024-10-21", max_retries=0
    ) as client:
        done = client.chat.completions.create(
            model="my-deployment",
            messages=[{"role": "user", "content": "Al"}],
            response_format={"type": "json_schema", "json_schema": {"name": "event", "schema": EVENT}},
        )
        check(EVENT, json.loads(done.choices[0].message.content))
    last = server.requests[-1]
    assert (
        last.path == "/openai/deployments/my-deployment/chat/completions" and last.headers["api-key"] == "k"
    )
    assert last.family == "azure"


def test_anthropic_sdk_parses_answers(server):
    anthropic = pytest.importorskip("anthropic")
    with anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0) as client:
        msg = client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=256,
            messages=[{"role": "user", "content": "Al and Bo"}],
            output_config={"format": {"type": "json_schema", "schema": EVENT}},
        )
        check(EVENT, json.loads(msg.content[0].text))
        assert msg.usage.input_tokens > 0 and msg.stop_reason == "end_turn"
        tool = client.messages.create(**anthropic_tool_body(EVENT))
        assert tool.content[0].type == "tool_use"
        check(EVENT, tool.content[0].input)
        assert [m.id for m in client.models.list()] == nbconnect.testing.DEFAULT_MODELS["anthropic"]
        server.script("", [Fault("overloaded")])
        with pytest.raises(anthropic.APIStatusError) as info:
            client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
        assert info.value.status_code == 529
        server.script("", [Fault("refusal")])
        refused = client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
        assert refused.stop_reason == "refusal"


def test_google_genai_sdk_parses_answers(server):
    genai = pytest.importorskip("google.genai")
    pydantic = pytest.importorskip("pydantic")

    class Event(pydantic.BaseModel):
        name: str
        people: list[str]

    client = genai.Client(api_key="AIza-test", http_options={"base_url": server.url})
    done = client.models.generate_content(
        model="gemini-2.5-flash",
        contents="Al and Bo meet",
        config={"response_mime_type": "application/json", "response_schema": Event},
    )
    assert isinstance(done.parsed, Event)
    assert done.usage_metadata.total_token_count > 0
    assert server.requests[-1].headers["x-goog-api-key"] == "AIza-test"
    raw = client.models.generate_content(
        model="gemini-2.5-flash",
        contents="Al and Bo meet",
        config={"response_mime_type": "application/json", "response_json_schema": EVENT},
    )
    check(EVENT, json.loads(raw.text))
    names = [m.name for m in client.models.list()]
    assert "models/gemini-2.5-flash" in names
    server.script("", [Fault("rate_limit", retry_after=3)])
    with pytest.raises(genai.errors.ClientError) as info:
        client.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert info.value.code == 429
    client.close()

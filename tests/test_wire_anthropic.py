"""The Anthropic Messages adapter: request shape, parsing, errors, the forced-tool fallback."""

from __future__ import annotations

import json

import httpx
import pytest
from _mock import answering

import nbconnect as nbc
from nbconnect import _errors as E
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call, remembered_modes
from nbconnect._wire.anthropic import ANTHROPIC_VERSION, AnthropicAdapter
from nbconnect._wire.lookup import adapter_for
from nbconnect.testing import FakeProvider, Fault, answer_for

KEY = "sk-ant-api03-wire-SENTINEL-abcdefghijklmnop"
SCHEMA = as_schema("label: positive|negative, score: float")
CALL = Call(model="claude-haiku-4-5", user="I love it", schema=SCHEMA, system="Classify the sentiment.")
OLD = Call(model="claude-opus-4-1-20250805", user="I love it", schema=SCHEMA)  # catalog: native false


@pytest.fixture(autouse=True)
def _forget_modes():
    remembered_modes().clear()
    yield
    remembered_modes().clear()


def message(content: list[dict], *, stop: str = "end_turn", **extra) -> dict:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 40,
            "output_tokens": 18,
            "cache_creation_input_tokens": 10,
            "cache_read_input_tokens": 50,
        },
        **extra,
    }


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def tool_use(value: dict) -> dict:
    return {"type": "tool_use", "id": "toolu_01", "name": "response", "input": value}


def error(status: int, kind: str, msg: str, headers: dict | None = None) -> httpx.Response:
    body = {"type": "error", "error": {"type": kind, "message": msg}, "request_id": "req_err"}
    return httpx.Response(status, json=body, headers=headers)


def adapter_answering(*responses: httpx.Response, conn: nbc.Connection | None = None):
    return answering(conn or nbc.Anthropic(api_key=KEY), *responses)


# -- requests ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_request_shape_output_config():
    adapter, seen = adapter_answering(
        httpx.Response(200, json=message([text('{"label":"positive","score":1}')]))
    )
    assert isinstance(adapter, AnthropicAdapter)
    await adapter.complete(CALL)
    request = seen[0]
    assert (request.method, str(request.url)) == ("POST", "https://api.anthropic.com/v1/messages")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert "x-api-key" not in request.headers
    body = json.loads(request.content)
    assert body["max_tokens"] == 1024  # required by the API: the default when the call sets none
    assert body["system"] == "Classify the sentiment."
    assert body["messages"] == [{"role": "user", "content": "I love it"}]
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert body["output_config"]["format"]["schema"]["properties"].keys() == {"label", "score"}
    assert "tools" not in body and "temperature" not in body


@pytest.mark.anyio
async def test_base_url_and_max_tokens_are_honoured():
    conn = nbc.Anthropic(api_key=KEY, base_url="http://127.0.0.1:9/gateway/")
    adapter, seen = adapter_answering(httpx.Response(200, json=message([text("{}")])), conn=conn)
    await adapter.complete(Call(model="claude-haiku-4-5", user="x", schema=SCHEMA, max_tokens=77))
    assert str(seen[0].url) == "http://127.0.0.1:9/gateway/v1/messages"
    body = json.loads(seen[0].content)
    assert body["max_tokens"] == 77 and "system" not in body


def test_modes_put_the_forced_tool_first_for_models_without_native_json():
    adapter = AnthropicAdapter(nbc.Anthropic(api_key=KEY))
    assert adapter.modes("claude-haiku-4-5") == ["output_config", "forced_tool"]
    assert adapter.modes("claude-sonnet-4-0") == ["forced_tool", "output_config"]
    assert adapter.modes("claude-opus-4-1-20250805") == ["forced_tool", "output_config"]
    assert adapter.modes("claude-some-future-model") == ["output_config", "forced_tool"]


# -- parsing ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_normal_answer_is_parsed_validated_and_costed():
    payload = message([text('{"label": '), text('"positive", "score": 0.9}')])
    adapter, _ = adapter_answering(httpx.Response(200, json=payload, headers={"request-id": "req_011"}))
    reply = await adapter.complete(CALL)
    assert reply.valid and reply.value == {"label": "positive", "score": 0.9}
    assert reply.enforcement == "output_config" and reply.finish_reason == "end_turn"
    # input_tokens counts uncached input only: the reply reports the whole prompt (40 + 10 + 50)
    assert (reply.input_tokens, reply.output_tokens, reply.cached_tokens) == (100, 18, 50)
    assert reply.request_id == "req_011" and reply.model == "claude-haiku-4-5-20251001"
    assert reply.cache_write_tokens == 10
    # claude-haiku-4-5: $1 in, $0.10 cache read, $1.25 cache write, $5 out per million tokens
    assert reply.cost_usd == pytest.approx((40 * 1.0 + 50 * 0.1 + 10 * 1.25 + 18 * 5.0) / 1e6)


@pytest.mark.anyio
async def test_forced_tool_answer_takes_the_input_object():
    payload = message([text("Recording it."), tool_use({"label": "negative", "score": 0.2})], stop="tool_use")
    adapter, seen = adapter_answering(httpx.Response(200, json=payload))
    reply = await adapter.complete(OLD)
    assert reply.valid and reply.value == {"label": "negative", "score": 0.2}
    assert reply.enforcement == "forced_tool" and reply.finish_reason == "tool_use"
    assert json.loads(reply.raw) == {"label": "negative", "score": 0.2}
    body = json.loads(seen[0].content)
    assert "output_config" not in body
    tool = body["tools"][0]
    assert tool["name"] == SCHEMA.name and tool["input_schema"]["type"] == "object"
    assert body["tool_choice"] == {"type": "tool", "name": SCHEMA.name, "disable_parallel_tool_use": True}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("payload", "call", "error_type", "needle"),
    [
        (message([text('{"label": "posi')], stop="max_tokens"), CALL, "truncated", "max_tokens"),
        (message([tool_use({})], stop="max_tokens"), OLD, "truncated", "max_tokens"),
        (message([text("I can't help with that.")], stop="refusal"), CALL, "refusal", "can't help"),
        (
            message(
                [], stop="refusal", stop_details={"type": "refusal", "category": "cyber", "explanation": "no"}
            ),
            CALL,
            "refusal",
            "refused: no",
        ),
        (message([text("{}")], stop="model_context_window_exceeded"), CALL, "truncated", "context window"),
        (message([text("Sure! It is positive.")]), CALL, "invalid_json", "not JSON"),
        (message([text('{"label": "great", "score": 0.9}')]), CALL, "schema_mismatch", "label"),
        (message([tool_use({"label": "positive"})], stop="tool_use"), OLD, "schema_mismatch", "score"),
        (message([]), CALL, "empty", "no text"),
    ],
)
async def test_model_failures_come_back_in_the_reply(payload, call, error_type, needle):
    adapter, _ = adapter_answering(httpx.Response(200, json=payload))
    reply = await adapter.complete(call)
    assert not reply.valid
    assert reply.error_type == error_type
    assert needle in reply.error


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "cls", "retryable", "retry_after"),
    [
        (error(400, "invalid_request_error", "messages: field required"), E.BadRequestError, False, None),
        (error(401, "authentication_error", "invalid x-api-key"), E.AuthenticationError, False, None),
        (error(402, "billing_error", "Your credit balance is too low"), E.QuotaExceededError, False, None),
        (
            error(
                400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API."
            ),
            E.QuotaExceededError,
            False,
            None,
        ),
        (
            error(403, "permission_error", "Your API key does not have permission"),
            E.PermissionDeniedError,
            False,
            None,
        ),
        (error(404, "not_found_error", "model: claude-9"), E.NotFoundError, False, None),
        (error(413, "request_too_large", "Request exceeds the maximum size"), E.BadRequestError, False, None),
        (
            error(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your limit",
                {"retry-after": "7"},
            ),
            E.RateLimitError,
            True,
            7.0,
        ),
        (error(500, "api_error", "Internal server error"), E.ServerError, True, None),
        (error(504, "timeout_error", "Request timed out"), E.RequestTimeout, True, None),
        (error(529, "overloaded_error", "Overloaded"), E.OverloadedError, True, None),
        (
            error(529, "overloaded_error", "Overloaded", {"x-should-retry": "false"}),
            E.OverloadedError,
            False,
            None,
        ),
    ],
)
async def test_http_errors_map_to_the_hierarchy(response, cls, retryable, retry_after):
    adapter, seen = adapter_answering(response)
    with pytest.raises(cls) as info:
        await adapter.complete(CALL)
    err = info.value
    assert type(err) is cls
    assert (err.retryable, err.retry_after, err.status) == (retryable, retry_after, response.status_code)
    assert "[Anthropic connection 'anthropic'] HTTP" in str(err)
    assert KEY not in str(err)
    assert len(seen) == 1  # only a schema rejection tries the next mode


@pytest.mark.anyio
async def test_auth_error_says_how_to_fix_and_never_echoes_the_key():
    adapter, _ = adapter_answering(error(401, "authentication_error", f"invalid x-api-key {KEY}"))
    result = await adapter.verify()
    assert not result.ok and result.field == "api_key" and result.error_type == "authentication"
    assert "console.anthropic.com/settings/keys" in result.message and "…mnop" in result.message
    assert KEY not in result.message


@pytest.mark.anyio
async def test_output_config_rejection_falls_back_to_the_forced_tool_and_is_remembered():
    rejection = error(
        400,
        "invalid_request_error",
        "'claude-haiku-4-5' does not support output_config.format (structured outputs)",
    )
    answer = message([tool_use({"label": "positive", "score": 1})], stop="tool_use")
    adapter, seen = adapter_answering(rejection, httpx.Response(200, json=answer))
    first = await adapter.complete(CALL)
    assert first.valid and first.enforcement == "forced_tool"
    bodies = [json.loads(r.content) for r in seen]
    assert "output_config" in bodies[0] and "tools" in bodies[1] and "output_config" not in bodies[1]
    second = await adapter.complete(CALL)
    assert second.enforcement == "forced_tool"
    assert "tools" in json.loads(seen[2].content) and len(seen) == 3


@pytest.mark.anyio
async def test_a_rejected_tool_schema_is_raised_not_retried_as_output_config():
    adapter, seen = adapter_answering(
        error(400, "invalid_request_error", "tools.0.input_schema: invalid schema")
    )
    with pytest.raises(E.SchemaRejectedError, match="input_schema"):
        await adapter.complete(OLD)
    assert len(seen) == 1


@pytest.mark.anyio
async def test_an_unrelated_bad_request_does_not_fall_back():
    adapter, seen = adapter_answering(
        error(400, "invalid_request_error", "max_tokens: must be at most 64000")
    )
    with pytest.raises(E.BadRequestError) as info:
        await adapter.complete(CALL)
    assert type(info.value) is E.BadRequestError and len(seen) == 1


# -- models and verification --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_list_models_follows_the_pages():
    page1 = {
        "data": [{"type": "model", "id": "claude-haiku-4-5"}],
        "has_more": True,
        "last_id": "claude-haiku-4-5",
    }
    page2 = {
        "data": [{"type": "model", "id": "claude-opus-4-1"}],
        "has_more": False,
        "last_id": "claude-opus-4-1",
    }
    adapter, seen = adapter_answering(httpx.Response(200, json=page1), httpx.Response(200, json=page2))
    result = await adapter.verify()
    assert result.ok and result.models == ["claude-haiku-4-5", "claude-opus-4-1"]
    assert [r.url.path for r in seen] == ["/v1/models", "/v1/models"]
    assert dict(seen[0].url.params) == {"limit": "1000"}
    assert dict(seen[1].url.params) == {"limit": "1000", "after_id": "claude-haiku-4-5"}
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in seen)


# -- against the loopback fake provider ----------------------------------------------------------------


@pytest.fixture
def server():
    with FakeProvider(api_keys={KEY}, models={"anthropic": ["claude-haiku-4-5", "claude-opus-4-1"]}) as fake:
        yield fake


@pytest.mark.anyio
async def test_complete_against_the_loopback_provider(server):
    adapter = adapter_for(nbc.Anthropic(api_key=KEY, base_url=server.url))
    async with adapter:
        reply = await adapter.complete(CALL)
    assert reply.valid, reply.error
    sent = server.requests[-1]
    assert (sent.method, sent.path, sent.family) == ("POST", "/v1/messages", "anthropic")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert reply.value == answer_for(sent.json["output_config"]["format"]["schema"], CALL.user)
    assert reply.enforcement == "output_config" and reply.input_tokens and reply.output_tokens
    assert reply.request_id and reply.latency_s > 0


@pytest.mark.anyio
async def test_fallback_against_the_loopback_provider(server):
    server.script(
        "/v1/messages", [Fault("status", status=400, message="output_config: not supported by this model")]
    )
    adapter = adapter_for(nbc.Anthropic(api_key=KEY, base_url=server.url))
    async with adapter:
        first = await adapter.complete(CALL)
        second = await adapter.complete(CALL)
    assert first.valid and (first.enforcement, second.enforcement) == ("forced_tool", "forced_tool")
    kinds = ["tools" in r.json for r in server.requests]
    assert kinds == [False, True, True]


@pytest.mark.anyio
async def test_verify_against_the_loopback_provider(server):
    ok = await nbc.Anthropic(api_key=KEY, base_url=server.url).averify()
    assert ok.ok and ok.models == ["claude-haiku-4-5", "claude-opus-4-1"]
    assert server.requests[-1].query.get("limit") == "1000"

    bad = await nbc.Anthropic(api_key="sk-ant-api03-wrong-key-0000000000", base_url=server.url).averify()
    assert not bad.ok and bad.field == "api_key" and bad.error_type == "authentication"
    assert "HTTP 401" in bad.message and "console.anthropic.com/settings/keys" in bad.message
    assert "wrong-key" not in bad.message


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "cls", "retry_after"),
    [
        (Fault("quota"), E.QuotaExceededError, None),
        (Fault("rate_limit", retry_after=2), E.RateLimitError, 2.0),
        (Fault("overloaded"), E.OverloadedError, None),
        (Fault("server_error"), E.ServerError, None),
    ],
)
async def test_loopback_errors(server, fault, cls, retry_after):
    server.script("/v1/messages", [fault])
    async with adapter_for(nbc.Anthropic(api_key=KEY, base_url=server.url)) as adapter:
        with pytest.raises(cls) as caught:
            await adapter.complete(CALL)
    assert type(caught.value) is cls and caught.value.retry_after == retry_after


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [("truncated", "truncated"), ("refusal", "refusal"), ("broken_json", "schema_mismatch")],
)
async def test_loopback_model_failures(server, fault, error_type):
    server.script("/v1/messages", [Fault(fault)])
    async with adapter_for(nbc.Anthropic(api_key=KEY, base_url=server.url)) as adapter:
        reply = await adapter.complete(CALL)
    assert not reply.valid and reply.error_type == error_type

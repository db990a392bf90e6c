"""The OpenAI chat-completions adapter: parsing, errors, fallbacks, transport safety."""

from __future__ import annotations

import json

import httpx
import pytest
from _mock import answering

import nbconnect as nbc
from nbconnect import _errors as E
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call, remembered_modes
from nbconnect._wire.lookup import adapter_for

KEY = "sk-wire-SENTINEL-abcdefghijklmnop"
SCHEMA = as_schema("label: positive|negative, score: float")


def completion(content: str | None, *, finish: str = "stop", refusal: str | None = None, **extra) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4.1-mini-2025-04-14",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "total_tokens": 120,
            "prompt_tokens_details": {"cached_tokens": 64},
        },
        **extra,
    }


def adapter_answering(*responses: httpx.Response, conn: nbc.Connection | None = None):
    return answering(conn or nbc.OpenAI(api_key=KEY), *responses)


CALL = Call(model="gpt-4.1-mini", user="I love it", schema=SCHEMA)


@pytest.mark.anyio
async def test_normal_answer_is_parsed_validated_and_costed():
    adapter, seen = adapter_answering(
        httpx.Response(
            200, json=completion('{"label": "positive", "score": 0.9}'), headers={"x-request-id": "req_1"}
        )
    )
    reply = await adapter.complete(CALL)
    assert reply.valid and reply.value == {"label": "positive", "score": 0.9}
    assert (reply.input_tokens, reply.output_tokens, reply.cached_tokens) == (100, 20, 64)
    assert reply.request_id == "req_1" and reply.model == "gpt-4.1-mini-2025-04-14"
    assert reply.enforcement == "json_schema_strict" and reply.finish_reason == "stop"
    # gpt-4.1-mini: $0.40 in / $0.10 cached in / $1.60 out per million tokens, found through the
    # dated snapshot id; the 64 cached of the 100 prompt tokens are billed at the cached price
    assert reply.cost_usd == pytest.approx((36 * 0.4 + 64 * 0.1 + 20 * 1.6) / 1e6)
    assert len(seen) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("payload", "error_type", "needle"),
    [
        (completion('{"label": "posi', finish="length"), "truncated", "max_tokens"),
        (completion(None, refusal="I can't help with that."), "refusal", "can't help"),
        (completion("", finish="content_filter"), "content_filter", "content filter"),
        (completion("Sure! The label is positive."), "invalid_json", "not JSON"),
        (completion('{"label": "great", "score": 0.9}'), "schema_mismatch", "label"),
        (completion('{"label": "positive"}'), "schema_mismatch", "score"),
        (completion("   "), "empty", "no text"),
        ({"id": "x", "object": "chat.completion", "choices": [], "usage": {}}, "empty", "no choices"),
    ],
)
async def test_model_failures_come_back_in_the_reply(payload, error_type, needle):
    adapter, _ = adapter_answering(httpx.Response(200, json=payload))
    reply = await adapter.complete(CALL)
    assert not reply.valid
    assert reply.error_type == error_type
    assert needle in reply.error


@pytest.mark.anyio
async def test_fenced_json_is_accepted():
    adapter, _ = adapter_answering(
        httpx.Response(200, json=completion('```json\n{"label": "negative", "score": 0.1}\n```'))
    )
    assert (await adapter.complete(CALL)).valid


def error(
    status: int, message: str, *, type_: str = "invalid_request_error", code=None, param=None, headers=None
):
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return httpx.Response(status, json=body, headers=headers or {})


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "cls", "retryable", "retry_after"),
    [
        (
            error(401, f"Incorrect API key provided: {KEY}.", code="invalid_api_key"),
            E.AuthenticationError,
            False,
            None,
        ),
        (error(403, "Country not supported"), E.PermissionDeniedError, False, None),
        (
            error(404, "The model `gpt-9` does not exist", code="model_not_found"),
            E.NotFoundError,
            False,
            None,
        ),
        (
            error(400, "Invalid schema for response_format 'x'", param="response_format"),
            E.SchemaRejectedError,
            False,
            None,
        ),
        (error(400, "messages must be non-empty"), E.BadRequestError, False, None),
        (error(422, "Unprocessable"), E.BadRequestError, False, None),
        (error(408, "timeout"), E.RequestTimeout, True, None),
        (error(409, "conflict"), E.ServerError, True, None),
        (
            error(429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after-ms": "1500"}),
            E.RateLimitError,
            True,
            1.5,
        ),
        (error(429, "Rate limit", headers={"retry-after": "7"}), E.RateLimitError, True, 7.0),
        (
            error(
                429, "You exceeded your current quota", type_="insufficient_quota", code="insufficient_quota"
            ),
            E.QuotaExceededError,
            False,
            None,
        ),
        (error(500, "The server had an error", type_="server_error"), E.ServerError, True, None),
        (error(502, "Bad gateway"), E.ServerError, True, None),
        (error(503, "Overloaded"), E.OverloadedError, True, None),
        (error(500, "boom", headers={"x-should-retry": "false"}), E.ServerError, False, None),
        (error(400, "odd", headers={"x-should-retry": "true"}), E.BadRequestError, True, None),
    ],
)
async def test_http_errors_map_to_the_hierarchy(response, cls, retryable, retry_after):
    adapter, _ = adapter_answering(response)
    with pytest.raises(cls) as info:
        # the strict-mode rejection falls back to json_object; make that one fail the same way
        await adapter.complete(CALL)
    err = info.value
    assert type(err) is cls
    assert err.retryable is retryable
    assert err.retry_after == retry_after
    assert err.status == response.status_code
    assert "OpenAI" in str(err) and "openai" in str(err)
    assert KEY not in str(err)


@pytest.mark.anyio
async def test_auth_error_says_how_to_fix_and_shows_only_the_hint():
    adapter, _ = adapter_answering(error(401, "Incorrect API key provided", code="invalid_api_key"))
    with pytest.raises(E.AuthenticationError) as info:
        await adapter.complete(CALL)
    assert "platform.openai.com/api-keys" in str(info.value) and "…mnop" in str(info.value)


@pytest.mark.anyio
async def test_azure_deployment_not_found_names_the_deployment():
    conn = nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint="https://res.openai.azure.com", api_key=KEY)
    adapter, _ = adapter_answering(
        httpx.Response(
            404,
            json={
                "error": {
                    "code": "DeploymentNotFound",
                    "message": "The API deployment for this resource does not exist.",
                }
            },
        ),
        conn=conn,
    )
    with pytest.raises(E.NotFoundError, match=r"gpt4o-prod.*deployment name"):
        await adapter.complete(Call(model="gpt4o-prod", user="x", schema=SCHEMA))


@pytest.mark.anyio
async def test_azure_prompt_content_filter_is_a_clear_bad_request():
    conn = nbc.AzureOpenAI(deployment="d", endpoint="https://res.openai.azure.com", api_key=KEY)
    adapter, _ = adapter_answering(
        httpx.Response(
            400, json={"error": {"code": "content_filter", "message": "The response was filtered"}}
        ),
        conn=conn,
    )
    with pytest.raises(E.BadRequestError, match="content filter"):
        await adapter.complete(Call(model="d", user="x", schema=SCHEMA))


@pytest.mark.anyio
async def test_schema_rejection_falls_back_to_json_object_and_is_remembered():
    remembered_modes().clear()
    adapter, seen = adapter_answering(
        error(400, "response_format json_schema is not supported with this model", param="response_format"),
        httpx.Response(200, json=completion('{"label": "positive", "score": 1}')),
    )
    first = await adapter.complete(CALL)
    assert first.valid and first.enforcement == "json_object"
    assert [json.loads(r.content)["response_format"]["type"] for r in seen] == ["json_schema", "json_object"]
    # json_object mode needs the schema (and the word JSON) in the prompt
    assert "JSON Schema" in json.loads(seen[1].content)["messages"][0]["content"]
    await adapter.complete(CALL)
    assert json.loads(seen[2].content)["response_format"]["type"] == "json_object"
    remembered_modes().clear()


@pytest.mark.anyio
async def test_redirects_are_not_followed():
    adapter, seen = adapter_answering(httpx.Response(307, headers={"location": "http://127.0.0.1:9/steal"}))
    with pytest.raises(E.NotFoundError, match="redirect"):
        await adapter.complete(CALL)
    assert len(seen) == 1


@pytest.mark.anyio
async def test_non_json_body_is_a_server_error():
    adapter, _ = adapter_answering(
        httpx.Response(200, text="<html>gateway</html>", headers={"content-type": "text/html"})
    )
    with pytest.raises(E.ServerError, match="not JSON"):
        await adapter.complete(CALL)


def test_default_client_is_safe():
    adapter = adapter_for(nbc.OpenAI(api_key=KEY))
    client = adapter.client
    assert client.follow_redirects is False
    assert client.headers["user-agent"].startswith("nbconnect/")
    assert client.timeout.connect == 10.0


@pytest.mark.anyio
async def test_content_given_as_text_parts_is_joined():
    payload = completion(None)
    payload["choices"][0]["message"]["content"] = [
        {"type": "text", "text": '{"label": "positive", '},
        {"type": "text", "text": '"score": 0.5}'},
    ]
    adapter, _ = adapter_answering(httpx.Response(200, json=payload))
    reply = await adapter.complete(CALL)
    assert reply.valid and reply.value == {"label": "positive", "score": 0.5}


@pytest.mark.anyio
async def test_odd_shapes_never_raise():
    odd = {"choices": ["not a dict"], "usage": "n/a", "model": 5}
    adapter, _ = adapter_answering(httpx.Response(200, json=odd))
    reply = await adapter.complete(CALL)
    assert not reply.valid and reply.error_type == "empty" and reply.input_tokens is None


@pytest.mark.anyio
async def test_a_rejected_schema_does_not_downgrade_other_schemas():
    remembered_modes().clear()
    other = Call(model="gpt-4.1-mini", user="x", schema=as_schema("a: str"))
    adapter, seen = adapter_answering(
        error(
            400, "Invalid schema for response_format 'x': 'pattern' is not permitted", param="response_format"
        ),
        httpx.Response(200, json=completion('{"label": "positive", "score": 1}')),
        httpx.Response(200, json=completion('{"a": "b"}')),
    )
    assert (await adapter.complete(CALL)).enforcement == "json_object"
    assert (await adapter.complete(other)).enforcement == "json_schema_strict"
    assert [json.loads(r.content)["response_format"]["type"] for r in seen] == [
        "json_schema",
        "json_object",
        "json_schema",
    ]
    remembered_modes().clear()

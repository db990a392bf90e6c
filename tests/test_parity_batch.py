"""Batch parity with the official SDKs: the batch requests nbconnect sends equal the SDKs' ones.

Each SDK (``openai`` files + batches, ``anthropic`` messages.batches, ``google-genai`` batches)
and nbconnect's batch API are pointed at mock transports that record the requests and answer
with canned provider objects; compared are method, path and query, the auth and version headers,
and the bodies (the multipart upload by its fields). Each batch line's body must be exactly the
live request body the adapter's ``prepare(call, mode)`` builds (whose parity with the SDKs' live
calls tests/test_parity_*.py check).
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import anthropic
import httpx
import httpx2
import openai
import pytest
from google import genai
from google.genai import types as genai_types

import nbconnect as nbc
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.lookup import adapter_for

SCHEMA = as_schema("label: positive|negative, score: float")
CALL = Call(model="MODEL", user="It was great.", system="Classify the review.", schema=SCHEMA, max_tokens=200)
KEY = "sk-PARITY-BATCH-0123456789"
BATCH = {
    "id": "batch_1",
    "object": "batch",
    "endpoint": "/v1/chat/completions",
    "input_file_id": "file-in",
    "completion_window": "24h",
    "status": "completed",
    "created_at": 0,
    "output_file_id": "file-out",
    "request_counts": {"total": 1, "completed": 1, "failed": 0},
}
FILE = {"id": "file-in", "object": "file", "bytes": 1, "created_at": 0, "filename": "x", "purpose": "batch"}


def _openai_answer(request) -> dict | str:
    path = request.url.path
    if path.endswith("/files"):
        return FILE
    if path.endswith("/content"):
        return '{"custom_id": "k1", "response": {"status_code": 200, "body": {}}}\n'
    return BATCH


def _recorder(mod, answer):
    seen: list = []

    def handler(request):
        seen.append(request)
        body = answer(request)
        return mod.Response(200, text=body) if isinstance(body, str) else mod.Response(200, json=body)

    return seen, mod.MockTransport(handler)


def _fields(request) -> dict[str, bytes]:
    """A multipart body's fields (name -> content), plus the file's name under ``filename``."""
    boundary = request.headers["content-type"].partition("boundary=")[2]
    out: dict[str, bytes] = {}
    for part in request.content.split(b"--" + boundary.encode())[1:-1]:
        head, _, data = part.strip(b"\r\n").partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)[1].decode()
        out[name] = data
        if filename := re.search(rb'filename="([^"]+)"', head):
            out["filename"] = filename[1]
    return out


def _same(ours, theirs, *headers: str) -> None:
    assert ours.method == theirs.method
    assert ours.url.path == theirs.url.path
    assert dict(ours.url.params) == dict(theirs.url.params)
    for name in headers:
        assert ours.headers[name] == theirs.headers[name], name


def _json(request):
    return json.loads(request.content) if request.content else None


async def _ours_openai(conn, model: str):
    seen, transport = _recorder(httpx, _openai_answer)
    adapter = adapter_for(conn, client=httpx.AsyncClient(transport=transport))
    api = adapter.batch_class(adapter)
    prepared = adapter.prepare(CALL, adapter.plan(CALL)[0])
    line = api.line("k1", prepared)
    assert line["body"] is prepared.body  # the live body itself, not a rebuilt one
    batch_id = await api.submit([line], model, "nbconnect-parity")
    status = await api.status(batch_id)
    results = await api.results(status)
    await api.cancel(batch_id)
    assert [r.custom_id for r in results] == ["k1"]
    return seen, line


@pytest.mark.anyio
@pytest.mark.parametrize("azure", [False, True], ids=["openai", "azure"])
async def test_openai_batch_requests_match_the_sdk(azure):
    if azure:
        conn = nbc.AzureOpenAI(
            deployment="gpt-4o-batch", endpoint="https://res.openai.azure.com", api_key=KEY
        )
        auth = "api-key"
    else:
        conn = nbc.OpenAI(api_key=KEY)
        auth = "authorization"
    ours, line = await _ours_openai(conn, "MODEL")
    content = (json.dumps(line, ensure_ascii=False) + "\n").encode()
    seen, transport = _recorder(httpx, _openai_answer)
    http = httpx.AsyncClient(transport=transport)
    if azure:
        sdk = openai.AsyncAzureOpenAI(
            azure_endpoint=conn.endpoint, api_key=KEY, api_version=conn.api_version, http_client=http
        )
    else:
        sdk = openai.AsyncOpenAI(api_key=KEY, http_client=http)
    file = await sdk.files.create(
        file=("nbconnect-parity.jsonl", content, "application/jsonl"), purpose="batch"
    )
    batch = await sdk.batches.create(input_file_id=file.id, endpoint=line["url"], completion_window="24h")
    await sdk.batches.retrieve(batch.id)
    await sdk.files.content("file-out")
    await sdk.batches.cancel(batch.id)
    assert len(ours) == len(seen) == 5
    for mine, theirs in zip(ours, seen, strict=True):
        _same(mine, theirs, auth)
    upload_ours, upload_sdk = _fields(ours[0]), _fields(seen[0])
    assert upload_ours == upload_sdk  # purpose, file name and the JSONL itself
    assert _json(ours[1]) == _json(seen[1])
    assert line["url"] == ("/chat/completions" if azure else "/v1/chat/completions")


ANTHROPIC_BATCH = {
    "id": "msgbatch_1",
    "type": "message_batch",
    "processing_status": "ended",
    "request_counts": {"processing": 0, "succeeded": 1, "errored": 0, "canceled": 0, "expired": 0},
    "created_at": "2026-12-01T00:00:00Z",
    "expires_at": "2026-12-02T00:00:00Z",
    "ended_at": "2026-12-01T00:10:00Z",
    "cancel_initiated_at": None,
    "archived_at": None,
    "results_url": "https://api.anthropic.com/v1/messages/batches/msgbatch_1/results",
}


def _anthropic_answer(request):
    if request.url.path.endswith("/results"):
        return '{"custom_id": "k1", "result": {"type": "expired"}}\n'
    return ANTHROPIC_BATCH


@pytest.mark.anyio
async def test_anthropic_batch_requests_match_the_sdk():
    conn = nbc.Anthropic(api_key=KEY)
    seen_ours, transport = _recorder(httpx, _anthropic_answer)
    adapter = adapter_for(conn, client=httpx.AsyncClient(transport=transport))
    api = adapter.batch_class(adapter)
    prepared = adapter.prepare(CALL, adapter.plan(CALL)[0])
    line = api.line("k1", prepared)
    assert line["params"] is prepared.body
    batch_id = await api.submit([line], "MODEL", "parity")
    status = await api.status(batch_id)
    results = await api.results(status)
    await api.cancel(batch_id)
    assert results[0].error_type == "batch_expired"

    seen, transport2 = _recorder(httpx2, _anthropic_answer)
    async with httpx2.AsyncClient(transport=transport2) as http:
        sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url="https://api.anthropic.com", http_client=http)
        batch = await sdk.messages.batches.create(requests=[line])
        await sdk.messages.batches.retrieve(batch.id)
        async for _ in await sdk.messages.batches.results(batch.id):
            pass
        await sdk.messages.batches.cancel(batch.id)
    sdk_calls = seen[:2] + seen[3:]  # the SDK's results() retrieves the batch once more first
    assert [r.url.path for r in seen_ours] == [r.url.path for r in sdk_calls]
    for mine, theirs in zip(seen_ours, sdk_calls, strict=True):
        _same(mine, theirs, "authorization", "anthropic-version")
    assert _json(seen_ours[0]) == _json(seen[0])


@contextlib.asynccontextmanager
async def _genai(conn, transport):
    """A google-genai client for ``conn``'s key whose requests all go to ``transport``."""
    with httpx.Client(transport=transport) as sync_http:
        async with httpx.AsyncClient(transport=transport) as async_http:
            options = {"httpx_client": sync_http, "httpx_async_client": async_http}
            yield genai.Client(api_key=conn.secret("api_key"), http_options=options)


GEMINI_OP = {
    "name": "batches/b1",
    "metadata": {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
        "name": "batches/b1",
        "state": "BATCH_STATE_SUCCEEDED",
        "output": {"inlinedResponses": {"inlinedResponses": [{"response": {}, "metadata": {"key": "k1"}}]}},
    },
    "done": True,
}


@pytest.mark.anyio
async def test_gemini_batch_requests_match_the_sdk():
    conn = nbc.Gemini(api_key="AIza-PARITY-0123456789")
    seen_ours, transport = _recorder(httpx, lambda r: GEMINI_OP)
    adapter = adapter_for(conn, client=httpx.AsyncClient(transport=transport))
    api = adapter.batch_class(adapter)
    call = Call(model="gemini-2.5-flash", user=CALL.user, system=CALL.system, schema=SCHEMA, max_tokens=200)
    mode = adapter.plan(call)[0]
    prepared = adapter.prepare(call, mode)
    line = api.line("k1", prepared)
    assert line["request"] is prepared.body
    batch_id = await api.submit([line], "gemini-2.5-flash", "nbconnect-parity")
    status = await api.status(batch_id)
    assert [r.custom_id for r in await api.results(status)] == ["k1"]
    await api.cancel(batch_id)

    seen, transport2 = _recorder(httpx, lambda r: GEMINI_OP)
    config = genai_types.GenerateContentConfig(
        system_instruction=call.system,
        response_mime_type="application/json",
        response_json_schema=prepared.body["generationConfig"]["responseJsonSchema"],
        max_output_tokens=200,
    )
    inline = genai_types.InlinedRequest(contents=call.user, config=config, metadata={"key": "k1"})
    async with _genai(conn, transport2) as client:
        job = await client.aio.batches.create(
            model="gemini-2.5-flash", src=[inline], config={"display_name": "nbconnect-parity"}
        )
        await client.aio.batches.get(name=job.name)
        await client.aio.batches.cancel(name=job.name)
    assert len(seen_ours) == len(seen) == 3
    for mine, theirs in zip(seen_ours, seen, strict=True):
        _same(mine, theirs, "x-goog-api-key")
    assert _json(seen_ours[0]) == _json(seen[0])


def _gemini_upload_answer(request):
    """Google's resumable upload: the start gets an upload URL, the finalize the file."""
    if request.headers.get("x-goog-upload-command") == "start":
        url = "https://generativelanguage.googleapis.com/upload/v1/files?upload_id=u1"
        return httpx.Response(
            200, json={}, headers={"x-goog-upload-url": url, "x-goog-upload-status": "active"}
        )
    if "upload_id" in request.url.params:
        file = {"name": "files/f1", "mimeType": "jsonl", "state": "ACTIVE"}
        return httpx.Response(200, json={"file": file}, headers={"x-goog-upload-status": "final"})
    return httpx.Response(200, json=GEMINI_OP)


@pytest.mark.anyio
async def test_gemini_file_batch_requests_match_the_sdk(monkeypatch):
    from nbconnect._wire.batch.base import jsonl
    from nbconnect._wire.batch.google import GeminiBatch

    monkeypatch.setattr(GeminiBatch, "inline_bytes", 10)  # send this one batch as a file
    conn = nbc.Gemini(api_key="AIza-PARITY-0123456789")
    seen_ours: list[httpx.Request] = []

    def ours_handler(request):
        seen_ours.append(request)
        return _gemini_upload_answer(request)

    adapter = adapter_for(conn, client=httpx.AsyncClient(transport=httpx.MockTransport(ours_handler)))
    api = adapter.batch_class(adapter)
    call = Call(model="gemini-2.5-flash", user=CALL.user, system=CALL.system, schema=SCHEMA, max_tokens=200)
    prepared = adapter.prepare(call, adapter.plan(call)[0])
    await api.submit([api.line("k1", prepared)], "gemini-2.5-flash", "nbconnect-parity")
    data = jsonl([{"key": "k1", "request": prepared.body}])

    seen: list[httpx.Request] = []

    def sdk_handler(request):
        seen.append(request)
        return _gemini_upload_answer(request)

    async with _genai(conn, httpx.MockTransport(sdk_handler)) as client:
        file = await client.aio.files.upload(
            file=io.BytesIO(data), config={"mime_type": "jsonl", "display_name": "nbconnect-parity"}
        )
        await client.aio.batches.create(
            model="gemini-2.5-flash", src=file.name, config={"display_name": "nbconnect-parity"}
        )
    assert len(seen_ours) == len(seen) == 3
    start, upload, create = zip(seen_ours, seen, strict=True)
    _same(
        *start,
        "x-goog-api-key",
        "x-goog-upload-protocol",
        "x-goog-upload-command",
        "x-goog-upload-header-content-length",
        "x-goog-upload-header-content-type",
    )
    assert _json(start[0]) == _json(start[1])
    _same(*upload, "x-goog-upload-command", "x-goog-upload-offset")
    assert "x-goog-api-key" not in upload[0].headers and "x-goog-api-key" not in upload[1].headers
    assert upload[0].content == upload[1].content == data
    _same(*create, "x-goog-api-key")
    assert _json(create[0]) == _json(create[1])

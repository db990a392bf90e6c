"""The default HTTP transport (aiohttp under httpx, ``_wire/aio.py``) on real loopback sockets:
each failure reaches the user as the error ``http.transport_error`` words for it, and the safety
rules of ``new_client`` hold on it too."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

import nbconnect as nbc
from nbconnect import _errors as E
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.aio import AiohttpTransport
from nbconnect._wire.http import client_shards, new_client
from nbconnect._wire.lookup import adapter_for
from nbconnect.testing import FakeProvider, Fault

KEY = "sk-transport-SENTINEL-abcdefghijkl"
CALL = Call(model="m", user="I love it", schema=as_schema("label: positive|negative, score: float"))


def adapter(url: str, timeout: float | None = None):
    conn = nbc.CustomLLM(name="m", endpoint=f"{url}/v1", api_key=KEY, json_mode="json_schema")
    return adapter_for(conn, timeout=timeout)


def complete(url: str, timeout: float | None = None):
    async def go():
        a = adapter(url, timeout)
        try:
            assert isinstance(a.client._transport, AiohttpTransport)  # the default under test
            return await a.complete(CALL)
        finally:
            await a.aclose()

    return asyncio.run(go())


def test_default_client_sends_through_aiohttp_and_parses(server):
    reply = complete(server.url)
    assert reply.valid and set(reply.value) == {"label", "score"}
    (sent,) = server.requests  # headers and body as httpx built them, not lost by the transport
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert "aiohttp" not in sent.headers.get("user-agent", "")  # the transport adds no headers of its own
    assert sent.json["model"] == "m" and sent.json["messages"][-1]["content"] == "I love it"


def test_reset_mid_request_is_a_network_error_not_a_timeout(server):
    server.script("/chat/completions", [Fault("reset")])
    with pytest.raises(E.NetworkError, match="failed mid-request") as info:
        complete(server.url)
    assert not isinstance(info.value, E.RequestTimeout) and info.value.retryable is not False


def test_reset_before_any_answer_is_a_network_error(server):
    server.script("/chat/completions", [Fault("reset", before_response=True)])
    with pytest.raises(E.NetworkError, match="failed mid-request"):
        complete(server.url)


def test_slow_answer_is_a_read_timeout(server):
    server.script("/chat/completions", [Fault("slow", seconds=3)])
    with pytest.raises(E.RequestTimeout, match=r"waiting for an answer from 127\.0\.0\.1"):
        complete(server.url, timeout=0.3)


def test_refused_connection_names_the_host():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(E.NetworkError, match=r"cannot reach 127\.0\.0\.1"):
        complete(f"http://127.0.0.1:{port}")


def test_redirect_is_refused_and_not_followed(server):
    with FakeProvider() as elsewhere:
        server.script(
            "/chat/completions", [Fault("redirect", location=f"{elsewhere.url}/v1/chat/completions")]
        )
        with pytest.raises(E.NotFoundError, match="does not follow redirects"):
            complete(server.url)
        assert elsewhere.count("/chat/completions") == 0  # the key never reached the other host


def test_proxy_variables_keep_httpx_transport(monkeypatch):
    """httpx honours HTTPS_PROXY / NO_PROXY; the aiohttp transport would silently bypass them."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    client = new_client()
    assert not isinstance(client._transport, AiohttpTransport)
    assert client._mounts  # httpx mounted the proxy from the environment
    monkeypatch.delenv("HTTPS_PROXY")
    for name in ("HTTP_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(new_client()._transport, AiohttpTransport)


def test_injected_client_is_used_as_given(server):
    seen: list[httpx.Request] = []

    async def go():
        client = httpx.AsyncClient(event_hooks={"request": [lambda r: _append(seen, r)]})
        conn = nbc.CustomLLM(name="m", endpoint=f"{server.url}/v1", api_key=KEY, json_mode="json_schema")
        a = adapter_for(conn, client=client)
        reply = await a.complete(CALL)
        await client.aclose()
        return reply

    assert asyncio.run(go()).valid and len(seen) == 1


async def _append(seen: list, request: httpx.Request) -> None:
    seen.append(request)


def test_runs_use_one_client_per_connection_on_aiohttp_and_small_pools_behind_a_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert client_shards(64) == 1  # aiohttp: splitting would only open more connections
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert [client_shards(n) for n in (1, 8, 9, 64)] == [1, 1, 2, 8]  # httpcore: O(connections) a call


def test_every_request_names_nbconnect_in_its_user_agent():
    # requests are built from Prepared, outside the client: the client's default headers must still go
    with FakeProvider() as server:
        org = nbc.Organization(persist=False)
        org.add(nbc.OpenAI(api_key="sk-test-0123456789abcdef", base_url=f"{server.url}/v1"))
        nbc.run("Classify: {t}", data=[{"t": "a"}], schema="label: a|b", models=["openai:gpt-4.1-mini"],
                org=org, cache=False, progress=False)  # fmt: skip
        (request,) = [r for r in server.requests if r.path.endswith("/chat/completions")]
    assert request.headers["user-agent"].startswith("nbconnect/")

"""FakeProvider as one fake: Google's token endpoint beside the Vertex routes, and its h11 framing."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

import nbconnect as nbc
from nbconnect.testing import FakeProvider, Fault, answer_for

SCHEMA = "label: positive|negative|neutral, score: float"


def test_vertex_runs_against_one_server_that_mints_and_checks_its_tokens():
    with FakeProvider(api_keys={"unused-key"}) as server:
        org = nbc.Organization(persist=False)
        org.add(nbc.VertexAI(credentials=server.service_account(project_id="p1"), base_url=server.url))
        res = nbc.run("Rate: {text}", data=["good", "bad"], schema=SCHEMA, models=["vertex:gemini-2.5-flash"],
                      org=org, cache=False, progress=False)  # fmt: skip
        assert res.df["_valid"].all(), res.df["_error"].tolist()
        grants = [r for r in server.requests if r.family == "oauth"]
        generate = [r for r in server.requests if r.family == "vertex"]
    assert len(grants) == 1 and server.oauth.token_requests == 1 and server.oauth.rejections == []
    assert server.oauth.seen[0].claims["iss"] == server.oauth.client_email
    token = server.oauth.issued[0]
    assert len(generate) == 2 and all(r.headers["authorization"] == f"Bearer {token}" for r in generate)


def test_a_token_the_endpoint_did_not_issue_is_refused_on_vertex():
    with FakeProvider(api_keys={"unused-key"}) as server, httpx.Client() as c:
        path = (
            "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
        )
        body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        r = c.post(server.url + path, json=body, headers={"authorization": "Bearer ya29.forged"})
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"


def test_scripted_faults_on_the_token_endpoint_are_oauth_shaped():
    with FakeProvider() as server, httpx.Client() as c:
        server.service_account()
        server.script("/token", [Fault("server_error"), Fault("status", status=400, code="invalid_scope")])
        first = c.post(server.url + "/token", data={"grant_type": "x", "assertion": "y"})
        second = c.post(server.url + "/token", data={"grant_type": "x", "assertion": "y"})
        third = c.post(server.url + "/token", data={"grant_type": "x", "assertion": "y"})
    assert first.status_code == 500 and first.json() == {
        "error": "internal_failure",
        "error_description": "Internal failure",
    }
    assert second.status_code == 400 and second.json()["error"] == "invalid_scope"
    assert third.status_code == 400 and third.json() == {"error": "unsupported_grant_type"}
    assert (
        server.count("/token") == 3 and server.oauth.token_requests == 1
    )  # faults answer before the endpoint


def _raw(server: FakeProvider, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


def test_expect_100_continue_gets_an_interim_response():
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    with FakeProvider() as server, socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 ")  # before the body was sent
        sock.sendall(body)
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
    assert rest.startswith(b"HTTP/1.1 200 OK")
    content = json.loads(rest.partition(b"\r\n\r\n")[2])["choices"][0]["message"]["content"]
    assert json.loads(content) == answer_for(None, "hi")


def test_pipelined_requests_are_answered_in_order():
    one = b"GET /v1/models/gpt-4.1 HTTP/1.1\r\nHost: x\r\n\r\n"
    two = b"GET /v1/models/gpt-5-mini HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with FakeProvider() as server:
        out = _raw(server, one + two)
    assert out.count(b"HTTP/1.1 200 OK") == 2
    assert out.index(b'"id": "gpt-4.1"') < out.index(b'"id": "gpt-5-mini"')


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 21) + b"\r\n\r\n", b"431"),
        (
            b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"400",
        ),
        (b"NOT HTTP AT ALL\r\n\r\n", b"400"),
    ],
)
def test_malformed_or_oversized_requests_are_refused_and_the_connection_closed(request_bytes, status):
    with FakeProvider() as server:
        out = _raw(server, request_bytes)
        assert out.startswith(b"HTTP/1.1 " + status) and b"connection: close" in out.lower()
        assert server.count() == 0  # nothing reached the provider side

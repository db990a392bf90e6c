"""TokenSource against a real loopback token endpoint that verifies the signed JWT grant."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from functools import cache
from pathlib import Path

import httpx
import pytest

from nbconnect import (
    AuthenticationError,
    ConfigError,
    NetworkError,
    ProviderError,
    RequestTimeout,
    ServerError,
    VertexAI,
)
from nbconnect._wire.google_auth import TokenSource
from nbconnect.testing import FakeProvider
from nbconnect.testing._oauth import TokenEndpoint, new_rsa_key, service_account_info

ROOT = Path(__file__).resolve().parents[1]


@cache
def _key(name: str):
    return new_rsa_key()


@pytest.fixture
def server():
    with FakeProvider() as fake:
        fake.oauth.public_key = _key("account")[1]
        yield fake.oauth


def key_json(server: TokenEndpoint, key: str = "account", **extra) -> str:
    return json.dumps(service_account_info(_key(key)[0], server.token_uri, **extra))


def assert_no_secrets(exc: BaseException, server: TokenEndpoint, *, key: str = "account") -> None:
    pem = _key(key)[0]
    body = "".join(pem.splitlines()[1:-1])  # the base64 of the private key
    text = f"{exc}\n{exc!r}\n{exc.args!r}\n{getattr(exc, 'message', '')}"
    assert "PRIVATE KEY" not in text
    for start in range(0, len(body) - 40, 40):  # no fragment of the key either
        assert body[start : start + 40] not in text
    for seen in server.seen:
        assertion = seen.form.get("assertion")
        if assertion:
            assert assertion not in text
            assert assertion.split(".")[2][:20] not in text  # not even the signature's start
    for token in server.issued:
        assert token not in text
    assert exc.__cause__ is None and exc.__context__ is None  # nothing chained that holds the request


def test_token_is_minted_from_a_verified_grant_and_cached(server):
    src = TokenSource(key_json(server))
    token = src.token_sync()
    assert token in server.issued
    assert server.rejections == []
    assert src.token_sync() == token
    assert server.token_requests == 1

    seen = server.seen[0]
    assert seen.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.headers["user-agent"].startswith("nbconnect/")
    assert seen.claims is not None and seen.claims["iss"] == server.client_email


@pytest.mark.anyio
async def test_async_token_is_cached(server):
    src = TokenSource(key_json(server))
    first = await src.token()
    assert first in server.issued and server.rejections == []
    assert await src.token() == first
    assert src.token_sync() == first
    assert server.token_requests == 1


@pytest.mark.anyio
async def test_one_request_for_a_hundred_concurrent_callers(server):
    server.delay = 0.2
    src = TokenSource(key_json(server))
    tokens = await asyncio.gather(*(src.token() for _ in range(100)))
    assert len(set(tokens)) == 1 and tokens[0] in server.issued
    assert server.token_requests == 1


@pytest.mark.anyio
async def test_one_request_for_async_and_threaded_callers_together(server):
    server.delay = 0.2
    src = TokenSource(key_json(server))
    tokens = await asyncio.gather(
        *(src.token() for _ in range(30)), *(asyncio.to_thread(src.token_sync) for _ in range(10))
    )
    assert len(set(tokens)) == 1
    assert server.token_requests == 1


def test_one_request_for_many_threads(server):
    server.delay = 0.2
    src = TokenSource(key_json(server))
    barrier = threading.Barrier(20)
    tokens: list[str] = []

    def call():
        barrier.wait()
        tokens.append(src.token_sync())

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(tokens) == 20 and len(set(tokens)) == 1
    assert server.token_requests == 1


@pytest.mark.anyio
async def test_token_within_the_margin_of_expiry_is_refreshed(server):
    server.expires_in = 2
    src = TokenSource(key_json(server), refresh_margin=1.0)
    first = await src.token()
    assert await src.token() == first  # 2 s left, more than the 1 s margin
    await asyncio.sleep(1.1)  # now within the margin
    second = await src.token()
    assert second != first and second in server.issued
    assert server.token_requests == 2


def test_token_shorter_lived_than_the_margin_is_not_minted_on_every_call(server):
    server.expires_in = 10  # far below the default 300 s margin: refreshed at half-life instead
    src = TokenSource(key_json(server))
    first = src.token_sync()
    assert src.token_sync() == first
    assert server.token_requests == 1


@pytest.mark.anyio
async def test_refresh_does_not_block_the_event_loop(server):
    server.delay = 0.5
    src = TokenSource(key_json(server))
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    try:
        await src.token()
    finally:
        task.cancel()
    assert time.monotonic() - started >= 0.45
    assert ticks >= 10, f"the event loop ticked only {ticks} times during a 0.5 s refresh"


def test_a_key_google_does_not_know_is_an_authentication_error(server):
    # Signed with another key than the one the server holds: the signature check fails.
    src = TokenSource(key_json(server, key="revoked"))
    with pytest.raises(AuthenticationError) as info:
        src.token_sync()
    err = info.value
    assert server.rejections == ["bad signature"]
    assert err.provider == "vertex" and err.status == 400 and err.code == "invalid_grant"
    assert "Invalid JWT Signature" in str(err)
    assert "revoked or deleted" in str(err) and "clock" in str(err) and "new JSON key" in str(err)
    assert server.client_email in str(err)
    assert_no_secrets(err, server, key="revoked")


def test_refused_grant_quoting_the_assertion_does_not_leak_it(server):
    server.mode = "echo_assertion"
    src = TokenSource(key_json(server))
    with pytest.raises(AuthenticationError) as info:
        src.token_sync()
    assert "[redacted]" in str(info.value)
    assert_no_secrets(info.value, server)


@pytest.mark.anyio
async def test_concurrent_callers_share_one_failed_refresh(server):
    server.mode, server.delay = "invalid_grant", 0.2
    src = TokenSource(key_json(server))
    results = await asyncio.gather(*(src.token() for _ in range(50)), return_exceptions=True)
    assert all(isinstance(r, AuthenticationError) for r in results)
    assert len({id(r) for r in results}) == 50  # each caller gets its own exception object
    assert server.token_requests == 1
    # A later call tries again.
    server.mode, server.delay = "ok", 0.0
    assert await src.token() in server.issued
    assert server.token_requests == 2


def test_unreachable_token_endpoint_is_a_network_error(server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = TokenSource(json.dumps(service_account_info(_key("account")[0], f"http://127.0.0.1:{port}/token")))
    with pytest.raises(NetworkError) as info:
        src.token_sync()
    assert f"127.0.0.1:{port}" in str(info.value)
    assert info.value.retryable
    assert_no_secrets(info.value, server)


@pytest.mark.anyio
async def test_unreachable_token_endpoint_is_a_network_error_async():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = TokenSource(json.dumps(service_account_info(_key("account")[0], f"http://127.0.0.1:{port}/token")))
    with pytest.raises(NetworkError):
        await src.token()


def test_slow_token_endpoint_times_out(server):
    server.delay = 2.0
    with httpx.Client(timeout=0.3) as http:
        src = TokenSource(key_json(server), http=http)
        with pytest.raises(RequestTimeout) as info:
            src.token_sync()
    assert_no_secrets(info.value, server)


def test_injected_client_is_used(server):
    with httpx.Client(headers={"User-Agent": "custom/1"}) as http:
        token = TokenSource(key_json(server), http=http).token_sync()
    assert token in server.issued
    assert server.seen[0].headers["user-agent"] == "custom/1"


def test_redirects_are_not_followed(server):
    server.mode = "redirect"
    src = TokenSource(key_json(server))
    with pytest.raises(ProviderError) as info:
        src.token_sync()
    assert info.value.status == 307 and "redirect" in str(info.value)
    assert not isinstance(info.value, AuthenticationError)
    assert server.requests_to("/elsewhere") == 0


def test_answer_without_access_token_is_a_server_error(server):
    server.mode = "no_token"
    with pytest.raises(ServerError, match="without an access token"):
        TokenSource(key_json(server)).token_sync()


@pytest.mark.slow
def test_server_errors_are_retried_by_google_auth_then_raised(server):
    server.mode = "server_error"
    with pytest.raises(ServerError) as info:
        TokenSource(key_json(server)).token_sync()
    assert info.value.status == 500 and info.value.retryable
    assert server.token_requests == 3  # google-auth's own backoff: three attempts


def test_quota_project_comes_from_the_key(server):
    assert TokenSource(key_json(server)).quota_project is None
    assert TokenSource(key_json(server, quota_project_id="billing-42")).quota_project == "billing-42"


def test_works_with_a_vertex_connection_secret(server):
    conn = VertexAI(credentials=key_json(server))
    src = TokenSource(conn.secret("credentials"))
    assert src.token_sync() in server.issued
    assert "PRIVATE" not in repr(src) and server.client_email in repr(src)


def test_malformed_keys_are_config_errors_without_key_text(server):
    with pytest.raises(ConfigError, match="not valid JSON"):
        TokenSource('{"private_key": "-----BEGIN PRIVATE KEY-----\\nabc')
    bad_pem = "-----BEGIN PRIVATE KEY-----\nTk9UQUtFWQ==\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ConfigError, match="not a readable RSA private key") as info:
        TokenSource(json.dumps(service_account_info(bad_pem, server.token_uri)))
    assert "Tk9UQUtFWQ" not in str(info.value)
    assert info.value.__context__ is None
    with pytest.raises(ConfigError, match="refresh_margin"):
        TokenSource(key_json(server), refresh_margin=-1)
    with pytest.raises(ConfigError, match="scopes"):
        TokenSource(key_json(server), scopes=())


def test_plain_http_token_uri_is_refused_off_loopback():
    key = json.dumps(service_account_info(_key("account")[0], "http://oauth2.example.com/token"))
    with pytest.raises(ConfigError, match="https"):
        TokenSource(key)


def test_no_requests_needed(server):
    """google-auth's own transport needs `requests`; ours must not import it."""
    code = (
        "import sys; sys.modules['requests'] = None\n"
        "from nbconnect._wire.google_auth import TokenSource\n"
        "print(TokenSource(sys.stdin.read()).token_sync())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=key_json(server),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in server.issued


def test_one_source_serves_several_event_loops(server):
    # asyncio.Lock binds to the first loop that waits on it; a notebook and scripts that call
    # asyncio.run twice use several loops. Failures are not cached, so each run contends again.
    server.mode, server.delay = "invalid_grant", 0.1
    src = TokenSource(key_json(server))

    async def many():
        return await asyncio.gather(*(src.token() for _ in range(20)), return_exceptions=True)

    for _ in range(2):
        assert all(isinstance(r, AuthenticationError) for r in asyncio.run(many()))
    assert server.token_requests == 2


@pytest.mark.anyio
async def test_invalidate_drops_only_the_rejected_token(server):
    src = TokenSource(key_json(server))
    first = await src.token()
    src.invalidate("ya29.some-other-token")  # a caller rejected with an older token: kept
    assert await src.token() == first and server.token_requests == 1
    src.invalidate(first)
    second = await src.token()
    assert second != first and second == server.issued[-1] and server.token_requests == 2
    src.invalidate(first)  # a late caller rejected with the first token: the new one stays
    assert src.token_sync() == second and server.token_requests == 2
    src.invalidate()  # without a token: whatever is cached goes
    assert src.token_sync() not in (first, second) and server.token_requests == 3


@pytest.mark.anyio
async def test_concurrent_invalidations_of_one_token_share_one_refresh(server):
    server.delay = 0.2
    src = TokenSource(key_json(server))
    stale = await src.token()

    async def rejected():
        src.invalidate(stale)
        return await src.token()

    tokens = await asyncio.gather(*(rejected() for _ in range(20)))
    assert len(set(tokens)) == 1 and tokens[0] != stale
    assert server.token_requests == 2


def test_token_uri_on_a_localhost_name_may_use_plain_http():
    # the same loopback rule as connection endpoints (nbconnect._connections.urls.is_loopback)
    for uri in ("http://localhost:8080/token", "http://auth.localhost/token", "http://[::1]:9/token"):
        TokenSource(json.dumps(service_account_info(_key("account")[0], uri)))
    with pytest.raises(ConfigError, match="https"):
        TokenSource(json.dumps(service_account_info(_key("account")[0], "http://localhost.example.com/t")))

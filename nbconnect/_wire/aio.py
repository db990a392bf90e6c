"""An httpx transport that sends through aiohttp: httpx's API, aiohttp's cheaper connection pool.

Why: httpcore 1.0's async pool walks every connection (and polls each idle socket) at every
request start and end, so with 64 calls in flight one pool costs more client CPU than the calls
(~9 ms a call, see benchmarks/README.md); aiohttp's connector hands out an idle connection in
O(1). The adapters keep speaking httpx (requests, responses, errors): this class only replaces
the bytes-on-the-wire part, and turns aiohttp's failures into the httpx exceptions
``http.transport_error`` already explains (a timeout connecting vs reading, a refused connection,
a reset mid-request, a TLS failure). httpx-aiohttp (what the openai SDK's ``DefaultAioHttpClient``
uses) does the same job, but reports a reset mid-request, or any read timeout, as a *connect*
timeout; this one keeps them apart.

Safety is the same as httpx's: redirects are never followed (the adapters refuse them), TLS is
verified with the one shared context of ``http._tls``, bodies are passed through undecoded (httpx
decodes them), and nothing is read from ``.netrc``.

Sockets are closed on the event loop that opened them, never left to the garbage collector (which
closes them with a ResourceWarning in whatever code runs then): a session lives on one loop and is
closed by :meth:`AiohttpTransport.aclose`, by its loop's shutdown (``asyncio.run`` ends each sync
call's loop that way), or from another loop when the client moves on; see ``_close_at_loop_end``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import ssl
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import httpx

LARGE_BODY = 512 * 1024  # bytes; aiohttp warns from 1 MiB on (payload.TOO_LARGE_BYTES_BODY)

__all__ = ["AiohttpTransport"]

# Most specific first: ClientConnectorCertificateError is a ClientConnectorError, and a
# ConnectionTimeoutError a ServerTimeoutError.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientSSLError, httpx.ConnectError),  # str() names the SSL failure
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # a malformed status line or header
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (asyncio.TimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientError, httpx.ReadError),  # ClientOSError: a reset while sending or reading
    (OSError, httpx.ReadError),
)


def _httpx_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    for source, target in _ERRORS:
        if isinstance(exc, source):
            return target(str(exc) or type(exc).__name__, request=request)
    raise exc  # pragma: no cover - _ERRORS ends with the base classes of everything caught


async def _close_at_loop_end(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """Keep ``session`` until this generator is closed, then close it, on the session's own loop.

    An async generator because the loop closes the ones still open for us: ``asyncio.run``
    finalises them (``loop.shutdown_asyncgens``) before it closes the loop, and one dropped by
    the garbage collector is closed on its loop if that loop still runs. So a session whose
    client was never closed still ends with its loop instead of leaving its sockets behind."""
    try:
        yield
    finally:
        await session.close()


def _close_now(session: aiohttp.ClientSession) -> None:
    """Close the sockets of a session whose loop is closed without having closed them.

    Nothing on that loop will run again: aiohttp's close() returns early on a closed loop, and
    asyncio closes a transport's socket only in a callback of its loop. So run that callback
    (``_call_connection_lost``) here and mark the connector closed; no public API closes a
    transport synchronously or lists a connector's connections (tests/test_sockets_closed.py
    fails if aiohttp or asyncio rename these internals)."""
    connector = session.connector
    if connector is None or connector.closed:
        return
    idle = [proto for conns in connector._conns.values() for proto, _ in conns]
    for proto in [*idle, *connector._acquired]:
        lost = getattr(getattr(proto, "transport", None), "_call_connection_lost", None)
        if lost is not None:
            with contextlib.suppress(Exception):  # the protocol's bookkeeping, on a dead loop
                lost(None)
    connector._close()  # returns early on a closed loop, but marks the connector closed


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests through one ``aiohttp.ClientSession`` of at most ``max_connections``
    (``None``: as many as the caller has requests in flight)."""

    def __init__(self, *, tls: ssl.SSLContext, max_connections: int | None = None) -> None:
        self._tls = tls
        self._limit = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncGenerator[None, None] | None = None  # _close_at_loop_end(self._session)

    async def _new_session(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        # A session belongs to the event loop it was made in; a client reused from another loop
        # (each sync call runs its own) gets a new one instead of a "different loop" error, and
        # the old one is closed, not abandoned with its pool of open connections.
        self._let_go()
        connector = aiohttp.TCPConnector(limit=self._limit or 0, ssl=self._tls, enable_cleanup_closed=False)
        session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        self._session, self._loop = session, loop
        self._closer = closer = _close_at_loop_end(session)
        await closer.__anext__()  # started: the loop registers it (asyncgen first-iteration hook)
        return session

    def _let_go(self) -> None:
        """Close the session made on another loop than the running one (if any), there."""
        session, loop, closer = self._session, self._loop, self._closer
        self._session = self._loop = self._closer = None
        if session is None or loop is None or closer is None or session.closed:
            return
        if loop.is_closed():
            _close_now(session)
        else:  # running in another thread (a notebook's loop), or idle (it closes when run again)
            asyncio.run_coroutine_threadsafe(closer.aclose(), loop)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session, loop = self._session, asyncio.get_running_loop()
        if session is None or self._loop is not loop or session.closed:
            session = await self._new_session(loop)
        timeout = request.extensions.get("timeout", {})
        limits = aiohttp.ClientTimeout(
            total=None, connect=timeout.get("pool"), sock_connect=timeout.get("connect"),
            sock_read=timeout.get("read"),
        )  # fmt: skip
        body = await request.aread()
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                # aiohttp warns that a large bytes body blocks the loop while it is written: hand it a
                # file-like one (images and PDFs make bodies of many MB), written in chunks
                data=io.BytesIO(body) if len(body) > LARGE_BODY else (body or None),
                allow_redirects=False,
                timeout=limits,
                skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
            ) as resp:
                answer = await resp.read()
                status, headers, reason = resp.status, resp.raw_headers, resp.reason
        except Exception as exc:
            raise _httpx_error(exc, request) from exc
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if reason:
            extensions["reason_phrase"] = reason.encode()
        return httpx.Response(status, headers=headers, content=answer, request=request, extensions=extensions)

    async def aclose(self) -> None:
        if self._loop is not asyncio.get_running_loop():
            self._let_go()
            return
        closer, self._session, self._loop, self._closer = self._closer, None, None, None
        if closer is not None:
            await closer.aclose()  # closes the session

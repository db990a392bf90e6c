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
"""

from __future__ import annotations

import asyncio
import io
import ssl
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


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests through one ``aiohttp.ClientSession`` of at most ``max_connections``
    (``None``: as many as the caller has requests in flight)."""

    def __init__(self, *, tls: ssl.SSLContext, max_connections: int | None = None) -> None:
        self._tls = tls
        self._limit = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        # A session belongs to the event loop it was made in; a client reused from another loop
        # (each sync call runs its own) gets a new one instead of a "different loop" error.
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limit or 0, ssl=self._tls, enable_cleanup_closed=False
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session_for_this_loop()
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
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

"""HTTP plumbing shared by the adapters: the client, retry hints, and turning failures into errors.

Transport safety lives here: TLS verification on, redirects never followed (a redirect could carry
the key to another host), bounded timeouts, and a User-Agent naming nbconnect.
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
import threading
import urllib.request
from typing import Any

import httpx

from .. import _errors as E
from .._secrets import scrub  # re-exported: the adapters' callers import it from here
from .._version import __version__
from .retry import hint_from, parse_duration

__all__ = [
    "DEFAULT_TIMEOUT",
    "HTTPCORE_POOL",
    "client_shards",
    "default_transport",
    "error_for_status",
    "is_loopback",
    "new_client",
    "parse_duration",
    "retry_after",
    "scrub",
    "start_warm_up",
    "transport_error",
    "user_agent",
    "wait_for_warm_up",
    "warm_up",
]

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def user_agent() -> str:
    return f"nbconnect/{__version__} (+httpx {httpx.__version__})"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: plain http is allowed there (nothing crosses a network)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every client: loading the CA bundle costs ~50 ms each time."""
    return httpx.create_ssl_context()


def _behind_proxy() -> bool:
    """Whether proxy variables are set: what httpx reads its proxies from (``trust_env``)."""
    return bool(urllib.request.getproxies())


def default_transport(max_connections: int | None = None) -> httpx.AsyncBaseTransport | None:
    """aiohttp under httpx (see ``aio.py``: a fraction of httpcore's CPU per call), or ``None``
    for httpx's own transport when proxy variables are set: httpx honours HTTP(S)_PROXY and
    NO_PROXY, and a run behind a proxy must keep going through it."""
    if _behind_proxy():
        return None
    from .aio import AiohttpTransport  # aiohttp is imported with the first client, not with nbconnect

    return AiohttpTransport(tls=_tls(), max_connections=max_connections)


HTTPCORE_POOL = 8  # calls in flight per httpcore pool when httpx's own transport is used


def client_shards(workers: int) -> int:
    """How many clients a run spreads ``workers`` concurrent calls of one connection over.

    One on aiohttp, whose connector hands out a connection in O(1) (splitting it would only open
    more connections). httpcore's pool (httpx's own transport, used behind a proxy) walks every
    connection at each request start and end, so one pool of 64 spends more CPU than the calls:
    there, one pool per ``HTTPCORE_POOL`` calls."""
    return -(-workers // HTTPCORE_POOL) if _behind_proxy() else 1


def warm_up() -> None:
    """Import and build what the first request needs (aiohttp, the TLS context, jsonschema): about
    0.2 s on a quiet machine, more on a busy one. Run in a background thread by
    :func:`start_warm_up`, so a notebook's first run does not pay it while the user writes their
    next cell; a run started sooner waits on Python's import lock for what is still loading,
    nothing worse."""
    try:
        from .._schema import lazy
        from . import aio  # noqa: F401  (imported for its side effect: aiohttp loaded)

        _tls()
        lazy.jsonschema()
    except Exception:  # pragma: no cover - a failure here shows again, with its cause, in the run
        pass


_warm_up_lock = threading.Lock()
_warm_up_thread: threading.Thread | None = None


def start_warm_up() -> None:
    """Start :func:`warm_up` in a daemon thread, once per process; later calls return at once.

    Called when an ``Organization`` is made (see there why), never at import: importing a
    library should not start threads."""
    global _warm_up_thread
    with _warm_up_lock:
        if _warm_up_thread is None:
            thread = threading.Thread(target=warm_up, name="nbconnect-warm-up", daemon=True)
            thread.start()
            _warm_up_thread = thread  # only once started: wait_for_warm_up may join it at once


def wait_for_warm_up(timeout: float = 10.0) -> None:
    """Wait for a warm-up still under way (a run started right after the first Organization): a
    run that imports the same modules beside it only trades the GIL with it, import by import,
    and ends later than either alone. ``timeout`` only guards against a hung import."""
    thread = _warm_up_thread
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)


def new_client(
    *,
    timeout: float | httpx.Timeout | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_connections: int | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient with nbconnect's safety defaults. Pass your own to the adapters to change them.

    ``transport``: the Demo's in-process one, say; ``None`` means real HTTP, through
    :func:`default_transport`. ``max_connections``: ``None`` leaves the count to the caller's
    own limits on aiohttp (a run's gates admit ``concurrency`` calls: a cap of 100 here would
    quietly throttle ``concurrency=200``), and 100 a pool on httpcore, whose pools are small."""
    if transport is None:
        transport = default_transport(max_connections)
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        follow_redirects=False,
        verify=_tls(),
        transport=transport,
        headers={"User-Agent": user_agent()},
        limits=httpx.Limits(
            max_connections=max_connections or 100, max_keepalive_connections=max_connections or 100
        ),
    )


def retry_after(headers: httpx.Headers, body: Any = None) -> float | None:
    """The provider's wait hint in seconds (see :func:`.retry.hint_from`, where the rules live)."""
    return hint_from(headers, body)


_BY_STATUS: dict[int, type[E.ProviderError]] = {
    400: E.BadRequestError,
    401: E.AuthenticationError,
    403: E.PermissionDeniedError,
    404: E.NotFoundError,
    408: E.RequestTimeout,
    409: E.ServerError,
    413: E.BadRequestError,
    422: E.BadRequestError,
    429: E.RateLimitError,
    503: E.OverloadedError,
    529: E.OverloadedError,
}


def error_for_status(
    status: int,
    message: str,
    *,
    cls: type[E.ProviderError] | None = None,
    headers: httpx.Headers | None = None,
    body: Any = None,
    **context: Any,
) -> E.ProviderError:
    """Build the error for an HTTP failure. ``cls`` overrides the status rule (quota, schema...)."""
    headers = headers or httpx.Headers()
    if cls is None:
        cls = _BY_STATUS.get(status) or (E.ServerError if status >= 500 else E.ProviderError)
    should = headers.get("x-should-retry")
    retryable = {"true": True, "false": False}.get(should.lower()) if should else None
    return cls(message, status=status, retry_after=retry_after(headers, body), retryable=retryable, **context)


def transport_error(exc: httpx.HTTPError, url: str, **context: Any) -> E.ProviderError:
    """Turn an httpx failure (no HTTP answer) into a NetworkError or RequestTimeout that says what to check."""
    host = httpx.URL(url).host
    if isinstance(exc, httpx.TimeoutException):
        what = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for an answer from"
        return E.RequestTimeout(f"timed out {what} {host}; raise timeout= or check the host is up", **context)
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return E.NetworkError(  # a bad certificate will not fix itself: not retried
            retryable=False,
            message=f"TLS verification failed for {host} ({text.split(':')[-1].strip() or 'certificate'}); "
            "check the endpoint URL, or that your network does not intercept TLS",
            **context,
        )
    if isinstance(exc, httpx.ConnectError):
        return E.NetworkError(
            f"cannot reach {host}: {text or 'connection refused'}; check the endpoint and your network",
            **context,
        )
    return E.NetworkError(
        f"connection to {host} failed mid-request ({type(exc).__name__}: {text or 'reset'})", **context
    )

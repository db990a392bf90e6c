"""OAuth2 access tokens for Vertex AI, minted from a service-account key.

google-auth signs the RS256 JWT grant and reads the token endpoint's answer; the HTTP goes
through httpx (a small ``google.auth.transport.Request`` adapter), so nbconnect needs no
``requests``. Tokens are cached until ``refresh_margin`` seconds before they expire; one
refresh runs at a time, and from async code it runs in a worker thread, off the event loop.

Errors are nbconnect's own (``AuthenticationError``, ``NetworkError``...). They are raised
without chaining the google-auth or httpx exception: those hold the request, whose body is
the signed assertion, and a verbose traceback would show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import json
import re
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from google.auth import exceptions as gexc
from google.auth import transport as gtransport
from google.oauth2 import service_account

from .._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    NetworkError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTimeout,
    ServerError,
)
from .http import is_loopback, user_agent
from .vertex_key import load_service_account

__all__ = ["CLOUD_PLATFORM_SCOPE", "TokenSource"]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

_PROVIDER = "vertex"
_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_ASSUMED_LIFETIME = 3600.0  # Google always sends expires_in; this covers an answer without it
_KEYS_HELP = (
    "create a new JSON key in the Google Cloud console (IAM & Admin > Service accounts > "
    "the account > Keys > Add key > Create new key) and update the Vertex AI connection with it"
)
# Anything shaped like a JWT (header.payload[.signature]) is cut from server text we quote.
_JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,2}")


class _Response(gtransport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class _HttpxRequest(gtransport.Request):
    """google-auth's HTTP interface over an ``httpx.Client``; remembers how the last call went."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self.status: int | None = None
        # (exception class, its text, is a read/write timeout); never the exception itself
        self.failure: tuple[str, str, bool] | None = None

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        # kwargs carry requests-only options (cert=, verify=) that only direct callers pass;
        # the token grant passes none, and the client's own TLS settings apply.
        try:
            response = self._client.request(
                method,
                url,
                content=body,
                headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
                follow_redirects=False,  # never carry the assertion to another address
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            timed_out = isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout)
            self.failure = (type(exc).__name__, str(exc) or type(exc).__name__, timed_out)
            raise gexc.TransportError(type(exc).__name__) from None
        self.status = response.status_code
        return _Response(response)


class TokenSource:
    """OAuth2 access tokens for a Vertex AI service-account key, cached until shortly before expiry.

    ``key_json`` is the key file's JSON text (what ``conn.secret("credentials")`` returns for a
    ``VertexAI`` connection). ``refresh_margin`` is how many seconds before expiry a token is
    replaced; a token that lives less than twice the margin is replaced at half its life, so
    short-lived tokens are not minted on every call. ``http`` is an ``httpx.Client`` to send
    the grant with; by default a client is opened for each refresh (about once an hour).
    """

    def __init__(
        self,
        key_json: str,
        *,
        scopes: Iterable[str] = (CLOUD_PLATFORM_SCOPE,),
        refresh_margin: float = 300.0,
        http: httpx.Client | None = None,
    ) -> None:
        # Errors are raised outside the except blocks: the exceptions they replace hold the key
        # text in their context (json's doc, cryptography's input), so none is chained.
        problem = None
        try:
            info = json.loads(load_service_account(key_json))
        except ValueError as exc:  # its message names the problem and never quotes the key
            problem = str(exc)
        if problem is not None:
            raise ConfigError(problem)
        scopes = [scopes] if isinstance(scopes, str) else list(scopes)
        if not scopes or not all(isinstance(s, str) and s for s in scopes):
            raise ConfigError(f"scopes must be non-empty strings, such as {CLOUD_PLATFORM_SCOPE!r}")
        if not (isinstance(refresh_margin, (int, float)) and 0 <= refresh_margin < float("inf")):
            raise ConfigError(f"refresh_margin must be a number of seconds >= 0, not {refresh_margin!r}")
        _check_token_uri(str(info["token_uri"]))
        credentials = None
        with contextlib.suppress(ValueError, TypeError):  # cryptography's message is not quoted either
            credentials = service_account.Credentials.from_service_account_info(info, scopes=scopes)
        if credentials is None:
            raise ConfigError(
                "credentials: private_key is not a readable RSA private key; the key file may be "
                f"truncated or edited, so {_KEYS_HELP}"
            )
        self._credentials = credentials

        self._email = str(info["client_email"])
        self._token_host = _origin(str(info["token_uri"]))
        self._quota_project = info.get("quota_project_id") or None
        self._margin = float(refresh_margin)
        self._http = http

        self._cached: tuple[str, float] | None = None  # (token, monotonic time to refresh at)
        self._cached_lock = threading.Lock()  # held only to swap _cached, never across a refresh
        self._lock = threading.Lock()  # one refresh at a time, from threads and event loops alike
        self._finished = 0  # refresh attempts completed, successful or not
        self._failure: tuple[int, ProviderError] | None = None  # (attempt, error) if the last one failed
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._loop_locks_guard = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenSource(client_email={self._email!r})"

    @property
    def quota_project(self) -> str | None:
        """The key's ``quota_project_id`` (sent as ``x-goog-user-project``), or ``None``."""
        return self._quota_project

    async def token(self) -> str:
        """A valid access token; a refresh runs in a worker thread and is shared by all waiters."""
        cached = self._fresh()
        if cached is not None:
            return cached
        seen = self._finished
        async with self._async_lock():
            cached = self._fresh()
            if cached is not None:
                return cached
            self._raise_shared_failure(seen)
            return await asyncio.to_thread(self._refresh_locked, seen)

    def token_sync(self) -> str:
        """A valid access token, for synchronous code; blocks while it refreshes."""
        cached = self._fresh()
        if cached is not None:
            return cached
        return self._refresh_locked(self._finished)

    def invalidate(self, token: str | None = None) -> None:
        """Drop the cached token so the next call mints a new one: for a token the API rejected
        (401) before its expiry. Given ``token``, only if it is still the cached one, so many
        callers rejected with the same token cause a single refresh."""
        with self._cached_lock:
            if self._cached is not None and token in (None, self._cached[0]):
                self._cached = None

    # -- internals ------------------------------------------------------------------------

    def _fresh(self) -> str | None:
        cached = self._cached
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        return None

    def _async_lock(self) -> asyncio.Lock:
        # One asyncio.Lock per event loop: a lock is bound to the loop that first waits on it,
        # and a notebook, a script calling asyncio.run twice and the tests use different loops.
        loop = asyncio.get_running_loop()
        with self._loop_locks_guard:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
        return lock

    def _raise_shared_failure(self, seen: int) -> None:
        # A refresh that ended after this caller arrived failed: everyone who waited on it gets
        # the same error instead of each retrying in turn (a hundred callers, one request).
        # A failure that was over before the caller came is not shared: that caller tries again.
        failure = self._failure
        if failure is not None and failure[0] > seen:
            raise _copy(failure[1])

    def _refresh_locked(self, seen: int) -> str:
        with self._lock:
            cached = self._fresh()
            if cached is not None:
                return cached
            self._raise_shared_failure(seen)
            if self._http is not None:
                result = self._mint(_HttpxRequest(self._http))
            else:
                agent = {"User-Agent": user_agent()}
                with httpx.Client(
                    timeout=_TIMEOUT, follow_redirects=False, verify=True, headers=agent
                ) as client:
                    result = self._mint(_HttpxRequest(client))
            done = self._finished + 1
            # The outcome is recorded before the count moves, so whoever read the old count
            # (arrived while this ran) also finds this failure.
            self._failure = (done, result) if isinstance(result, ProviderError) else None
            self._finished = done
            if isinstance(result, ProviderError):
                raise _copy(result)
            return result

    def _mint(self, request: _HttpxRequest) -> str | ProviderError:
        """Run the JWT grant; return the token, or the error to raise (raised by the caller,
        outside any ``except`` block, so no google-auth or httpx exception is chained)."""
        try:
            self._credentials.refresh(request)
        except gexc.TransportError:
            return self._transport_error(request.failure)
        except gexc.RefreshError as exc:
            return self._refused(request.status, exc.args)
        except (KeyError, TypeError, ValueError):  # a 200 whose body is not the expected JSON
            return ServerError(
                f"the Google token endpoint {self._token_host} answered with something that is not "
                "an OAuth2 token response; try again later",
                provider=_PROVIDER,
                status=request.status,
            )
        token = self._credentials.token
        if not token:
            return self._refused(200, ())  # "answered without an access token"
        expiry = self._credentials.expiry
        if expiry is None:
            lifetime = _ASSUMED_LIFETIME
        else:
            now = _dt.datetime.now(_dt.timezone.utc)
            if expiry.tzinfo is None:  # google-auth keeps naive UTC datetimes
                now = now.replace(tzinfo=None)
            lifetime = max(0.0, (expiry - now).total_seconds())
        with self._cached_lock:
            self._cached = (token, time.monotonic() + lifetime - min(self._margin, lifetime / 2))
        return token

    def _transport_error(self, failure: tuple[str, str, bool] | None) -> ProviderError:
        kind, text, timed_out = failure or ("TransportError", "no details", False)
        if timed_out:
            return RequestTimeout(
                f"the Google token endpoint {self._token_host} did not answer in time ({kind}); "
                "check the network or proxy and try again",
                provider=_PROVIDER,
            )
        return NetworkError(
            f"could not reach the Google token endpoint {self._token_host} to get an access token "
            f"({kind}: {_clean(text)}); check the network connection, proxy and firewall",
            provider=_PROVIDER,
        )

    def _refused(self, status: int | None, args: tuple[Any, ...]) -> ProviderError:
        data = args[1] if len(args) > 1 and isinstance(args[1], Mapping) else {}
        code = data.get("error")
        code = code if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,64}", code) else None
        description = data.get("error_description")
        said = ": ".join(_clean(x) for x in (code, description) if isinstance(x, str) and x) or (
            f"HTTP {status}" if status else "no details"
        )
        common = {"provider": _PROVIDER, "status": status, "code": code}
        if status == 200:  # google-auth's "No access token in response."
            return ServerError(
                f"the Google token endpoint {self._token_host} answered without an access token",
                **common,
            )
        if code == "invalid_scope":
            return BadRequestError(
                f"the Google token endpoint refused the requested scopes ({said}); "
                f"use {CLOUD_PLATFORM_SCOPE!r}",
                **common,
            )
        if status in (400, 401) or code in ("invalid_grant", "invalid_client", "unauthorized_client"):
            return AuthenticationError(
                f"Google refused the service-account key of {self._email} ({said}). The key was "
                "probably revoked or deleted (or its service account disabled or deleted), or this "
                "computer's clock is off by more than a few minutes. To fix it, "
                f"{_KEYS_HELP}; if the key is new, set the system clock right.",
                **common,
            )
        if status == 403:
            return PermissionDeniedError(
                f"Google denied a token for {self._email} ({said}); check that the service account "
                "is enabled and allowed to use Vertex AI",
                **common,
            )
        if status == 429:
            return RateLimitError(
                f"the Google token endpoint is rate limiting token requests ({said}); try again shortly",
                **common,
            )
        if status is not None and status >= 500:
            return ServerError(
                f"the Google token endpoint {self._token_host} failed ({said}); try again later",
                **common,
            )
        if status is not None and 300 <= status < 400:
            return ProviderError(
                f"the token endpoint {self._token_host} answered with a redirect (HTTP {status}), "
                "which is not followed; check token_uri in the key (normally "
                "https://oauth2.googleapis.com/token)",
                **common,
            )
        return ProviderError(
            f"the Google token endpoint {self._token_host} refused the token request ({said})",
            **common,
        )


def _check_token_uri(uri: str) -> None:
    parts = urlsplit(uri)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and is_loopback(host):
        return  # a local emulator or test server; nothing leaves the machine
    raise ConfigError(
        f"credentials: token_uri must be an https URL (normally https://oauth2.googleapis.com/token), "
        f"not {_origin(uri)!r}: the signed key assertion must not travel unencrypted"
    )


def _origin(uri: str) -> str:
    """scheme://host[:port] of a URL, without any user info, path or query."""
    parts = urlsplit(uri)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}" if parts.scheme else host


def _clean(text: str, limit: int = 200) -> str:
    """Server or OS text made safe to quote: JWT-shaped strings cut, whitespace folded, bounded."""
    text = " ".join(_JWT_LIKE.sub("[redacted]", text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _copy(error: ProviderError) -> ProviderError:
    # A fresh instance per raise: one exception object raised in several threads or tasks
    # would collect all their tracebacks.
    return type(error)(
        error.message,
        provider=error.provider,
        connection=error.connection,
        status=error.status,
        code=error.code,
        request_id=error.request_id,
        retry_after=error.retry_after,
    )

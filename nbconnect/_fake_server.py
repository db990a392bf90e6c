"""FakeProvider: a real HTTP/1.1 server on 127.0.0.1 that speaks the providers' wire formats.

One ``asyncio`` event loop on a daemon thread serves every connection; request handling never
blocks that loop (latency and ``slow`` faults are ``asyncio.sleep``), so dozens of requests
overlap. HTTP is parsed by hand (request line, headers, Content-Length or chunked body,
keep-alive) because the point is to be a peer the real clients (httpx, the official SDKs)
cannot tell apart from the provider, including how connections break.

Response bodies live in ``_fake_answers.py``; this module owns sockets, routing, faults and the
request log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http
import json
import re
import secrets
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, unquote

from ._fake_answers import WIRES, Reply

__all__ = ["DEFAULT_MODELS", "FAULT_KINDS", "FakeProvider", "Fault", "Recorded"]

_COMMON_OPTS = frozenset({"headers"})
_FAULT_OPTS: dict[str, frozenset[str]] = {
    "ok": frozenset({"value", "text"}),
    "status": frozenset({"status", "code", "type", "message", "param", "details"}),
    "rate_limit": frozenset({"retry_after", "retry_after_ms", "message"}),
    "quota": frozenset({"message"}),
    "overloaded": frozenset({"message"}),
    "server_error": frozenset({"status", "message"}),
    "reset": frozenset({"before_response"}),
    "slow": frozenset({"seconds", "then"}),
    "not_json": frozenset({"status", "body"}),
    "truncated": frozenset(),
    "refusal": frozenset({"message", "prompt", "category"}),
    "broken_json": frozenset(),
    "redirect": frozenset({"location", "status"}),
    "content_filter": frozenset({"prompt"}),
}
FAULT_KINDS: tuple[str, ...] = tuple(_FAULT_OPTS)
"""Every ``Fault`` kind; ``"ok"`` is a normal answer (optionally a given ``value`` or raw ``text``)."""

_DEFAULT_MIX = {
    "rate_limit": 3,
    "server_error": 2,
    "overloaded": 2,
    "reset": 1,
    "truncated": 1,
    "broken_json": 1,
    "not_json": 1,
}

DEFAULT_MODELS: dict[str, list[str]] = {
    "openai": ["gpt-5-mini", "gpt-4.1-mini", "gpt-4.1", "text-embedding-3-small"],
    "anthropic": ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"],
    "gemini": ["gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004"],
    "vertex": ["gemini-2.5-flash", "gemini-2.5-pro", "imagen-3.0-generate-002"],
}
"""Models listed per family when ``FakeProvider.models`` does not name the family (``azure`` uses ``openai``)."""


class Fault:
    """One scripted or injected misbehaviour: ``Fault(kind, **opts)``.

    Kinds and options (every kind also takes ``headers={...}`` to add or override headers):

    - ``ok``: a normal answer; ``value=`` answers with that JSON value, ``text=`` with that raw text.
    - ``status``: any ``status=`` (default 400) with the provider's error body; ``code``, ``type``,
      ``message``, ``param``, ``details`` (Google ``details`` list / Azure ``innererror``).
    - ``rate_limit``: 429 with ``retry-after: <retry_after>`` (default 1 s) and/or
      ``retry-after-ms: <retry_after_ms>``; Google gets a ``RetryInfo`` ``retryDelay`` detail
      instead of headers. ``retry_after=None`` sends no delay hint at all.
    - ``quota``: out of credit: OpenAI/Azure 429 ``insufficient_quota``; Anthropic 400 "credit
      balance is too low"; Google 429 with a per-day ``QuotaFailure`` and no ``RetryInfo``.
    - ``overloaded``: Anthropic 529 ``overloaded_error``, 503 for the others.
    - ``server_error``: 500 (or ``status=`` 502/503/504) with the provider's error body.
    - ``reset``: headers and part of the body, then a TCP reset (``before_response=True``: reset
      without sending anything). Clients see ``httpx.ReadError`` or ``RemoteProtocolError``.
    - ``slow``: wait ``seconds`` (default 5) without blocking other connections, then answer
      normally or with the fault given as ``then=``.
    - ``not_json``: an HTML page, status 200 (or ``status=``), e.g. a proxy's login page.
    - ``truncated``: 200 with cut-off JSON and ``finish_reason: length`` / ``stop_reason:
      max_tokens`` / ``finishReason: MAX_TOKENS``.
    - ``refusal``: OpenAI ``message.refusal``, Anthropic ``stop_reason: refusal``, Gemini
      ``finishReason: SAFETY`` (``prompt=True``: ``promptFeedback.blockReason``, no candidates).
    - ``broken_json``: 200 with JSON that violates the schema (a required key missing).
    - ``redirect``: 307 (or ``status=``) to ``location=`` (required).
    - ``content_filter``: OpenAI format ``finish_reason: content_filter`` with Azure's filter
      annotations (``prompt=True``: Azure's 400 ``content_filter`` error); for Anthropic and
      Google it is the same as ``refusal``.
    """

    __slots__ = ("kind", "opts")

    def __init__(self, kind: str, **opts: Any):
        if kind not in _FAULT_OPTS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {', '.join(FAULT_KINDS)}")
        unknown = set(opts) - _FAULT_OPTS[kind] - _COMMON_OPTS
        if unknown:
            allowed = sorted(_FAULT_OPTS[kind] | _COMMON_OPTS)
            raise TypeError(f"Fault({kind!r}) got unknown option(s) {sorted(unknown)}; it takes {allowed}")
        if kind == "redirect" and not opts.get("location"):
            raise TypeError("Fault('redirect') needs location='http://...'")
        if kind == "slow" and opts.get("then") is not None and not isinstance(opts["then"], Fault):
            raise TypeError("Fault('slow', then=...) takes a Fault")
        self.kind = kind
        self.opts = dict(opts)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.opts.items())
        return f"Fault({self.kind!r}{args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fault) and (self.kind, self.opts) == (other.kind, other.opts)

    def __hash__(self) -> int:
        return hash((self.kind, repr(sorted(self.opts.items(), key=lambda kv: kv[0]))))


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    json: Any  # the parsed body, or None when it was empty or not JSON
    body: bytes
    family: str = ""  # "openai" | "azure" | "anthropic" | "gemini" | "vertex" | "" (unknown route)
    fault: str | None = None  # the kind of Fault that answered it, None for a normal answer
    time: float = field(default_factory=time.monotonic)  # when it was received (time.monotonic)


@dataclass(frozen=True)
class _Route:
    family: str
    action: str  # "generate" | "list" | "get"
    model: str | None = None


_VERTEX_GENERATE = re.compile(
    r"/v1(?:beta1)?/projects/[^/]+/locations/[^/]+/publishers/[^/]+/models/([^/:]+):generateContent"
)
_VERTEX_MODELS = re.compile(r"/v1(?:beta1)?/publishers/[^/]+/models(?:/([^/:]+))?")
_GEMINI_GENERATE = re.compile(r"/v1(?:beta|alpha)?/(?:models|tunedModels)/([^/:]+):generateContent")
_GOOGLE_MODELS = re.compile(r"/v1(beta|alpha)?/models(?:/([^/:]+))?")
_ANTHROPIC_MODELS = re.compile(r"(?:/.*)?/v1/models(?:/([^/]+))?")
_OPENAI_MODELS = re.compile(r"(?:/.*)?/models(?:/([^/]+))?")


def _route(method: str, path: str, headers: Mapping[str, str], query: Mapping[str, str]) -> _Route | None:
    path = path.rstrip("/") or "/"
    azure = "azure" if path.startswith(("/openai/", "/models/")) else "openai"
    if method == "POST":
        if m := _VERTEX_GENERATE.fullmatch(path):
            return _Route("vertex", "generate", m[1])
        if m := _GEMINI_GENERATE.fullmatch(path):
            return _Route("gemini", "generate", m[1])
        if path.endswith("/v1/messages"):
            return _Route("anthropic", "generate")
        if path.endswith("/chat/completions"):
            deployment = re.search(r"/deployments/([^/]+)/", path)
            return _Route(azure, "generate", deployment[1] if deployment else None)
        return None
    if method != "GET":
        return None
    if m := _VERTEX_MODELS.fullmatch(path):
        return _Route("vertex", "get" if m[1] else "list", m[1])
    # GET /v1/models is shared by OpenAI, Anthropic and Gemini: tell them apart by their headers.
    google = "x-goog-api-key" in headers or any(k in query for k in ("key", "pageSize", "pageToken"))
    anthropic = "anthropic-version" in headers or "x-api-key" in headers
    m = _GOOGLE_MODELS.fullmatch(path)
    if m and (google or m[1]):
        return _Route("gemini", "get" if m[2] else "list", m[2])
    if anthropic and (m := _ANTHROPIC_MODELS.fullmatch(path)):
        return _Route("anthropic", "get" if m[1] else "list", m[1])
    if m := _OPENAI_MODELS.fullmatch(path):
        return _Route(azure, "get" if m[1] else "list", m[1])
    return None


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


_REASONS = {529: "Site Overloaded"}


_date_cache: list = [0, ""]


def _date() -> str:
    """The Date header, formatted once per second (formatdate is slow enough to show up)."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return _date_cache[1]


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return _REASONS.get(status, "Unknown")


def _html(status: int) -> bytes:
    if status == 200:
        return (
            b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><h1>Sign in to continue</h1>"
            b'<form method="post" action="/login"><input name="user"></form></body></html>\n'
        )
    title = f"{status} {_reason(status)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


class FakeProvider:
    """A local HTTP/1.1 server that answers like OpenAI, Azure, Anthropic, Gemini and Vertex AI.

    Use it as a context manager; it serves on ``127.0.0.1`` from a background thread::

        with FakeProvider(latency=0.05) as server:
            httpx.post(server.url + "/v1/chat/completions", json=...)

    Args:
        latency: seconds added before every answer (without blocking other requests).
        port: port to listen on; 0 picks a free one.
        api_keys: if given, requests must carry one of these keys, else they get the
            provider's real auth error (OpenAI/Anthropic/Vertex 401, Gemini 400 ``API_KEY_INVALID``).
        models: model IDs to list, per family (``openai``, ``azure``, ``anthropic``, ``gemini``,
            ``vertex``); families not named fall back to :data:`DEFAULT_MODELS`.
        fault_rate: probability (0-1) that a generate request gets a random fault from ``fault_mix``.
        fault_mix: kinds or :class:`Fault` objects to draw from: a list (equal weights) or a
            mapping to weights. Default: transient faults (rate_limit, server_error, overloaded,
            reset) and content faults (truncated, broken_json, not_json).
        seed: makes random faults reproducible. The draw depends on the request itself (path,
            body, and how many times that same request was seen), not on arrival order, so a
            concurrent run faults the same requests every time and a retry gets a fresh draw.

    All of these are also attributes that may be changed while the server runs.
    """

    def __init__(
        self,
        latency: float = 0.0,
        *,
        port: int = 0,
        api_keys: Iterable[str] | None = None,
        models: Mapping[str, Sequence[str]] | None = None,
        fault_rate: float = 0.0,
        fault_mix: Mapping[Fault | str, float] | Sequence[Fault | str] | None = None,
        seed: int | None = None,
    ):
        self.latency: float = float(latency)
        """Seconds added before every answer."""
        self.api_keys: set[str] | None = set(api_keys) if api_keys is not None else None
        """Accepted keys; None accepts any request, with or without a key."""
        self.models: dict[str, list[str]] = {k: list(v) for k, v in (models or {}).items()}
        """Model IDs listed per family; missing families use ``DEFAULT_MODELS``."""
        self.fault_rate: float = float(fault_rate)
        """Probability of a random fault on each generate request."""
        self.fault_mix = fault_mix
        """What random faults are drawn from (None: the default transient + content mix)."""
        self.seed: int | None = seed
        """Seed for random faults; None draws a fresh seed per server."""
        self._port = port
        self._salt = secrets.randbits(64)
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._scripts: dict[str, deque[Fault]] = {}
        self._attempts: dict[bytes, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        """Start serving (the context manager calls this). Returns self."""
        if self._thread is not None:
            raise RuntimeError("FakeProvider is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._run, args=(loop,), name="FakeProvider", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every connection, stop the loop and join the thread. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = self._server = None

    close = stop

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<FakeProvider {where} requests={self.count()}>"

    @property
    def port(self) -> int:
        """The port served on (only while running)."""
        if self._server is None:
            raise RuntimeError("FakeProvider is not running; use `with FakeProvider() as server:`")
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    # -- inspection and scripting ----------------------------------------------------------------
    @property
    def requests(self) -> list[Recorded]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def count(self, path_contains: str | None = None) -> int:
        """How many requests were received (whose path contains ``path_contains``, if given)."""
        with self._lock:
            return sum(1 for r in self._requests if path_contains is None or path_contains in r.path)

    def script(self, path_contains: str, faults: Iterable[Fault | str]) -> None:
        """Queue responses for requests whose path contains ``path_contains``, consumed in order.

        Once the queue is empty, answers are normal again. Calling it again for the same
        ``path_contains`` appends; when several queues match a path the oldest wins. Strings are
        shorthand for ``Fault(kind)``; use ``Fault("ok")`` for a normal answer in the middle.
        """
        queue = [f if isinstance(f, Fault) else Fault(f) for f in faults]
        with self._lock:
            self._scripts.setdefault(path_contains, deque()).extend(queue)

    def script_remaining(self, path_contains: str | None = None) -> int:
        """Scripted responses not yet consumed (for one queue, or all)."""
        with self._lock:
            return sum(len(q) for p, q in self._scripts.items() if path_contains in (None, p))

    def reset(self) -> None:
        """Forget recorded requests, scripts and the random-fault attempt counters."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
            self._attempts.clear()

    # -- the event loop side ---------------------------------------------------------------------
    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._connection, "127.0.0.1", self._port, limit=1 << 20, backlog=1024
        )

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        await asyncio.sleep(0)  # let transports run their connection_lost callbacks

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                request = await self._read(reader, writer)
                if request is None or not await self._respond(request, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception as exc:  # a bug in the fake (or a malformed request): say so instead of hanging up
            body = json.dumps(
                {"error": {"message": f"FakeProvider internal error: {exc!r}", "type": "fake_error"}}
            )
            with contextlib.suppress(Exception):
                await self._write(
                    writer, Reply(500, body.encode(), {"content-type": "application/json"}), False
                )
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> _Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # the client closed the connection between requests
        except asyncio.LimitOverrunError:
            await self._write(writer, Reply(431, b"", {}), keep_alive=False)
            return None
        lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await self._write(writer, Reply(400, b"", {}), keep_alive=False)
            return None
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")  # the empty trailer
        else:
            length = headers.get("content-length") or "0"
            if not length.isdigit():
                await self._write(writer, Reply(400, b"", {}), keep_alive=False)
                return None
            body = await reader.readexactly(int(length))
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        raw_path, _, qs = target.partition("?")
        query = dict(parse_qsl(qs, keep_blank_values=True))
        return _Request(method.upper(), unquote(raw_path), query, headers, body, keep_alive)

    async def _respond(self, req: _Request, writer: asyncio.StreamWriter) -> bool:
        parsed: Any = None
        if req.body:
            with contextlib.suppress(ValueError):
                parsed = json.loads(req.body)
        route = _route(req.method, req.path, req.headers, req.query)
        fault: Fault | None = None
        reply: Reply | None = None
        if route is None:
            wire = WIRES["openai"]
            reply = wire.error(404, f"Invalid URL ({req.method} {req.path})")
        else:
            wire = WIRES[route.family]
            key = wire.key(req.headers, req.query)
            if self.api_keys is not None and key not in self.api_keys:
                reply = wire.auth_error(key)
            else:
                fault = self._next_fault(req, route)
        recorded = Recorded(
            req.method,
            req.path,
            req.query,
            req.headers,
            parsed,
            req.body,
            route.family if route else "",
            fault.kind if fault else None,
        )
        with self._lock:
            self._requests.append(recorded)

        delay = self.latency
        while fault is not None and fault.kind == "slow":
            delay += float(fault.opts.get("seconds", 5))
            fault = fault.opts.get("then")
        if reply is None and route is not None:
            reply = self._build(route, req, parsed, fault)
        assert reply is not None
        if fault is not None and "headers" in fault.opts:
            reply.headers.update({k.lower(): str(v) for k, v in fault.opts["headers"].items()})
        if delay > 0:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind == "reset":
            await self._reset(writer, reply, before_response=bool(fault.opts.get("before_response")))
            return False
        await self._write(writer, reply, req.keep_alive)
        return req.keep_alive

    def _next_fault(self, req: _Request, route: _Route) -> Fault | None:
        with self._lock:
            for pattern, queue in self._scripts.items():
                if queue and pattern in req.path:
                    return queue.popleft()
            if self.fault_rate <= 0 or route.action != "generate":
                return None
            digest = hashlib.sha256(f"{req.method} {req.path}\n".encode() + req.body).digest()
            attempt = self._attempts.get(digest, 0)
            self._attempts[digest] = attempt + 1
        seed = self.seed if self.seed is not None else self._salt
        draw = hashlib.sha256(f"{seed}:{attempt}:".encode() + digest).digest()
        if int.from_bytes(draw[:8], "big") / 2**64 >= self.fault_rate:
            return None
        mix = self.fault_mix if self.fault_mix is not None else _DEFAULT_MIX
        weighted = list(mix.items()) if isinstance(mix, Mapping) else [(f, 1.0) for f in mix]
        point = int.from_bytes(draw[8:16], "big") / 2**64 * sum(w for _, w in weighted)
        chosen = weighted[-1][0]
        for item, weight in weighted:
            point -= weight
            if point < 0:
                chosen = item
                break
        return chosen if isinstance(chosen, Fault) else Fault(chosen)

    def _models(self, family: str) -> list[str]:
        if family in self.models:
            return list(self.models[family])
        if family == "azure" and "openai" in self.models:
            return list(self.models["openai"])
        return list(DEFAULT_MODELS["openai" if family == "azure" else family])

    def _build(self, route: _Route, req: _Request, parsed: Any, fault: Fault | None) -> Reply:
        wire = WIRES[route.family]
        kind = fault.kind if fault is not None else "ok"
        opts = fault.opts if fault is not None else {}
        model = route.model or (parsed.get("model") if isinstance(parsed, dict) else None) or "model"
        if kind == "status":
            return wire.error(
                int(opts.get("status", 400)),
                opts.get("message"),
                type=opts.get("type"),
                code=opts.get("code"),
                param=opts.get("param"),
                details=opts.get("details"),
            )
        if kind == "rate_limit":
            if "retry_after" not in opts and "retry_after_ms" not in opts:
                opts = {**opts, "retry_after": 1}
            ms = opts.get("retry_after_ms")
            delay = ms / 1000 if ms is not None else opts.get("retry_after")
            return wire.rate_limit(str(model), delay, opts)
        if kind == "quota":
            return wire.quota(opts)
        if kind == "overloaded":
            return wire.overloaded(opts)
        if kind == "server_error":
            return wire.server_error(int(opts.get("status", 500)), opts)
        if kind == "not_json":
            status = int(opts.get("status", 200))
            body = opts["body"].encode() if "body" in opts else _html(status)
            return Reply(status, body, {"content-type": "text/html; charset=utf-8"})
        if kind == "redirect":
            return Reply(int(opts.get("status", 307)), b"", {"location": str(opts["location"]), **wire.ids()})
        if route.action == "list":
            return wire.list_models(self._models(route.family), req.query, req.path)
        if route.action == "get":
            return wire.get_model(self._models(route.family), str(route.model), req.path)
        exchange = wire.parse(req.path, req.headers, parsed, route.model)
        if isinstance(exchange, Reply):
            return exchange
        return wire.answer(exchange, "ok" if kind in ("reset", "slow") else kind, opts)

    async def _write(self, writer: asyncio.StreamWriter, reply: Reply, keep_alive: bool) -> None:
        writer.write(self._head(reply, keep_alive) + reply.body)
        await writer.drain()

    @staticmethod
    def _head(reply: Reply, keep_alive: bool, length: int | None = None) -> bytes:
        headers = {"date": _date(), **reply.headers}
        headers["content-length"] = str(len(reply.body) if length is None else length)
        if not keep_alive:
            headers["connection"] = "close"
        lines = [
            f"HTTP/1.1 {reply.status} {_reason(reply.status)}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _reset(self, writer: asyncio.StreamWriter, reply: Reply, before_response: bool) -> None:
        if not before_response:
            writer.write(self._head(reply, True) + reply.body[: max(1, len(reply.body) // 2)])
            await writer.drain()
            await asyncio.sleep(0.05)  # let the client read the headers, so the break is mid-body
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # linger 0: close() sends RST, not FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

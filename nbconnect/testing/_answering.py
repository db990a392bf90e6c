"""How FakeProvider answers one request: route it, check its key, pick its fault, record it,
then build the reply from the family's wire (mixed into :class:`~._server.FakeProvider`, which
owns the server's life cycle and the state read here)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._answers import WIRES
from ._faults import Fault, draw_fault, fault_reply
from ._http import HttpConnection, Reply, Request
from ._routes import Route, route_of
from ._wire import Wire

if TYPE_CHECKING:
    from ._batch import BatchDesk
    from ._oauth import TokenEndpoint
    from ._storage import FakeStorage

__all__ = ["DEFAULT_MODELS", "Answering", "Recorded"]

DEFAULT_MODELS: dict[str, list[str]] = {
    "openai": ["gpt-5-mini", "gpt-4.1-mini", "gpt-4.1", "text-embedding-3-small"],
    "anthropic": ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"],
    "gemini": ["gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004"],
    "vertex": ["gemini-2.5-flash", "gemini-2.5-pro", "imagen-3.0-generate-002"],
}
"""Models listed per family when ``FakeProvider.models`` does not name the family (``azure`` uses ``openai``)."""


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    json: Any  # the parsed body, or None when it was empty or not JSON
    body: bytes
    family: str = ""  # "openai" | "azure" | "anthropic" | "gemini" | "vertex" | "oauth" | "storage" | ""
    fault: str | None = None  # the kind of Fault that answered it, None for a normal answer
    time: float = field(default_factory=time.monotonic)  # when it was received (time.monotonic)


class Answering:
    """The request side of FakeProvider; its state is set by ``FakeProvider.__init__``."""

    latency: float
    api_keys: set[str] | None
    models: dict[str, list[str]]
    fault_rate: float
    fault_mix: Any
    seed: int | None
    oauth: TokenEndpoint
    batches: BatchDesk
    storage: FakeStorage
    _salt: int
    _lock: threading.Lock
    _requests: list[Recorded]
    _scripts: dict[str, deque[Fault]]
    _attempts: dict[bytes, int]
    _gate: asyncio.Event | None

    async def _respond(self, req: Request, conn: HttpConnection) -> bool:
        parsed: Any = None
        if req.body:
            with contextlib.suppress(ValueError):
                parsed = json.loads(req.body)
        route = route_of(req.method, req.path, req.headers, req.query)
        fault: Fault | None = None
        reply: Reply | None = None
        if route is None:
            reply = WIRES["openai"].error(404, f"Invalid URL ({req.method} {req.path})")
        else:
            wire = self._wire(route.family)
            key = wire.key(req.headers, req.query)
            if route.action not in ("token", "upload") and not self._accepts(key):
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

        delay = self.latency + (self.oauth.delay if route is not None and route.action == "token" else 0.0)
        while fault is not None and fault.kind == "slow":
            delay += float(fault.opts.get("seconds", 5))
            fault = fault.opts.get("then")
        if reply is None and route is not None:
            reply = self._build(route, req, parsed, fault)
        assert reply is not None
        if fault is not None and "headers" in fault.opts:
            reply.headers.update({k.lower(): str(v) for k, v in fault.opts["headers"].items()})
        gate = self._gate
        if gate is not None:
            await gate.wait()
        if delay > 0:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind == "reset":
            await conn.reset(reply, before_response=bool(fault.opts.get("before_response")))
            return False
        return await conn.send(reply)

    def _next_fault(self, req: Request, route: Route) -> Fault | None:
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
        return draw_fault(seed, attempt, digest, self.fault_rate, self.fault_mix)

    def _models(self, family: str) -> list[str]:
        if family in self.models:
            return list(self.models[family])
        if family == "azure" and "openai" in self.models:
            return list(self.models["openai"])
        return list(DEFAULT_MODELS["openai" if family == "azure" else family])

    def _wire(self, family: str) -> Wire:
        return self.oauth if family == "oauth" else WIRES[family]

    def _accepts(self, key: str | None) -> bool:
        """Whether a request's credential passes: any when ``api_keys`` is None, else one of
        them or an access token this server's ``/token`` issued."""
        return self.api_keys is None or key in self.api_keys or self.oauth.accepts(key)

    def _build(self, route: Route, req: Request, parsed: Any, fault: Fault | None) -> Reply:
        wire = self._wire(route.family)
        kind = fault.kind if fault is not None else "ok"
        opts = fault.opts if fault is not None else {}
        model = route.model or (parsed.get("model") if isinstance(parsed, dict) else None) or "model"
        reply = fault_reply(wire, kind, opts, str(model))
        if reply is not None:
            return reply
        if route.action == "token":
            return self.oauth.answer_token(req)
        if route.action == "storage":
            return self.storage.respond(req)
        if route.action in ("batch", "upload"):
            return self.batches.respond(route.family, req, parsed)
        if route.action == "list":
            return wire.list_models(self._models(route.family), req.query, req.path)
        if route.action == "get":
            return wire.get_model(self._models(route.family), str(route.model), req.path)
        exchange = wire.parse(req.path, req.headers, parsed, route.model)
        if isinstance(exchange, Reply):
            return exchange
        return wire.answer(exchange, "ok" if kind in ("reset", "slow") else kind, opts)

"""What every wire-protocol adapter shares: the call, the reply, and the send / parse / validate flow.

An adapter turns one :class:`Call` into one HTTP request for its wire family, sends it through an
injectable ``httpx.AsyncClient``, and returns a :class:`Reply`. Failures of the *provider* (HTTP
errors, network) raise :mod:`nbconnect._errors`; failures of the *model* (broken JSON, a refusal, a
truncated answer) come back inside the Reply, so a run records them instead of crashing.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .._schema.schema import Adapted, Schema
from . import modes_memory
from .call import (
    EMPTY,
    INVALID_JSON,
    SCHEMA_MISMATCH,
    Call,
    Prepared,
    Reply,
    strip_fences,
)
from .http import error_for_status, new_client, scrub, transport_error
from .media import Media
from .messages import key_not_accepted, schema_instruction
from .modes_memory import remembered_modes
from .verification import Verification

if TYPE_CHECKING:  # the wire sits below the connections: it reads their facts through the instance
    from .._connections.base import Connection
    from .batch.base import BatchAPI

# Call, Reply, Prepared and remembered_modes are re-exported: the engine imports them from here
__all__ = [
    "Adapter",
    "Call",
    "Prepared",
    "Reply",
    "Verification",
    "remembered_modes",
    "schema_instruction",
]

MAX_PAGES = 50  # a model listing longer than this many pages is cut rather than followed forever


class Adapter(ABC):
    """Base of the wire adapters. Subclasses fill in ``modes``, ``prepare``, ``parse`` and ``error``."""

    family: ClassVar[str]
    batch_class: ClassVar[type[BatchAPI] | None] = None
    """The provider's batch API (``run(..., batch=True)``); ``None``: this connection runs live."""

    def __init__(
        self, conn: Connection, *, client: httpx.AsyncClient | None = None, timeout: float | None = None
    ) -> None:
        self.conn = conn
        self._client = client
        self._owns_client = client is None
        self._timeout = timeout
        self._adapted: dict[tuple[int, str], tuple[Schema, Adapted]] = {}

    # -- plumbing ------------------------------------------------------------------------
    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = new_client(timeout=self._timeout, transport=self.transport())
        return self._client

    def transport(self) -> httpx.AsyncBaseTransport | None:
        """A custom transport (the Demo's in-process one); ``None`` means real HTTP."""
        return None

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> Adapter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _context(self) -> dict[str, str]:
        return {"provider": self.conn.title, "connection": self.conn.name}

    def secret_values(self) -> list[str]:
        """Every secret this adapter may have sent (the connection's, plus any token it minted):
        what to scrub from a message before anyone sees it."""
        return self.conn.secret_values()

    def headers(self) -> dict[str, str]:
        """The headers every request of this connection carries (credentials, API version)."""
        return {}

    @property
    def key_subject(self) -> str:
        """How a rejected-key message names the credential: by its hint, never its value."""
        return f"the key ({self.conn.hint or 'none given'})"

    def key_rejected(self, message: str) -> str:
        """The message for a provider that did not accept the credential, with the provider's fix."""
        return key_not_accepted(self.key_subject, message, self.conn.key_fix)

    async def pages(
        self, url_for: Callable[[str | None], str], next_cursor: Callable[[dict[str, Any]], str | None]
    ) -> AsyncIterator[dict[str, Any]]:
        """GET a paginated listing: ``url_for(cursor)`` is a page's URL (``None`` for the first), and
        ``next_cursor(page)`` the next page's cursor (``None``/empty on the last page)."""
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            resp, _ = await self.request(Prepared("GET", url_for(cursor), None, self.headers()))
            page = self.json_body(resp, self._context())
            page = page if isinstance(page, dict) else {}
            yield page
            cursor = next_cursor(page)
            if not cursor:
                return

    def memory_key(self, call: Call) -> tuple[str, str, str, str]:
        """Where a discovered fallback is remembered: per endpoint, model *and* schema, because a
        provider may reject one schema's keywords and accept another's in its first-choice mode."""
        return (self.conn.provider, self.base_url(), call.model, call.schema.digest)

    def adapt(self, schema: Schema, mode: str) -> Adapted:
        key = (id(schema), mode)
        hit = self._adapted.get(key)
        if hit is None:
            hit = (schema, self.adapt_schema(schema, mode))  # keep schema alive so its id stays unique
            self._adapted[key] = hit
        return hit[1]

    async def authorize(self, prepared: Prepared) -> Prepared:
        """Add credentials fetched asynchronously (Vertex's OAuth token) just before sending, so
        prepared requests and cache keys never hold them."""
        return prepared

    async def request(self, prepared: Prepared) -> tuple[httpx.Response, float]:
        """Send, and return the response with its latency; HTTP errors raise ProviderError."""
        prepared = await self.authorize(prepared)
        started = time.perf_counter()
        try:
            resp = await self.client.send(prepared.to_httpx(self.client))
            await resp.aread()
        except httpx.HTTPError as exc:
            raise transport_error(exc, prepared.url, **self._context()) from None
        latency = time.perf_counter() - started
        if resp.is_redirect:
            raise E.NotFoundError(
                f"the server redirected to {resp.headers.get('location', '?')}; nbconnect does not follow "
                "redirects (the key must not reach another host): set the endpoint to the final URL",
                status=resp.status_code,
                **self._context(),
            )
        if resp.status_code >= 400:
            err = self.error(resp)
            err.message = scrub(err.message, self.secret_values())
            err.args = (err.message,)  # args feed repr() and tracebacks: scrub them too
            raise err
        return resp, latency

    @staticmethod
    def error_parts(resp: httpx.Response) -> tuple[Any, dict[str, Any]]:
        """An error response's body and its ``error`` object (``{}`` when there is none)."""
        try:
            body = resp.json()
        except ValueError:
            body = None
        if (
            isinstance(body, list) and body and isinstance(body[0], dict)
        ):  # Vertex wraps some errors in a list
            body = body[0]
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, str):  # some OpenAI-compatible servers: {"error": "text"}
            err = {"message": err}
        return body, err if isinstance(err, dict) else {}

    def http_error(
        self,
        resp: httpx.Response,
        message: str,
        *,
        cls: type[E.ProviderError] | None,
        body: Any,
        code: str | None,
        request_id: str | None = None,
    ) -> E.ProviderError:
        """The error for an HTTP failure of this connection; ``cls`` overrides the status rule."""
        return error_for_status(
            resp.status_code,
            message,
            cls=cls,
            headers=resp.headers,
            body=body,
            code=code,
            request_id=request_id,
            **self._context(),
        )

    @staticmethod
    def json_body(resp: httpx.Response, context: dict[str, str]) -> Any:
        try:
            return resp.json()
        except ValueError:
            kind = resp.headers.get("content-type", "unknown content type")
            raise E.ServerError(
                f"answered HTTP {resp.status_code} with a body that is not JSON ({kind}); a proxy or gateway may "
                "be in the way",
                status=resp.status_code,
                **context,
            ) from None

    # -- the user message -----------------------------------------------------------------
    def user_content(self, call: Call) -> Any:
        """The user message's content: its text, or this wire's parts for a prompt with media."""
        if not call.media:
            return call.user
        return [
            self.media_part(p) if isinstance(p, Media) else self.text_part(p.text)
            for p in call.parts
            if isinstance(p, Media) or p.text.strip()  # whitespace-only text blocks are refused
        ]

    def text_part(self, text: str) -> dict[str, Any]:
        """One text part of a multi-part user message, in this wire's shape."""
        return {"type": "text", "text": text}

    def media_part(self, media: Media) -> dict[str, Any]:
        """One image or PDF part, in this wire's shape (families that take media override it)."""
        raise E.ConfigError(f"{self.conn.title} connections do not take images or documents")

    # -- the call ------------------------------------------------------------------------
    def call_modes(self, call: Call) -> list[str]:
        """The enforcement modes this call may use (a setting can rule some out: Anthropic's
        extended thinking forbids the forced tool)."""
        return self.modes(call.model)

    @classmethod
    def reasoning_refusal(cls, info: Any) -> str | None:
        """Why ``reasoning_effort`` cannot go to the model the catalog entry ``info`` describes
        (``None``: it can)."""
        return None if info.reasoning else "the catalog lists it as not taking a reasoning effort"

    def reasoning(self, call: Call) -> dict[str, Any]:
        """The body keys that carry ``call.reasoning_effort`` on this wire ({} without one)."""
        return {}

    @classmethod
    def output_limit(cls, call: Call) -> int | None:
        """The most output tokens, reasoning included, that the request for ``call`` lets the
        provider write and bill (``None``: the request sets no limit). The request is built from
        it, and the run estimate's upper bound too, so the two cannot drift apart. Chat
        completions' ``max_completion_tokens`` (and the legacy ``max_tokens``) cover reasoning."""
        return call.max_tokens

    def plan(self, call: Call) -> list[str]:
        """Enforcement modes to try in order, the remembered one first."""
        modes = self.call_modes(call)
        known = modes_memory.recall(self.memory_key(call))
        if known in modes:
            modes = [known] + [m for m in modes if m != known]
        return modes

    def prepare_call(self, call: Call) -> Prepared:
        """The request the next call would send (used for cache keys and parity tests)."""
        return self.prepare(call, self.plan(call)[0])

    async def complete(self, call: Call) -> Reply:
        """Send ``call``; on a schema / JSON-mode rejection fall back to the next mode and remember it."""
        modes = self.plan(call)
        for i, mode in enumerate(modes):
            prepared = self.prepare(call, mode)
            try:
                resp, latency = await self.request(prepared)
            except E.ProviderError as err:
                if i + 1 == len(modes) or not self.is_rejection(err, call, mode):
                    raise
                continue
            body = self.json_body(resp, self._context())
            reply = self.parse(call, mode, body, resp.headers)
            reply.latency_s = latency
            reply.enforcement = mode
            reply.changes = list(self.adapt(call.schema, mode).changes)
            self.finish(call, mode, reply)
            if len(self.call_modes(call)) > 1:  # a forced mode (json_mode=...) proves nothing for "auto"
                modes_memory.remember(self.memory_key(call), mode)
            return reply
        raise AssertionError("unreachable: plan() returns at least one mode")

    def is_rejection(self, err: E.ProviderError, call: Call, mode: str) -> bool:
        """Whether ``err`` means "this enforcement mode is not supported here" (so try the next)."""
        return isinstance(err, E.SchemaRejectedError)

    async def verify(self) -> Verification:
        """The cheapest real check of the credentials; never raises for a provider failure."""
        started = time.perf_counter()
        try:
            models = await self.check()
        except E.ProviderError as err:
            return Verification(
                ok=False,
                connection=self.conn.name,
                provider=self.conn.provider,
                message=str(err),
                field=self.field_for(err),
                error_type=err.kind,
                latency_s=time.perf_counter() - started,
            )
        return Verification(
            ok=True,
            connection=self.conn.name,
            provider=self.conn.provider,
            models=models,
            message="OK",
            latency_s=time.perf_counter() - started,
        )

    def field_for(self, err: E.ProviderError) -> str | None:
        """Which form field a verification failure concerns (``None``: not a field's fault).

        A network failure or a timeout blames no field: the default endpoint is usually right and the
        network or the server is what failed; the message names the host it could not reach.
        """
        if isinstance(err, (E.AuthenticationError, E.PermissionDeniedError)):
            return self.conn.secret_fields[0] if self.conn.secret_fields else None
        if isinstance(err, E.NotFoundError) and self.conn.single_model:
            return self.conn.name_field
        return None

    def finish(self, call: Call, mode: str, reply: Reply) -> None:
        """Parse the raw text into a value and validate it against the caller's schema."""
        info = catalog.get(self.conn.provider, reply.model or call.model) or catalog.get(
            self.conn.provider, call.model
        )
        reply.cost_usd = (
            info.cost(reply.input_tokens, reply.output_tokens, reply.cached_tokens, reply.cache_write_tokens)
            if info
            else None
        )
        if reply.error_type:  # the parser already knows (refusal, truncation, content filter)
            return
        if reply.value is None:
            text = reply.raw.strip()
            if not text:
                reply.error_type, reply.errors = EMPTY, ["the model returned no text"]
                return
            try:
                reply.value = json.loads(strip_fences(text))
            except json.JSONDecodeError as exc:
                reply.error_type = INVALID_JSON
                reply.errors = [f"the answer is not JSON ({exc.msg} at character {exc.pos})"]
                return
        reply.value = self.adapt(call.schema, mode).restore(reply.value)
        problems = call.schema.validate(reply.value)
        if problems:
            reply.error_type, reply.errors = SCHEMA_MISMATCH, problems
        else:
            reply.valid = True

    # -- subclass hooks --------------------------------------------------------------------
    @abstractmethod
    def base_url(self) -> str: ...

    @abstractmethod
    def modes(self, model: str) -> list[str]: ...

    @abstractmethod
    def adapt_schema(self, schema: Schema, mode: str) -> Adapted: ...

    @abstractmethod
    def prepare(self, call: Call, mode: str) -> Prepared: ...

    @abstractmethod
    def parse(self, call: Call, mode: str, body: Any, headers: httpx.Headers) -> Reply: ...

    @abstractmethod
    def error(self, resp: httpx.Response) -> E.ProviderError: ...

    @abstractmethod
    async def list_models(self) -> list[str]:
        """Model ids this connection can serve for structured output (live where the provider lists them)."""

    @abstractmethod
    async def check(self) -> list[str]:
        """Prove the credentials with the cheapest real request; return the models seen."""

"""What every provider family of the fake shares: the :class:`Wire` interface and its helpers.

A wire turns a request into an :class:`Exchange` (``parse``) and an exchange or a fault into the
provider's exact reply body (``answer``, ``error``, ``rate_limit``...). Each family lives in its
own module (``_openai``, ``_anthropic``, ``_google``); ``FakeProvider`` looks them up by name in
``_answers.WIRES``. Token counts are a :class:`Usage` (from :func:`usage_counts`), which each
wire's ``usage_block`` writes in its own shape. Wire shapes follow providers.md (§1-§6); where the
installed SDKs disagree with that document, the SDKs win (they are what users run).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._catalog.tokens import estimate_tokens
from .._schema.values import answer_for, broken_answer
from ._http import Reply
from ._media import marker, problem

__all__ = [
    "IDS",
    "ErrorSpec",
    "Exchange",
    "Reply",
    "Usage",
    "Wire",
    "answer_content",
    "b58",
    "bearer",
    "hex_digits",
    "json_reply",
    "last_text",
    "mask",
    "media_problem",
    "random_uuid",
    "retry_headers",
    "text_of",
    "usage_counts",
    "usage_details",
    "user_turns",
]


@dataclass
class Exchange:
    """What a generate request asked for, in wire-neutral terms."""

    family: str
    model: str
    schema: Any  # JSON Schema the answer must satisfy; None means free-form
    user_text: str  # the last user message: answers are a function of it
    prompt_text: str  # all text sent, for usage counts
    max_tokens: int | None = None
    tool: str | None = None  # Anthropic forced tool name (answer goes in a tool_use block)


@dataclass(frozen=True)
class ErrorSpec:
    """An error to report, in wire-neutral terms; each wire words it its own way."""

    status: int
    message: str | None = None  # None: the family's stock message for the status
    type: str | None = None
    code: Any = None
    param: str | None = None
    details: Any = None  # Google ``details`` list / Azure ``innererror``


class Wire:
    """One provider family's wire format: the interface ``FakeProvider`` talks to."""

    family = ""
    content_type = "application/json"

    def ids(self) -> dict[str, str]:
        """Headers that identify a response (request ids, versions, timings)."""
        raise NotImplementedError

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        """The credential the request carries, where this family expects it."""
        raise NotImplementedError

    def error_body(self, err: ErrorSpec, ids: Mapping[str, str]) -> dict:
        """The JSON body of an error (``ids`` are the response's headers, for bodies that repeat them)."""
        raise NotImplementedError

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        code: Any = None,
        param: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An error reply in this family's shape; ``headers`` add to (or override) the ids."""
        ids = self.ids()
        body = self.error_body(ErrorSpec(status, message, type, code, param, details), ids)
        return json_reply(status, body, {**ids, **(headers or {})}, self.content_type)

    def fault_error(self, status: int, opts: Mapping, message: str, **fields: Any) -> Reply:
        """The error a fault sends: with the fault's own ``message=`` if it has one, else ``message``."""
        return self.error(status, opts.get("message") or message, **fields)

    def ok(self, obj: Any) -> Reply:
        """A 200 reply with ``obj`` as its JSON body."""
        return json_reply(200, obj, self.ids(), self.content_type)

    # What each family implements (called by FakeProvider._build and _faults.fault_reply):
    def auth_error(self, key: str | None) -> Reply:
        raise NotImplementedError

    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        """The exchange a generate request asks for, or the provider's 400 for a bad request."""
        raise NotImplementedError

    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        """A 200 answer; ``kind`` is ok, truncated, broken_json, refusal or content_filter."""
        raise NotImplementedError

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        raise NotImplementedError

    def quota(self, opts: Mapping) -> Reply:
        raise NotImplementedError

    def overloaded(self, opts: Mapping) -> Reply:
        raise NotImplementedError

    def server_error(self, status: int, opts: Mapping) -> Reply:
        raise NotImplementedError

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        raise NotImplementedError

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        raise NotImplementedError


def json_reply(status: int, obj: Any, headers: dict[str, str], ctype: str = "application/json") -> Reply:
    body = json.dumps(obj, ensure_ascii=False).encode()
    return Reply(status, body, {"content-type": ctype, **headers})


# -- reading requests ----------------------------------------------------------------------------
def text_of(content: Any) -> str:
    """The text of a message's content: a string, or the ``text`` of each part of a list, with an
    image or PDF part standing as ``[image sha256:…]`` (so answers follow the media's bytes)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = (
            p["text"] if isinstance(p.get("text"), str) else marker(p)
            for p in content
            if isinstance(p, Mapping)
        )
        return "\n".join(p for p in pieces if p is not None)
    return ""


def media_problem(turns: Any, key: str) -> str | None:
    """The first malformed image / PDF part in ``turns`` (their ``key`` lists), as a provider words it."""
    for turn in turns if isinstance(turns, list) else []:
        parts = turn.get(key) if isinstance(turn, Mapping) else None
        for part in parts if isinstance(parts, list) else []:
            found = problem(part)
            if found:
                return found
    return None


def user_turns(turns: Any, default_role: str | None = None) -> list[Mapping]:
    """The user's turns of a conversation (Gemini may leave out ``role``: pass ``"user"``)."""
    return [t for t in turns if isinstance(t, Mapping) and t.get("role", default_role) == "user"]


def last_text(turns: list[Mapping], key: str) -> str:
    """The text of the last turn's ``key`` (``content`` or ``parts``); "" without turns."""
    return text_of(turns[-1].get(key)) if turns else ""


def bearer(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else None


def mask(key: str) -> str:
    return key[:8] + "*" * max(4, len(key) - 12) + key[-4:] if len(key) > 12 else "*" * len(key)


# -- writing answers -----------------------------------------------------------------------------
@dataclass
class Usage:
    """The token counts of one answer, in wire-neutral terms; each wire's ``answer`` writes them
    into its own usage block (OpenAI ``usage``, Anthropic ``usage``, Google ``usageMetadata``)."""

    prompt: int
    completion: int
    cached: int = 0  # prompt tokens read from the provider's prompt cache
    reasoning: int = 0  # completion tokens spent thinking (part of ``completion``)


def usage_counts(ex: Exchange, text: str | None, truncated: bool) -> Usage:
    """The usage of an answer (a truncated answer used up ``max_tokens``)."""
    prompt = (
        estimate_tokens(ex.prompt_text) + 7 + (40 if ex.schema is not None else 0)
    )  # the schema costs tokens too
    completion = estimate_tokens(text or "")
    if truncated and ex.max_tokens:
        completion = int(ex.max_tokens)
    cached, reasoning = usage_details(ex, prompt, completion, truncated)
    if not truncated:  # thinking comes on top of the answer; a truncated answer used up max_tokens
        completion += reasoning
    return Usage(prompt, completion, cached, reasoning)


CACHE_MIN_TOKENS = 1024  # OpenAI caches prompts from 1,024 tokens on, in 128-token steps
# models that think on every call (Gemini 2.5 Flash is left out so the default fake model reports plain counts)
THINKING_MODELS = ("gpt-5", "o1", "o3", "o4", "gemini-2.5-pro", "gemini-3")


def usage_details(ex: Exchange, prompt: int, completion: int, truncated: bool) -> tuple[int, int]:
    """Cached prompt tokens and reasoning tokens the fake reports, deterministically.

    A prompt whose part before the user's text (system prompt, schema) is 1,024 tokens or more
    is taken as read from a warm prompt cache, in 128-token blocks; a model that thinks by default
    reports one reasoning token per answer token (half of ``max_tokens`` when truncated). Both
    are *parts* of the counts the wires report (Anthropic's ``input_tokens`` excludes the cache).
    """
    prefix = prompt - estimate_tokens(ex.user_text)
    cached = (prefix // 128) * 128 if prefix >= CACHE_MIN_TOKENS else 0
    thinks = ex.model.startswith(THINKING_MODELS)
    reasoning = (completion // 2 if truncated else completion) if thinks else 0
    return cached, reasoning


def answer_content(ex: Exchange, kind: str, opts: Mapping) -> tuple[Any, str]:
    """The answer value and its JSON text for the content kinds (ok, truncated, broken_json)."""
    schema = ex.schema
    if kind == "ok" and "text" in opts:
        return None, str(opts["text"])
    if kind == "ok" and "value" in opts:
        value = opts["value"]
    elif kind == "broken_json":
        value = broken_answer(schema, ex.user_text)
    else:
        value = answer_for(schema, ex.user_text)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind == "truncated":
        text = text[: max(1, len(text) * 2 // 3)]
    return value, text


def retry_headers(opts: Mapping) -> dict[str, str]:
    """``retry-after`` / ``retry-after-ms`` from a rate_limit fault's options."""
    out = {}
    if opts.get("retry_after") is not None:
        out["retry-after"] = _fmt_seconds(opts["retry_after"])
    if opts.get("retry_after_ms") is not None:
        out["retry-after-ms"] = _fmt_seconds(opts["retry_after_ms"])
    return out


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{float(value):g}"


# -- ids -----------------------------------------------------------------------------------------
IDS = random.Random()  # ids only need to look unique, not be secret: no syscall per character
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(n: int) -> str:
    return "".join(IDS.choices(_B58, k=n))


def hex_digits(n: int) -> str:
    return f"{IDS.getrandbits(4 * n):0{n}x}"


def random_uuid() -> str:
    return str(uuid.UUID(int=IDS.getrandbits(128), version=4))

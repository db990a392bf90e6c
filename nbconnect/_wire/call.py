"""The values a wire adapter passes around: the :class:`Call` it sends, the :class:`Prepared`
request it builds, the :class:`Reply` it returns, and the words a reply's ``error_type`` uses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from .._schema.schema import Schema
from .media import Media, Part

__all__ = [
    "EMPTY",
    "INVALID_JSON",
    "REFUSAL",
    "SCHEMA_MISMATCH",
    "TRUNCATED",
    "Call",
    "Prepared",
    "Reply",
    "strip_fences",
]

TRUNCATED = "truncated"
REFUSAL = "refusal"
INVALID_JSON = "invalid_json"
SCHEMA_MISMATCH = "schema_mismatch"
EMPTY = "empty"


@dataclass(frozen=True)
class Call:
    """One structured-output request: a system and a user message, a model, a schema.

    ``user`` is the user message's text. When the prompt has images or PDFs, ``parts`` holds the
    whole message in order (:class:`~nbconnect._wire.media.Text` and ``Media``) and each wire
    builds its content list from it; a text-only call leaves ``parts`` empty.
    """

    model: str
    user: str
    schema: Schema
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None  # "low" / "medium" / "high": see Adapter.reasoning
    seed: int | None = None  # repeats: the sample index, sent where the API takes a seed
    parts: tuple[Part, ...] = ()

    @property
    def media(self) -> tuple[Media, ...]:
        return tuple(p for p in self.parts if isinstance(p, Media))


@dataclass
class Reply:
    """What came back for one call. ``valid`` means: parsed, and it matches the schema."""

    value: Any = None
    raw: str = ""
    valid: bool = False
    errors: list[str] = field(default_factory=list)
    error_type: str | None = None
    finish_reason: str | None = None
    refusal: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None  # part of input_tokens read from the provider's prompt cache
    cache_write_tokens: int | None = None  # part of input_tokens written to it (Anthropic)
    reasoning_tokens: int | None = None  # part of output_tokens spent thinking (billed as output)
    cost_usd: float | None = None
    latency_s: float = 0.0
    model: str | None = None
    request_id: str | None = None
    enforcement: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """One line saying why the reply is not valid (``None`` when it is)."""
        return "; ".join(self.errors) if self.errors else None


@dataclass(frozen=True)
class Prepared:
    """A request before it is sent. ``url`` and ``body`` never hold secrets; headers may."""

    method: str
    url: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    mode: str = ""
    media: tuple[Media, ...] = ()  # what the body's payloads are, so a cache key can use their hashes

    def to_httpx(self, client: httpx.AsyncClient | None = None) -> httpx.Request:
        """The request; built by ``client`` when given, so its default headers (our User-Agent, or
        an injected client's own) are sent too."""
        content = json.dumps(self.body, ensure_ascii=False).encode() if self.body is not None else None
        headers = dict(self.headers)
        if content is not None:
            headers["Content-Type"] = "application/json"
        if client is not None:
            return client.build_request(self.method, self.url, content=content, headers=headers)
        return httpx.Request(self.method, self.url, content=content, headers=headers)


def strip_fences(text: str) -> str:
    """Models in JSON-object or prompt-only mode sometimes wrap the JSON in ```json fences."""
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    return text.strip()

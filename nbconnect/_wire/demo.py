"""The Demo provider: an in-process httpx transport that speaks the OpenAI wire format.

No socket and no key: answers are derived from the input text by a small word list, so the
demo notebooks run offline and a comparison shows real differences. Three models behave visibly
differently:

- ``demo-careful``: slower, pricier, reads the text, always follows the schema (native JSON schema);
- ``demo-fast``: quick and cheap, guesses more, has no native JSON schema (falls back to JSON mode)
  and breaks the schema now and then;
- ``demo-echo``: free and quickest, mostly guesses, sometimes runs out of tokens.

Everything is deterministic for a given text, model and ``Demo(seed=...)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

import httpx

from .openai import OpenAIChatAdapter

if TYPE_CHECKING:
    from .._connections.base import Connection

__all__ = ["DEMO_MODELS", "DemoAdapter", "DemoTransport"]

DEMO_BASE = "https://demo.nbconnect.invalid/v1"  # never resolved: the transport answers in process

# model -> (latency factor, probability of reading the text right, schema-break rate, truncation rate)
DEMO_MODELS: dict[str, tuple[float, float, float, float]] = {
    "demo-careful": (2.0, 0.97, 0.0, 0.0),
    "demo-fast": (0.6, 0.8, 0.08, 0.0),
    "demo-echo": (0.3, 0.45, 0.0, 0.04),
}
_NATIVE = {"demo-careful", "demo-echo"}
_INSTRUCTION = "matches this JSON Schema:\n"

_POSITIVE = set(
    [
        "good",
        "great",
        "excellent",
        "love",
        "loved",
        "amazing",
        "perfect",
        "happy",
        "fast",
        "best",
        "nice",
        "wonderful",
        "fantastic",
        "recommend",
        "comfortable",
        "sturdy",
        "reliable",
        "superb",
        "pleased",
        "works",
        "delighted",
        "brilliant",
    ]
)
_NEGATIVE = set(
    [
        "bad",
        "poor",
        "terrible",
        "awful",
        "hate",
        "hated",
        "broke",
        "broken",
        "slow",
        "worst",
        "disappointed",
        "disappointing",
        "useless",
        "refund",
        "cheap",
        "flimsy",
        "late",
        "rude",
        "noisy",
        "leaks",
        "returned",
        "waste",
        "faulty",
        "defective",
    ]
)
_ASPECTS = (
    "battery",
    "price",
    "screen",
    "delivery",
    "shipping",
    "quality",
    "service",
    "size",
    "design",
    "sound",
    "comfort",
    "taste",
    "packaging",
    "support",
    "fit",
    "material",
    "performance",
    "setup",
)
_WORD = re.compile(r"[a-z']+")


def _unit(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class _Mind:
    """How one demo model 'reads' one text."""

    def __init__(self, model: str, text: str, seed: int) -> None:
        self.model, self.text, self.seed = model, text, seed
        self.words = _WORD.findall(text.lower())
        self.skill = DEMO_MODELS.get(model, DEMO_MODELS["demo-careful"])[1]
        score = sum(w in _POSITIVE for w in self.words) - sum(w in _NEGATIVE for w in self.words)
        self.sentiment = score if self.reads("sentiment") else int(_unit(seed, model, text, "s") * 3) - 1

    def reads(self, what: str) -> bool:
        return _unit(self.seed, self.model, self.text, what) < self.skill

    def pick(self, options: list[Any], what: str) -> Any:
        return options[int(_unit(self.seed, self.model, self.text, what) * len(options))]

    def value(self, schema: dict[str, Any], root: dict[str, Any], name: str = "") -> Any:
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            return self.value((root.get("$defs") or root.get("definitions") or {}).get(ref, {}), root, name)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
                return self.value(branches[0], root, name)
        if "enum" in schema:
            return self.enum(list(schema["enum"]), name)
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            props = schema.get("properties") or {}
            return {key: self.value(sub, root, key) for key, sub in props.items()}
        if kind == "array":
            return self.array(schema.get("items") or {}, root, name)
        if kind in ("number", "integer"):
            return self.number(schema, name, kind == "integer")
        if kind == "boolean":
            return (
                self.sentiment > 0
                if self.reads(name)
                else _unit(self.seed, self.model, self.text, name) < 0.5
            )
        if kind == "null":
            return None
        return self.string(schema, name)

    def enum(self, options: list[Any], name: str) -> Any:
        lowered = [str(o).lower() for o in options]
        if self.reads(name):
            mood = "pos" if self.sentiment > 0 else "neg" if self.sentiment < 0 else "neu"
            for option, low in zip(options, lowered):
                if low.startswith(mood) or (mood == "neu" and low in ("mixed", "none", "other")):
                    return option
            for option, low in zip(options, lowered):
                if low in self.words:
                    return option
        return self.pick(options, name)

    def number(self, schema: dict[str, Any], name: str, integer: bool) -> float | int:
        low = schema.get("minimum", 1 if integer else 0)
        high = schema.get("maximum", 5 if integer else 1)
        if any(k in name.lower() for k in ("rating", "stars", "score")) and self.reads(name):
            fraction = {1: 0.95, 0: 0.5, -1: 0.1}[max(-1, min(1, self.sentiment))]
        else:
            fraction = 0.55 + 0.44 * _unit(self.seed, self.model, self.text, name)
        value = low + (high - low) * fraction
        return round(value) if integer else round(value, 2)

    def array(self, items: dict[str, Any], root: dict[str, Any], name: str) -> list[Any]:
        if items.get("type") == "string" and "enum" not in items:
            found = [a for a in _ASPECTS if a in self.words]
            if not found or not self.reads(name):
                found = sorted(set(self.words), key=len, reverse=True)[:2]
            return found[:3]
        return [self.value(items, root, name)]

    def string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt == "date":
            return "2026-01-15"
        if fmt == "date-time":
            return "2026-01-15T12:00:00Z"
        if "language" in name.lower():
            return "en"
        return " ".join(self.text.split()[:8])


def _find_schema(body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema") or {}
    for message in body.get("messages", []):
        content = str(message.get("content", ""))
        if _INSTRUCTION in content:
            try:
                return json.loads(content.split(_INSTRUCTION, 1)[1])
            except json.JSONDecodeError:
                pass
    return {"type": "object", "properties": {"answer": {"type": "string"}}}


def _break(value: Any, mind: _Mind) -> Any:
    """Make a schema mistake the way weak models do: drop a field, or give a number as text."""
    if not isinstance(value, dict) or not value:
        return value
    key = mind.pick(sorted(value), "break-key")
    broken = dict(value)
    if isinstance(broken[key], (int, float)) and not isinstance(broken[key], bool):
        broken[key] = f"about {broken[key]}"
    else:
        del broken[key]
    return broken


class DemoTransport(httpx.AsyncBaseTransport):
    """Answers ``/v1/chat/completions`` and ``/v1/models`` in process, like an OpenAI server would."""

    def __init__(self, conn: Connection) -> None:
        self.latency = float(getattr(conn, "latency", 0.05))
        self.seed = int(getattr(conn, "seed", 0))
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        path = request.url.path
        if request.method == "GET" and path.endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 1767225600, "owned_by": "nbconnect-demo"}
                for m in DEMO_MODELS
            ]
            return httpx.Response(200, json={"object": "list", "data": data})
        if request.method != "POST" or not path.endswith("/chat/completions"):
            return _error(404, f"no route {request.method} {path} on the demo server", "not_found_error")
        body = json.loads(await request.aread())
        model = body.get("model", "")
        if model not in DEMO_MODELS:
            return _error(
                404,
                f"The model '{model}' does not exist; demo models: {', '.join(DEMO_MODELS)}",
                "invalid_request_error",
                code="model_not_found",
            )
        fmt = (body.get("response_format") or {}).get("type")
        if fmt == "json_schema" and model not in _NATIVE:
            return _error(
                400,
                f"Invalid parameter: 'response_format' of type 'json_schema' is not supported with {model}.",
                "invalid_request_error",
                param="response_format",
            )
        user = next((m["content"] for m in reversed(body["messages"]) if m.get("role") == "user"), "")
        factor, _, break_rate, truncate_rate = DEMO_MODELS[model]
        jitter = 0.5 + _unit(self.seed, model, user, "latency")
        await asyncio.sleep(self.latency * factor * jitter)
        mind = _Mind(model, user, self.seed)
        schema = _find_schema(body)
        value = mind.value(schema, schema)
        if _unit(self.seed, model, user, "break") < break_rate:
            value = _break(value, mind)
        text = json.dumps(value)
        finish = "stop"
        if _unit(self.seed, model, user, "truncate") < truncate_rate:
            text, finish = text[: max(1, len(text) // 2)], "length"
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body["messages"])
        usage = _usage(model, max(1, prompt_chars // 4), max(1, len(text) // 4))
        answer = {
            "id": f"chatcmpl-demo{self.calls}",
            "object": "chat.completion",
            "created": 1767225600,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                }
            ],
            "usage": usage,
        }
        return httpx.Response(200, json=answer, headers={"x-request-id": f"req_demo_{self.calls}"})


_THINKS = {"demo-careful"}  # "careful" thinks before answering: as many reasoning tokens as answer ones


def _usage(model: str, prompt: int, answer: int) -> dict[str, object]:
    """OpenAI-format usage: half of every prompt is read from the (pretend) prompt cache, and
    reasoning tokens are part of completion_tokens, so the demo's bills show both prices."""
    reasoning = answer if model in _THINKS else 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": answer + reasoning,
        "total_tokens": prompt + answer + reasoning,
        "prompt_tokens_details": {"cached_tokens": prompt // 2},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


class DemoAdapter(OpenAIChatAdapter):
    """The OpenAI chat wire, sent to the in-process :class:`DemoTransport` instead of a socket."""

    def base_url(self) -> str:
        return DEMO_BASE

    def headers(self) -> dict[str, str]:
        return {}  # no key

    def transport(self) -> httpx.AsyncBaseTransport | None:
        return DemoTransport(self.conn)


def _error(status: int, message: str, kind: str, **extra: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"message": message, "type": kind, "param": None, "code": None, **extra}}
    )

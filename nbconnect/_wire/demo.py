"""The Demo provider: an in-process httpx transport that speaks the OpenAI wire format.

No socket and no key: answers are derived from the input text by a small word list, so the
demo notebooks run offline and a comparison shows real differences. Three models behave visibly
differently:

- ``demo-careful``: slower, pricier, reads the text, always follows the schema (native JSON schema);
- ``demo-fast``: quick and cheap, guesses more, has no native JSON schema (falls back to JSON mode)
  and breaks the schema now and then;
- ``demo-echo``: free and quickest, mostly guesses, sometimes runs out of tokens.

Everything is deterministic for a given text, model and ``Demo(seed=...)``. Experiments show
believable differences, still deterministic: a system prompt that asks for care
("carefully", "step by step") closes part of a model's gap to perfect, each system prompt shifts
skill a little its own way, a temperature above 1 costs some, and ``reasoning_effort`` helps the
model that reasons (``demo-careful``, which then thinks longer). Repeats (a request ``seed``)
re-draw some of the answer's choices per seed, more at higher temperature, none at temperature 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from .._catalog.tokens import estimate_tokens
from .._schema.values import ValueWalk
from ..data import ASPECTS
from .adapter import Call, Prepared
from .batch.openai import OpenAIBatch
from .demo_batch import DemoBatches
from .demo_judge import grade
from .demo_media import Seen, read_content
from .demo_spans import find_spans, is_span_items
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
# The aspects the demo models notice: the demo dataset's vocabulary, then words reviews use for
# the same things (a model that says "shipping" where the labels say "delivery" is realistic).
_ASPECTS = (*ASPECTS, "shipping", "taste", "packaging", "support", "fit", "material", "performance", "setup")
_WORD = re.compile(r"[a-z']+")


def _unit(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class _Mind(ValueWalk):
    """How one demo model 'reads' one text: the shared schema walk, with leaves chosen by the
    review's tone (enums, ratings, booleans) and its words (aspects), right with the model's skill."""

    def __init__(
        self,
        model: str,
        text: str,
        seed: int,
        schema: Any,
        seen: Seen | None = None,
        *,
        skill: float | None = None,
        draw: tuple[Any, float] | None = None,
    ) -> None:
        super().__init__(schema)
        self.model, self.text, self.seed = model, text, seed
        self.key = seen.key if seen is not None else text  # media prompts differ by their bytes too
        self.eyes = seen.words if seen is not None else {}  # what an image showed: colour, shape, digit
        self.words = _WORD.findall(text.lower())
        self.skill = DEMO_MODELS.get(model, DEMO_MODELS["demo-careful"])[1] if skill is None else skill
        self.draw = draw  # (request seed, share of choices re-drawn per seed), for repeats
        score = sum(w in _POSITIVE for w in self.words) - sum(w in _NEGATIVE for w in self.words)
        self.sentiment = score if self.reads("sentiment") else int(self.unit("s") * 3) - 1

    def unit(self, what: str) -> float:
        """The deterministic number behind one choice; a sampled request re-draws some of them."""
        if (
            self.draw is not None
            and _unit(self.seed, self.model, self.key, what, self.draw[0], "redraw") < self.draw[1]
        ):
            return _unit(self.seed, self.model, self.key, what, self.draw[0])
        return _unit(self.seed, self.model, self.key, what)

    def reads(self, what: str) -> bool:
        return self.unit(what) < self.skill

    def pick(self, options: list[Any], what: str) -> Any:
        return options[int(self.unit(what) * len(options))]

    def saw(self, name: str) -> str | None:
        """What the image showed for a field called ``name`` (colour, shape, digit), if it looked."""
        low = name.lower().replace("color", "colour")
        hit = next((v for k, v in self.eyes.items() if k in low), None)
        return hit if hit is not None and self.reads(name) else None

    def stated(self, name: str) -> float | None:
        """A number the text gives after the field's name ("Total: 31.00"), if the model reads it."""
        match = re.search(rf"{re.escape(name.lower())}\W{{0,3}}(-?\d+(?:\.\d+)?)", self.text.lower())
        return float(match.group(1)) if match and self.reads(name) else None

    # -- the walk's hooks ----------------------------------------------------------------------
    def anything(self, name: str) -> Any:
        return self.string({}, name)

    def choose(self, options: list, depth: int) -> Any:
        return next((o for o in options if not (isinstance(o, dict) and o.get("type") == "null")), options[0])

    def choose_type(self, kinds: list, depth: int) -> str | None:
        return next((k for k in kinds if k != "null"), "null")

    def object(self, s: Mapping, depth: int, name: str) -> dict:
        props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        return {key: self.value(sub, depth + 1, key) for key, sub in props.items()}

    def boolean(self, name: str) -> bool:
        if self.reads(name):
            return self.sentiment > 0
        return self.unit(name) < 0.5

    def enum(self, options: list[Any], name: str) -> Any:
        lowered = [str(o).lower() for o in options]
        eyes = set(self.eyes.values())
        for option, low in zip(options, lowered):
            if low in eyes and self.reads(name):  # an image prompt: the option it saw
                return option
        if self.reads(name):
            mood = "pos" if self.sentiment > 0 else "neg" if self.sentiment < 0 else "neu"
            for option, low in zip(options, lowered):
                if low.startswith(mood) or (mood == "neu" and low in ("mixed", "none", "other")):
                    return option
            for option, low in zip(options, lowered):
                if low in self.words:
                    return option
        return self.pick(options, name)

    def number(self, s: Mapping, integer: bool, name: str) -> float | int:
        low = s.get("minimum", 1 if integer else 0)
        high = s.get("maximum", 5 if integer else 1)
        known = self.saw(name) if "digit" in self.eyes and "digit" in name.lower() else None
        found = float(known) if known is not None else self.stated(name)
        if found is not None:
            return round(found) if integer else found
        if any(k in name.lower() for k in ("rating", "stars", "score")) and self.reads(name):
            fraction = {1: 0.95, 0: 0.5, -1: 0.1}[max(-1, min(1, self.sentiment))]
        else:
            fraction = 0.55 + 0.44 * self.unit(name)
        value = low + (high - low) * fraction
        return round(value) if integer else round(value, 2)

    def array(self, s: Mapping, depth: int, name: str) -> list[Any]:
        items = s.get("items") if isinstance(s.get("items"), dict) else {}
        if is_span_items(items):  # named entities: read from the text after "Text:" when there is one
            return find_spans(self, items, self.text.rsplit("Text:", 1)[-1])
        if items.get("type") == "string" and "enum" not in items:
            found = [a for a in _ASPECTS if a in self.words]
            if not found or not self.reads(name):
                # the longest words, ties in text order (a set's order changes with PYTHONHASHSEED)
                found = sorted(dict.fromkeys(self.words), key=len, reverse=True)[:2]
            return found[:3]
        return [self.value(items, depth + 1, name)]

    def string(self, s: Mapping, name: str) -> str:
        fmt = s.get("format")
        if fmt == "date":
            return "2026-01-15"
        if fmt == "date-time":
            return "2026-01-15T12:00:00Z"
        if "language" in name.lower():
            return "en"
        seen = self.saw(name)
        if seen is not None:
            return seen
        if self.eyes and not self.text.strip():
            return f"a {self.eyes.get('colour', '')} {self.eyes.get('shape', 'picture')}"
        return " ".join(self.text.split()[:8])


_FREE_FORM = {"type": "object", "properties": {"answer": {"type": "string"}}}


def _find_schema(body: dict[str, Any]) -> Any:
    """The schema the request asks for: ``response_format``'s ``json_schema.schema``, or the
    ``schema`` of a JSON-mode request; a free-form answer when it names none."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return _FREE_FORM
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema") or _FREE_FORM
    return fmt.get("schema") or _FREE_FORM


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
        self.batches = DemoBatches(self)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        path = request.url.path
        if request.method == "GET" and path.endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 1767225600, "owned_by": "nbconnect-demo"}
                for m in DEMO_MODELS
            ]
            return httpx.Response(200, json={"object": "list", "data": data})
        if self.batches.serves(path):
            return await self.batches.handle(request)
        if request.method != "POST" or not path.endswith("/chat/completions"):
            return _error(404, f"no route {request.method} {path} on the demo server", "not_found_error")
        return await self.complete(json.loads(await request.aread()))

    async def complete(self, body: Any, *, wait: bool = True) -> httpx.Response:
        """The chat-completions answer to ``body`` (``wait=False``: without the pretend latency, as
        the lines of a batch are answered)."""
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
        content = next((m["content"] for m in reversed(body["messages"]) if m.get("role") == "user"), "")
        seen = read_content(content)
        user = seen.key
        factor, _, break_rate, truncate_rate = DEMO_MODELS[model]
        jitter = 0.5 + _unit(self.seed, model, user, "latency")
        if wait:
            await asyncio.sleep(self.latency * factor * jitter)
        schema = _find_schema(body)
        mind = _Mind(model, seen.text, self.seed, schema, seen, skill=_skill(model, body), draw=_draw(body))
        verdict = grade(mind, seen.text, schema)  # a judge's grading prompt gets a judge's answer
        value = verdict if verdict is not None else mind.value(mind.root)
        if mind.unit("break") < break_rate:
            value = _break(value, mind)
        text = json.dumps(value)
        finish = "stop"
        if _unit(self.seed, model, user, "truncate") < truncate_rate:
            text, finish = text[: max(1, len(text) // 2)], "length"
        prompt = "".join(read_content(m.get("content", "")).text for m in body["messages"])
        tokens_in = estimate_tokens(prompt) + seen.media_tokens
        usage = _usage(model, tokens_in, estimate_tokens(text), body.get("reasoning_effort"))
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
_EFFORT = {"low": 0.2, "medium": 0.4, "high": 0.6}  # share of the gap to perfect that thinking closes
_THINK_LONGER = {None: 1, "low": 1, "medium": 2, "high": 4}  # reasoning tokens per answer token
_CUES = ("carefully", "step by step", "think")  # wording that asks for care
_INSTRUCTION = "Answer with a single JSON object"  # what JSON mode adds to the system prompt


def _skill(model: str, body: dict[str, Any]) -> float:
    """How often this request's model reads the text right: the model's own rate, moved a little
    by what the request says (see the module docstring). A plain request keeps the model's rate."""
    skill = DEMO_MODELS[model][1]
    system = "".join(str(m.get("content", "")) for m in body["messages"] if m.get("role") == "system")
    system = system.split(_INSTRUCTION, 1)[0].strip()
    if any(cue in system.lower() for cue in _CUES):  # the system prompt's, not the review's words
        skill += (1 - skill) * 0.35
    if system:  # each wording helps or hurts a little, its own way
        skill += 0.06 * (_unit(model, system, "tone") - 0.5)
    temperature = body.get("temperature")
    if isinstance(temperature, (int, float)) and temperature > 1:
        skill -= 0.08 * (temperature - 1)
    effort = body.get("reasoning_effort")
    if model in _THINKS and effort in _EFFORT:
        skill += (1 - skill) * _EFFORT[effort]
    return min(0.995, max(0.05, skill))


def _draw(body: dict[str, Any]) -> tuple[Any, float] | None:
    """A sampled request (one with a ``seed``) re-draws about 30% of its choices at temperature 1
    (OpenAI's default when none is sent), none at temperature 0."""
    seed = body.get("seed")
    if seed is None:
        return None
    temperature = body.get("temperature")
    t = 1.0 if not isinstance(temperature, (int, float)) else float(temperature)
    return (seed, min(0.6, 0.3 * t))


def _usage(model: str, prompt: int, answer: int, effort: str | None = None) -> dict[str, object]:
    """OpenAI-format usage: half of every prompt is read from the (pretend) prompt cache, and
    reasoning tokens are part of completion_tokens, so the demo's bills show both prices."""
    reasoning = answer * _THINK_LONGER.get(effort, 1) if model in _THINKS else 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": answer + reasoning,
        "total_tokens": prompt + answer + reasoning,
        "prompt_tokens_details": {"cached_tokens": prompt // 2},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


class DemoAdapter(OpenAIChatAdapter):
    """The OpenAI chat wire, sent to the in-process :class:`DemoTransport` instead of a socket."""

    batch_class = OpenAIBatch  # the transport also answers OpenAI's files + batches, in process

    def base_url(self) -> str:
        return DEMO_BASE

    def headers(self) -> dict[str, str]:
        return {}  # no key

    def transport(self) -> httpx.AsyncBaseTransport | None:
        return DemoTransport(self.conn)

    def prepare(self, call: Call, mode: str) -> Prepared:
        prepared = super().prepare(call, mode)
        if mode == "json_object":  # the Demo reads the schema here, never back out of the prompt
            prepared.body["response_format"]["schema"] = call.schema.json
        return prepared


def _error(status: int, message: str, kind: str, **extra: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"message": message, "type": kind, "param": None, "code": None, **extra}}
    )

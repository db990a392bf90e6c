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
A request's ``max_completion_tokens`` (or ``max_tokens``) limits the output, thinking included, as
OpenAI's does: an answer that does not fit stops short with ``finish_reason`` "length".
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import httpx

from .._catalog.tokens import CHARS_PER_TOKEN, estimate_tokens
from .adapter import Call, Prepared
from .batch.openai import OpenAIBatch
from .demo_batch import DemoBatches
from .demo_judge import grade
from .demo_media import read_content
from .demo_mind import DEMO_MODELS, Mind, break_answer, unit
from .openai import OpenAIChatAdapter

if TYPE_CHECKING:
    from .._connections.base import Connection

__all__ = ["DEMO_MODELS", "DemoAdapter", "DemoTransport"]

DEMO_BASE = "https://demo.nbconnect.invalid/v1"  # never resolved: the transport answers in process

_NATIVE = {"demo-careful", "demo-echo"}

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
        jitter = 0.5 + unit(self.seed, model, user, "latency")
        if wait:
            await asyncio.sleep(self.latency * factor * jitter)
        schema = _find_schema(body)
        mind = Mind(model, seen.text, self.seed, schema, seen, skill=_skill(model, body), draw=_draw(body))
        verdict = grade(mind, seen.text, schema)  # a judge's grading prompt gets a judge's answer
        value = verdict if verdict is not None else mind.value(mind.root)
        if mind.unit("break") < break_rate:
            value = break_answer(value, mind)
        text = json.dumps(value)
        finish = "stop"
        if unit(self.seed, model, user, "truncate") < truncate_rate:
            text, finish = text[: max(1, len(text) // 2)], "length"
        prompt = "".join(read_content(m.get("content", "")).text for m in body["messages"])
        tokens_in = estimate_tokens(prompt) + seen.media_tokens
        reasoning = _reasoning(model, estimate_tokens(text), body.get("reasoning_effort"))
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        if isinstance(limit, int) and estimate_tokens(text) + reasoning > limit:
            text, reasoning, finish = _cut(text, reasoning, limit)
        usage = _usage(tokens_in, estimate_tokens(text), reasoning)
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
        skill += 0.06 * (unit(model, system, "tone") - 0.5)
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


def _reasoning(model: str, answer: int, effort: str | None) -> int:
    """The tokens a demo model thinks before an answer of ``answer`` tokens."""
    return answer * _THINK_LONGER.get(effort, 1) if model in _THINKS else 0


def _cut(text: str, reasoning: int, limit: int) -> tuple[str, int, str]:
    """Text, reasoning tokens and finish reason of an answer cut at ``limit`` output tokens, as
    ``max_completion_tokens`` cuts one: the thinking comes first, and what is left of the limit
    (at least one token) goes to the answer, which then stops short (``finish_reason`` "length")."""
    reasoning = max(0, min(reasoning, limit - 1))
    room = max(1, limit - reasoning)
    return text[: room * CHARS_PER_TOKEN], reasoning, "length"


def _usage(prompt: int, answer: int, reasoning: int) -> dict[str, object]:
    """OpenAI-format usage: half of every prompt is read from the (pretend) prompt cache, and
    reasoning tokens are part of completion_tokens, so the demo's bills show both prices."""
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

"""What each official SDK reads from a response body: text, finish reason and token counts.

The independent side of the response-parity and cost tests. Token counts are put in
nbconnect's terms from the SDK's own fields, following the providers' documented accounting:
``input`` is the whole prompt (Anthropic's ``input_tokens`` excludes cache reads and writes, so
they are added), ``cached`` / ``cache_write`` are parts of it, ``output`` includes the reasoning
(Gemini's ``candidatesTokenCount`` excludes ``thoughtsTokenCount``, so it is added).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Parsed", "anthropic_sdk", "google_sdk", "nbconnect_parse", "openai_sdk"]


@dataclass(frozen=True)
class Parsed:
    text: str
    finish: str | None
    input: int | None
    cached: int | None
    cache_write: int | None
    output: int | None
    reasoning: int | None


def openai_sdk(body: dict[str, Any]) -> Parsed:
    from openai.types.chat import ChatCompletion

    done = ChatCompletion.model_validate(body)
    choice = done.choices[0]
    usage = done.usage
    prompt = usage.prompt_tokens_details if usage else None
    completion = usage.completion_tokens_details if usage else None
    return Parsed(
        text=choice.message.content or "",
        finish=choice.finish_reason,
        input=usage.prompt_tokens if usage else None,
        cached=prompt.cached_tokens if prompt else None,
        cache_write=None,
        output=usage.completion_tokens if usage else None,
        reasoning=completion.reasoning_tokens if completion else None,
    )


def anthropic_sdk(body: dict[str, Any]) -> Parsed:
    from anthropic.types import Message

    msg = Message.model_validate(body)
    usage = msg.usage
    read, write = usage.cache_read_input_tokens, usage.cache_creation_input_tokens
    details = usage.output_tokens_details
    return Parsed(
        text="".join(block.text for block in msg.content if block.type == "text"),
        finish=msg.stop_reason,
        input=usage.input_tokens + (read or 0) + (write or 0),
        cached=read,
        cache_write=write,
        output=usage.output_tokens,
        reasoning=details.thinking_tokens if details else None,
    )


def google_sdk(body: dict[str, Any]) -> Parsed:
    from google.genai import types

    resp = types.GenerateContentResponse.model_validate(body)
    meta = resp.usage_metadata
    if resp.candidates:
        finish = resp.candidates[0].finish_reason
    else:  # a blocked prompt has no candidate: the block reason is the finish
        finish = resp.prompt_feedback.block_reason if resp.prompt_feedback else None
    answer = meta.candidates_token_count if meta else None
    thoughts = meta.thoughts_token_count if meta else None
    both = None if answer is None and thoughts is None else (answer or 0) + (thoughts or 0)
    parts = resp.candidates[0].content.parts if resp.candidates and resp.candidates[0].content else None
    return Parsed(
        # resp.text joins the text parts that are not thoughts (it warns about other parts)
        text="".join(p.text for p in parts or [] if p.text is not None and not p.thought),
        finish=None if finish is None else finish.value,
        input=meta.prompt_token_count if meta else None,
        cached=meta.cached_content_token_count if meta else None,
        cache_write=None,
        output=both,
        reasoning=thoughts,
    )


def nbconnect_parse(adapter: Any, call: Any, mode: str, body: dict[str, Any]) -> Parsed:
    import httpx

    reply = adapter.parse(call, mode, body, httpx.Headers())
    return Parsed(
        text=reply.raw,
        finish=reply.finish_reason,
        input=reply.input_tokens,
        cached=reply.cached_tokens,
        cache_write=reply.cache_write_tokens,
        output=reply.output_tokens,
        reasoning=reply.reasoning_tokens,
    )

"""Wording the three wire families share, so a truncation, a rejected key or a rate limit reads the same
whichever provider said it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._schema.schema import Schema

__all__ = ["about_schema", "cut_off", "key_not_accepted", "rate_limited", "refused", "schema_instruction"]

# Every family's schema complaint names one of these; each family adds the names of its own parts.
_SCHEMA_WORDS = ("schema", "structured output")


def cut_off(reason: str, note: str = "") -> str:
    """The error of an answer stopped by the token limit; ``reason`` is the provider's own word for it."""
    return f"the answer was cut off at the token limit ({reason}); raise max_tokens{note}"


def refused(refusal: str) -> str:
    return f"the model refused: {refusal}"


def key_not_accepted(subject: str, message: str, fix: str) -> str:
    """``subject`` names the credential by its hint (``the key (sk-…abcd)``), never by its value."""
    return f"{subject} was not accepted: {message.rstrip('. ')}. Fix: {fix}"


def rate_limited(message: str) -> str:
    return f"rate limited: {message}; lower concurrency= for this connection or wait"


def about_schema(text: str, *words: str) -> bool:
    """Whether an error message is about the structured-output part of the request (so the next
    enforcement mode may work): it names a schema, or one of the family's ``words``."""
    low = text.lower()
    return any(w in low for w in (*_SCHEMA_WORDS, *words))


def schema_instruction(schema: Schema) -> str:
    """The schema as an instruction, for modes where the provider cannot enforce it."""
    return (
        "Answer with a single JSON object, and nothing else, that matches this JSON Schema:\n"
        + json.dumps(schema.json, ensure_ascii=False)
    )

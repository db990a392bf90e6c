"""The token estimate used where no tokenizer is at hand: about four characters per token.

One rule for the run estimate (:mod:`nbconnect._engine.plan`, when tiktoken does not know the
model), the offline Demo's usage and the fake provider's usage blocks, so that the three agree:
a dry run of the Demo predicts what the Demo then bills.
"""

from __future__ import annotations

__all__ = ["CHARS_PER_TOKEN", "estimate_tokens"]

CHARS_PER_TOKEN = 4
"""OpenAI's rule of thumb for English text."""


def estimate_tokens(text: str) -> int:
    """Tokens in ``text`` by the four-characters rule; at least 1."""
    return max(1, len(text) // CHARS_PER_TOKEN)

"""The token estimate used where no tokenizer is at hand: about four characters per token.

One rule for the run estimate (:mod:`nbconnect._engine.estimate`, when tiktoken does not know the
model), the offline Demo's usage and the fake provider's usage blocks, so that the three agree:
a dry run of the Demo predicts what the Demo then bills. Images and PDFs are counted by each
provider's published rule (:func:`image_tokens`, :func:`document_tokens`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["CHARS_PER_TOKEN", "IMAGE_RULES", "document_tokens", "estimate_tokens", "image_tokens"]

CHARS_PER_TOKEN = 4
"""OpenAI's rule of thumb for English text."""


def estimate_tokens(text: str) -> int:
    """Tokens in ``text`` by the four-characters rule; at least 1."""
    return max(1, len(text) // CHARS_PER_TOKEN)


# -- images and PDFs -------------------------------------------------------------------------------
# Each provider's published rule for what an image costs in prompt tokens. An image whose size is
# unknown (an https URL the provider fetches) is counted as 1024 x 1024 pixels.
UNKNOWN_SIDE = 1024


def _openai_tiles(width: int, height: int) -> int:
    """OpenAI, detail "high"/"auto" (https://platform.openai.com/docs/guides/images-vision,
    "Calculating costs"): fit in 2048 x 2048, scale the shortest side down to 768, then 85 tokens
    plus 170 per 512-pixel tile. (The mini models bill a multiple of this; an estimate only.)"""
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)


def _anthropic_area(width: int, height: int) -> int:
    """Anthropic (https://docs.anthropic.com/en/docs/build-with-claude/vision, "Evaluate image
    size"): tokens = width * height / 750, after the API shrinks the image to fit 1568 pixels on
    its long side and about 1.15 megapixels."""
    scale = min(1.0, 1568 / max(width, height), math.sqrt(1_150_000 / (width * height)))
    return max(1, math.ceil(width * scale * height * scale / 750))


def _gemini_tiles(width: int, height: int) -> int:
    """Gemini (https://ai.google.dev/gemini-api/docs/tokens, "Multimodal tokens"): 258 tokens
    for an image with both sides up to 384 pixels, else 258 per 768 x 768 tile."""
    if width <= 384 and height <= 384:
        return 258
    return 258 * math.ceil(width / 768) * math.ceil(height / 768)


IMAGE_RULES: dict[str, Callable[[int, int], int]] = {
    "openai_tiles": _openai_tiles,
    "anthropic_area": _anthropic_area,
    "gemini_tiles": _gemini_tiles,
}
# Tokens per PDF page: Gemini bills 258 per page (https://ai.google.dev/gemini-api/docs/document-processing);
# OpenAI and Anthropic send each page's text plus an image of it, 1,500 to 3,000 tokens a page
# (https://docs.anthropic.com/en/docs/build-with-claude/pdf-support): the low end is used.
PAGE_TOKENS = {"gemini_tiles": 258, "openai_tiles": 1500, "anthropic_area": 1500}


def image_tokens(rule: str, width: int | None, height: int | None) -> int:
    """Prompt tokens of one image by the named provider rule."""
    w, h = width or UNKNOWN_SIDE, height or UNKNOWN_SIDE
    return IMAGE_RULES.get(rule, _openai_tiles)(max(1, w), max(1, h))


def document_tokens(rule: str, pages: int | None) -> int:
    """Prompt tokens of one PDF by the named provider rule (one page when unknown)."""
    return PAGE_TOKENS.get(rule, 1500) * max(1, pages or 1)

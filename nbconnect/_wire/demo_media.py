"""How the Demo reads a user message that has images and PDFs (OpenAI content parts).

It decodes what it was sent, as a real model would: a PNG's pixels give the ink's colour, shape
and digit (``nbconnect.data._vision``), a PDF's text is read out of its content stream. URLs are
never fetched (the Demo is offline; the catalog says it takes none). Tokens for each image and
PDF follow the same rule as the run estimate, so a dry run predicts the Demo's bill.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .._catalog.tokens import document_tokens, image_tokens
from ..data._vision import look, pdf_text
from .media import image_size, pdf_pages

__all__ = ["Seen", "read_content"]

RULE = "openai_tiles"  # the Demo speaks the OpenAI wire; its catalog block names this rule


@dataclass
class Seen:
    """What the Demo took in from one user message."""

    text: str = ""  # the message's text, plus the text of its PDFs
    key: str = ""  # the text and a hash of each media payload: what answers are a function of
    words: dict[str, str] = field(default_factory=dict)  # from the (last) image: colour, shape, digit
    media_tokens: int = 0


def _payload(url: str) -> bytes | None:
    head, sep, data = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def read_content(content: Any) -> Seen:
    """Read a user message's ``content``: a string, or a list of text / image_url / file parts."""
    if not isinstance(content, list):
        text = str(content or "")
        return Seen(text, text)
    seen, texts, keys = Seen(), [], []
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            texts.append(str(part.get("text", "")))
            keys.append(texts[-1])
            continue
        if part.get("type") == "image_url":
            data = _payload(str((part.get("image_url") or {}).get("url", "")))
        elif part.get("type") == "file":
            data = _payload(str((part.get("file") or {}).get("file_data", "")))
        else:
            continue
        if data is None:
            continue
        keys.append(hashlib.sha256(data).hexdigest())
        if part["type"] == "file":
            texts.append(pdf_text(data))
            seen.media_tokens += document_tokens(RULE, pdf_pages(data))
        else:
            seen.words.update(look(data))
            seen.media_tokens += image_tokens(RULE, *(image_size(data) or (None, None)))
    seen.text, seen.key = "\n".join(texts), "\n".join(keys)
    return seen

"""Images and PDFs in the fake's requests, for all three wire formats.

:func:`payload` finds a part's media (OpenAI ``image_url`` / ``file``, Anthropic ``image`` /
``document`` blocks, Google ``inlineData`` / ``fileData``) and :func:`marker` names it by the hash
of its decoded bytes (or of its URL), so the fake answers a media prompt as a function of the
bytes, the same on every wire. :func:`problem` is the 400 a provider gives for a malformed part.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = ["marker", "payload", "problem"]

_ANTHROPIC_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def _b64(text: Any) -> bytes | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _data_url(url: Any) -> bytes | None:
    head, sep, data = str(url).partition(",")
    return _b64(data) if sep and head.startswith("data:") and head.endswith(";base64") else None


def payload(part: Mapping) -> tuple[str, bytes | str] | None:
    """("image" | "document", the decoded bytes or the URL) of a media part; None for text."""
    kind = part.get("type")
    if kind == "image_url":
        url = str((part.get("image_url") or {}).get("url", ""))
        return "image", _data_url(url) or url
    if kind == "file":
        return "document", _data_url((part.get("file") or {}).get("file_data")) or b""
    if kind in ("image", "document"):
        source = part.get("source") or {}
        if source.get("type") == "url":
            return str(kind), str(source.get("url", ""))
        return str(kind), _b64(source.get("data")) or b""
    inline = part.get("inlineData") or part.get("inline_data")
    if isinstance(inline, Mapping):
        kind = "document" if inline.get("mimeType", inline.get("mime_type")) == "application/pdf" else "image"
        return kind, _b64(inline.get("data")) or b""
    files = part.get("fileData") or part.get("file_data")
    if isinstance(files, Mapping):
        kind = "document" if files.get("mimeType", files.get("mime_type")) == "application/pdf" else "image"
        return kind, str(files.get("fileUri", files.get("file_uri", "")))
    return None


def marker(part: Mapping) -> str | None:
    """``[image sha256:…]`` for a media part (never its payload), None for anything else."""
    found = payload(part)
    if found is None:
        return None
    kind, data = found
    raw = data if isinstance(data, bytes) else data.encode()
    return f"[{kind} sha256:{hashlib.sha256(raw).hexdigest()[:16]}]"


def problem(part: Any) -> str | None:
    """What a provider would say about a malformed media part, or None when it is well formed."""
    if not isinstance(part, Mapping):
        return None
    kind = part.get("type")
    if kind == "image_url":
        url = str((part.get("image_url") or {}).get("url", ""))
        if not (url.startswith("https://") or (url.startswith("data:image/") and _data_url(url))):
            return "Invalid image_url: expected an https URL or a base64 data:image/... URL."
    elif kind == "file":
        file = part.get("file") or {}
        if not file.get("file_id") and not _data_url(file.get("file_data")):
            return "Invalid file: file_data must be a base64 data URL (data:application/pdf;base64,...)."
    elif kind in ("image", "document"):
        return _anthropic_problem(str(kind), part.get("source") or {})
    else:
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, Mapping) and (
            not inline.get("mimeType", inline.get("mime_type")) or _b64(inline.get("data")) is None
        ):
            return "Invalid value at 'contents.parts.inline_data': mimeType and base64 data are required."
    return None


def _anthropic_problem(kind: str, source: Mapping) -> str | None:
    if source.get("type") == "url":
        return (
            None if str(source.get("url", "")).startswith("https://") else f"{kind}.source.url: must be https"
        )
    allowed = _ANTHROPIC_IMAGES if kind == "image" else ("application/pdf",)
    if source.get("media_type") not in allowed:
        return f"{kind}.source.media_type: Input should be {', '.join(repr(a) for a in allowed)}"
    if _b64(source.get("data")) is None:
        return f"{kind}.source.data: The {kind} data is not valid base64"
    return None

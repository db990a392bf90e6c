"""Media cells as the Playground shows them: a label instead of the payload, a small thumbnail.

A thumbnail is a new, downscaled PNG (Pillow, when installed), never the bytes a provider is sent,
so the widget state holds no copy of the payload; without Pillow the preview shows the label only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
import os
from typing import Any

import pandas as pd

from .._wire.media import DOCUMENT, IMAGE, PDF, sniff_mime
from .media import _is_pil

__all__ = ["cell_text", "media_columns", "thumbnail"]

THUMB = 48  # pixels on the longest side


def _bytes_of(value: Any) -> bytes | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value:
        try:
            return base64.b64decode(value.partition(",")[2], validate=True)
        except ValueError:
            return None
    return None


def cell_text(value: Any, limit: int = 300) -> str | None:
    """A cell as preview text: bytes, data URLs and PIL images as ``<bytes sha256:…>``-style labels."""
    if value is None:
        return None
    if _is_pil(value):
        return f"<PIL image {value.size[0]}x{value.size[1]}>"
    data = _bytes_of(value)
    if data is not None:
        kind = "data URL" if isinstance(value, str) else "bytes"
        return f"<{kind} sha256:{hashlib.sha256(data).hexdigest()[:12]}>"
    return str(value)[:limit]


def _kind(value: Any) -> str | None:
    if _is_pil(value):
        return IMAGE
    data = _bytes_of(value)
    if data is not None:
        mime = sniff_mime(data) or ""
    elif isinstance(value, (str, os.PathLike)):
        mime = mimetypes.guess_type(os.fspath(value).split("?", 1)[0])[0] or ""
    else:
        return None
    return DOCUMENT if mime == PDF else IMAGE if mime.startswith("image/") else None


def media_columns(df: pd.DataFrame) -> dict[str, str]:
    """Columns whose first value looks like an image or a PDF: column -> "image" / "document"."""
    out: dict[str, str] = {}
    for col in df.columns:
        values = df[col].dropna()
        kind = _kind(values.iloc[0]) if len(values) else None
        if kind is not None:
            out[str(col)] = kind
    return out


def thumbnail(value: Any, side: int = THUMB) -> str | None:
    """A small PNG data URL of an image cell (a local file, bytes, a data URL, a PIL image), or None."""
    if _kind(value) != IMAGE:
        return None
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        if _is_pil(value):
            image = value.copy()
        else:
            data = _bytes_of(value)
            if data is None and isinstance(value, (str, os.PathLike)) and "://" not in str(value):
                with open(os.fspath(value), "rb") as fh:
                    data = fh.read()
            if data is None:
                return None
            image = Image.open(io.BytesIO(data))
        image.thumbnail((side, side))
        buf = io.BytesIO()
        image.convert("RGBA").save(buf, format="PNG")
    except Exception:  # a preview is best effort: an unreadable cell shows its label only
        return None
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()

"""The parts of a prompt: text and media (images, PDF documents), in the order the template gives.

A :class:`Media` is made once per distinct content in a run (see ``_engine/media.py``): its bytes
are read once, hashed once and base64-encoded once, and every cell, retry and model that uses it
shares the same object. Only :attr:`Media.label` (the path, the URL or ``<bytes sha256:…>``) is ever
shown; the payload goes into request bodies and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "DOCUMENT",
    "IMAGE",
    "PDF",
    "Media",
    "Part",
    "Text",
    "image_size",
    "pdf_pages",
    "sniff_mime",
]

IMAGE = "image"
DOCUMENT = "document"
PDF = "application/pdf"


@dataclass(frozen=True)
class Text:
    """Literal prompt text between media parts."""

    text: str


@dataclass(frozen=True, eq=False)
class Media:
    """One image or PDF. ``data`` is ``None`` for an https URL the provider fetches itself."""

    kind: Literal["image", "document"]
    mime: str
    label: str  # what people see: path, URL, or "<bytes sha256:…>"
    sha256: str = ""  # of the bytes; for a URL, of the URL text
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    _b64: str = field(default="", repr=False)

    @classmethod
    def from_bytes(cls, kind: Literal["image", "document"], data: bytes, mime: str, label: str) -> Media:
        digest = hashlib.sha256(data).hexdigest()
        size = image_size(data) if kind == IMAGE else None
        pages = pdf_pages(data) if kind == DOCUMENT else None
        return cls(
            kind,
            mime,
            label,
            digest,
            data,
            None,
            *(size or (None, None)),
            pages,
            base64.b64encode(data).decode("ascii"),  # encoded here, once for the whole run
        )

    @classmethod
    def from_url(cls, kind: Literal["image", "document"], url: str, mime: str) -> Media:
        return cls(kind, mime, url, hashlib.sha256(url.encode()).hexdigest(), None, url)

    @property
    def b64(self) -> str:
        """The base64 payload ("" for a URL)."""
        return self._b64

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{self._b64}"

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0

    @property
    def ref(self) -> str:
        """What stands for the payload in cache keys: the content hash, never the bytes."""
        return f"sha256:{self.sha256}"

    @property
    def filename(self) -> str:
        """A file name for OpenAI's ``file`` part: the label's last path piece, or the hash."""
        tail = re.split(r"[\\/]", self.label)[-1]
        return tail if tail and not tail.startswith("<") else f"{self.sha256[:16]}.pdf"

    def __repr__(self) -> str:
        return f"Media({self.kind}, {self.mime}, {self.label!r})"


Part = Text | Media


# -- reading headers -------------------------------------------------------------------------------
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, PDF),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"ftypheic", 4, "image/heic"),
    (b"ftypheix", 4, "image/heic"),
    (b"ftypmif1", 4, "image/heif"),
)


def sniff_mime(data: bytes) -> str | None:
    """The type the bytes say they are (their magic number), or ``None``."""
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, JPEG or WebP header, without decoding; ``None`` if unknown."""
    try:
        mime = sniff_mime(data)
        if mime == "image/png":
            return struct.unpack(">II", data[16:24])
        if mime == "image/gif":
            return struct.unpack("<HH", data[6:10])
        if mime == "image/jpeg":
            return _jpeg_size(data)
        if mime == "image/webp":
            return _webp_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF by counting its page objects (at least 1): enough for a token estimate."""
    return max(1, len(_PAGE.findall(data)))

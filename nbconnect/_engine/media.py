"""Media cells of a run: read, checked and encoded once, before any request.

A :class:`MediaStore` turns each cell of an ``{image:col}`` / ``{document:col}`` column (a path,
an https URL, bytes, a data URL or a PIL image) into a :class:`~nbconnect._wire.media.Media`.
Files are read once per run and the same content (by SHA-256) is encoded once, whatever the number
of rows, models and retries that send it. :func:`check_models` then refuses, before anything is
sent, what a model or its provider cannot take: a text-only model, a type, a size, a URL.
Messages name the row and the column, never the bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
import mimetypes
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._catalog.catalog import MediaLimits, ModelInfo, catalog
from .._catalog.tokens import document_tokens, image_tokens
from .._errors import ConfigError
from .._wire.media import DOCUMENT, IMAGE, PDF, Media, sniff_mime

__all__ = ["MediaStore", "check_models", "media_tokens"]

_WORDS = {IMAGE: "an image", DOCUMENT: "a PDF document"}
_PLURAL = {IMAGE: "images", DOCUMENT: "PDF documents"}


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def _is_pil(value: Any) -> bool:
    # Duck-typed so Pillow stays optional: never imported unless the data already holds its images.
    return type(value).__module__.startswith("PIL.") and hasattr(value, "save") and hasattr(value, "size")


class MediaStore:
    """The run's media, keyed by where they came from and by content hash."""

    def __init__(self, resize: int | None = None) -> None:
        if resize is not None and (isinstance(resize, bool) or not isinstance(resize, int) or resize < 16):
            raise ConfigError(
                f"resize={resize!r} must be the longest side in pixels to shrink larger images to, "
                "e.g. resize=1568, or None to send images as they are"
            )
        self.resize = resize
        self._by_source: dict[tuple[str, str], Media] = {}
        self._by_hash: dict[tuple[str, str], Media] = {}
        self.where: dict[int, str] = {}  # id(media) -> the first "row R, column 'c'" that uses it

    def __len__(self) -> int:
        return len(self._by_hash)

    def get(self, value: Any, kind: str, where: str) -> Media:
        """The Media for one cell; ConfigError naming ``where`` when it cannot be used."""
        if _missing(value):
            raise ConfigError(
                f"{where} is empty, but the template puts {_WORDS[kind]} there; fill it, or drop those "
                "rows first (df.dropna(subset=[...]))"
            )
        source = self._source_key(value)
        media = self._by_source.get(source) if source is not None else None
        if media is None:
            media = self._make(value, kind, where)
            if source is not None:
                self._by_source[source] = media
        if media.kind != kind:
            raise ConfigError(f"{where}: {media.label} is {_WORDS[media.kind]}, not {_WORDS[kind]}")
        self.where.setdefault(id(media), where)
        return media

    @staticmethod
    def _source_key(value: Any) -> tuple[str, str] | None:
        if isinstance(value, (str, os.PathLike)) and not str(value).startswith("data:"):
            return ("source", os.fspath(value))
        return None  # bytes, data URLs and PIL images are keyed by their hash once read

    def _make(self, value: Any, kind: str, where: str) -> Media:
        if _is_pil(value):
            data, label = _pil_bytes(value), f"<PIL image {value.size[0]}x{value.size[1]}"
        elif isinstance(value, (bytes, bytearray, memoryview)):
            data, label = bytes(value), "<bytes"
        elif isinstance(value, str) and value.startswith("data:"):
            data, label = _data_url(value, where), "<data URL"
        elif isinstance(value, str) and "://" in value:
            return _url(value, kind, where)
        elif isinstance(value, (str, os.PathLike)):
            data, label = _read(value, where), os.fspath(value)
        else:
            raise ConfigError(
                f"{where} holds a {type(value).__name__}; {_WORDS[kind]} cell must be a file path, an "
                "https URL, bytes, a data: URL or a PIL image"
            )
        digest = hashlib.sha256(data).hexdigest()
        if label.startswith("<"):
            label = f"{label} sha256:{digest[:12]}>"
        return self._encoded(data, digest, kind, label, where)

    def _encoded(self, data: bytes, digest: str, kind: str, label: str, where: str) -> Media:
        """One Media per content: a second copy of the same bytes shares the first one's encoding."""
        known = self._by_hash.get((digest, kind))
        if known is not None:
            return replace(known, label=label)
        mime = sniff_mime(data)
        _check_type(mime, kind, label, where)
        if kind == IMAGE and self.resize is not None:
            data, mime = _shrink(data, mime or "", self.resize, where)
        media = Media.from_bytes(kind, data, mime or PDF, label)  # type: ignore[arg-type]
        self._by_hash[(digest, kind)] = media
        return media


def _check_type(mime: str | None, kind: str, label: str, where: str) -> None:
    if kind == DOCUMENT and mime != PDF:
        raise ConfigError(
            f"{where}: {label} is not a PDF ({mime or 'unknown type'}); {{document:...}} takes PDF files. "
            "Fix: convert it to PDF, or use {image:...} for a picture"
        )
    if kind == IMAGE and not (mime or "").startswith("image/"):
        raise ConfigError(
            f"{where}: {label} is not an image nbconnect recognises ({mime or 'unknown type'}); "
            "{image:...} takes PNG, JPEG, WEBP or GIF files (and HEIC for Google)"
            + (". Fix: use {document:...} for a PDF" if mime == PDF else "")
        )


def _read(path: Any, where: str) -> bytes:
    file = Path(os.fspath(path)).expanduser()
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: file not found: {os.fspath(path)!r} (relative paths start at {os.getcwd()}); "
            "fix the path"
        ) from None
    except (IsADirectoryError, PermissionError, OSError) as exc:
        raise ConfigError(
            f"{where}: cannot read {os.fspath(path)!r} ({type(exc).__name__}: {exc.strerror or exc}); "
            "give the path of a readable file"
        ) from None


def _data_url(value: str, where: str) -> bytes:
    head, sep, payload = value.partition(",")
    if not sep or not head.endswith(";base64"):
        raise ConfigError(
            f"{where} holds a data: URL that is not base64 (data:<type>;base64,...); encode it with base64"
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where} holds a data: URL whose base64 does not decode; re-encode it") from None


def _url(value: str, kind: str, where: str) -> Media:
    scheme = value.split("://", 1)[0].lower()
    if scheme != "https":
        raise ConfigError(
            f"{where}: {value!r} is a {scheme}:// URL; providers fetch only https:// URLs. Fix: use its "
            "https address, or download the file and give its path"
        )
    guessed = mimetypes.guess_type(value.split("?", 1)[0])[0]
    mime = PDF if kind == DOCUMENT else guessed if (guessed or "").startswith("image/") else "image/jpeg"
    return Media.from_url(kind, value, mime)  # type: ignore[arg-type]


def _pil_bytes(image: Any) -> bytes:
    buf = io.BytesIO()
    fmt = image.format if image.format in ("PNG", "JPEG", "WEBP", "GIF") else "PNG"
    image.save(buf, format=fmt)
    return buf.getvalue()


def _shrink(data: bytes, mime: str, side: int, where: str) -> tuple[bytes, str]:
    """``data`` scaled down to fit ``side`` pixels on its longest side (the resize= opt-in)."""
    try:
        from PIL import Image
    except ImportError:
        raise ConfigError("resize= needs Pillow to scale images: pip install pillow") from None
    with Image.open(io.BytesIO(data)) as image:
        if max(image.size) <= side:
            return data, mime
        image.thumbnail((side, side))
        buf = io.BytesIO()
        fmt = "JPEG" if mime == "image/jpeg" else "PNG"
        image.save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue(), f"image/{fmt.lower()}"


# -- what each model can take --------------------------------------------------------------------
def check_models(models: list[Any], store: MediaStore, prompts: dict[int, tuple[Any, ...]]) -> None:
    """Refuse, before any request, media a model or its provider cannot take; ``prompts`` maps
    each row id to its prompt's parts."""
    seen: dict[int, Media] = {id(m): m for parts in prompts.values() for m in parts if isinstance(m, Media)}
    heaviest = max(prompts.items(), key=lambda item: _encoded_size(item[1]), default=(0, ()))
    for ref in models:
        info = catalog.get(ref.conn.provider, ref.model)
        limits = info.limits if info is not None else catalog.limits(ref.conn.provider)
        for m in seen.values():
            _check_one(ref.ref, info, limits, m, store.where.get(id(m), "a row"))
        cap, size = limits.max_request_bytes, _encoded_size(heaviest[1])
        if cap is not None and size > cap:
            raise ConfigError(
                f"row {heaviest[0]}: its images and PDFs come to {_mb(size)} once base64-encoded; {ref.ref!r} "
                f"takes requests up to {_mb(cap)}. Fix: fewer or smaller files per prompt (resize= shrinks images)"
            )


def _encoded_size(parts: tuple[Any, ...]) -> int:
    """Bytes the media of one prompt take in a request body (base64: 4 characters per 3 bytes)."""
    return sum(4 * math.ceil(m.size / 3) for m in parts if isinstance(m, Media))


def _check_one(ref: str, info: ModelInfo | None, limits: MediaLimits, m: Media, where: str) -> None:
    # A model the catalog does not list (a custom server, a deployment name) is given the benefit
    # of the doubt: only the provider's limits apply.
    if info is not None and m.kind not in info.media:
        takes = [x.id for x in catalog.models(info.provider) if m.kind in x.media][:4]
        raise ConfigError(
            f"model {ref!r} does not take {_PLURAL[m.kind]} ({where}: {m.label}). Fix: choose a model that "
            f"does ({', '.join(takes) or 'none on this provider'}), or, if it does, say so with "
            f"nbc.catalog.add({info.provider!r}, {info.id!r}, media=[{m.kind!r}])"
        )
    if m.kind == IMAGE and m.mime not in limits.image_types:  # for a URL: the type its name says
        kinds = ", ".join(t.removeprefix("image/").upper() for t in limits.image_types)
        raise ConfigError(
            f"{where}: {m.label} is {m.mime}, which {ref!r} does not take ({kinds}). Fix: convert it"
        )
    if m.url is not None:
        if not (limits.image_urls if m.kind == IMAGE else limits.document_urls):
            raise ConfigError(
                f"{where}: {ref!r} cannot fetch {_WORDS[m.kind]} from a URL ({m.label}). Fix: download the "
                "file and give its path"
            )
        return  # its size is the provider's to check: nothing is downloaded here
    cap = limits.max_image_bytes if m.kind == IMAGE else limits.max_document_bytes
    if cap is not None and m.size > cap:
        fix = "pass resize=1568 (needs Pillow) or make it smaller" if m.kind == IMAGE else "split it"
        raise ConfigError(f"{where}: {m.label} is {_mb(m.size)}; {ref!r} takes up to {_mb(cap)}. Fix: {fix}")
    px = limits.max_image_pixels
    if m.kind == IMAGE and px and max(m.width or 0, m.height or 0) > px:
        raise ConfigError(
            f"{where}: {m.label} is {m.width}x{m.height} pixels; {ref!r} takes up to {px}x{px}. "
            f"Fix: pass resize={px} (needs Pillow)"
        )


def media_tokens(parts: tuple[Any, ...], provider: str) -> int:
    """Prompt tokens of a cell's images and PDFs by the provider's published rule."""
    rule = catalog.limits(provider).tokens
    total = 0
    for m in parts:
        if isinstance(m, Media):
            total += (
                image_tokens(rule, m.width, m.height) if m.kind == IMAGE else document_tokens(rule, m.pages)
            )
    return total

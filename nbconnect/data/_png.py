"""A tiny PNG codec (zlib is in the standard library): 8-bit RGB(A) only, no interlacing.

Enough to write the shipped images and for the offline Demo to "look at" them; anything else
(palette, 16-bit, interlaced) is reported as unreadable rather than guessed at.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["Pixels", "decode_png", "encode_png"]

Pixels = list[list[tuple[int, int, int]]]  # rows of (r, g, b)
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: Pixels) -> bytes:
    """An RGB PNG of ``pixels`` (every row the same length)."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )


def decode_png(data: bytes) -> Pixels | None:
    """The pixels of an 8-bit RGB or RGBA PNG, or ``None`` for anything this codec cannot read."""
    if not data.startswith(_SIGNATURE):
        return None
    pos, idat, header = 8, b"", None
    try:
        while pos + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[pos : pos + 8])
            body = data[pos + 8 : pos + 8 + length]
            pos += 12 + length
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
            elif kind == b"IEND":
                break
        if header is None or header[2] != 8 or header[3] not in (2, 6) or header[6] != 0:
            return None
        width, height, channels = header[0], header[1], 3 if header[3] == 2 else 4
        return _unfilter(zlib.decompress(idat), width, height, channels)
    except (struct.error, zlib.error, IndexError):
        return None


def _unfilter(raw: bytes, width: int, height: int, channels: int) -> Pixels:
    stride = width * channels
    prev = bytearray(stride)
    rows: Pixels = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[x * channels : x * channels + 3]) for x in range(width)])  # type: ignore[misc]
        prev = line
    return rows

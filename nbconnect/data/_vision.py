"""What the shipped images are made of (palette, shapes, a 5x7 digit font), and how the offline
Demo "sees" them: the ink's colour, how much of its bounding box it fills, and which digit its
5x7 grid matches. Used by the generator (``make_media.py``) and by the Demo (``_wire/demo.py``).
"""

from __future__ import annotations

import contextlib
import re
import zlib

from ._png import Pixels, decode_png

__all__ = ["COLOURS", "DIGITS", "SHAPES", "look", "pdf_text"]

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 160, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 200, 30),
    "purple": (140, 60, 180),
    "orange": (245, 130, 30),
}
SHAPES = ("circle", "square", "triangle")
_FONT = {  # 5 columns x 7 rows, "#" is ink
    "0": (" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"),
    "3": ("#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "),
    "4": ("   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "),
    "5": ("#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "),
    "6": ("  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "),
    "8": (" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "),
    "9": (" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "),
}
DIGITS: dict[str, tuple[str, ...]] = _FONT
_INK = 60  # how far from white a pixel must be to count as ink


def _ink(px: tuple[int, int, int]) -> bool:
    return sum(255 - c for c in px) > _INK


def look(png: bytes) -> dict[str, str]:
    """What an image shows: ``colour``, ``shape`` and ``digit`` words ({} when unreadable or blank)."""
    pixels = decode_png(png)
    if not pixels:
        return {}
    ink = [(x, y, px) for y, row in enumerate(pixels) for x, px in enumerate(row) if _ink(px)]
    if not ink:
        return {}
    xs, ys = [p[0] for p in ink], [p[1] for p in ink]
    box = (min(xs), min(ys), max(xs), max(ys))
    mean = tuple(sum(p[2][i] for p in ink) / len(ink) for i in range(3))
    colour = min(COLOURS, key=lambda n: sum((a - b) ** 2 for a, b in zip(COLOURS[n], mean)))
    fill = len(ink) / ((box[2] - box[0] + 1) * (box[3] - box[1] + 1))
    shape = "square" if fill > 0.9 else "circle" if fill > 0.66 else "triangle"
    return {"colour": colour, "shape": shape, "digit": _digit(pixels, box)}


def _digit(pixels: Pixels, box: tuple[int, int, int, int]) -> str:
    x0, y0, x1, y1 = box
    w, h = (x1 - x0 + 1) / 5, (y1 - y0 + 1) / 7
    grid = [
        "".join(
            "#" if _ink(pixels[int(y0 + (r + 0.5) * h)][int(x0 + (c + 0.5) * w)]) else " " for c in range(5)
        )
        for r in range(7)
    ]
    return min(DIGITS, key=lambda d: sum(a != b for ra, rb in zip(DIGITS[d], grid) for a, b in zip(ra, rb)))


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_SHOWN = re.compile(rb"\((.*?)(?<!\\)\)\s*Tj")


def pdf_text(pdf: bytes) -> str:
    """The text a simple PDF shows (its ``(...) Tj`` strings, Flate streams inflated)."""
    lines: list[str] = []
    for stream in _STREAM.findall(pdf):
        with contextlib.suppress(zlib.error):
            stream = zlib.decompress(stream)
        lines += [
            s.replace(rb"\(", b"(").replace(rb"\)", b")").decode("latin-1") for s in _SHOWN.findall(stream)
        ]
    return "\n".join(lines)

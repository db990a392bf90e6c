"""Where a key of a TOML file is written: ``tomllib`` reports no line numbers for keys, so an
error about a key's value finds the key's line by scanning the text.

Good enough for the files people write by hand: ``key = value`` under a ``[table]`` header,
dotted keys (``options.seed = 1``) and inline tables (``options = {seed = 1}``, reported on
their line). A key that cannot be found gives ``None`` and the message names the key alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["key_line", "value_line"]

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _key_pattern(name: str) -> str:
    return rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"


def _assigns(line: str, dotted: Sequence[str]) -> bool:
    keys = r"\s*\.\s*".join(_key_pattern(k) for k in dotted)
    return re.match(rf"^\s*{keys}\s*=", line) is not None


def key_line(text: str, path: Sequence[str | int]) -> int | None:
    """The 1-based line where the key ``path`` (``("options", "seed")``) is set or its table opens."""
    keys = [str(k) for k in path if not isinstance(k, int)]  # list positions: the list's own line
    if not keys:
        return None
    table: list[str] = []
    fallback = None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if table == keys:
                fallback = fallback or number
            continue
        depth = len(table)
        if table == keys[:depth] and len(keys) > depth and _assigns(line, keys[depth:]):
            return number
        # an inline table or a dotted prefix that holds the key: report the line that opens it
        for cut in range(len(keys) - 1, depth, -1):
            if table == keys[:depth] and _assigns(line, keys[depth:cut]) and "{" in line:
                fallback = fallback or number
    return fallback


def value_line(text: str, start: int | None, needle: str) -> int | None:
    """The first line from ``start`` on holding ``needle`` quoted (an item of a multi-line list)."""
    if start is None:
        return None
    lines = text.splitlines()
    for number in range(start, len(lines) + 1):
        line = lines[number - 1]
        if f'"{needle}"' in line or f"'{needle}'" in line:
            return number
        if number > start and (_HEADER.match(line) or re.match(r"^\s*[\w\"'.-]+\s*=", line)):
            break
    return start

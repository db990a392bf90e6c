"""Leaf values for the schema walk (:mod:`nbconnect._schema.values`): strings and numbers in bounds.

Pure functions of the schema node and a seeded ``random.Random``, so a walker stays deterministic.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .pattern import matching_string

__all__ = ["as_number", "formatted", "number_in", "string_in"]

_FORMATS = {  # formats we can write; the templates take a slug of a word from the text
    **dict.fromkeys(("date", "date-time", "time", "duration", "ipv4", "ipv6", "uuid"), ""),
    "email": "{}@example.com",
    "idn-email": "{}@example.com",
    "hostname": "{}.example.com",
    "idn-hostname": "{}.example.com",
    "uri": "https://example.com/{}",
    "url": "https://example.com/{}",
    "iri": "https://example.com/{}",
    "uri-reference": "/{}",
}


def as_number(value: Any, default: Any = None) -> Any:
    """``value`` as an int or float (numeric strings too), else ``default``; booleans are not numbers."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def string_in(
    s: Mapping, rng: random.Random, words: list[str], fallback: Callable[[], str], slug: Callable[[], str]
) -> str:
    """A string for ``s``: its ``format``, else its ``pattern``, else ``fallback()``; lengths kept."""
    value = formatted(s.get("format"), rng, slug)
    if value is None and isinstance(s.get("pattern"), str):
        value = matching_string(s["pattern"], rng)
    if value is None:
        value = fallback()
    lo, hi = int(as_number(s.get("minLength"), 0)), as_number(s.get("maxLength"))
    while len(value) < lo:
        value += " " + rng.choice(words)
    if hi is not None:
        value = value[: int(hi)]
    return value


def formatted(fmt: Any, r: random.Random, slug: Callable[[], str]) -> str | None:
    """A string in the JSON Schema ``format`` ``fmt``, or None for a format we do not write."""
    if fmt not in _FORMATS:
        return None
    if fmt in ("date", "date-time"):
        day = (_dt.date(2024, 1, 1) + _dt.timedelta(days=r.randrange(730))).isoformat()
        if fmt == "date":
            return day
        return f"{day}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
    if fmt == "time":
        return f"{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
    if fmt == "duration":
        return f"P{r.randint(1, 30)}DT{r.randint(0, 23)}H"
    if fmt == "ipv4":
        return f"192.0.2.{r.randint(1, 254)}"
    if fmt == "ipv6":
        return f"2001:db8::{r.randint(1, 0xFFFF):x}"
    if fmt == "uuid":
        return str(uuid.UUID(int=r.getrandbits(128), version=4))
    return _FORMATS[fmt].format(slug())


def _bounds(s: Mapping) -> tuple[float, float, bool, bool]:
    """(low, high, low exclusive, high exclusive), draft-4 and later styles, 100 wide if open."""
    lo, hi = as_number(s.get("minimum")), as_number(s.get("maximum"))
    xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
    lo_ex = hi_ex = False
    if isinstance(xlo, bool):  # draft-4 style
        lo_ex = xlo
    elif as_number(xlo) is not None and (lo is None or as_number(xlo) >= lo):
        lo, lo_ex = as_number(xlo), True
    if isinstance(xhi, bool):
        hi_ex = xhi
    elif as_number(xhi) is not None and (hi is None or as_number(xhi) <= hi):
        hi, hi_ex = as_number(xhi), True
    if lo is None and hi is None:
        lo, hi = 0, 100
    elif lo is None:
        lo = hi - 100
    elif hi is None:
        hi = lo + 100
    return lo, hi, lo_ex, hi_ex


def number_in(s: Mapping, integer: bool, rng: random.Random) -> int | float:
    """A number within ``s``'s bounds (exclusive ones too) and ``multipleOf``."""
    lo, hi, lo_ex, hi_ex = _bounds(s)
    step = as_number(s.get("multipleOf"))
    if step:
        first = math.ceil(lo / step) + (1 if lo_ex and float(lo / step).is_integer() else 0)
        last = math.floor(hi / step) - (1 if hi_ex and float(hi / step).is_integer() else 0)
        ks = list(range(first, max(first, last) + 1))[:200]
        rng.shuffle(ks)
        for k in ks:
            value = k * step
            value = round(value) if integer else round(value, 10)
            if isinstance(value, int) or (value / step) == int(value / step):
                return value
        return ks[0] * step
    if integer:
        first = math.floor(lo) + 1 if lo_ex or lo != math.floor(lo) else int(lo)
        last = math.ceil(hi) - 1 if hi_ex or hi != math.ceil(hi) else int(hi)
        return rng.randint(first, max(first, last))
    value = round(rng.uniform(lo, hi), 2)
    if value < lo or value > hi or (lo_ex and value == lo) or (hi_ex and value == hi):
        value = (lo + hi) / 2
    return value

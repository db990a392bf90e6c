"""Strings that match a regular expression, for a JSON Schema ``pattern`` (used by ``_fake_values``).

We walk the parse tree of the pattern (the ``re`` module's own parser) and emit one character per
node, choosing with the caller's ``rng`` so the result is deterministic. Patterns we cannot
follow (lookaround, backreferences...) give None and the caller falls back to plain words.
"""

from __future__ import annotations

import random
import re
from typing import Any

try:  # the regex parser lets us write strings that match a schema's `pattern`
    from re import _parser as _sre  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]

__all__ = ["matching_string"]


def matching_string(pattern: str, rng: random.Random) -> str | None:
    """A string that ``re.search(pattern, ...)`` accepts, or None if we cannot write one."""
    try:
        value = _emit(_sre.parse(pattern), rng)
        return value if re.search(pattern, value) else None
    except Exception:  # an exotic pattern (lookaround, backrefs): fall back to plain words
        return None


def _emit(items: Any, rng: random.Random) -> str:
    out = []
    for op, av in items:
        if op is _sre.LITERAL:
            out.append(chr(av))
        elif op is _sre.NOT_LITERAL:
            out.append("b" if chr(av) == "a" else "a")
        elif op is _sre.ANY:
            out.append("x")
        elif op is _sre.IN:
            out.append(_char_in(av, rng))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = lo + 2 if hi is _sre.MAXREPEAT else min(hi, lo + 2)
            out.extend(_emit(sub, rng) for _ in range(rng.randint(lo, max(lo, hi))))
        elif op is _sre.SUBPATTERN or op is getattr(_sre, "ATOMIC_GROUP", None):
            out.append(_emit(av[-1], rng))
        elif op is _sre.BRANCH:
            out.append(_emit(rng.choice(av[1]), rng))
        elif op is _sre.AT:
            continue
        else:
            raise ValueError(f"unsupported regex construct {op}")
    return "".join(out)


def _char_in(items: list, rng: random.Random) -> str:
    negate = any(op is _sre.NEGATE for op, _ in items)
    items = [(op, av) for op, av in items if op is not _sre.NEGATE]
    if negate:
        for ch in "aZ0_- .xQ9":
            if not any(_char_matches(ch, op, av) for op, av in items):
                return ch
        raise ValueError("negated class too wide")
    op, av = rng.choice(items)
    if op is _sre.LITERAL:
        return chr(av)
    if op is _sre.RANGE:
        return chr(rng.randint(av[0], min(av[1], av[0] + 25)))
    if op is _sre.CATEGORY:
        return {
            _sre.CATEGORY_DIGIT: str(rng.randrange(10)),
            _sre.CATEGORY_WORD: rng.choice("abcdefghijklmnopqrstuvwxyz"),
            _sre.CATEGORY_SPACE: " ",
            _sre.CATEGORY_NOT_DIGIT: "a",
            _sre.CATEGORY_NOT_WORD: "-",
            _sre.CATEGORY_NOT_SPACE: "a",
        }[av]
    raise ValueError(f"unsupported class item {op}")


def _char_matches(ch: str, op: Any, av: Any) -> bool:
    if op is _sre.LITERAL:
        return ch == chr(av)
    if op is _sre.RANGE:
        return av[0] <= ord(ch) <= av[1]
    if op is _sre.CATEGORY:
        word, digit, space = ch.isalnum() or ch == "_", ch.isdigit(), ch.isspace()
        return {
            _sre.CATEGORY_DIGIT: digit,
            _sre.CATEGORY_NOT_DIGIT: not digit,
            _sre.CATEGORY_WORD: word,
            _sre.CATEGORY_NOT_WORD: not word,
            _sre.CATEGORY_SPACE: space,
            _sre.CATEGORY_NOT_SPACE: not space,
        }.get(av, True)
    return True

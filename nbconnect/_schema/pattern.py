"""Strings that match a JSON Schema ``pattern``, from a small regex reader of our own.

The supported subset is what schemas use in practice (ids, codes, dates, slugs):

- literals and escaped punctuation (``\\.``, ``\\-``...), ``\\n \\t \\r \\f \\v``, ``\\xHH``, ``\\uHHHH``;
- ``.``, the classes ``\\d \\w \\s \\D \\W \\S``, sets ``[a-z0-9_]`` / ``[^...]`` (ranges, escapes, classes);
- groups ``(...)``, ``(?:...)``, ``(?P<name>...)``, ``(?>...)`` and alternation ``|``;
- quantifiers ``* + ? {n} {n,} {,m} {n,m}``, lazy (``?``) or possessive (``+``);
- anchors ``^ $ \\b \\B \\A \\Z`` (they emit nothing).

Anything else (lookaround, backreferences, inline flags) makes :func:`matching_string` give None,
and so does a string that ``re.search`` then refuses (an anchor in the middle, ``\\b`` between
letters...): the caller falls back to plain words. Choices come from the caller's ``rng``, so the
result is deterministic. Only the public ``re`` module checks the result; nothing here reads
CPython's private regex parser.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

__all__ = ["matching_string"]

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_CLASS_CHARS = {"d": "0123456789", "w": _LOWER, "s": " "}  # what a positive class emits
_NEGATED_CLASS = {"D": "a", "W": "-", "S": "a"}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_ANCHORS = frozenset("bBAZ")
_NEGATED_CANDIDATES = "aZ0_- .xQ9"
_REPEAT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")


class Unsupported(ValueError):
    """The pattern uses a construct outside the documented subset."""


@dataclass
class _Set:
    """A character set: ranges of code points and class letters (``d``, ``W``...), maybe negated."""

    ranges: list[tuple[int, int]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    negated: bool = False

    def emit(self, rng: random.Random) -> str:
        if self.negated:
            for ch in _NEGATED_CANDIDATES:
                if not self.contains(ch):
                    return ch
            raise Unsupported("negated set too wide")
        items: list[tuple[int, int] | str] = [*self.ranges, *self.classes]
        item = rng.choice(items)
        if isinstance(item, str):
            return _class_char(item, rng)
        lo, hi = item
        return chr(rng.randint(lo, min(hi, lo + 25)))

    def contains(self, ch: str) -> bool:
        code = ord(ch)
        return any(lo <= code <= hi for lo, hi in self.ranges) or any(
            re.fullmatch(f"\\{c}", ch) for c in self.classes
        )


def _class_char(letter: str, rng: random.Random) -> str:
    if letter in _NEGATED_CLASS:
        return _NEGATED_CLASS[letter]
    return rng.choice(_CLASS_CHARS[letter])


# A parsed pattern is a tree of tuples: ("lit", str) | ("set", _Set) | ("seq", [node]) |
# ("alt", [node]) | ("rep", node, lo, hi or None).
Node = tuple


class _Reader:
    """A recursive-descent reader of the subset above."""

    def __init__(self, pattern: str) -> None:
        self.p, self.i = pattern, 0

    def peek(self, n: int = 1) -> str:
        return self.p[self.i : self.i + n]

    def take(self) -> str:
        if self.i >= len(self.p):
            raise Unsupported("pattern ends early")
        ch = self.p[self.i]
        self.i += 1
        return ch

    def parse(self) -> Node:
        node = self.alternation()
        if self.i != len(self.p):
            raise Unsupported(f"unbalanced ')' at {self.i}")
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.i < len(self.p) and self.peek() not in "|)":
            atom = self.atom()
            items.append(self.quantified(atom))
        return ("seq", items)

    def quantified(self, atom: Node) -> Node:
        while True:
            ch = self.peek()
            if ch in ("*", "+", "?"):
                self.i += 1
                lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch]
            elif ch == "{" and (m := _REPEAT.match(self.p, self.i)) and (m[1] or m[3]):
                self.i = m.end()
                lo = int(m[1] or 0)
                hi = int(m[3]) if m[3] else (None if m[2] else lo)
            else:
                return atom
            if self.peek() in ("?", "+"):  # lazy or possessive: the same strings match
                self.i += 1
            atom = ("rep", atom, lo, hi)

    def atom(self) -> Node:
        ch = self.take()
        if ch == "(":
            return self.group()
        if ch == "[":
            return ("set", self.char_set())
        if ch == ".":
            return ("lit", "x")
        if ch in "^$":
            return ("seq", [])
        if ch == "\\":
            return self.escape()
        if ch in "*+?":
            raise Unsupported("nothing to repeat")
        return ("lit", ch)

    def group(self) -> Node:
        if self.peek() == "?":
            head = self.peek(3)
            if head.startswith(("?:", "?>")):
                self.i += 2
            elif head == "?P<":
                end = self.p.find(">", self.i)
                if end < 0:
                    raise Unsupported("unterminated group name")
                self.i = end + 1
            else:
                raise Unsupported(f"group {head!r}")  # lookaround, flags, conditionals
        node = self.alternation()
        if self.take() != ")":
            raise Unsupported("unclosed group")
        return node

    def escape(self) -> Node:
        ch = self.take()
        if ch in _CLASS_CHARS or ch in _NEGATED_CLASS:
            return ("set", _Set(classes=[ch]))
        if ch in _ANCHORS:
            return ("seq", [])
        return ("lit", self.escaped_char(ch))

    def escaped_char(self, ch: str) -> str:
        if ch in _CONTROL:
            return _CONTROL[ch]
        if ch in ("x", "u"):
            digits = self.p[self.i : self.i + (2 if ch == "x" else 4)]
            if not re.fullmatch(r"[0-9a-fA-F]+", digits) or len(digits) != (2 if ch == "x" else 4):
                raise Unsupported(f"bad \\{ch} escape")
            self.i += len(digits)
            return chr(int(digits, 16))
        if ch.isalnum():
            raise Unsupported(f"escape \\{ch}")  # backreferences, \p{...}, \N{...}
        return ch

    def char_set(self) -> _Set:
        out = _Set()
        if self.peek() == "^":
            out.negated, self.i = True, self.i + 1
        first = True
        while True:
            ch = self.take()
            if ch == "]" and not first:
                return out
            first = False
            if ch == "\\":
                esc = self.take()
                if esc in _CLASS_CHARS or esc in _NEGATED_CLASS:
                    out.classes.append(esc)
                    continue
                ch = "\b" if esc == "b" else self.escaped_char(esc)
            if self.peek() == "-" and self.p[self.i + 1 : self.i + 2] not in ("", "]"):  # a range
                self.i += 1
                end = self.take()
                if end == "\\":
                    end = self.escaped_char(self.take())
                if ord(end) < ord(ch):
                    raise Unsupported("reversed range")
                out.ranges.append((ord(ch), ord(end)))
            else:
                out.ranges.append((ord(ch), ord(ch)))


def _emit(node: Node, rng: random.Random) -> str:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "set":
        return node[1].emit(rng)
    if kind == "seq":
        return "".join(_emit(n, rng) for n in node[1])
    if kind == "alt":
        return _emit(rng.choice(node[1]), rng)
    _, sub, lo, hi = node  # "rep": at most two beyond the minimum keeps strings short
    hi = lo + 2 if hi is None else min(hi, lo + 2)
    return "".join(_emit(sub, rng) for _ in range(rng.randint(lo, max(lo, hi))))


def matching_string(pattern: str, rng: random.Random) -> str | None:
    """A string that ``re.search(pattern, ...)`` accepts, or None if we cannot write one."""
    try:
        value = _emit(_Reader(pattern).parse(), rng)
        return value if re.search(pattern, value) else None
    except (Unsupported, re.error, IndexError):
        return None

"""Character offsets for the spans a model names.

Models are good at quoting words and bad at counting characters, so a span's ``text`` decides
and its ``start``/``end`` only help: offsets that hold exactly that text are kept; otherwise the
text is looked up in the task's text, taking the occurrence nearest the given ``start`` (or, with
no ``start``, the first one at or after the previous span's end, so that a word named twice maps
to its two places), then, failing that, a case-insensitive match. A span whose text is not in the
task's text at all is left out, with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Located", "locate_spans"]


@dataclass(frozen=True)
class Located:
    """A span with offsets that hold its ``text`` in the task's text."""

    start: int
    end: int
    text: str
    label: str


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN
        return None
    return int(value)


def _occurrences(text: str, needle: str) -> list[int]:
    found, i = [], text.find(needle)
    while i >= 0:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def _place(text: str, quote: str, start: int | None, after: int) -> int | None:
    for haystack, needle in ((text, quote), (text.lower(), quote.lower())):
        hits = _occurrences(haystack, needle)
        if not hits:
            continue
        if start is not None:
            return min(hits, key=lambda i: (abs(i - start), i))
        later = [i for i in hits if i >= after]
        return later[0] if later else hits[0]
    return None


def _one(text: str | None, span: dict[str, Any], after: int) -> tuple[Located | None, str | None]:
    label, quote = span.get("label"), span.get("text")
    start, end = _int(span.get("start")), _int(span.get("end"))
    if text is None:
        if isinstance(quote, str) and start is not None and end is not None:
            return Located(start, end, quote, label), None
        return None, f"span {quote!r} ({label}) left out: no task text to find its offsets in"
    fits = start is not None and end is not None and 0 <= start < end <= len(text)
    if fits and (not isinstance(quote, str) or text[start:end] == quote):
        return Located(start, end, text[start:end], label), None
    if not isinstance(quote, str) or not quote:
        return None, f"span at {start}..{end} ({label}) left out: its offsets do not fit the text"
    at = _place(text, quote, start, after)
    if at is None:
        return None, f"span {quote!r} ({label}) left out: not found in the text"
    return Located(at, at + len(quote), text[at : at + len(quote)], label), None


def locate_spans(text: str | None, spans: list[Any]) -> tuple[list[Located], list[str]]:
    """Offsets for each span dict (``text``, ``label``, optional ``start``/``end``) in ``text``;
    returns the located spans and one note per span left out."""
    located: list[Located] = []
    notes: list[str] = []
    after = 0
    for span in spans:
        if not isinstance(span, dict):
            notes.append(f"span {span!r} left out: not an object with text and label")
            continue
        found, note = _one(text, span, after)
        if found is None:
            notes.append(note or "span left out")
            continue
        located.append(found)
        after = found.end
    return located, notes

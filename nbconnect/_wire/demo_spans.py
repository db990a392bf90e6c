"""How the Demo finds named entities when a schema asks for a list of ``{text, label}`` spans.

A reader of capitalised names and dates: dates by month names and years, organisations by the
words they end with, places by a short gazetteer (and "in / from / to" before a name), people
otherwise. Like every Demo answer it is right with the model's skill: a span it does not read
closely is dropped, cut to its last word (a partial match) or mislabelled. Spans carry ``text``
and ``label`` only: nbconnect recovers the offsets from the input, as with real models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["find_spans", "is_span_items"]

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(?:\d{{1,2}} )?(?:{_MONTHS})(?: \d{{4}})?\b|\b(?:19|20)\d\d\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:(?: of)? [A-Z][a-z]+)*\b")
_ORG_WORDS = {
    "Bank", "Museum", "Energy", "Rail", "University", "Association", "Foods", "Airlines", "Labs",
    "Studio", "Council", "Insurance", "Design", "Motors", "Foundation", "Mining", "Inc", "Ltd",
    "Corp", "Group", "Company", "Institute", "Agency",
}  # fmt: skip
_PLACES = {
    "Madrid", "Lisbon", "Oslo", "Toronto", "Berlin", "Vienna", "Mumbai", "Sydney", "Dublin",
    "Cairo", "Nairobi", "Naples", "Boston", "Prague", "Singapore", "Chicago", "Manila", "Hanoi",
    "Edinburgh", "Tokyo", "Stockholm", "Reykjavik", "London", "Paris", "Rome", "Lagos", "Rabat",
}  # fmt: skip
_SKIP = {"The", "On", "A", "An", "In", "Rain", "Storms", "Text", "Extract", "Find", "List", "Dr"}
_LABELS = ("PERSON", "ORG", "LOC", "DATE")


class _Reader(Protocol):
    text: str

    def reads(self, what: str) -> bool: ...
    def pick(self, options: list[Any], what: str) -> Any: ...


def is_span_items(items: Any) -> bool:
    props = items.get("properties") if isinstance(items, Mapping) else None
    return isinstance(props, Mapping) and {"text", "label"} <= set(props)


def _label_options(items: Mapping) -> list[str]:
    options = (items["properties"].get("label") or {}).get("enum")
    return [str(o) for o in options] if isinstance(options, list) and options else list(_LABELS)


def _guess(name: str, before: str) -> str:
    words = name.split()
    if words[-1] in _ORG_WORDS:
        return "ORG"
    if name in _PLACES or (len(words) == 1 and before.rstrip().endswith((" in", " from", " to"))):
        return "LOC"
    return "PERSON"


def _candidates(text: str) -> list[tuple[int, str, str]]:
    found = [(m.start(), m.group(), "DATE") for m in _DATE.finditer(text)]
    taken = [(s, s + len(t)) for s, t, _ in found]
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and words[0] in _SKIP:  # sentence openers and titles are not names
            words = words[1:]
        if not words or any(s < m.end() and m.start() < e for s, e in taken):
            continue
        name = " ".join(words)
        start = m.end() - len(name)
        found.append((start, name, _guess(name, text[:start])))
    return sorted(found)


def _map(label: str, options: list[str]) -> str:
    for option in options:  # "LOC" / "location", "PERSON" / "per"...
        if option.upper().startswith(label[:3]) or label.startswith(option.upper()[:3]):
            return option
    return options[0]


def find_spans(mind: _Reader, items: Mapping, source: str) -> list[dict[str, str]]:
    """The spans one Demo model reads in ``source`` (the part of the prompt after the last
    ``Text:``, or all of it)."""
    options = _label_options(items)
    out = []
    for start, name, label in _candidates(source):
        what = f"span-{start}-{name}"
        if not mind.reads(what):
            slip = mind.pick(["drop", "cut", "label"], what)
            if slip == "drop":
                continue
            if slip == "cut" and " " in name:
                name = name.split()[-1]
            elif slip == "label":
                label = mind.pick([x for x in _LABELS if x != label], what + "-label")
        out.append({"text": name, "label": _map(label, options)})
    return out

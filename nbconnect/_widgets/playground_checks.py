"""The Playground's checks as the user types: what is wrong, said by the field that causes it.

Pure functions of the editors' text and the data's columns, so every problem is found at once
(not one per Run) and each lands in its own box: ``prompt``, ``schema``, ``models``, ``data``.
Nothing here sends a request; the engine refuses the same things again when a run is built.
"""

from __future__ import annotations

import re
from typing import Any

from .._engine.plan import flat_fields
from .._engine.template import Template
from .._errors import NbconnectError
from .._schema.schema import Schema, as_schema

__all__ = ["FIELDS", "excerpt", "run_refusal", "schema_check", "template_check"]

#: where a problem is shown, in the order a person reads the widget
FIELDS = ("models", "data", "prompt", "schema")

_AT = re.compile(r" at position (\d+)")
EXCERPT = 40  # characters shown each side of an error's spot on a long line


def template_check(template: str, system: str, columns: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The placeholder chips (``[{"name", "ok"}]``, plus ``"kind"`` for a media one) and the prompt's problems.

    A template with no placeholder would send every row the same text (an empty one, a prompt of
    nothing but the greyed example): the engine's rule, said here before anything runs. A
    placeholder the data lacks is its chip's business (red, listing the columns), not repeated.
    """
    names: list[str] = []
    kinds: dict[str, str] = {}  # media placeholders' kind, so their chip reads {image:photo}
    problems: list[str] = []
    for label, text in (("prompt", template), ("system prompt", system)):
        try:
            parsed = Template.parse(text) if text else None
        except NbconnectError as exc:
            problems.append(f"{label}: {exc}" if label != "prompt" else str(exc))
            continue
        names += parsed.names if parsed else []
        kinds.update(parsed.media if parsed else {})
    chips = [
        {"name": n, "ok": n in columns, **({"kind": kinds[n]} if n in kinds else {})}
        for n in dict.fromkeys(names)
    ]
    if not template.strip():
        problems.append("Write a prompt that uses a column, e.g. Classify the sentiment of: {text}")
    elif not problems and not names:
        problems.append(
            "The prompt has no {column} placeholder, so every row would get the same text: "
            "insert a column with the buttons below"
        )
    return chips, problems


def schema_check(text: str, columns: list[str]) -> tuple[Schema | None, dict[str, Any]]:
    """The parsed schema (None if unusable) and the schema box's status.

    Status: ``{"ok", "message", "line", "column", "excerpt", "fields", "problems"}``. A parse
    error says its line and column and shows that line with a caret under the spot (the box is
    monospaced, so the caret lines up); a field named like a data column is refused here, not at
    Run, since both would go into the same results table.
    """
    status: dict[str, Any] = {"ok": False, "line": None, "column": None, "excerpt": "", "fields": []}
    if not text.strip():
        return None, {
            **status,
            "message": "Write a schema, e.g. label: positive|negative|neutral, score: float",
        }
    try:
        schema = as_schema(text)
    except NbconnectError as exc:
        position = getattr(exc, "position", None)
        message = str(exc).split("\n", 1)[0]  # the excerpt the parser drew is redrawn below
        if position is None:
            return None, {**status, "message": message}
        line, column, shown = excerpt(text, position)
        message = _AT.sub(f" at line {line}, column {column}", message, count=1)
        return None, {**status, "message": message, "line": line, "column": column, "excerpt": shown}
    fields = flat_fields(schema.json)
    clash = [f for f in fields if f in set(columns)]
    if clash:
        names = ", ".join(repr(f) for f in clash)
        message = (
            f"The field {names} has the name of a data column, and both would go into the results: "
            f"rename the field here, e.g. {clash[0]!r} → 'predicted_{clash[0]}'"
        )
        return None, {**status, "message": message, "fields": fields}
    return schema, {**status, "ok": True, "message": f"{len(fields)} field(s)", "fields": fields}


def excerpt(text: str, position: int) -> tuple[int, int, str]:
    """1-based line and column of ``position`` in ``text``, and that line with a caret under it."""
    position = max(0, min(position, len(text)))
    line = text.count("\n", 0, position) + 1
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    source = text[start : end if end >= 0 else len(text)]
    column = position - start + 1
    # tabs would widen the source line but not the caret's: show them as one space each
    source = source.replace("\t", " ")
    offset = column - 1  # where the caret goes in what is shown
    if len(source) > 2 * EXCERPT:  # a long line (JSON on one line): the stretch around the spot
        first = max(0, offset - EXCERPT)
        shown = source[first : first + 2 * EXCERPT]
        source = ("…" if first else "") + shown + ("…" if first + 2 * EXCERPT < len(source) else "")
        offset = offset - first + (1 if first else 0)
    gutter = f"{line} | "
    return line, column, f"{gutter}{source}\n{' ' * (len(gutter) + offset)}^"


def run_refusal(problems: dict[str, list[str]]) -> str | None:
    """The reply to Run while problems remain: which boxes to fix, and the first problem of each."""
    where = [(f, msgs[0]) for f in FIELDS for msgs in [problems.get(f) or []] if msgs]
    if not where:
        return None
    return "Fix first: " + "; ".join(f"{field}: {msg}" for field, msg in where)

"""The short text form of a response schema, for people who would rather not write JSON Schema.

Example::

    label: positive|negative|neutral, confidence: float, tags: list[str], note?: str

gives a JSON Schema object with four properties, of which ``note`` is optional.

Grammar::

    schema  := field ("," field)*        fields are separated by commas or new lines;
                                         blank entries (",,", a trailing comma, empty lines) are ignored
    field   := NAME ["?"] ":" type ["=" QUOTED]
                                         "?" makes the field optional (left out of "required");
                                         the quoted text after "=" becomes the field's description
    type    := "str" | "int" | "float" | "bool"
             | "list[" type "]"          an array of that type
             | "{" schema "}"            a nested object (its fields may span lines)
             | enum
    enum    := VALUE ("|" VALUE)+        positive|negative|neutral, 1|2|3|4|5, "very good"|bad
    VALUE   := a bare word (letters, digits, "_", ".", "+", "-") or a quoted string ('…' or "…")
    NAME    := [A-Za-z_][A-Za-z0-9_]*

Type names are case-insensitive and have aliases: ``string``, ``integer``, ``number``,
``boolean`` and ``array[...]``. An enum whose values are all bare integers (``1|2|3``) is an
integer enum, all bare numbers a number enum; otherwise the values are strings (quote a value
to keep ``"1"`` a string). Spaces and tabs may go anywhere between tokens.

Errors raise :class:`~nbconnect._errors.SchemaError` whose ``position`` is the 0-based offset
of the problem and whose message shows the line with a caret under it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .._errors import SchemaError

__all__ = ["parse_dsl"]

# One JSON Schema per type name; the aliases are the JSON Schema spellings people also type.
_SCALARS: dict[str, dict[str, str]] = {
    "str": {"type": "string"},
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "integer": {"type": "integer"},
    "float": {"type": "number"},
    "number": {"type": "number"},
    "bool": {"type": "boolean"},
    "boolean": {"type": "boolean"},
}
_LISTS = ("list", "array")
_KNOWN = "str, int, float, bool, list[<type>], {<fields>}, or an enum like a|b|c"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE = re.compile(r"[A-Za-z0-9_.+\-]+")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SPACES = " \t\r"


def parse_dsl(text: str) -> dict[str, Any]:
    """Parse the short text form into a JSON Schema object (see the module docstring)."""
    parser = _Parser(text)
    schema = parser.fields(closing=None, opened_at=None)
    return schema


class _Parser:
    """A recursive-descent parser over characters; ``pos`` only ever moves forward."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers -------------------------------------------------------------------------------

    def fail(self, problem: str, position: int | None = None, detail: str = "") -> SchemaError:
        """``problem`` names what was expected; ``detail`` (after the position) what was found or how to fix."""
        at = self.pos if position is None else position
        tail = f": {detail}" if detail else ""
        return SchemaError(f"{problem} at position {at}{tail}\n{_pointer(self.text, at)}", position=at)

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _SPACES:
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def describe_here(self) -> str:
        """What stands at ``pos``, for "found ..." in messages."""
        char = self.peek()
        if not char:
            return "the end of the text"
        if char == "\n":
            return "the end of the line"
        return repr(char)

    # -- grammar -------------------------------------------------------------------------------

    def fields(self, *, closing: str | None, opened_at: int | None) -> dict[str, Any]:
        """``schema``: fields up to ``closing`` (``}``) or the end of the text."""
        properties: dict[str, Any] = {}
        required: list[str] = []
        first_seen: dict[str, int] = {}
        while True:
            # Blank entries are harmless, so separators may repeat.
            while self.peek() and self.peek() in _SPACES + ",\n":
                self.pos += 1
            if not self.peek():
                if closing is not None:
                    raise self.fail(
                        f"expected '{closing}'",
                        detail=f"found the end of the text; the '{{' at position {opened_at} is never closed",
                    )
                break
            if self.peek() == closing:
                self.pos += 1
                break
            start = self.pos
            name, optional, schema = self.field()
            if name in first_seen:
                raise self.fail(
                    f"duplicate field '{name}'",
                    start,
                    f"it is already defined at position {first_seen[name]}; rename or remove one",
                )
            first_seen[name] = start
            properties[name] = schema
            if not optional:
                required.append(name)
            self.skip_spaces()
            if self.peek() not in (",", "\n", "", closing):
                raise self.fail(
                    f"expected ',' or a new line after the field '{name}'",
                    detail=f"found {self.describe_here()}",
                )
        if not properties:
            where = "inside '{}'" if closing else "in the schema"
            position = opened_at if opened_at is not None else 0
            raise self.fail(f"expected at least one field {where}", position, "write fields like 'name: str'")
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return schema

    def field(self) -> tuple[str, bool, dict[str, Any]]:
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise self.fail(
                "expected a field name",
                detail=f"found {self.describe_here()}; a name is a letter or '_' followed by "
                "letters, digits or '_'",
            )
        name = match.group()
        self.pos = match.end()
        self.skip_spaces()
        optional = self.peek() == "?"
        if optional:
            self.pos += 1
            self.skip_spaces()
        label = f"{name}?" if optional else name
        if self.peek() != ":":
            raise self.fail(f"expected ':' after '{label}'", detail=f"found {self.describe_here()}")
        self.pos += 1
        self.skip_spaces()
        schema = self.type_(f"'{label}:'")
        self.skip_spaces()
        if self.peek() == "=":
            self.pos += 1
            self.skip_spaces()
            if self.peek() not in ("'", '"'):
                raise self.fail(
                    f"expected a quoted description after '=' for '{name}'",
                    detail=f'found {self.describe_here()}; write {name}: ... = "what it means"',
                )
            schema = {**schema, "description": self.quoted()}
        return name, optional, schema

    def type_(self, after: str) -> dict[str, Any]:
        start = self.pos
        char = self.peek()
        missing = self.fail(
            f"expected a type after {after}",
            detail=f"found {self.describe_here()}; known types: {_KNOWN}",
        )
        if char in ("", ",", "\n", "}", "]", "="):
            raise missing
        if char == "{":
            self.pos += 1
            return self.fields(closing="}", opened_at=start)
        if char in ("'", '"'):
            return self.enum(first=self.quoted(), first_quoted=True, start=start)
        match = _BARE.match(self.text, self.pos)
        if not match:
            raise missing
        word = match.group()
        self.pos = match.end()
        self.skip_spaces()
        if self.peek() == "|":
            return self.enum(first=word, first_quoted=False, start=start)
        lowered = word.lower()
        if lowered in _SCALARS:
            return dict(_SCALARS[lowered])
        if lowered in _LISTS:
            if self.peek() != "[":
                raise self.fail(
                    f"expected '[' after '{word}'",
                    detail=f"found {self.describe_here()}; write {lowered}[str], for example",
                )
            bracket = self.pos
            self.pos += 1
            self.skip_spaces()
            items = self.type_(f"'{word}['")
            self.skip_spaces()
            if self.peek() != "]":
                raise self.fail(
                    "expected ']'",
                    detail=f"found {self.describe_here()}; the '[' at position {bracket} is never closed",
                )
            self.pos += 1
            return {"type": "array", "items": items}
        hint = difflib.get_close_matches(lowered, [*_SCALARS, *_LISTS], n=1)
        did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise self.fail(f"unknown type '{word}'{did_you_mean}", start, f"known types: {_KNOWN}")

    def enum(self, *, first: str, first_quoted: bool, start: int) -> dict[str, Any]:
        values: list[tuple[str, bool, int]] = [(first, first_quoted, start)]
        self.skip_spaces()
        if self.peek() != "|":
            raise self.fail(
                f"expected '|' and another value after {first!r}",
                detail="an enum needs at least two values (a|b); for free text use str",
            )
        while self.peek() == "|":
            self.pos += 1
            self.skip_spaces()
            at = self.pos
            if self.peek() in ("'", '"'):
                values.append((self.quoted(), True, at))
            else:
                match = _BARE.match(self.text, self.pos)
                if not match:
                    raise self.fail(
                        "expected an enum value after '|'", detail=f"found {self.describe_here()}"
                    )
                self.pos = match.end()
                values.append((match.group(), False, at))
            self.skip_spaces()
        seen: set[str] = set()
        for value, _, at in values:
            if value in seen:
                raise self.fail(f"duplicate enum value {value!r}", at, "list each value once")
            seen.add(value)
        # Bare numbers make a numeric enum (ratings 1|2|3|4|5); one quoted value keeps them all strings.
        if all(not quoted and _INT.fullmatch(value) for value, quoted, _ in values):
            return {"type": "integer", "enum": [int(value) for value, _, _ in values]}
        if all(not quoted and _FLOAT.fullmatch(value) for value, quoted, _ in values):
            return {"type": "number", "enum": [float(value) for value, _, _ in values]}
        return {"type": "string", "enum": [value for value, _, _ in values]}

    def quoted(self) -> str:
        quote = self.peek()
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\n":
                break
            out.append(char)
            self.pos += 1
        raise self.fail(
            "unterminated string", start, f"the {quote} opened here is not closed on the same line"
        )


def _pointer(text: str, position: int) -> str:
    """The line holding ``position`` with a caret under it (indented, so it reads as a quote)."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end].replace("\t", " ")
    return f"    {line}\n    {' ' * (position - line_start)}^"

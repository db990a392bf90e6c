"""Prompt templates: ``"Classify: {text}"`` with ``{{`` and ``}}`` for literal braces."""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import TemplateError

__all__ = ["Template"]

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and placeholder names, in order."""

    text: str
    pieces: tuple[tuple[str, str | None], ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        if not isinstance(text, str):
            raise TemplateError(f"a prompt template must be a string, got {type(text).__name__}")
        try:
            parsed = list(_FORMATTER.parse(text))
        except ValueError as exc:
            raise TemplateError(
                f"the template has unbalanced braces ({exc}); write {{column}} for a value and {{{{ or }}}} "
                "for a literal brace"
            ) from None
        pieces: list[tuple[str, str | None]] = []
        for literal, name, spec, conversion in parsed:
            if name is not None:
                if not name.strip():
                    raise TemplateError(
                        "the template has an empty placeholder {}; name a column inside the braces"
                    )
                if spec or conversion:
                    raise TemplateError(
                        f"placeholder {{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} "
                        "uses a format spec; placeholders take a column name only"
                    )
            pieces.append((literal, name))
        return cls(text, tuple(pieces))

    @property
    def names(self) -> list[str]:
        """Placeholder names, each once, in order of first use."""
        return list(dict.fromkeys(name for _, name in self.pieces if name is not None))

    def check(self, columns: Iterable[str]) -> None:
        """Raise TemplateError naming every placeholder the data lacks, and the columns it has."""
        columns = list(columns)
        missing = [n for n in self.names if n not in columns]
        if missing:
            raise TemplateError(
                f"the template uses {', '.join('{' + m + '}' for m in missing)}, but the data has no such "
                f"column{'s' if len(missing) > 1 else ''}. Columns: {', '.join(map(str, columns)) or 'none'}"
            )

    def render(self, row: Mapping[str, Any]) -> str:
        parts: list[str] = []
        for literal, name in self.pieces:
            parts.append(literal)
            if name is not None:
                parts.append(_cell_text(row[name]))
        return "".join(parts)


def _cell_text(value: Any) -> str:
    # Missing cells (None / NaN / pd.NA) become empty text rather than the string "nan".
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)

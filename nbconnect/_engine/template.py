"""Prompt templates: ``"Classify: {text}"`` with ``{{`` and ``}}`` for literal braces.

``{image:photo}`` and ``{document:scan}`` put the image or PDF named by a row's ``photo`` /
``scan`` cell into the prompt at that place (a path, an https URL, bytes, a data URL or a PIL
image); text and any number of media parts mix in order.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import TemplateError
from .._wire.media import DOCUMENT, IMAGE, Media, Part, Text

__all__ = ["MEDIA_KINDS", "Template"]

_FORMATTER = string.Formatter()
MEDIA_KINDS = (IMAGE, DOCUMENT)


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text, placeholder names and their kind (None for text, or
    "image" / "document"), in order."""

    text: str
    pieces: tuple[tuple[str, str | None, str | None], ...]

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
        pieces: list[tuple[str, str | None, str | None]] = []
        for literal, name, spec, conversion in parsed:
            kind = None
            if name is not None:
                inner = f"{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}"
                if not name.strip():
                    raise TemplateError(
                        "the template has an empty placeholder {}; name a column inside the braces, or "
                        f"write braces meant for the prompt doubled: {_doubled(inner)}"
                    )
                if name in MEDIA_KINDS and spec and spec.strip() and not conversion:
                    name, kind = spec.strip(), name  # {image:photo}: the image in column "photo"
                elif spec or conversion:
                    raise TemplateError(
                        f"placeholder {{{inner}}} is not a column name: placeholders take a column name "
                        "only (no format spec), or {image:column} / {document:column} for an image or a "
                        f"PDF. Braces meant for the prompt (a JSON example) are written doubled: {_doubled(inner)}"
                    )
            pieces.append((literal, name, kind))
        return cls(text, tuple(pieces))

    @property
    def names(self) -> list[str]:
        """Placeholder names, each once, in order of first use."""
        return list(dict.fromkeys(name for _, name, _ in self.pieces if name is not None))

    @property
    def media(self) -> dict[str, str]:
        """Media placeholders: column -> "image" or "document", in order of first use."""
        return {name: kind for _, name, kind in self.pieces if name is not None and kind is not None}

    def check(self, columns: Iterable[str]) -> None:
        """Raise TemplateError naming every placeholder the data lacks, and the columns it has."""
        columns = list(columns)
        missing = [n for n in self.names if n not in columns]
        if missing:
            quoted = [m for m in missing if any(q in m for q in "\"'")]  # {"label"}: JSON, not a column
            hint = (
                f"; braces meant for the prompt are written doubled: {_doubled(quoted[0])}" if quoted else ""
            )
            raise TemplateError(
                f"the template uses {', '.join('{' + m + '}' for m in missing)}, but the data has no such "
                f"column{'s' if len(missing) > 1 else ''}. Columns: {', '.join(map(str, columns)) or 'none'}"
                + hint
            )

    def render(self, row: Mapping[str, Any]) -> str:
        """The prompt's text; media placeholders add nothing to it (see :meth:`render_parts`)."""
        parts: list[str] = []
        for literal, name, kind in self.pieces:
            parts.append(literal)
            if name is not None and kind is None:
                parts.append(_cell_text(row[name]))
        return "".join(parts)

    def render_parts(self, row: Mapping[str, Any], media: Callable[[str, str], Media]) -> tuple[Part, ...]:
        """The prompt as text and media parts in order; ``media(column, kind)`` gives a cell's Media."""
        out: list[Part] = []
        text: list[str] = []
        for literal, name, kind in self.pieces:
            text.append(literal)
            if name is not None and kind is None:
                text.append(_cell_text(row[name]))
            elif name is not None and kind is not None:
                if "".join(text):
                    out.append(Text("".join(text)))
                text = []
                out.append(media(name, kind))
        if "".join(text):
            out.append(Text("".join(text)))
        return tuple(out)


def _doubled(inner: str) -> str:
    """How ``{inner}`` is written to reach the prompt as it is."""
    return "{{" + inner + "}}"


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

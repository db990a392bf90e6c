"""One small class per Label Studio control tag nbconnect supports.

Each :class:`Kind` knows three things about its tag: the JSON Schema of the answer a model gives
(:meth:`Kind.schema`), the truth value one annotation holds (:meth:`Kind.truth`, from the
``value`` dicts of its results) and the result ``value`` dicts an answer becomes
(:meth:`Kind.values`). Answer and truth have the same shape, so ``Results.score`` can compare them:

=========== ================================================ ==========================
tag         answer / truth                                   Label Studio ``value``
=========== ================================================ ==========================
Choices     one label (a list of labels if choice="multiple") ``{"choices": [...]}``
Labels      spans: ``[{"text", "label", "start", "end"}]``   ``{"start", "end", "text", "labels"}``
TextArea    a string (several texts joined by newlines)       ``{"text": [...]}``
Number      a number within ``min``..``max``                 ``{"number": x}``
Rating      an integer 0..``maxRating`` (default 5)           ``{"rating": n}``
Pairwise    ``"left"`` or ``"right"``                         ``{"selected": ...}``
=========== ================================================ ==========================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from .._errors import SchemaError
from .spans import Located, locate_spans

if TYPE_CHECKING:
    from .config import Control

__all__ = ["KINDS", "Kind"]


def _missing(value: Any) -> bool:
    """None, NaN or <NA>: what a DataFrame cell holds when a model gave no value."""
    return value is None or (not isinstance(value, (str, list, tuple, dict)) and bool(pd.isna(value)))


class Kind:
    """What one control tag's answers look like; subclasses set ``tag`` and ``key``."""

    tag: ClassVar[str] = ""
    key: ClassVar[str] = ""  # the key of the value dict that holds the answer
    listed: ClassVar[bool] = False  # Label Studio keeps that value in a list (["positive"])

    def check(self, control: Control, objects: dict[str, str]) -> None:
        """Refuse a control this class cannot answer (``objects``: object name -> tag)."""
        if not objects:
            raise SchemaError(
                f'<{control.tag} name="{control.name}"> points at toName={list(control.to_name)}, '
                "which names no object tag of the config"
            )

    def schema(self, control: Control) -> dict[str, Any]:
        raise NotImplementedError

    def truth(self, control: Control, values: list[dict[str, Any]]) -> Any:
        """The truth one annotation gives: its first value (``None`` when it has none)."""
        found = [v[self.key] for v in values if isinstance(v, dict) and v.get(self.key) is not None]
        return found[0] if found else None

    def values(self, control: Control, answer: Any, data: dict[str, Any]) -> tuple[list[dict], list[str]]:
        """Result ``value`` dicts for ``answer`` (nothing for a missing answer), and notes."""
        return ([] if _missing(answer) else [{self.key: answer}]), []

    def to_name(self, control: Control) -> str:
        return control.to_name[0]


class Choices(Kind):
    tag, key, listed = "Choices", "choices", True

    def multiple(self, control: Control) -> bool:
        return control.attrs.get("choice") == "multiple"

    def check(self, control: Control, objects: dict[str, str]) -> None:
        super().check(control, objects)
        if not control.labels:
            raise SchemaError(f'<Choices name="{control.name}"> has no <Choice value="..."/> inside')

    def schema(self, control: Control) -> dict[str, Any]:
        one = {"type": "string", "enum": list(control.labels)}
        if self.multiple(control):
            return {"type": "array", "items": one, "uniqueItems": True}
        return one

    def truth(self, control: Control, values: list[dict[str, Any]]) -> Any:
        chosen = [c for v in values for c in (v.get(self.key) or [])]
        if self.multiple(control):
            return chosen if values else None
        return chosen[0] if chosen else None

    def values(self, control: Control, answer: Any, data: dict[str, Any]) -> tuple[list[dict], list[str]]:
        if _missing(answer):
            return [], []
        chosen = list(answer) if isinstance(answer, (list, tuple)) else [answer]
        return ([{self.key: chosen}] if chosen else []), []


class Labels(Kind):
    tag, key = "Labels", "labels"

    def check(self, control: Control, objects: dict[str, str]) -> None:
        super().check(control, objects)
        if not control.labels:
            raise SchemaError(f'<Labels name="{control.name}"> has no <Label value="..."/> inside')
        kinds = set(objects.values())
        if kinds != {"Text"} or control.variable is None:
            raise SchemaError(
                f'<Labels name="{control.name}"> labels {sorted(kinds)} objects; nbconnect finds spans '
                'in <Text value="$column"/> objects only'
            )

    def schema(self, control: Control) -> dict[str, Any]:
        offset = {"type": "integer", "minimum": 0}
        span = {
            "type": "object",
            "properties": {
                "text": {
                    "type": "string",
                    "description": f"the exact words, as they appear in {control.variable}",
                },
                "label": {"type": "string", "enum": list(control.labels)},
                "start": {**offset, "description": "character offset where the text starts (optional)"},
                "end": {**offset, "description": "character offset just after the text (optional)"},
            },
            "required": ["text", "label"],
            "additionalProperties": False,
        }
        return {"type": "array", "items": span}

    def truth(self, control: Control, values: list[dict[str, Any]]) -> Any:
        spans = [
            {"text": v.get("text"), "label": label, "start": v.get("start"), "end": v.get("end")}
            for v in values
            for label in (v.get(self.key) or [])
        ]
        return sorted(spans, key=lambda s: (s["start"] is None, s["start"] or 0, s["label"]))

    def values(self, control: Control, answer: Any, data: dict[str, Any]) -> tuple[list[dict], list[str]]:
        if _missing(answer):
            return [], []
        text = data.get(control.variable or "")
        located, notes = locate_spans(text if isinstance(text, str) else None, list(answer))
        return [self._value(s) for s in located], notes

    def _value(self, s: Located) -> dict[str, Any]:
        return {"start": s.start, "end": s.end, "text": s.text, self.key: [s.label]}


class TextArea(Kind):
    tag, key, listed = "TextArea", "text", True

    def schema(self, control: Control) -> dict[str, Any]:
        return {"type": "string"}

    def truth(self, control: Control, values: list[dict[str, Any]]) -> Any:
        texts = [t for v in values for t in (v.get(self.key) or [])]
        return "\n".join(texts) if texts else None

    def values(self, control: Control, answer: Any, data: dict[str, Any]) -> tuple[list[dict], list[str]]:
        return ([{self.key: [str(answer)]}] if not _missing(answer) and str(answer) else []), []


class Number(Kind):
    tag, key = "Number", "number"

    def schema(self, control: Control) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "number"}
        for attr, word in (("min", "minimum"), ("max", "maximum")):
            if attr in control.attrs:
                try:
                    out[word] = float(control.attrs[attr])
                except ValueError as exc:
                    raise SchemaError(
                        f'<Number name="{control.name}"> has {attr}="{control.attrs[attr]}", not a number'
                    ) from exc
        return out

    def values(self, control: Control, answer: Any, data: dict[str, Any]) -> tuple[list[dict], list[str]]:
        return ([] if _missing(answer) else [{self.key: float(answer)}]), []


class Rating(Kind):
    tag, key = "Rating", "rating"

    def top(self, control: Control) -> int:
        raw = control.attrs.get("maxRating", "5")  # Label Studio's default
        try:
            return int(raw)
        except ValueError as exc:
            raise SchemaError(
                f'<Rating name="{control.name}"> has maxRating="{raw}", not an integer'
            ) from exc

    def schema(self, control: Control) -> dict[str, Any]:
        return {"type": "integer", "minimum": 0, "maximum": self.top(control)}

    def truth(self, control: Control, values: list[dict[str, Any]]) -> Any:
        found = super().truth(control, values)
        return None if found is None else int(found)

    def values(self, control: Control, answer: Any, data: dict[str, Any]) -> tuple[list[dict], list[str]]:
        return ([] if _missing(answer) else [{self.key: int(answer)}]), []


class Pairwise(Kind):
    tag, key = "Pairwise", "selected"

    def check(self, control: Control, objects: dict[str, str]) -> None:
        super().check(control, objects)
        if len(control.to_name) != 2:
            raise SchemaError(
                f'<Pairwise name="{control.name}"> needs toName="left,right" (two objects), '
                f"got {list(control.to_name)}"
            )

    def schema(self, control: Control) -> dict[str, Any]:
        return {"type": "string", "enum": ["left", "right"]}


#: lower-case tag -> its kind; a tag not listed here is refused by name
KINDS: dict[str, Kind] = {
    k.tag.lower(): k for k in (Choices(), Labels(), TextArea(), Number(), Rating(), Pairwise())
}

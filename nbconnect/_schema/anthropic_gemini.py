"""Anthropic structured outputs (``docs/providers.md`` §4.4) and Gemini's two schema fields (§5.1):
``responseJsonSchema`` (a JSON Schema subset) and the older ``responseSchema`` (an OpenAPI subset).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from .walk import ANNOTATE, ANTHROPIC_FORMATS, BASE, JSON, Walker, quoted, types_of

__all__ = ["Anthropic", "Gemini", "GeminiLegacy"]


class Anthropic(Walker):
    provider = "Anthropic structured outputs"
    keep = BASE | ANNOTATE | {"allOf", "const", "pattern", "format", "minItems"}
    formats = ANTHROPIC_FORMATS
    const_to_enum = False

    def supported(self, key: str, value: Any, node: JSON, where: str) -> bool:
        if key == "minItems":
            return value in (0, 1)
        return super().supported(key, value, node, where)

    def finish(self, out: JSON) -> None:
        self.warn_if_recursive(
            out,
            "({ref} refers back to itself); Anthropic structured outputs reject recursive schemas, "
            "so use the forced-tool mode or flatten it",
        )


class Gemini(Walker):
    provider = "Gemini responseJsonSchema"
    keep = (
        BASE
        | ANNOTATE
        | {"$id", "$anchor", "format", "prefixItems", "minItems", "maxItems", "minimum", "maximum"}
        | {"propertyOrdering"}
    )

    def must_inline(self, node: JSON) -> bool:
        return any(not k.startswith("$") for k in node)  # §5.1: only other "$" keys beside a $ref

    def supported(self, key: str, value: Any, node: JSON, where: str) -> bool:
        if key in ("$id", "$anchor"):
            return True
        return super().supported(key, value, node, where)

    def close_object(self, node: JSON, where: str) -> None:
        pass  # Gemini neither needs nor minds additionalProperties

    def rules(self, node: JSON, where: str, original_props: JSON) -> JSON:
        enum = node.get("enum")
        if isinstance(enum, list) and not all(_is_number_or_str(v) for v in enum):
            # Gemini enums hold strings and numbers; null becomes a union, anything else a description.
            rest = [v for v in enum if v is not None]
            if None in enum and all(_is_number_or_str(v) for v in rest):
                outer = {k: node.pop(k) for k in ("description", "title") if k in node}
                node["enum"] = rest
                node = {"anyOf": [node, {"type": "null"}], **outer}
            else:
                self.filter(node, where, also=("enum",))
        return super().rules(node, where, original_props)

    def finish(self, out: JSON) -> None:
        self.warn_if_recursive(
            out, "({ref}); Gemini unrolls cycles only a little and only in optional properties"
        )


def _is_number_or_str(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


class GeminiLegacy(Walker):
    provider = "Gemini responseSchema"
    keep = frozenset(
        {"type", "format", "title", "description", "nullable", "enum", "items", "minItems", "maxItems"}
        | {"properties", "required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern"}
        | {"minimum", "maximum", "anyOf", "propertyOrdering", "default", "example"}
    )
    # responseSchema formats by type; anything else is refused or ignored, so it goes to the description.
    _FORMATS: ClassVar[dict[str, set[str]]] = {
        "STRING": {"date-time", "enum"},
        "INTEGER": {"int32", "int64"},
        "NUMBER": {"float", "double"},
    }

    def must_inline(self, node: JSON) -> bool:
        return True  # responseSchema has no $ref at all

    def recursive_ref(self, node: JSON, where: str) -> None:
        return None  # the parent drops the property and says so

    def visit_children(self, node: JSON, where: str) -> JSON | None:
        for key in ("$defs", "definitions"):
            node.pop(key, None)  # every $ref is inlined, so the definitions have nothing left to do
        return super().visit_children(node, where)

    def supported(self, key: str, value: Any, node: JSON, where: str) -> bool:
        if key == "format":
            return value in self._FORMATS.get(str(node.get("type")), set())
        return key in self.keep

    def rules(self, node: JSON, where: str, original_props: JSON) -> JSON:
        types = types_of(node)
        if types:
            real = [t for t in types if t.lower() != "null"]
            if len(real) < len(types):
                node["nullable"] = True
            if len(real) == 1:
                node["type"] = real[0].upper()
            elif not real:
                node["type"] = "NULL"
            else:
                node.pop("type")
                node["anyOf"] = [*(node.get("anyOf") or []), *({"type": t.upper()} for t in real)]
        if isinstance(node.get("anyOf"), list):
            real = [v for v in node["anyOf"] if not (isinstance(v, dict) and v.get("type") == "NULL")]
            if len(real) < len(node["anyOf"]):
                node["nullable"] = True
            if len(real) == 1 and isinstance(real[0], dict):
                del node["anyOf"]
                node = {**real[0], **node}  # the outer description wins over the variant's
            else:
                node["anyOf"] = real
        if "additionalProperties" in node:
            extra = node.pop("additionalProperties")
            what = "a schema for other keys" if isinstance(extra, dict) else json.dumps(extra)
            self.changes.append(
                f"removed additionalProperties ({what}) from {quoted(where)}: {self.provider} does not "
                "accept it (answers are still checked against it locally)"
            )
        if isinstance(node.get("properties"), dict) and "propertyOrdering" not in node:
            node["propertyOrdering"] = list(node["properties"])  # Gemini would sort keys otherwise
        enum = node.get("enum")
        # responseSchema enums are strings only; other values can only be asked for in words.
        non_string = isinstance(enum, list) and not all(isinstance(v, str) for v in enum)
        self.filter(node, where, also=("enum",) if non_string else ())
        return node

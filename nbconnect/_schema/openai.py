"""OpenAI strict mode and Azure structured outputs: the rules, and how answers come back.

Strict mode (``docs/providers.md`` §1.3, Azure §2.4) needs every property required, so optional ones
become nullable; :class:`Restorer` drops those nulls from answers again (see ``Adapted.restore``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from . import lazy
from .walk import (
    ANNOTATE,
    BASE,
    JSON,
    OPENAI_FORMATS,
    Walker,
    child_path,
    is_object,
    quoted,
    resolve_ref,
    walk_refs,
)

__all__ = ["OpenAIStrict", "Restorer"]


class OpenAIStrict(Walker):
    # §1.3: what strict mode accepts (const is rewritten to enum, which it also accepts).
    keep = (
        BASE
        | ANNOTATE
        | {"pattern", "format", "multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
        | {"minItems", "maxItems"}
    )
    formats = OPENAI_FORMATS
    # §2.4: Azure's structured-outputs page still lists all of these as unsupported.
    _AZURE_REFUSES = frozenset(
        {"pattern", "format", "multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
        | {"minItems", "maxItems", "minLength", "maxLength", "uniqueItems", "patternProperties"}
        | {"minProperties", "maxProperties"}
    )

    def __init__(self, root: JSON, *, azure: bool) -> None:
        super().__init__(root)
        self.azure = azure
        self.provider = "Azure OpenAI structured outputs" if azure else "OpenAI strict mode"
        if azure:
            self.keep = self.keep - self._AZURE_REFUSES

    def supported(self, key: str, value: Any, node: JSON, where: str) -> bool:
        if key == "anyOf" and where == "":
            return False  # the root must be a plain object
        return super().supported(key, value, node, where)

    def rules(self, node: JSON, where: str, original_props: JSON) -> JSON:
        if is_object(node):
            props = node.setdefault("properties", {})
            required = set(node.get("required") or [])
            for name in props:
                if name in required:
                    continue
                label = quoted(child_path(where, name))
                if self.accepts_null(original_props.get(name, {})):
                    self.changes.append(
                        f"made {label} required (strict mode needs every property required; "
                        "it already accepts null)"
                    )
                else:
                    props[name] = _nullable(props[name])
                    self.changes.append(
                        f"made {label} required and nullable (strict mode needs every property required)"
                    )
            node["required"] = list(props)
        return super().rules(node, where, original_props)

    def finish(self, out: JSON) -> None:
        props, depth, enums, _ = walk_refs(out)
        max_props, max_depth = (100, 5) if self.azure else (5000, 10)
        if props > max_props:
            self.changes.append(
                f"warning: {props} object properties in total; {self.provider} allows at most {max_props}"
            )
        if depth > max_depth:
            self.changes.append(
                f"warning: objects nest {depth} levels deep; {self.provider} allows at most {max_depth}"
            )
        if enums > 1000:
            self.changes.append(f"warning: {enums} enum values in total; OpenAI allows at most 1000")


def _nullable(node: JSON) -> JSON:
    """``node`` that also accepts null, in the form strict mode documents."""
    types = node.get("type")
    if isinstance(types, str) and types != "object" and "anyOf" not in node:
        out = {**node, "type": [types, "null"]}
    elif isinstance(types, list) and "object" not in types and "anyOf" not in node:
        out = {**node, "type": [*types, "null"]}
    elif isinstance(node.get("anyOf"), list) and set(node) <= {"anyOf", "description", "title"}:
        return {**node, "anyOf": [*node["anyOf"], {"type": "null"}]}
    else:
        # Objects, refs and anything else: a union, with the annotations kept outside.
        outer = {k: node[k] for k in ("description", "title") if k in node}
        inner = {k: v for k, v in node.items() if k not in outer}
        return {"anyOf": [inner, {"type": "null"}], **outer}
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]  # an enum restricts values, so null must be listed too
    return out


class Restorer:
    """Walks an answer alongside the original schema, dropping nulls that strict mode added."""

    def __init__(self, root: JSON) -> None:
        self.root = root
        # on first use, and through lazy: importing jsonschema is slow
        self.check = lazy.jsonschema().Draft202012Validator(root)

    def fits(self, value: Any, schema: Any) -> bool:
        return self.check.evolve(schema=schema).is_valid(value)

    def restore(self, value: Any, schema: Any, depth: int) -> Any:
        if not isinstance(schema, dict) or depth > 64:  # 64: deeper than any answer, short of a cycle
            return value
        ref = schema.get("$ref")
        if isinstance(ref, str):
            with contextlib.suppress(LookupError):
                value = self.restore(value, resolve_ref(self.root, ref), depth + 1)
        for part in schema.get("allOf") or []:
            value = self.restore(value, part, depth + 1)
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                value = self.union(value, schema[key], depth)
        if isinstance(value, dict):
            props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
            extra = schema.get("additionalProperties")
            required = set(schema.get("required") or [])
            out: JSON = {}
            for key, item in value.items():
                sub = props.get(key, extra if isinstance(extra, dict) else None)
                if item is None and key in props and key not in required and not self.fits(None, sub):
                    continue  # strict mode's "left out"
                out[key] = self.restore(item, sub, depth + 1) if sub is not None else item
            return out
        if isinstance(value, list):
            prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
            items = schema.get("items")
            return [
                self.restore(v, prefix[i] if i < len(prefix) else items, depth + 1)
                for i, v in enumerate(value)
            ]
        return value

    def union(self, value: Any, variants: list[Any], depth: int) -> Any:
        # Restore as each variant would; keep the first result that then fits it.
        for variant in variants:
            restored = self.restore(value, variant, depth + 1)
            if self.fits(restored, variant):
                return restored
        return value

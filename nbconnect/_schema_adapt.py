"""One schema, every provider: rewrite a JSON Schema into what each provider's structured output accepts.

Each ``for_*`` function takes the user's JSON Schema (``Schema.json``; never modified) and returns an
:class:`Adapted`: the schema to send, a list of human-readable ``changes``, and ``restore()``, which
undoes what the adaptation did to answers before they are validated against the *original* schema.

What each provider needs (see ``docs/providers.md``):

- OpenAI strict (§1.3), Azure (§2.4): ``additionalProperties: false`` on every object, every property
  required (optional ones become nullable, and ``restore()`` drops the nulls again), no ``allOf``,
  ``not``, ``if/then/else``, ``dependent*``; ``oneOf`` becomes ``anyOf``; a ``$ref`` has no siblings.
  Azure also refuses string/number/array/object size and pattern keywords.
- Anthropic ``output_config.format`` (§4.4): ``additionalProperties: false`` on every object, no
  numeric or length bounds, ``minItems`` only 0 or 1; optional properties stay optional.
- Gemini ``responseJsonSchema`` (§5.1): a JSON Schema subset; ``const`` becomes a one-value enum.
- Gemini ``responseSchema`` (§5.1, the older OpenAPI subset): no ``$ref`` (inlined), upper-case types,
  ``nullable`` instead of null unions, no ``additionalProperties``, ``propertyOrdering`` added.

A keyword the provider does not accept is not silently lost: its constraint is written into the
``description`` (so the model can still follow it) and recorded in ``changes``; answers are always
validated locally against the original schema, so the constraint is still enforced.
"""

from __future__ import annotations

import contextlib
import copy
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

__all__ = ["Adapted", "for_anthropic", "for_gemini", "for_gemini_legacy", "for_openai_strict", "resolve_ref"]

JSON = dict[str, Any]

# Keywords that only carry meaning for tooling; they are dropped rather than moved into descriptions.
_DROP = frozenset(
    {"$schema", "$id", "$comment", "$anchor", "$vocabulary", "readOnly", "writeOnly", "deprecated"}
)
_OPENAI_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
_ANTHROPIC_FORMATS = _OPENAI_FORMATS | {"uri"}
_BASE = frozenset({"type", "properties", "required", "additionalProperties", "items", "anyOf", "enum"})
_ANNOTATE = frozenset({"description", "title", "$ref", "$defs", "definitions"})


@dataclass(frozen=True)
class Adapted:
    """A schema rewritten for one provider.

    ``schema`` is what to send; ``changes`` says, for people, what was changed and why.
    :meth:`restore` maps an answer back to the shape the original schema describes.
    """

    schema: JSON
    changes: list[str] = field(default_factory=list)
    # The original schema when the adaptation made optional properties nullable (OpenAI strict);
    # None when answers need no restoring.
    _nulls_for: JSON | None = field(default=None, repr=False, compare=False)

    def restore(self, value: Any) -> Any:
        """Undo the adaptation's effect on an answer (a new value; the argument is not modified).

        For OpenAI strict mode this drops ``"key": None`` wherever the original schema had ``key``
        optional and not accepting null: strict mode made it required-but-nullable, so null is the
        provider's way of saying "left out". It walks the original schema, following ``$ref``,
        ``allOf``, ``anyOf``/``oneOf`` (the variant that fits), ``items`` and ``prefixItems``.
        """
        if self._nulls_for is None:
            return value
        return _Restorer(self._nulls_for).restore(value, self._nulls_for, 0)


def for_openai_strict(schema: JSON, *, azure: bool = False) -> Adapted:
    """The schema for ``response_format: {"type": "json_schema", "strict": true}`` (OpenAI, Azure)."""
    walker = _OpenAIStrict(_json_of(schema), azure=azure)
    return Adapted(walker.run(), walker.changes, _json_of(schema))


def for_anthropic(schema: JSON) -> Adapted:
    """The schema for Anthropic's ``output_config.format`` (and strict tools)."""
    walker = _Anthropic(_json_of(schema))
    return Adapted(walker.run(), walker.changes)


def for_gemini(schema: JSON) -> Adapted:
    """The schema for Gemini's ``generationConfig.responseJsonSchema``."""
    walker = _Gemini(_json_of(schema))
    return Adapted(walker.run(), walker.changes)


def for_gemini_legacy(schema: JSON) -> Adapted:
    """The schema for Gemini's older ``generationConfig.responseSchema`` (an OpenAPI subset)."""
    walker = _GeminiLegacy(_json_of(schema))
    return Adapted(walker.run(), walker.changes)


def resolve_ref(root: JSON, ref: str) -> Any:
    """The value a local ``$ref`` (``#`` or ``#/json/pointer``) points to; LookupError otherwise."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        raise LookupError(f"'{ref}' is not a local reference")
    node: Any = root
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")  # JSON Pointer escapes
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise LookupError(f"'{ref}' points to nothing in this schema")
    return node


def _json_of(schema: Any) -> JSON:
    # Adapters hold a Schema; accepting it here too saves them a ".json" and a class of mistakes.
    return schema.json if hasattr(schema, "json") and isinstance(schema.json, dict) else schema


def _q(where: str) -> str:
    return f"'{where}'" if where else "the root object"


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _types(node: JSON) -> list[str]:
    t = node.get("type")
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []


def _is_object(node: JSON) -> bool:
    return "object" in _types(node) or "properties" in node


# -- the shared walk -------------------------------------------------------------------------------


class _Walker:
    """Copies a schema node by node; subclasses say what each provider keeps and how objects look."""

    provider = ""
    keep: frozenset[str] = _BASE | _ANNOTATE
    formats: frozenset[str] | None = None  # None: every format passes
    const_to_enum = True

    def __init__(self, root: JSON) -> None:
        self.root = copy.deepcopy(root)  # the result shares nothing with the caller's schema
        self.changes: list[str] = []
        self._refs: list[str] = []  # the $refs being expanded on the current path, for cycle checks
        self._closed: list[str] = []  # objects that got additionalProperties: false
        from jsonschema import Draft202012Validator  # on first use: importing jsonschema is slow

        self._null_check = Draft202012Validator(root)

    def run(self) -> JSON:
        self._refs.append("#")
        out = self.visit(self.root, "")
        if self._closed:
            places = ", ".join(_q(w) for w in self._closed[:6]) + (", ..." if len(self._closed) > 6 else "")
            self.changes.insert(
                0,
                f"set additionalProperties: false on {len(self._closed)} object(s): {places} "
                f"({self.provider} needs it on every object)",
            )
        self.finish(out)
        return out if out is not None else {"type": "object", "properties": {}}

    def finish(self, out: JSON) -> None:
        """Whole-schema checks after the walk (limits, recursion)."""

    def accepts_null(self, original: Any) -> bool:
        return self._null_check.evolve(schema=original).is_valid(None)

    def visit(self, node: Any, where: str) -> Any:
        if not isinstance(node, dict):
            return node  # boolean schemas pass through
        depth = len(self._refs)
        try:
            prepared = self.prepare(dict(node), where)
            if prepared is None:
                return None
            return self.visit_children(prepared, where)
        finally:
            del self._refs[depth:]

    def prepare(self, node: JSON, where: str) -> JSON | None:
        """Merge allOf, inline a $ref that has siblings, rename oneOf; loops until nothing changes."""
        while True:
            if isinstance(node.get("allOf"), list):
                node = self.merge_all_of(node, where)
                continue
            ref = node.get("$ref")
            if isinstance(ref, str) and self.must_inline(node):
                if ref in self._refs:
                    return self.recursive_ref(node, where)
                target = resolve_ref(self.root, ref)
                self._refs.append(ref)
                # The ref's siblings (a description, say) describe this use and win over the target's.
                node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
                continue
            break
        if "oneOf" in node:
            variants = node.pop("oneOf")
            if "anyOf" in node:
                node["allOf"] = [{"anyOf": node.pop("anyOf")}, {"anyOf": variants}]
                return self.prepare(node, where)
            node["anyOf"] = variants
            self.changes.append(f"changed oneOf to anyOf in {_q(where)} ({self.provider} has no oneOf)")
        if self.const_to_enum and "const" in node:
            node["enum"] = [node.pop("const")]  # same meaning, and every provider knows enum
        return node

    def must_inline(self, node: JSON) -> bool:
        return len(node) > 1  # OpenAI and Anthropic: a $ref stands alone

    def recursive_ref(self, node: JSON, where: str) -> JSON | None:
        dropped = sorted(k for k in node if k != "$ref")
        self.changes.append(
            f"dropped {', '.join(dropped)} next to the recursive $ref of {_q(where)} "
            f"({self.provider} allows no keywords beside a $ref)"
        )
        return {"$ref": node["$ref"]}

    def merge_all_of(self, node: JSON, where: str) -> JSON:
        parts = node.pop("allOf")
        merged: JSON = {}
        conflicts: list[str] = []
        for part in [*parts, node]:  # the node's own keys come last and win
            own = part is node
            part = self.deref(part)
            if isinstance(part.get("allOf"), list):
                part = self.merge_all_of(dict(part), where)
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    props = merged.setdefault("properties", {})
                    for name, sub in value.items():
                        if name in props and props[name] != sub and not own:
                            conflicts.append(f"properties.{name}")
                        else:
                            props[name] = sub
                elif key == "required" and isinstance(value, list):
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                elif key in merged and merged[key] != value and not own:
                    conflicts.append(key)
                else:
                    merged[key] = value
        if len(parts) > 1:
            self.changes.append(f"merged the {len(parts)} allOf schemas of {_q(where)} into one")
        if conflicts:
            self.changes.append(
                f"kept the first of conflicting {', '.join(sorted(set(conflicts)))} in the allOf of {_q(where)}"
            )
        return merged

    def deref(self, part: Any) -> JSON:
        for _ in range(16):  # a chain of refs to refs, but never a cycle
            if not (isinstance(part, dict) and isinstance(part.get("$ref"), str)):
                break
            target = resolve_ref(self.root, part["$ref"])
            part = {**target, **{k: v for k, v in part.items() if k != "$ref"}}
        return part if isinstance(part, dict) else {}

    def visit_children(self, node: JSON, where: str) -> JSON | None:
        original_props = dict(node["properties"]) if isinstance(node.get("properties"), dict) else {}
        if original_props:
            props: JSON = {}
            for name, sub in original_props.items():
                out = self.visit(sub, _join(where, name))
                if out is None:
                    self.changes.append(
                        f"dropped {_q(_join(where, name))}: it is recursive and {self.provider} cannot express that"
                    )
                    if isinstance(node.get("required"), list):
                        node["required"] = [r for r in node["required"] if r != name]
                    continue
                props[name] = out
            node["properties"] = props
        if isinstance(node.get("items"), dict):
            node["items"] = self.visit(node["items"], f"{where}[]")
            if node["items"] is None:
                return None
        if isinstance(node.get("prefixItems"), list):
            node["prefixItems"] = [self.visit(s, f"{where}[{i}]") for i, s in enumerate(node["prefixItems"])]
            if None in node["prefixItems"]:
                return None
        if isinstance(node.get("anyOf"), list):
            variants = [self.visit(s, where) for s in node["anyOf"]]
            node["anyOf"] = [v for v in variants if v is not None]
            if not node["anyOf"]:
                return None
        if isinstance(node.get("additionalProperties"), dict):
            node["additionalProperties"] = self.visit(node["additionalProperties"], f"{where}{{}}")
        for key in ("$defs", "definitions"):
            if isinstance(node.get(key), dict):
                node[key] = {n: self.visit_def(key, n, s) for n, s in node[key].items()}
        return self.rules(node, where, original_props)

    def visit_def(self, key: str, name: str, sub: Any) -> Any:
        self._refs.append(f"#/{key}/{name}")
        try:
            return self.visit(sub, f"{key}/{name}")
        finally:
            self._refs.pop()

    def rules(self, node: JSON, where: str, original_props: JSON) -> JSON:
        """The provider's own rules for one node whose children are already adapted."""
        if _is_object(node):
            self.close_object(node, where)
        self.filter(node, where)
        return node

    def close_object(self, node: JSON, where: str) -> None:
        absent = "additionalProperties" not in node
        extra = node.get("additionalProperties")
        if extra is False:
            return
        node["additionalProperties"] = False
        if node.get("properties") and absent:
            self._closed.append(where)
        elif not node.get("properties"):
            self.changes.append(
                f"{_q(where)} is a map with free keys, which {self.provider} cannot express: "
                "it can only come back as an empty object; list its keys as properties instead"
            )
        else:
            self.changes.append(
                f"set additionalProperties: false on {_q(where)} (was {json.dumps(extra)}; "
                f"{self.provider} needs false): only the listed properties can come back"
            )

    def supported(self, key: str, value: Any, node: JSON, where: str) -> bool:
        if key == "format":
            return key in self.keep and (self.formats is None or value in self.formats)
        return key in self.keep

    def filter(self, node: JSON, where: str, also: tuple[str, ...] = ()) -> None:
        """Move what the provider does not accept (and ``also``) into the description; drop annotations."""
        moved: JSON = {}
        dropped: list[str] = []
        if "default" in node and node["default"] is None:
            del node["default"]  # pydantic's default for Optional fields; the null union says it already
        for key in list(node):
            if key not in also and self.supported(key, node[key], node, where):
                continue
            value = node.pop(key)
            if key in _DROP:
                dropped.append(key)
            else:
                moved[key] = value
        if moved:
            text = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in moved.items())
            described = node.get("description")
            node["description"] = (
                f"{described} ({text})" if isinstance(described, str) and described else f"({text})"
            )
            self.changes.append(
                f"moved '{text}' of {_q(where)} into its description (not supported by {self.provider})"
            )
        if dropped:
            self.changes.append(
                f"dropped {', '.join(dropped)} of {_q(where)} (not supported by {self.provider})"
            )


def _walk_refs(schema: JSON) -> tuple[int, int, int, str | None]:
    """(properties in total, object nesting depth, enum values in total, a recursive $ref or None)."""
    totals = {"props": 0, "enums": 0}
    cycle: list[str] = []

    def walk(node: Any, level: int, stack: tuple[str, ...]) -> int:
        if not isinstance(node, dict):
            return level
        deepest = level
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                cycle.append(ref)
            else:
                with contextlib.suppress(LookupError):
                    deepest = max(deepest, walk(resolve_ref(schema, ref), level, (*stack, ref)))
        if _is_object(node):
            level += 1
            deepest = max(deepest, level)
            totals["props"] += len(node.get("properties") or {})
        if isinstance(node.get("enum"), list):
            totals["enums"] += len(node["enum"])
        children: list[Any] = [*(node.get("properties") or {}).values(), node.get("items")]
        children += [*(node.get("anyOf") or []), *(node.get("prefixItems") or [])]
        for child in children:
            deepest = max(deepest, walk(child, level, stack))
        return deepest

    depth = walk(schema, 0, ("#",))
    return totals["props"], depth, totals["enums"], (cycle[0] if cycle else None)


# -- providers -------------------------------------------------------------------------------------


class _OpenAIStrict(_Walker):
    # §1.3: what strict mode accepts (const is rewritten to enum, which it also accepts).
    keep = (
        _BASE
        | _ANNOTATE
        | {"pattern", "format", "multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
        | {"minItems", "maxItems"}
    )
    formats = _OPENAI_FORMATS
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
        if _is_object(node):
            props = node.setdefault("properties", {})
            required = set(node.get("required") or [])
            for name in props:
                if name in required:
                    continue
                label = _q(_join(where, name))
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
        props, depth, enums, _ = _walk_refs(out)
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


class _Anthropic(_Walker):
    provider = "Anthropic structured outputs"
    keep = _BASE | _ANNOTATE | {"allOf", "const", "pattern", "format", "minItems"}
    formats = _ANTHROPIC_FORMATS
    const_to_enum = False

    def supported(self, key: str, value: Any, node: JSON, where: str) -> bool:
        if key == "minItems":
            return value in (0, 1)
        return super().supported(key, value, node, where)

    def finish(self, out: JSON) -> None:
        cycle = _walk_refs(out)[3]
        if cycle:
            self.changes.append(
                f"warning: the schema is recursive ({cycle} refers back to itself); Anthropic "
                "structured outputs reject recursive schemas, so use the forced-tool mode or flatten it"
            )


class _Gemini(_Walker):
    provider = "Gemini responseJsonSchema"
    keep = (
        _BASE
        | _ANNOTATE
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
        cycle = _walk_refs(out)[3]
        if cycle:
            self.changes.append(
                f"warning: the schema is recursive ({cycle}); Gemini unrolls cycles only a little "
                "and only in optional properties"
            )


def _is_number_or_str(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


class _GeminiLegacy(_Walker):
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
        types = _types(node)
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
                f"removed additionalProperties ({what}) from {_q(where)}: {self.provider} does not "
                "accept it (answers are still checked against it locally)"
            )
        if isinstance(node.get("properties"), dict) and "propertyOrdering" not in node:
            node["propertyOrdering"] = list(node["properties"])  # Gemini would sort keys otherwise
        enum = node.get("enum")
        # responseSchema enums are strings only; other values can only be asked for in words.
        non_string = isinstance(enum, list) and not all(isinstance(v, str) for v in enum)
        self.filter(node, where, also=("enum",) if non_string else ())
        return node


class _Restorer:
    """Walks an answer alongside the original schema, dropping nulls that strict mode added."""

    def __init__(self, root: JSON) -> None:
        self.root = root
        from jsonschema import Draft202012Validator

        self.check = Draft202012Validator(root)

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

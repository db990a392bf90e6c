"""The walk every provider adaptation shares: copy a JSON Schema node by node, applying rules.

:class:`Walker` merges ``allOf``, inlines ``$ref`` where a provider needs it, renames ``oneOf``,
closes objects with ``additionalProperties: false`` and moves keywords a provider does not accept
into the ``description``; each provider's subclass (:mod:`nbconnect._schema.openai`,
:mod:`nbconnect._schema.anthropic_gemini`) says what it keeps. :func:`walk_refs` measures the
result for the providers' size limits and recursion checks; :func:`resolve_ref` follows a local
``$ref``. The public entry points are in :mod:`nbconnect._schema.adapt`.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any
from urllib.parse import unquote

from . import lazy

__all__ = [
    "ANNOTATE",
    "ANTHROPIC_FORMATS",
    "BASE",
    "JSON",
    "OPENAI_FORMATS",
    "Walker",
    "child_path",
    "find_ref",
    "is_object",
    "look_through",
    "quoted",
    "resolve_ref",
    "types_of",
    "walk_refs",
]

JSON = dict[str, Any]

# Keywords that only carry meaning for tooling; they are dropped rather than moved into descriptions.
_DROP = frozenset(
    {"$schema", "$id", "$comment", "$anchor", "$vocabulary", "readOnly", "writeOnly", "deprecated"}
)
OPENAI_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
ANTHROPIC_FORMATS = OPENAI_FORMATS | {"uri"}
BASE = frozenset({"type", "properties", "required", "additionalProperties", "items", "anyOf", "enum"})
ANNOTATE = frozenset({"description", "title", "$ref", "$defs", "definitions"})


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


def find_ref(root: JSON, ref: str, default: Any = None) -> Any:
    """Like :func:`resolve_ref`, also for ``#name`` (a ``$anchor``); ``default`` when it points nowhere."""
    if ref.startswith("#") and not ref.startswith("#/") and ref != "#":
        found = _find_anchor(root, ref[1:])
        return default if found is None else found
    try:
        return resolve_ref(root, ref)
    except LookupError:
        return default


def _find_anchor(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        if node.get("$anchor") == name:
            return node
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_anchor(child, name)
        if found is not None:
            return found
    return None


def look_through(node: Any, root: JSON) -> Any:
    """``node`` with local ``$ref`` followed and a nullable ``anyOf``/``oneOf`` (pydantic's
    ``Optional``) unwrapped to its one real branch; None for a dangling ref or a ``$ref`` cycle."""
    for _ in range(32):  # a $ref cycle must not hang us
        if not isinstance(node, dict):
            return None
        ref = node.get("$ref")
        if isinstance(ref, str):
            node = find_ref(root, ref)
            continue
        options = node.get("anyOf") or node.get("oneOf")
        if isinstance(options, list):
            real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            if len(real) == 1:
                node = real[0]
                continue
        return node
    return None


def quoted(where: str) -> str:
    return f"'{where}'" if where else "the root object"


def child_path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def types_of(node: JSON) -> list[str]:
    t = node.get("type")
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []


def is_object(node: JSON) -> bool:
    return "object" in types_of(node) or "properties" in node


# -- the shared walk -------------------------------------------------------------------------------


class Walker:
    """Copies a schema node by node; subclasses say what each provider keeps and how objects look."""

    provider = ""
    keep: frozenset[str] = BASE | ANNOTATE
    formats: frozenset[str] | None = None  # None: every format passes
    const_to_enum = True

    def __init__(self, root: JSON) -> None:
        self.root = copy.deepcopy(root)  # the result shares nothing with the caller's schema
        self.changes: list[str] = []
        self._refs: list[str] = []  # the $refs being expanded on the current path, for cycle checks
        self._closed: list[str] = []  # objects that got additionalProperties: false
        # on first use, and through lazy: importing jsonschema is slow
        self._null_check = lazy.jsonschema().Draft202012Validator(root)

    def run(self) -> JSON:
        self._refs.append("#")
        out = self.visit(self.root, "")
        if self._closed:
            more = ", ..." if len(self._closed) > 6 else ""
            places = ", ".join(quoted(w) for w in self._closed[:6]) + more
            self.changes.insert(
                0,
                f"set additionalProperties: false on {len(self._closed)} object(s): {places} "
                f"({self.provider} needs it on every object)",
            )
        self.finish(out)
        return out if out is not None else {"type": "object", "properties": {}}

    def finish(self, out: JSON) -> None:
        """Whole-schema checks after the walk (limits, recursion)."""

    def warn_if_recursive(self, out: JSON, consequence: str) -> None:
        """Add a warning to ``changes`` if ``out`` refers back to itself; ``consequence`` follows
        "the schema is recursive " and may name the ``$ref`` as ``{ref}``."""
        cycle = walk_refs(out)[3]
        if cycle:
            self.changes.append("warning: the schema is recursive " + consequence.format(ref=cycle))

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
            self.changes.append(f"changed oneOf to anyOf in {quoted(where)} ({self.provider} has no oneOf)")
        if self.const_to_enum and "const" in node:
            node["enum"] = [node.pop("const")]  # same meaning, and every provider knows enum
        return node

    def must_inline(self, node: JSON) -> bool:
        return len(node) > 1  # OpenAI and Anthropic: a $ref stands alone

    def recursive_ref(self, node: JSON, where: str) -> JSON | None:
        dropped = sorted(k for k in node if k != "$ref")
        self.changes.append(
            f"dropped {', '.join(dropped)} next to the recursive $ref of {quoted(where)} "
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
            self.changes.append(f"merged the {len(parts)} allOf schemas of {quoted(where)} into one")
        if conflicts:
            self.changes.append(
                f"kept the first of conflicting {', '.join(sorted(set(conflicts)))} in the allOf of {quoted(where)}"
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
                out = self.visit(sub, child_path(where, name))
                if out is None:
                    self.changes.append(
                        f"dropped {quoted(child_path(where, name))}: it is recursive and {self.provider} cannot express that"
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
        if is_object(node):
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
                f"{quoted(where)} is a map with free keys, which {self.provider} cannot express: "
                "it can only come back as an empty object; list its keys as properties instead"
            )
        else:
            self.changes.append(
                f"set additionalProperties: false on {quoted(where)} (was {json.dumps(extra)}; "
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
                f"moved '{text}' of {quoted(where)} into its description (not supported by {self.provider})"
            )
        if dropped:
            self.changes.append(
                f"dropped {', '.join(dropped)} of {quoted(where)} (not supported by {self.provider})"
            )


def walk_refs(schema: JSON) -> tuple[int, int, int, str | None]:
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
        if is_object(node):
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

"""Schema-true values: one walk over a JSON Schema that writes a value satisfying it.

:class:`ValueWalk` is the walk (``$ref``, ``allOf``, ``anyOf``/``oneOf``, type lists, objects,
arrays, a depth limit for recursive schemas); it leaves every leaf choice to a hook. Two walkers
share it: :class:`TextValues` (what ``nbconnect.testing.FakeProvider`` answers, seeded by the
text: :func:`answer_for`, :func:`broken_answer`) and the offline Demo's reader of reviews in
:mod:`nbconnect._wire.demo`. Leaf writers live in :mod:`nbconnect._schema.leaves`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from collections.abc import Mapping
from typing import Any

from .leaves import as_number, number_in, string_in
from .walk import find_ref

__all__ = ["TextValues", "ValueWalk", "answer_for", "as_number", "broken_answer"]

MAX_DEPTH = 5  # past this: only required properties, minimum array length, the null branch
_HARD_DEPTH = 40  # a schema with no way out (required self-reference) stops here with null
_WORD = re.compile(r"[^\W_][\w'-]*")


class ValueWalk:
    """The walk over ``root``; subclasses choose the leaves (``name`` is the property being written)."""

    def __init__(self, root: Any) -> None:
        self.root = root if isinstance(root, Mapping) else {}

    def resolve(self, ref: str) -> Any:
        """What a local ``$ref`` points to; ``{}`` (anything goes) for an external or unknown one."""
        return find_ref(self.root, ref, {})

    def value(self, s: Any, depth: int = 0, name: str = "") -> Any:
        if depth > _HARD_DEPTH or s is False:
            return None
        if not isinstance(s, dict) or not s:
            return self.anything(name)
        if "$ref" in s:
            target = self.resolve(s["$ref"])
            rest = {k: v for k, v in s.items() if k != "$ref"}
            merged = {**target, **rest} if rest and isinstance(target, dict) else target
            return self.value(merged, depth + 1, name)
        if "const" in s:
            return copy.deepcopy(s["const"])
        if isinstance(s.get("enum"), list) and s["enum"]:
            return copy.deepcopy(self.enum(s["enum"], name))
        if isinstance(s.get("allOf"), list):
            return self.value(self.merge_all_of(s), depth, name)
        for key in ("anyOf", "oneOf"):
            if isinstance(s.get(key), list) and s[key]:
                return self.value(self.choose(s[key], depth), depth + 1, name)
        kind = s.get("type")
        if isinstance(kind, list):
            kind = self.choose_type(kind, depth)
        return self.typed(str(kind or _implied_type(s)).lower(), s, depth, name)

    def typed(self, kind: str, s: Mapping, depth: int, name: str) -> Any:
        if kind == "object":
            return self.object(s, depth, name)
        if kind == "array":
            return self.array(s, depth, name)
        if kind in ("integer", "number"):
            return self.number(s, kind == "integer", name)
        if kind == "boolean":
            return self.boolean(name)
        if kind == "null":
            return None
        return self.string(s, name)

    def merge_all_of(self, s: Mapping) -> dict:
        out = {k: v for k, v in s.items() if k != "allOf"}
        for sub in s["allOf"]:
            while isinstance(sub, dict) and "$ref" in sub:
                sub = self.resolve(sub["$ref"])
            for key, val in (sub or {}).items():
                if key == "properties":
                    out["properties"] = {**out.get("properties", {}), **val}
                elif key == "required":
                    out["required"] = list(dict.fromkeys([*out.get("required", []), *val]))
                else:
                    out.setdefault(key, val)
        return out

    # -- the hooks: how each walker chooses ---------------------------------------------------
    def anything(self, name: str) -> Any:
        raise NotImplementedError

    def enum(self, options: list, name: str) -> Any:
        raise NotImplementedError

    def choose(self, options: list, depth: int) -> Any:
        raise NotImplementedError

    def choose_type(self, kinds: list, depth: int) -> str | None:
        raise NotImplementedError

    def object(self, s: Mapping, depth: int, name: str) -> dict:
        raise NotImplementedError

    def array(self, s: Mapping, depth: int, name: str) -> list:
        raise NotImplementedError

    def number(self, s: Mapping, integer: bool, name: str) -> int | float:
        raise NotImplementedError

    def boolean(self, name: str) -> bool:
        raise NotImplementedError

    def string(self, s: Mapping, name: str) -> str:
        raise NotImplementedError


def _implied_type(s: Mapping) -> str:
    """The type a schema without ``type`` implies by its keywords."""
    if "properties" in s or "required" in s:
        return "object"
    if "items" in s or "prefixItems" in s:
        return "array"
    if any(k in s for k in ("minimum", "maximum", "multipleOf")):
        return "number"
    return "string"


def _recursive(s: Any) -> bool:
    return isinstance(s, dict) and ("$ref" in s or any(k in s for k in ("properties", "items")))


class TextValues(ValueWalk):
    """The fake's walker: ``rng`` is seeded by the text and words are taken from it."""

    def __init__(self, root: Any, text: str):
        super().__init__(root)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        self.rng = random.Random(int.from_bytes(digest[:8], "big"))
        self.words = _WORD.findall(text) or ["nothing"]

    def phrase(self, lo: int = 1, hi: int = 3) -> str:
        n = self.rng.randint(lo, hi)
        start = self.rng.randrange(len(self.words))
        return " ".join(self.words[(start + k) % len(self.words)] for k in range(n))

    def anything(self, name: str) -> Any:
        return self.phrase()

    def enum(self, options: list, name: str) -> Any:
        return self.rng.choice(options)

    def choose(self, options: list, depth: int) -> Any:
        nulls = [o for o in options if isinstance(o, dict) and o.get("type") == "null"]
        others = [o for o in options if o not in nulls] or options
        if nulls and (depth >= MAX_DEPTH or self.rng.random() < 0.2):
            return nulls[0]
        if depth >= MAX_DEPTH:
            others = [o for o in others if not _recursive(o)] or others
        return self.rng.choice(others)

    def choose_type(self, kinds: list, depth: int) -> str | None:
        others = [k for k in kinds if k != "null"]
        if "null" in kinds and (not others or depth >= MAX_DEPTH or self.rng.random() < 0.2):
            return "null"
        return self.rng.choice(others) if others else None

    def object(self, s: Mapping, depth: int, name: str) -> dict:
        props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        required = [k for k in s.get("required") or [] if isinstance(k, str)]
        ordering = [k for k in s.get("propertyOrdering") or [] if k in props]
        deep = depth >= MAX_DEPTH
        out: dict[str, Any] = {}
        for key in ordering + [k for k in props if k not in ordering]:
            if key in required or (not deep and self.rng.random() < 0.8):
                out[key] = self.value(props[key], depth + 1, key)
        extra = s.get("additionalProperties", True)
        for key in required:
            if key not in out:
                out[key] = self.value(extra if isinstance(extra, dict) else {}, depth + 1, key)
        want = int(as_number(s.get("minProperties"), 0))
        i = 0
        while len(out) < want and extra is not False:
            out.setdefault(f"key{i}", self.value(extra if isinstance(extra, dict) else {}, depth + 1))
            i += 1
        return out

    def array(self, s: Mapping, depth: int, name: str) -> list:
        lo_items, hi_items = int(as_number(s.get("minItems"), 0)), as_number(s.get("maxItems"))
        prefix = s.get("prefixItems") if isinstance(s.get("prefixItems"), list) else []
        items = s.get("items", {})
        if isinstance(items, list):  # draft-4 tuple form
            prefix, items = items, s.get("additionalItems", {})
        deep = depth >= MAX_DEPTH
        lo = lo_items if deep else max(lo_items, 1)
        hi = lo if deep else max(lo, lo_items + 2)
        if hi_items is not None:
            hi, lo = min(hi, int(hi_items)), min(lo, int(hi_items))
        out: list = []
        seen: set[str] = set()
        for i in range(self.rng.randint(lo, max(lo, hi))):
            sub = prefix[i] if i < len(prefix) else items
            if sub is False:
                break
            item = self.value(sub, depth + 1, name)
            if s.get("uniqueItems"):
                for _ in range(8):
                    key = json.dumps(item, sort_keys=True)
                    if key not in seen:
                        break
                    item = self.value(sub, depth + 1, name)
                else:
                    break  # no other distinct value to be found; stop here
                seen.add(key)
            out.append(item)
        return out

    def number(self, s: Mapping, integer: bool, name: str) -> int | float:
        return number_in(s, integer, self.rng)

    def boolean(self, name: str) -> bool:
        return self.rng.random() < 0.5

    def string(self, s: Mapping, name: str) -> str:
        return string_in(s, self.rng, self.words, fallback=self.phrase, slug=self.slug)

    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]", "", self.rng.choice(self.words).lower()) or "user"


def answer_for(schema: Any, text: str) -> Any:
    """Return a JSON value that satisfies the JSON Schema ``schema``, chosen from ``text``.

    The same ``(schema, text)`` always gives the same value and different texts give different
    values (enum members, words taken from the text, numbers...), so rows of a table get
    distinguishable answers. Supports objects, arrays (``prefixItems``, ``minItems``/``maxItems``,
    ``uniqueItems``), ``enum``/``const``, strings (``format``, ``pattern``, lengths), numbers and
    integers (bounds, ``multipleOf``), booleans, null, type lists, ``anyOf``/``oneOf``/``allOf``
    and local ``$ref`` into ``$defs``/``definitions`` (recursion included). ``schema=None`` gives
    ``{"answer": "..."}``. For Gemini's OpenAPI-style ``responseSchema`` convert it first with
    :func:`openapi_to_json_schema`.
    """
    gen = TextValues(schema, text)
    if schema is None:
        return {"answer": gen.phrase(2, 6)}
    return gen.value(schema, 0)


def broken_answer(schema: Any, text: str) -> Any:
    """Return JSON that does *not* satisfy ``schema``: a required key dropped, else a wrong type."""
    value = answer_for(schema, text)
    root = schema if isinstance(schema, Mapping) else {}
    if "$ref" in root:
        root = TextValues(root, text).resolve(root["$ref"])
    if isinstance(value, dict):
        required = [k for k in root.get("required") or [] if k in value]
        if required:
            del value[required[0]]
            return value
        for key, item in value.items():
            value[key] = 12345 if isinstance(item, str) else "not the right type"
            return value
    return ["not", "what", "the", "schema", "asked", "for"]

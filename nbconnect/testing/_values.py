"""Schema-true values: what the fake answers, as a pure function of a JSON Schema and a text.

:func:`answer_for` is public (``nbconnect.testing``) so tests can predict an answer;
:func:`broken_answer` is its schema-violating twin for the ``broken_json`` fault, and
:func:`openapi_to_json_schema` reads Gemini's OpenAPI-style ``responseSchema``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ._regex import matching_string

__all__ = ["answer_for", "as_number", "broken_answer", "openapi_to_json_schema"]

_MAX_DEPTH = 5  # past this: only required properties, minimum array length, the null branch
_HARD_DEPTH = 40  # a schema with no way out (required self-reference) stops here with null
_WORD = re.compile(r"[^\W_][\w'-]*")


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
    gen = _Gen(schema if isinstance(schema, Mapping) else {}, text)
    if schema is None:
        return {"answer": gen.phrase(2, 6)}
    return gen.value(schema, 0)


def broken_answer(schema: Any, text: str) -> Any:
    """Return JSON that does *not* satisfy ``schema``: a required key dropped, else a wrong type."""
    value = answer_for(schema, text)
    root = schema if isinstance(schema, Mapping) else {}
    if "$ref" in root:
        root = _Gen(root, text).resolve(root["$ref"])
    if isinstance(value, dict):
        required = [k for k in root.get("required") or [] if k in value]
        if required:
            del value[required[0]]
            return value
        for key, item in value.items():
            value[key] = 12345 if isinstance(item, str) else "not the right type"
            return value
    return ["not", "what", "the", "schema", "asked", "for"]


def openapi_to_json_schema(schema: Any) -> Any:
    """Convert Gemini's OpenAPI 3.0 ``responseSchema`` (``"type": "STRING"``, ``nullable``) to JSON Schema."""
    if isinstance(schema, list):
        return [openapi_to_json_schema(s) for s in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, val in schema.items():
        if key in ("properties", "$defs", "definitions") and isinstance(val, Mapping):
            out[key] = {name: openapi_to_json_schema(sub) for name, sub in val.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(val, Mapping):
            out[key] = openapi_to_json_schema(val)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(val, list):
            out[key] = [openapi_to_json_schema(sub) for sub in val]
        elif key == "type" and isinstance(val, str):
            if val.upper() != "TYPE_UNSPECIFIED":
                out[key] = val.lower()
        elif key in _INT_KEYWORDS and isinstance(val, str) and val.lstrip("-").isdigit():
            out[key] = int(val)  # proto JSON writes int64 as strings
        elif key == "nullable" or (key == "format" and val == "enum"):
            continue
        else:
            out[key] = val
    if schema.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    return out


_FORMATS = {  # formats we can write; the templates take a slug of a word from the text
    **dict.fromkeys(("date", "date-time", "time", "duration", "ipv4", "ipv6", "uuid"), ""),
    "email": "{}@example.com",
    "idn-email": "{}@example.com",
    "hostname": "{}.example.com",
    "idn-hostname": "{}.example.com",
    "uri": "https://example.com/{}",
    "url": "https://example.com/{}",
    "iri": "https://example.com/{}",
    "uri-reference": "/{}",
}
_INT_KEYWORDS = {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}


def as_number(value: Any, default: Any = None) -> Any:
    """``value`` as an int or float (numeric strings too), else ``default``; booleans are not numbers."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class _Gen:
    """One walk over a schema; ``rng`` is seeded by the text, so the walk is deterministic."""

    def __init__(self, root: Mapping, text: str):
        self.root = root
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        self.rng = random.Random(int.from_bytes(digest[:8], "big"))
        self.words = _WORD.findall(text) or ["nothing"]

    # -- helpers -------------------------------------------------------------------------------
    def phrase(self, lo: int = 1, hi: int = 3) -> str:
        n = self.rng.randint(lo, hi)
        start = self.rng.randrange(len(self.words))
        return " ".join(self.words[(start + k) % len(self.words)] for k in range(n))

    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]", "", self.rng.choice(self.words).lower()) or "user"

    def resolve(self, ref: str) -> Any:
        if ref == "#":
            return self.root
        if ref.startswith("#/"):
            node: Any = self.root
            for part in ref[2:].split("/"):
                part = unquote(part).replace("~1", "/").replace("~0", "~")
                node = node[int(part)] if isinstance(node, list) else node[part]
            return node
        if ref.startswith("#"):
            found = _find_anchor(self.root, ref[1:])
            if found is not None:
                return found
        return {}  # an external or unknown ref: anything goes

    def _recursive(self, s: Any) -> bool:
        return isinstance(s, dict) and ("$ref" in s or any(k in s for k in ("properties", "items")))

    # -- the walk ------------------------------------------------------------------------------
    def value(self, s: Any, depth: int) -> Any:
        if depth > _HARD_DEPTH or s is False:
            return None
        if not isinstance(s, dict) or not s:
            return self.phrase()
        if "$ref" in s:
            target = self.resolve(s["$ref"])
            rest = {k: v for k, v in s.items() if k != "$ref"}
            merged = {**target, **rest} if rest and isinstance(target, dict) else target
            return self.value(merged, depth + 1)
        if "const" in s:
            return copy.deepcopy(s["const"])
        if isinstance(s.get("enum"), list) and s["enum"]:
            return copy.deepcopy(self.rng.choice(s["enum"]))
        if isinstance(s.get("allOf"), list):
            return self.value(self._merge(s), depth)
        for key in ("anyOf", "oneOf"):
            if isinstance(s.get(key), list) and s[key]:
                return self.value(self._choose(s[key], depth), depth + 1)
        kind = s.get("type")
        if isinstance(kind, list):
            kind = self._choose_type(kind, depth)
        if kind is None:
            if "properties" in s or "required" in s:
                kind = "object"
            elif "items" in s or "prefixItems" in s:
                kind = "array"
            elif any(k in s for k in ("minimum", "maximum", "multipleOf")):
                kind = "number"
            else:
                kind = "string"
        kind = str(kind).lower()
        if kind == "object":
            return self._object(s, depth)
        if kind == "array":
            return self._array(s, depth)
        if kind == "integer":
            return self._number(s, integer=True)
        if kind == "number":
            return self._number(s, integer=False)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(s)

    def _merge(self, s: Mapping) -> dict:
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

    def _choose(self, options: list, depth: int) -> Any:
        nulls = [o for o in options if isinstance(o, dict) and o.get("type") == "null"]
        others = [o for o in options if o not in nulls] or options
        if nulls and (depth >= _MAX_DEPTH or self.rng.random() < 0.2):
            return nulls[0]
        if depth >= _MAX_DEPTH:
            flat = [o for o in others if not self._recursive(o)]
            others = flat or others
        return self.rng.choice(others)

    def _choose_type(self, kinds: list, depth: int) -> str | None:
        others = [k for k in kinds if k != "null"]
        if "null" in kinds and (not others or depth >= _MAX_DEPTH or self.rng.random() < 0.2):
            return "null"
        return self.rng.choice(others) if others else None

    def _object(self, s: Mapping, depth: int) -> dict:
        props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        required = [k for k in s.get("required") or [] if isinstance(k, str)]
        ordering = [k for k in s.get("propertyOrdering") or [] if k in props]
        deep = depth >= _MAX_DEPTH
        out: dict[str, Any] = {}
        for name in ordering + [k for k in props if k not in ordering]:
            if name in required or (not deep and self.rng.random() < 0.8):
                out[name] = self.value(props[name], depth + 1)
        extra = s.get("additionalProperties", True)
        for name in required:
            if name not in out:
                out[name] = self.value(extra if isinstance(extra, dict) else {}, depth + 1)
        want = int(as_number(s.get("minProperties"), 0))
        i = 0
        while len(out) < want and extra is not False:
            out.setdefault(f"key{i}", self.value(extra if isinstance(extra, dict) else {}, depth + 1))
            i += 1
        return out

    def _array(self, s: Mapping, depth: int) -> list:
        lo_items, hi_items = int(as_number(s.get("minItems"), 0)), as_number(s.get("maxItems"))
        prefix = s.get("prefixItems") if isinstance(s.get("prefixItems"), list) else []
        items = s.get("items", {})
        if isinstance(items, list):  # draft-4 tuple form
            prefix, items = items, s.get("additionalItems", {})
        deep = depth >= _MAX_DEPTH
        lo = lo_items if deep else max(lo_items, 1)
        hi = lo if deep else max(lo, lo_items + 2)
        if hi_items is not None:
            hi, lo = min(hi, int(hi_items)), min(lo, int(hi_items))
        n = self.rng.randint(lo, max(lo, hi))
        out: list = []
        seen: set[str] = set()
        for i in range(n):
            sub = prefix[i] if i < len(prefix) else items
            if sub is False:
                break
            item = self.value(sub, depth + 1)
            if s.get("uniqueItems"):
                for _ in range(8):
                    key = json.dumps(item, sort_keys=True)
                    if key not in seen:
                        break
                    item = self.value(sub, depth + 1)
                else:
                    break  # no other distinct value to be found; stop here
                seen.add(key)
            out.append(item)
        return out

    def _string(self, s: Mapping) -> str:
        value = self._formatted(s.get("format"))
        if value is None and isinstance(s.get("pattern"), str):
            value = matching_string(s["pattern"], self.rng)
        if value is None:
            value = self.phrase()
        lo, hi = int(as_number(s.get("minLength"), 0)), as_number(s.get("maxLength"))
        while len(value) < lo:
            value += " " + self.rng.choice(self.words)
        if hi is not None:
            value = value[: int(hi)]
        return value

    def _formatted(self, fmt: Any) -> str | None:
        if fmt not in _FORMATS:
            return None
        r = self.rng
        if fmt in ("date", "date-time"):
            day = (_dt.date(2024, 1, 1) + _dt.timedelta(days=r.randrange(730))).isoformat()
            if fmt == "date":
                return day
            return f"{day}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
        if fmt == "time":
            return f"{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
        if fmt == "duration":
            return f"P{r.randint(1, 30)}DT{r.randint(0, 23)}H"
        if fmt == "ipv4":
            return f"192.0.2.{r.randint(1, 254)}"
        if fmt == "ipv6":
            return f"2001:db8::{r.randint(1, 0xFFFF):x}"
        if fmt == "uuid":
            return str(uuid.UUID(int=r.getrandbits(128), version=4))
        return _FORMATS[fmt].format(self.slug())

    def _number(self, s: Mapping, integer: bool) -> int | float:
        lo, hi = as_number(s.get("minimum")), as_number(s.get("maximum"))
        xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        lo_ex = hi_ex = False
        if isinstance(xlo, bool):  # draft-4 style
            lo_ex = xlo
        elif as_number(xlo) is not None and (lo is None or as_number(xlo) >= lo):
            lo, lo_ex = as_number(xlo), True
        if isinstance(xhi, bool):
            hi_ex = xhi
        elif as_number(xhi) is not None and (hi is None or as_number(xhi) <= hi):
            hi, hi_ex = as_number(xhi), True
        if lo is None and hi is None:
            lo, hi = 0, 100
        elif lo is None:
            lo = hi - 100
        elif hi is None:
            hi = lo + 100
        step = as_number(s.get("multipleOf"))
        if step:
            first = math.ceil(lo / step) + (1 if lo_ex and float(lo / step).is_integer() else 0)
            last = math.floor(hi / step) - (1 if hi_ex and float(hi / step).is_integer() else 0)
            ks = list(range(first, max(first, last) + 1))[:200]
            self.rng.shuffle(ks)
            for k in ks:
                value = k * step
                value = round(value) if integer else round(value, 10)
                if isinstance(value, int) or (value / step) == int(value / step):
                    return value
            return ks[0] * step
        if integer:
            first = math.floor(lo) + 1 if lo_ex or lo != math.floor(lo) else int(lo)
            last = math.ceil(hi) - 1 if hi_ex or hi != math.ceil(hi) else int(hi)
            return self.rng.randint(first, max(first, last))
        value = round(self.rng.uniform(lo, hi), 2)
        if value < lo or value > hi or (lo_ex and value == lo) or (hi_ex and value == hi):
            value = (lo + hi) / 2
        return value


def _find_anchor(node: Any, name: str) -> Any:
    if isinstance(node, Mapping):
        if node.get("$anchor") == name:
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_anchor(child, name)
        if found is not None:
            return found
    return None

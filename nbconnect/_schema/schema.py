"""The response schema: one object the user gives, checked once, then adapted per provider.

:func:`as_schema` accepts a pydantic model class, a JSON Schema dict (or its JSON text), or the
short text form of :mod:`nbconnect._schema.dsl`, checks it before any request is made, and returns
a :class:`Schema`. :meth:`Schema.validate` checks an answer locally, whatever the provider promised.

The per-provider adaptations (``for_openai_strict``, ``for_anthropic``, ``for_gemini``,
``for_gemini_legacy`` and their :class:`Adapted` result) live in :mod:`nbconnect._schema.adapt`
and are re-exported here, so adapters import everything schema-related from this module.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .._errors import SchemaError
from . import lazy
from .adapt import (
    Adapted,
    for_anthropic,
    for_gemini,
    for_gemini_legacy,
    for_openai_strict,
    resolve_ref,
)
from .dsl import parse_dsl

if TYPE_CHECKING:  # jsonschema is imported on first use: with its optional format packages it is slow
    import jsonschema
    from jsonschema.protocols import Validator

__all__ = [
    "Adapted",
    "Schema",
    "as_schema",
    "for_anthropic",
    "for_gemini",
    "for_gemini_legacy",
    "for_openai_strict",
    "parse_dsl",
]

_NAME_OK = re.compile(r"[A-Za-z0-9_-]{1,64}")
_JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"]
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example", "required"})
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})
_MAX_MESSAGE = 300  # one bad answer can be huge; its messages should still fit a DataFrame cell


@dataclass(frozen=True)
class Schema:
    """A checked response schema.

    ``json`` is the JSON Schema (root ``{"type": "object", ...}``) exactly as answers are
    validated; treat it as read-only. ``name`` fits OpenAI's ``json_schema.name`` rule
    (``[A-Za-z0-9_-]{1,64}``): the pydantic class name, the schema's ``title``, or ``"response"``.
    """

    json: dict[str, Any]
    name: str = "response"

    # The dict field makes the generated hash fail; name and field names are enough to spread
    # schemas over buckets and are equal whenever two schemas are equal.
    def __hash__(self) -> int:
        return hash((self.name, tuple(self.fields)))

    @cached_property
    def digest(self) -> str:
        """A short, stable fingerprint of the schema (what the provider is asked to enforce)."""
        import hashlib

        text = json.dumps(self.json, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def fields(self) -> list[str]:
        """The top-level property names, in order."""
        return list(self.json.get("properties", {}))

    @cached_property
    def _validator(self) -> Validator:
        # cached_property writes to the instance __dict__ directly, which a frozen dataclass allows.
        jsonschema = lazy.jsonschema()
        cls = jsonschema.validators.validator_for(self.json, default=jsonschema.Draft202012Validator)
        return cls(self.json, format_checker=cls.FORMAT_CHECKER)

    def validate(self, value: Any) -> list[str]:
        """``[]`` when ``value`` matches, else one message per problem, each starting with its path."""
        return _messages(self._validator.iter_errors(value))


def as_schema(obj: Any, *, name: str | None = None) -> Schema:
    """Turn what the user passed as ``schema=`` into a checked :class:`Schema`.

    ``obj`` may be a :class:`Schema` (returned as is), a pydantic ``BaseModel`` subclass (or any
    class pydantic can describe, like a dataclass or TypedDict), a JSON Schema dict, JSON text of
    one (a string starting with ``{``), or the short text form (``"label: pos|neg, score: float"``).
    ``name`` overrides the derived name. Problems raise :class:`SchemaError` before any request.
    """
    if isinstance(obj, Schema):
        return obj if name is None else dataclasses.replace(obj, name=_clean_name(name))
    derived = "response"
    if isinstance(obj, type):
        derived = obj.__name__
        raw = _from_class(obj)
    elif isinstance(obj, dict):
        raw = copy.deepcopy(obj)  # the caller's dict stays theirs; ours must not change under us
    elif isinstance(obj, str):
        raw = _from_text(obj)
    elif _is_pydantic_instance(obj):
        raise SchemaError(
            f"schema= got an instance of {type(obj).__name__}; pass the class itself "
            f"(schema={type(obj).__name__}), not an object built from it"
        )
    else:
        raise SchemaError(
            f"schema= must be a pydantic model class, a JSON Schema dict or a short text like "
            f"'label: pos|neg, score: float'; got {type(obj).__name__}"
        )
    schema = _checked(raw)
    if derived == "response" and isinstance(schema.get("title"), str):
        derived = schema["title"]
    return Schema(json=schema, name=_clean_name(name if name is not None else derived))


# -- sources -----------------------------------------------------------------------------------


def _from_class(cls: type) -> dict[str, Any]:
    import pydantic  # a hard dependency, imported here only to keep module import light

    try:
        if issubclass(cls, pydantic.BaseModel):
            return cls.model_json_schema()
        return pydantic.TypeAdapter(cls).json_schema()
    except pydantic.PydanticUserError as exc:  # undefined forward refs, types pydantic cannot describe
        raise SchemaError(
            f"could not build a JSON Schema from {cls.__name__}: {exc}\nPass a pydantic BaseModel "
            "subclass, a JSON Schema dict or the short text form ('label: pos|neg, score: float')"
        ) from exc


def _is_pydantic_instance(obj: Any) -> bool:
    import pydantic

    return isinstance(obj, pydantic.BaseModel)


def _from_text(text: str) -> dict[str, Any]:
    stripped = text.strip()
    if not stripped.startswith("{"):  # a short-form name never starts with a brace
        return parse_dsl(text)
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        offset = text.index("{") + exc.pos
        raise SchemaError(
            f"a schema text starting with '{{' is read as JSON Schema, but it is not valid JSON: "
            f"{exc.msg} at position {offset}. For the short form, leave out the outer braces "
            "('label: pos|neg, score: float')",
            position=offset,
        ) from exc
    if not isinstance(value, dict):  # pragma: no cover - "{...}" always decodes to a dict
        raise SchemaError("a JSON Schema must be a JSON object")
    return value


# -- checks ------------------------------------------------------------------------------------


def _checked(schema: dict[str, Any]) -> dict[str, Any]:
    """Check ``schema`` against its meta-schema and our own rules; return it ready to use."""
    jsonschema = lazy.jsonschema()
    best_match = jsonschema.exceptions.best_match
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    meta = cls(cls.META_SCHEMA)
    error = best_match(meta.iter_errors(schema))
    if error is not None:
        raise SchemaError(_meta_message(error))
    # A recursive pydantic model puts its object in $defs and a bare $ref at the root; providers
    # want the object itself at the root, and the nested refs keep resolving through $defs.
    if isinstance(schema.get("$ref"), str):
        target = _resolve_or_fail(schema, schema["$ref"], "$ref")
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest}
    if "type" not in schema and isinstance(schema.get("properties"), dict):
        schema = {"type": "object", **schema}  # "properties" alone means an object; say so for providers
    if schema.get("type") != "object":
        raise SchemaError(
            f'the schema\'s root must be {{"type": "object"}}, but it is {_describe_root(schema)}; '
            "providers only return JSON objects: wrap it in an object with one property, "
            'e.g. {"type": "object", "properties": {"answer": <your schema>}, "required": ["answer"]}'
        )
    _check_tree(schema, schema, "")
    return schema


def _describe_root(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return f"type {json.dumps(schema['type'])}"
    for key in ("anyOf", "oneOf", "allOf", "enum", "const"):
        if key in schema:
            return f"an '{key}'"
    return "without a type"


def _check_tree(node: Any, root: dict[str, Any], where: str) -> None:
    """What the meta-schema allows but no provider accepts: dangling refs, typo'd required names."""
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        _resolve_or_fail(root, ref, _join(where, "$ref"))
    props = node.get("properties")
    required = node.get("required")
    if isinstance(props, dict) and isinstance(required, list):
        for name in required:
            if name not in props:
                close = difflib.get_close_matches(name, list(props), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SchemaError(
                    f"invalid JSON Schema at '{_join(where, 'required')}': '{name}' is required but "
                    f"not among the properties{hint}; add it to 'properties' or remove it from 'required'"
                )
    if isinstance(node.get("enum"), list) and not node["enum"]:
        raise SchemaError(
            f"invalid JSON Schema at '{_join(where, 'enum')}': an empty enum allows no value at all; "
            "list at least one value"
        )
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            continue  # values, not schemas
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for sub_key, sub in value.items():
                _check_tree(sub, root, _join(_join(where, key), sub_key))
        elif isinstance(value, dict):
            _check_tree(value, root, _join(where, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                _check_tree(item, root, f"{_join(where, key)}[{i}]")


def _resolve_or_fail(root: dict[str, Any], ref: str, where: str) -> dict[str, Any]:
    try:
        target = resolve_ref(root, ref)
    except LookupError as exc:
        raise SchemaError(
            f"invalid JSON Schema at '{where}': {exc}; only local references into this schema "
            "(like '#/$defs/Name') can be used, so inline the referenced schema or add it to $defs"
        ) from exc
    if not isinstance(target, dict):
        raise SchemaError(f"invalid JSON Schema at '{where}': '{ref}' does not point to a schema object")
    return target


def _meta_message(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    where = _join_path(path) or "the root"
    last = path[-1] if path else None
    parent = path[-2] if len(path) > 1 else None
    keyword = next((p for p in reversed(path) if isinstance(p, str)), "")
    value = error.instance
    in_map = parent in _SCHEMA_MAPS  # ``last`` is then a name the user chose, not a keyword
    if error.validator == "uniqueItems":
        problem = f"'{keyword}' lists the same value more than once"
        fix = "list each value once"
    elif in_map and error.validator == "type":
        problem = f"the schema of '{last}' must be an object, not {_json_kind(value)}"
        fix = 'write a schema like {"type": "string"}'
    elif (last == "type" and not in_map) or (parent == "type" and isinstance(last, int)):
        bad = value
        if isinstance(value, list):
            bad = next((t for t in value if t not in _JSON_TYPES), value)
        close = difflib.get_close_matches(str(bad), _JSON_TYPES, n=1) if isinstance(bad, str) else []
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problem = f"{json.dumps(bad)} is not a JSON Schema type{hint}"
        fix = f"use one of {', '.join(_JSON_TYPES)}, or a list of them"
    elif last in _SCHEMA_MAPS and error.validator == "type":
        problem = f"'{last}' must be an object mapping names to schemas, not {_json_kind(value)}"
        fix = f'write "{last}": {{"name": {{"type": "string"}}}}'
    elif last == "required" and error.validator == "type":
        problem = f"'required' must be a list of property names, not {_json_kind(value)}"
        fix = 'write "required": ["name", ...]'
    else:
        problem = error.message
        fix = f"see the JSON Schema rules for '{keyword}'" if keyword and not in_map else "fix the value"
    return f"invalid JSON Schema at '{where}': {problem}; {fix}"


def _json_kind(value: Any) -> str:
    kinds = {list: "a list", dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _clean_name(raw: str) -> str:
    """OpenAI's json_schema.name allows [A-Za-z0-9_-]{1,64}; other characters become '_'."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", raw.strip()).strip("_")[:64]
    return cleaned if _NAME_OK.fullmatch(cleaned) else "response"


# -- messages ----------------------------------------------------------------------------------


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _join_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$-]*", part):
            out = f"{out}.{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _messages(errors: Iterable[jsonschema.ValidationError]) -> list[str]:
    out: list[str] = []
    ordered = sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    done_required: set[str] = set()
    for error in ordered:
        path = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            # jsonschema says "'x' is a required property" at the parent; name the missing field
            # itself, once per object (it yields one error per missing name).
            for missing in error.validator_value:
                target = _join_path([*path, missing])
                if missing not in error.instance and target not in done_required:
                    done_required.add(target)
                    out.append(f"{target}: required but missing")
            continue
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 1] + "…"
        out.append(f"{_join_path(path) or '(root)'}: {message}")
    return out

"""What kind of value each answer field holds, its column's dtype, and values made comparable.

The kind comes from the JSON Schema when it says (``enum``/``const``, a ``type``; ``$ref`` and
nullable unions looked through), else from the values. Results casts each field's column by it
(:func:`cast_field`), and every comparison — scoring, agreement, versus, majority — goes through
:func:`keys`, so ``1`` and ``1.0``, two lists in another order, or two equal objects match alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._schema.walk import look_through

__all__ = ["CATEGORICAL", "cast_field", "field_kinds", "field_node", "keys", "value_kind"]

#: kinds whose values are classes, scored with precision / recall / F1
CATEGORICAL = frozenset({"enum", "boolean"})
_SCHEMA_TYPES = {"boolean", "integer", "number", "string", "array", "object"}


def field_kinds(schema: dict[str, Any] | None, fields: Iterable[str]) -> dict[str, str]:
    """``{field: kind}`` from a JSON Schema, ``"unknown"`` where the schema does not say.

    Kinds: ``enum``, ``boolean``, ``integer``, ``number``, ``string``, ``array``, ``object``,
    ``unknown``. Dotted names walk nested ``properties``; ``$ref`` into the same document and
    nullable ``anyOf``/``type`` lists (pydantic's ``Optional``) are looked through.
    """
    out = {}
    for name in fields:
        node = field_node(schema, name) if schema else None
        out[name] = _kind_of(node)
    return out


def field_node(schema: dict[str, Any], dotted: str) -> Any:
    """The schema node of a (dotted) field, ``None`` when the schema does not describe it."""
    node: Any = look_through(schema, schema)
    parts = dotted.split(".")
    i = 0
    while i < len(parts):
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict):
            return None
        # a property name may itself contain a dot: take the longest name that matches
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in props:
                node, i = look_through(props[key], schema), j
                break
        else:
            return None
    return node


def _kind_of(node: Any) -> str:
    if not isinstance(node, dict):
        return "unknown"
    if "enum" in node or "const" in node:
        return "enum"
    kind = node.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        kind = real[0] if len(real) == 1 else None
    return kind if kind in _SCHEMA_TYPES else "unknown"


def value_kind(values: pd.Series) -> str:
    """The kind of a column from its values, for fields the schema does not describe.

    Strings count as categorical (``enum``): without a schema nothing tells labels from free text.
    """
    if values.dtype != object:
        if pd.api.types.is_bool_dtype(values.dtype):
            return "boolean"
        if pd.api.types.is_integer_dtype(values.dtype):
            return "integer"
        if pd.api.types.is_float_dtype(values.dtype):
            return "number"
        return "enum" if pd.api.types.is_string_dtype(values.dtype) else "unknown"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "mixed":
        present = values[values.notna()]
        if len(present) and present.map(lambda v: isinstance(v, (list, tuple))).all():
            return "array"
    return {
        "boolean": "boolean",
        "integer": "integer",
        "floating": "number",
        "mixed-integer-float": "number",
        "string": "enum",
    }.get(inferred, "unknown")


def cast_field(values: pd.Series, kind: str, valid: pd.Series | None = None) -> tuple[pd.Series, str]:
    """The column in the dtype its kind calls for (integer -> ``Int64``, number -> ``float64``,
    boolean -> ``boolean``, else ``object`` with ``None`` for missing), and the kind, inferred
    from the values when the schema is silent.

    When values do not fit (``"0.8"`` in a number field), the values of cells that are not
    ``valid`` are dropped (the answer stays in ``_raw``); if valid cells still do not fit, the
    column stays ``object`` as the models said it.
    """
    if kind == "unknown":
        kind = value_kind(values)
    want = {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(kind, "object")
    if want != "object" and str(values.dtype) == want:
        return values, kind
    tries = [values] if want == "object" or valid is None else [values, values.where(valid, None)]
    for attempt in tries:
        inferred = pd.api.types.infer_dtype(attempt, skipna=True)
        numeric = inferred in ("integer", "floating", "mixed-integer-float", "decimal", "empty")
        try:
            if want == "Int64" and numeric:
                return attempt.astype("Int64"), kind
            if want == "float64" and numeric:
                return attempt.astype(object).where(attempt.notna(), np.nan).astype("float64"), kind
            if want == "boolean" and inferred in ("boolean", "empty"):
                return attempt.astype("boolean"), kind
        except (TypeError, ValueError):  # 2.5 in an integer field
            pass
    return values.astype(object).where(values.notna(), None), kind


# -- comparable values ---------------------------------------------------------------------------


def _hashable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _as_set(value: Any) -> frozenset[Any] | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str) and value.lstrip().startswith("["):
        value = json.loads(value)  # a truth column read from CSV holds JSON text
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        if all(type(v) is str for v in value):  # the common case, without a call per item
            return frozenset(value)
        return frozenset(_hashable(v) for v in value)
    raise TypeError(f"expected a list, got {type(value).__name__}: {value!r}")


def keys(values: pd.Series, kind: str) -> np.ndarray:
    """Values as an object array that compares with ``==``: ``None`` where missing, floats for
    numbers, frozensets for lists, JSON text for other unhashable values."""
    if kind in ("integer", "number"):
        nums = pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce")
        out = nums.astype("float64").to_numpy().astype(object)
        out[np.isnan(nums.to_numpy(dtype="float64"))] = None
        return out
    obj = values.astype(object).where(values.notna(), None).to_numpy()
    if kind == "array":
        return pd.Series([_as_set(v) for v in obj], dtype=object).to_numpy()
    if pd.api.types.infer_dtype(obj, skipna=True) in ("string", "boolean", "integer", "empty"):
        return obj
    return pd.Series([_hashable(v) for v in obj], dtype=object).to_numpy()

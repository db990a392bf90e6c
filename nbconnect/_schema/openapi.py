"""Gemini's OpenAPI 3.0 ``responseSchema`` read back as JSON Schema (the fake's Gemini wire needs it).

The other direction, JSON Schema to ``responseSchema``, is :mod:`nbconnect._schema.anthropic_gemini`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["openapi_to_json_schema"]

_INT_KEYWORDS = {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}


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

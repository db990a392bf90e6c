"""What the fake provider says: one wire per provider family, looked up by name in :data:`WIRES`.

Everything a wire does is a pure function of the request, so the HTTP server (``_server``)
stays small and these shapes can be checked without sockets. The pieces live in their own
modules: schema-true values in :mod:`nbconnect._schema.values` (shared with the offline Demo),
the shared :class:`~._wire.Wire` interface in ``_wire``, and one module per family (``_openai``,
``_anthropic``, ``_google``); Google's OAuth token endpoint is ``_oauth``. The names below are
re-exported so older imports from here keep working.
"""

from __future__ import annotations

from .._schema.openapi import openapi_to_json_schema
from .._schema.values import answer_for, broken_answer
from ._anthropic import AnthropicWire
from ._google import GeminiWire, VertexWire
from ._openai import AzureWire, OpenAIWire
from ._storage import StorageWire
from ._wire import Exchange, Reply, Wire

__all__ = [
    "WIRES",
    "AnthropicWire",
    "AzureWire",
    "Exchange",
    "GeminiWire",
    "OpenAIWire",
    "Reply",
    "StorageWire",
    "VertexWire",
    "Wire",
    "answer_for",
    "broken_answer",
    "openapi_to_json_schema",
]

WIRES: dict[str, Wire] = {
    "openai": OpenAIWire(),
    "azure": AzureWire(),
    "anthropic": AnthropicWire(),
    "gemini": GeminiWire(),
    "vertex": VertexWire(),
    "storage": StorageWire(),
}
"""The wire of each family ``FakeProvider`` routes to (``azure`` is OpenAI's format, Azure's flavour)."""

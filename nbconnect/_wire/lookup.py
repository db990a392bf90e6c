"""Adapter lookup by wire family: one module per wire protocol, chosen by the connection."""

from __future__ import annotations

import importlib

import httpx

from .._connections.base import Connection
from .adapter import Adapter

__all__ = ["adapter_for"]

_WIRES = {
    "openai": (".openai", "OpenAIAdapter"),
    "anthropic": (".anthropic", "AnthropicAdapter"),
    "google": (".google", "GoogleAdapter"),
}


def adapter_for(
    conn: Connection, *, client: httpx.AsyncClient | None = None, timeout: float | None = None
) -> Adapter:
    """The adapter that speaks ``conn``'s wire protocol. Pass ``client`` to control HTTP yourself."""
    module, name = _WIRES[conn.wire]
    cls = getattr(importlib.import_module(module, __package__), name)
    return cls(conn, client=client, timeout=timeout)

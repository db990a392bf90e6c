"""The adapter for a connection: the connection class names it (``adapter_class``), so the wire
never has to know the provider classes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from .adapter import Adapter

if TYPE_CHECKING:
    from .._connections.base import Connection

__all__ = ["adapter_for"]


def adapter_for(
    conn: Connection, *, client: httpx.AsyncClient | None = None, timeout: float | None = None
) -> Adapter:
    """The adapter that speaks ``conn``'s wire protocol. Pass ``client`` to control HTTP yourself."""
    return conn.adapter(client=client, timeout=timeout)

"""An adapter whose HTTP client answers from a list, for parsing and error-mapping tests."""

from __future__ import annotations

import httpx

from nbconnect._connections.base import Connection
from nbconnect._wire.adapter import Adapter
from nbconnect._wire.lookup import adapter_for


def answering(conn: Connection, *responses: httpx.Response) -> tuple[Adapter, list[httpx.Request]]:
    """The adapter for ``conn`` answered by ``responses`` in order (the last one repeats), and the
    list of requests it sent."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return adapter_for(conn, client=httpx.AsyncClient(transport=httpx.MockTransport(handler))), seen

"""An adapter whose HTTP client answers from a list, for parsing and error-mapping tests."""

from __future__ import annotations

import httpx

from nbconnect._adapter import Adapter
from nbconnect._adapters import adapter_for
from nbconnect._connection import Connection


def answering(conn: Connection, *responses: httpx.Response) -> tuple[Adapter, list[httpx.Request]]:
    """The adapter for ``conn`` answered by ``responses`` in order (the last one repeats), and the
    list of requests it sent."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return adapter_for(conn, client=httpx.AsyncClient(transport=httpx.MockTransport(handler))), seen

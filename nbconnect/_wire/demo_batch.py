"""The Demo's batch API: OpenAI's files + batches, answered in process like its chat completions.

So offline notebooks can show ``run(..., batch=True)``: a JSONL upload, a batch that completes at
once (every line answered by the Demo's own chat completions, without the pretend latency), the
output file, and cancel. Batches live in the transport, so they end with the process: a run
resumed after a restart finds its Demo batches gone and sends those cells anew.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

import httpx

from .batch.base import multipart_fields

if TYPE_CHECKING:
    from .demo import DemoTransport

__all__ = ["DemoBatches"]

_ROUTES = ("/files", "/batches")


class DemoBatches:
    """The files and batches of one :class:`~.demo.DemoTransport`."""

    def __init__(self, transport: DemoTransport) -> None:
        self._transport = transport
        self._files: dict[str, bytes] = {}
        self._batches: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def serves(self, path: str) -> bool:
        return any(f"/v1{route}" in path for route in _ROUTES)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.rstrip("/").split("/")
        body = await request.aread()
        if request.method == "POST" and parts[-1] == "files":
            fields = multipart_fields(body, request.headers.get("content-type", ""))
            file_id = f"file-demo{next(self._ids)}"
            self._files[file_id] = fields.get("file", b"")
            return httpx.Response(200, json={"id": file_id, "object": "file", "purpose": "batch"})
        if parts[-1] == "content" and parts[-2] in self._files:
            return httpx.Response(200, content=self._files[parts[-2]])
        if request.method == "POST" and parts[-1] == "batches":
            return httpx.Response(200, json=await self._create(json.loads(body)))
        batch = self._batches.get(parts[-2] if parts[-1] == "cancel" else parts[-1])
        if batch is None:
            message = f"no batch {parts[-1]!r} on the demo server (Demo batches end with the process)"
            return httpx.Response(404, json={"error": {"message": message, "type": "not_found_error"}})
        return httpx.Response(200, json=batch)

    async def _create(self, request: dict[str, Any]) -> dict[str, Any]:
        lines = self._files.get(str(request.get("input_file_id")), b"").decode().splitlines()
        out = []
        for raw in filter(str.strip, lines):
            line = json.loads(raw)
            self._transport.calls += 1
            answer = await self._transport.complete(line.get("body") or {}, wait=False)
            out.append(
                {
                    "custom_id": line.get("custom_id"),
                    "error": None,
                    "response": {"status_code": answer.status_code, "body": answer.json()},
                }
            )
        output = f"file-demo{next(self._ids)}"
        self._files[output] = "".join(json.dumps(row) + "\n" for row in out).encode()
        failed = sum(1 for row in out if row["response"]["status_code"] >= 400)
        batch_id = f"batch_demo{next(self._ids)}"
        self._batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": request.get("endpoint"),
            "status": "completed",
            "input_file_id": request.get("input_file_id"),
            "completion_window": "24h",
            "errors": None,
            "output_file_id": output,
            "error_file_id": None,
            "request_counts": {"total": len(out), "completed": len(out) - failed, "failed": failed},
        }
        return self._batches[batch_id]

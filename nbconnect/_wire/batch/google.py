"""Gemini API batch mode (inline requests) and why Vertex AI runs live.

Gemini: ``POST /{version}/models/{model}:batchGenerateContent`` with
``{"batch": {"displayName", "inputConfig": {"requests": {"requests": [{"request": <the live body>,
"metadata": {"key": custom_id}}]}}}}``; the batch is a long-running operation whose ``metadata``
holds the state, the counts and, when done, the inlined responses (or a responses file)
[providers.md §5.5]. Runs past the inline size limit are split into several inline batches.
Vertex AI batch prediction reads from and writes to Cloud Storage or BigQuery [§6.6].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..adapter import Prepared
from .base import (
    CANCELLED,
    DONE,
    EXPIRED,
    FAILED,
    IN_PROGRESS,
    VALIDATING,
    BatchAPI,
    BatchStatus,
    LineResult,
    parse_lines,
)

if TYPE_CHECKING:
    from ..._connections.base import Connection

__all__ = ["GeminiBatch", "VertexBatch"]

_STATES = {
    "BATCH_STATE_PENDING": VALIDATING,
    "BATCH_STATE_RUNNING": IN_PROGRESS,
    "BATCH_STATE_SUCCEEDED": DONE,
    "BATCH_STATE_FAILED": FAILED,
    "BATCH_STATE_CANCELLED": CANCELLED,
    "BATCH_STATE_EXPIRED": EXPIRED,
}


class GeminiBatch(BatchAPI):
    max_requests: ClassVar[int] = 100_000
    max_bytes: ClassVar[int] = 20 * 1000 * 1000  # the inline request limit (20 MB)

    def line(self, custom_id: str, prepared: Prepared) -> dict[str, Any]:
        return {"request": prepared.body, "metadata": {"key": custom_id}}

    def root(self) -> str:
        # the generate URL's root: "{base}/{version}" (model_url ends in /models/{m}:verb)
        return self.adapter.model_url("m").rsplit("/models/", 1)[0]  # type: ignore[attr-defined]

    async def submit(self, lines: list[dict[str, Any]], model: str, label: str) -> str:
        url = self.adapter.model_url(model, "batchGenerateContent")  # type: ignore[attr-defined]
        body = {"batch": {"displayName": label, "inputConfig": {"requests": {"requests": lines}}}}
        op = await self.call(Prepared("POST", url, body, self.adapter.headers()))
        return str(op.get("name") or (op.get("metadata") or {}).get("name"))

    async def status(self, batch_id: str) -> BatchStatus:
        op = await self.call(Prepared("GET", f"{self.root()}/{batch_id}", None, self.adapter.headers()))
        meta = op.get("metadata") or {}
        stats = meta.get("batchStats") or {}
        output = meta.get("output") or (op.get("response") or {})
        return BatchStatus(
            state=_STATES.get(str(meta.get("state")), IN_PROGRESS),
            total=int(stats.get("requestCount") or 0),
            finished=int(stats.get("successfulRequestCount") or 0),
            failed=int(stats.get("failedRequestCount") or 0),
            results=output.get("responsesFile"),
            message=(op.get("error") or {}).get("message"),
            body=output,
        )

    async def results(self, status: BatchStatus) -> list[LineResult]:
        if status.results:  # a responses file: JSONL of {"key", "response" | "error"}
            base = self.root().rsplit("/", 1)
            url = f"{base[0]}/download/{base[1]}/{status.results}:download?alt=media"
            text = await self.text(Prepared("GET", url, None, self.adapter.headers()))
            return parse_lines(text, lambda o: _read(o.get("key"), o))
        items = (status.body.get("inlinedResponses") or {}).get("inlinedResponses") or []
        return [
            r
            for r in (_read((i.get("metadata") or {}).get("key"), i) for i in items if isinstance(i, dict))
            if r is not None
        ]

    async def cancel(self, batch_id: str) -> None:
        await self.call(Prepared("POST", f"{self.root()}/{batch_id}:cancel", None, self.adapter.headers()))


class VertexBatch(GeminiBatch):
    """Vertex AI batch prediction needs a Cloud Storage (or BigQuery) source and sink."""

    @classmethod
    def unavailable(cls, conn: Connection) -> str | None:
        return (
            "Vertex AI batch prediction reads its input from and writes its output to Cloud Storage or "
            "BigQuery, and nbconnect cannot be given a bucket yet"
        )


def _read(key: Any, item: dict[str, Any]) -> LineResult | None:
    if not isinstance(key, str):
        return None
    if isinstance(item.get("error"), dict):
        text = str(item["error"].get("message") or item["error"].get("status") or "failed")
        return LineResult(
            key,
            error=f"the provider failed this request in the batch: {text}",
            error_type="batch_request_failed",
        )
    return LineResult(key, body=item.get("response"))

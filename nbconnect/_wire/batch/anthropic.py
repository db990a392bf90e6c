"""Anthropic's Message Batches: ``POST /v1/messages/batches`` with one custom id per cell.

Each request is ``{"custom_id", "params": <the live Messages body>}``; results are JSONL at the
batch's ``results_url``, each line ``{"custom_id", "result": {"type": succeeded|errored|canceled|
expired, ...}}`` [providers.md §4.7].
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..adapter import Prepared
from . import states
from .base import BatchAPI, BatchStatus, LineResult, parse_lines

__all__ = ["AnthropicBatch"]


class AnthropicBatch(BatchAPI):
    max_requests: ClassVar[int] = 100_000
    max_bytes: ClassVar[int] = 256 * 1024 * 1024

    def url(self, path: str = "") -> str:
        return f"{self.adapter.base_url()}/v1/messages/batches{path}"

    def line(self, custom_id: str, prepared: Prepared) -> dict[str, Any]:
        return {"custom_id": custom_id, "params": prepared.body}

    async def submit(self, lines: list[dict[str, Any]], model: str, label: str) -> str:
        body = await self.call(Prepared("POST", self.url(), {"requests": lines}, self.adapter.headers()))
        return str(body["id"])

    async def status(self, batch_id: str) -> BatchStatus:
        body = await self.call(Prepared("GET", self.url(f"/{batch_id}"), None, self.adapter.headers()))
        counts = body.get("request_counts") or {}
        ended = body.get("processing_status") == "ended"
        failed = sum(int(counts.get(k) or 0) for k in ("errored", "canceled", "expired"))
        total = failed + sum(int(counts.get(k) or 0) for k in ("processing", "succeeded"))
        state = states.IN_PROGRESS
        if body.get("processing_status") == "canceling":
            state = states.CANCELLING
        elif ended:  # Anthropic says expired per request; a batch with some is reported expired
            state = states.EXPIRED if int(counts.get("expired") or 0) else states.DONE
        return BatchStatus(
            state=state,
            total=total,
            finished=int(counts.get("succeeded") or 0),
            failed=failed,
            results=body.get("results_url"),
            body=body,
        )

    async def results(self, status: BatchStatus) -> list[LineResult]:
        if not status.results:
            return []
        text = await self.text(Prepared("GET", status.results, None, self.adapter.headers()))
        return parse_lines(text, _read_line)

    async def cancel(self, batch_id: str) -> None:
        await self.call(Prepared("POST", self.url(f"/{batch_id}/cancel"), None, self.adapter.headers()))


def _read_line(obj: dict[str, Any]) -> LineResult | None:
    custom_id = obj.get("custom_id")
    result = obj.get("result")
    if not isinstance(custom_id, str) or not isinstance(result, dict):
        return None
    kind = result.get("type")
    if kind == "succeeded":
        return LineResult(custom_id, body=result.get("message"))
    if kind == "errored":
        err = (result.get("error") or {}).get("error") or result.get("error") or {}
        text = str(err.get("message") or err.get("type") or "errored")
        return LineResult(
            custom_id,
            error=f"the provider failed this request in the batch: {text}",
            error_type="batch_request_failed",
        )
    return LineResult(
        custom_id, error=f"the batch ended before this request ran ({kind})", error_type=f"batch_{kind}"
    )

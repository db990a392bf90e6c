"""OpenAI's Batch API (and Azure OpenAI's global batch): a JSONL file upload, then ``/batches``.

Each line is ``{"custom_id", "method": "POST", "url": <chat path>, "body": <the live body>}``;
results come back out of order in an output file (and failed lines in an error file), matched on
``custom_id`` [providers.md §1.7, §2.8].
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from ... import _errors as E
from ..adapter import Prepared
from . import states
from .base import BatchAPI, BatchStatus, LineResult, Upload, jsonl, parse_lines

__all__ = ["AzureOpenAIBatch", "OpenAIBatch"]

_STATES = {
    "validating": states.VALIDATING,
    "in_progress": states.IN_PROGRESS,
    "finalizing": states.FINALIZING,
    "completed": states.DONE,
    "expired": states.EXPIRED,
    "cancelling": states.CANCELLING,
    "cancelled": states.CANCELLED,
    "failed": states.FAILED,
}


class OpenAIBatch(BatchAPI):
    """OpenAI: ``POST /v1/files`` (purpose=batch) then ``POST /v1/batches`` on chat completions."""

    max_requests: ClassVar[int] = 50_000
    max_bytes: ClassVar[int] = 200 * 1024 * 1024
    chat_path: ClassVar[str] = "/v1/chat/completions"
    """The ``url`` of every line and the batch's ``endpoint``."""

    def url(self, path: str) -> str:
        """``path`` under the connection's API root, with its query (Azure's api-version)."""
        return f"{self.adapter.base_url()}{path}{self.adapter.query()}"  # type: ignore[attr-defined]

    def line(self, custom_id: str, prepared: Prepared) -> dict[str, Any]:
        return {"custom_id": custom_id, "method": "POST", "url": self.chat_path, "body": prepared.body}

    async def submit(self, lines: list[dict[str, Any]], model: str, label: str) -> str:
        form = httpx.Request(
            "POST",
            "http://upload.invalid/",
            data={"purpose": "batch"},
            files={"file": (f"{label}.jsonl", jsonl(lines), "application/jsonl")},
        )
        form.read()
        upload = Upload(
            "POST",
            self.url("/files"),
            None,
            self.adapter.headers(),
            content=form.content,
            content_type=form.headers["content-type"],
        )
        try:
            file = await self.call(upload)
            body = {"input_file_id": file["id"], "endpoint": self.chat_path, "completion_window": "24h"}
            batch = await self.call(Prepared("POST", self.url("/batches"), body, self.adapter.headers()))
        except E.ProviderError as err:
            err.message = self.explain(err.message)
            err.args = (err.message,)
            raise
        return str(batch["id"])

    def explain(self, message: str) -> str:
        """A failed batch's message, with what to check on this provider."""
        return message

    async def status(self, batch_id: str) -> BatchStatus:
        body = await self.call(
            Prepared("GET", self.url(f"/batches/{batch_id}"), None, self.adapter.headers())
        )
        counts = body.get("request_counts") or {}
        errors = [e for e in (body.get("errors") or {}).get("data") or [] if isinstance(e, dict)]
        message = "; ".join(str(e.get("message") or e.get("code")) for e in errors) or None
        return BatchStatus(
            state=_STATES.get(str(body.get("status")), states.IN_PROGRESS),
            total=int(counts.get("total") or 0),
            finished=int(counts.get("completed") or 0),
            failed=int(counts.get("failed") or 0),
            results=body.get("output_file_id"),
            errors=body.get("error_file_id"),
            message=self.explain(message) if message else None,
            body=body,
        )

    async def results(self, status: BatchStatus) -> list[LineResult]:
        out: list[LineResult] = []
        for file_id in (status.results, status.errors):
            if file_id:
                url = self.url(f"/files/{file_id}/content")
                out += parse_lines(
                    await self.text(Prepared("GET", url, None, self.adapter.headers())), _read_line
                )
        return out

    async def cancel(self, batch_id: str) -> None:
        await self.call(
            Prepared("POST", self.url(f"/batches/{batch_id}/cancel"), None, self.adapter.headers())
        )


class AzureOpenAIBatch(OpenAIBatch):
    """Azure OpenAI global batch: ``/openai/files`` and ``/openai/batches`` beside the deployment,
    lines on ``/chat/completions``; the deployment must be of type Global-Batch or Data Zone Batch."""

    max_requests: ClassVar[int] = 100_000
    chat_path: ClassVar[str] = "/chat/completions"

    def url(self, path: str) -> str:
        conn = self.adapter.conn
        return f"{conn.endpoint}/openai{path}?api-version={conn.api_version}"

    def explain(self, message: str) -> str:
        deployment = self.adapter.conn.deployment
        return (
            f"{message}. Azure runs batches only on a deployment of type Global-Batch or Data Zone Batch: "
            f"check that deployment {deployment!r} is one (Azure portal, Deployments), or make a batch "
            "deployment and a connection for it"
        )


def _read_line(obj: dict[str, Any]) -> LineResult | None:
    custom_id = obj.get("custom_id")
    if not isinstance(custom_id, str):
        return None
    response = obj.get("response") if isinstance(obj.get("response"), dict) else {}
    error = obj.get("error")
    status = response.get("status_code")
    body = response.get("body")
    if isinstance(error, dict) or (isinstance(status, int) and status >= 400):
        detail = error if isinstance(error, dict) else (body or {}).get("error") or {}
        text = str(detail.get("message") or f"HTTP {status}")
        return LineResult(
            custom_id,
            error=f"the provider failed this request in the batch: {text}",
            error_type="batch_request_failed",
        )
    return LineResult(custom_id, body=body)

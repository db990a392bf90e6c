"""Gemini API batch mode: inline requests, or an uploaded JSONL file.

Gemini: ``POST /{version}/models/{model}:batchGenerateContent`` with
``{"batch": {"displayName", "inputConfig": {"requests": {"requests": [{"request": <the live body>,
"metadata": {"key": custom_id}}]}}}}``; the batch is a long-running operation whose ``metadata``
holds the state, the counts and, when done, the inlined responses (or a responses file)
[providers.md §5.5]. A batch past the inline size limit goes as an uploaded JSONL file of
``{"key", "request"}`` lines (Google's resumable upload), its results as a responses file.
Vertex AI batch prediction shares the line body but not the rest (jobs reading from and writing to
the user's Cloud Storage bucket, no id per line): it is :mod:`.vertex`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from ... import _errors as E
from ..adapter import Prepared
from . import states
from .base import BatchAPI, BatchStatus, LineResult, Upload, jsonl, parse_lines

__all__ = ["GeminiBatch"]

JSONL = "jsonl"  # the mime type Google's batch-mode guide uploads request files with

_STATES = {
    "BATCH_STATE_PENDING": states.VALIDATING,
    "BATCH_STATE_RUNNING": states.IN_PROGRESS,
    "BATCH_STATE_SUCCEEDED": states.DONE,
    "BATCH_STATE_FAILED": states.FAILED,
    "BATCH_STATE_CANCELLED": states.CANCELLED,
    "BATCH_STATE_EXPIRED": states.EXPIRED,
}


class GeminiBatch(BatchAPI):
    max_requests: ClassVar[int] = 100_000
    max_bytes: ClassVar[int] = 2 * 1000 * 1000 * 1000  # an input file holds up to 2 GB
    inline_bytes: ClassVar[int] = 20 * 1000 * 1000
    """Past this many bytes of requests a batch goes as an uploaded JSONL file instead of inline."""

    def line(self, custom_id: str, prepared: Prepared) -> dict[str, Any]:
        return {"request": prepared.body, "metadata": {"key": custom_id}}

    def root(self) -> str:
        # the generate URL's root: "{base}/{version}" (model_url ends in /models/{m}:verb)
        return self.adapter.model_url("m").rsplit("/models/", 1)[0]  # type: ignore[attr-defined]

    async def submit(self, lines: list[dict[str, Any]], model: str, label: str) -> str:
        url = self.adapter.model_url(model, "batchGenerateContent")  # type: ignore[attr-defined]
        source: dict[str, Any] = {"requests": {"requests": lines}}
        if sum(self.size(line) for line in lines) > self.inline_bytes:
            rows = [{"key": line["metadata"]["key"], "request": line["request"]} for line in lines]
            source = {"fileName": await self.upload(jsonl(rows), label)}
        body = {"batch": {"displayName": label, "inputConfig": source}}
        op = await self.call(Prepared("POST", url, body, self.adapter.headers()))
        return str(op.get("name") or (op.get("metadata") or {}).get("name"))

    async def upload(self, data: bytes, label: str) -> str:
        """Google's resumable upload in one chunk: ``start`` names the size and type and gets an upload
        URL back, then ``upload, finalize`` sends the bytes; returns the file's name (``files/…``)."""
        base, version = self.root().rsplit("/", 1)
        headers = self.adapter.headers()
        start = Prepared(
            "POST",
            f"{base}/upload/{version}/files",
            # the field names and types google-genai 3.6.1 sends (snake case, the size as a number)
            {"file": {"display_name": label, "mime_type": JSONL, "size_bytes": len(data)}},
            {
                **headers,
                "X-Goog-Upload-Protocol": "resumable",
                "X-Goog-Upload-Command": "start",
                "X-Goog-Upload-Header-Content-Length": str(len(data)),
                "X-Goog-Upload-Header-Content-Type": JSONL,
            },
        )
        resp, _ = await self.adapter.request(start)
        target = resp.headers.get("x-goog-upload-url") or ""
        if httpx.URL(target).host != httpx.URL(base).host:  # the run's data goes there: same host only
            raise E.ServerError(
                f"the upload URL the Gemini API returned ({httpx.URL(target).host or 'none'}) is not on "
                f"{httpx.URL(base).host}; nbconnect does not send the key elsewhere",
                **self.adapter._context(),
            )
        # the upload URL is the authorization (google-genai sends no key with the bytes)
        send = {"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}
        file = await self.call(Upload("POST", target, None, send, content=data, content_type=None))
        return str((file.get("file") or {}).get("name"))

    async def status(self, batch_id: str) -> BatchStatus:
        op = await self.call(Prepared("GET", f"{self.root()}/{batch_id}", None, self.adapter.headers()))
        meta = op.get("metadata") or {}
        stats = meta.get("batchStats") or {}
        output = meta.get("output") or (op.get("response") or {})
        return BatchStatus(
            state=_STATES.get(str(meta.get("state")), states.IN_PROGRESS),
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

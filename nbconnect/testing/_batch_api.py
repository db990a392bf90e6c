"""The request and response shapes of each batch API the fake serves (see ``_batch`` for the desk).

OpenAI / Azure OpenAI: files + batches [providers.md §1.7, §2.8]; Anthropic: Message Batches
[§4.7]; Gemini API: ``batchGenerateContent`` with inline requests [§5.5].
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .._wire.batch.base import multipart_fields
from ._http import Reply, Request
from ._wire import b58, json_reply

if TYPE_CHECKING:
    from ._batch import BatchDesk, FakeBatch

__all__ = ["API_OF", "BatchShape", "Line"]

_CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_ENDED = ("done", "expired", "cancelled", "failed")


@dataclass
class Line:
    """One request of a batch: its id, the live body, and where the live route would get it."""

    custom_id: str
    body: Any
    path: str
    headers: dict[str, str]
    model: str | None = None


def _error(status: int, message: str) -> Reply:
    return json_reply(status, {"error": {"message": message, "type": "invalid_request_error"}}, {})


def _jsonl(rows: list[Any]) -> bytes:
    return "".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows).encode()


def _body(reply: Reply) -> Any:
    try:
        return json.loads(reply.body)
    except ValueError:
        return {"error": {"message": reply.body.decode(errors="replace")}}


def _break_first(rows: list[Any], batch: FakeBatch) -> list[Any]:
    """The ``broken_line`` fault: the first result line arrives cut in half."""
    if batch.fault == "broken_line" and rows:
        rows[0] = json.dumps(rows[0])[:40] + "\n"
    return rows


class BatchShape:
    """One API's batch routes over the shared desk."""

    def __init__(self, desk: BatchDesk, family: str) -> None:
        self.desk, self.family = desk, family

    def route(self, req: Request, parsed: Any) -> Reply | None:
        raise NotImplementedError

    def batch(self, batch_id: str) -> FakeBatch | None:
        return self.desk.batches.get(batch_id)


class OpenAIShape(BatchShape):
    """``/files`` and ``/batches`` under any prefix (``/v1``, ``/openai``)."""

    def route(self, req: Request, parsed: Any) -> Reply | None:
        parts = req.path.rstrip("/").split("/")
        if req.method == "POST" and parts[-1] == "files":
            return self.upload(req)
        if req.method == "GET" and parts[-1] == "content":
            data = self.desk.files.get(parts[-2])
            return (
                Reply(200, data, {"content-type": "application/octet-stream"}) if data is not None else None
            )
        if req.method == "POST" and parts[-1] == "batches":
            return self.create(req, parsed)
        if parts[-1] == "cancel" and (batch := self.batch(parts[-2])) is not None:
            batch.cancelled_at = batch.cancelled_at or self.desk.clock.now()
            return json_reply(200, {**self.view(batch), "status": "cancelling"}, {})
        if req.method == "GET" and (batch := self.batch(parts[-1])) is not None:
            return json_reply(200, self.view(batch), {})
        return None

    def upload(self, req: Request) -> Reply:
        fields = multipart_fields(req.body, req.headers.get("content-type", ""))
        if fields.get("purpose") != b"batch" or "file" not in fields:
            return _error(400, "A file and purpose=batch are required")
        file_id = "file-" + b58(24)
        self.desk.files[file_id] = fields["file"]
        obj = {
            "id": file_id,
            "object": "file",
            "bytes": len(fields["file"]),
            "created_at": 0,
            "filename": "batch.jsonl",
            "purpose": "batch",
            "status": "processed",
        }
        return json_reply(200, obj, {})

    def create(self, req: Request, parsed: Any) -> Reply:
        body = parsed if isinstance(parsed, dict) else {}
        data = self.desk.files.get(str(body.get("input_file_id")))
        endpoint = body.get("endpoint")
        if data is None:
            return _error(400, f"No such File object: {body.get('input_file_id')}")
        if (
            endpoint not in ("/v1/chat/completions", "/chat/completions")
            or body.get("completion_window") != "24h"
        ):
            return _error(400, "endpoint must be /v1/chat/completions and completion_window 24h")
        lines: list[Line] = []
        for n, raw in enumerate(data.decode("utf-8").splitlines(), 1):
            obj = json.loads(raw)
            if obj.get("method") != "POST" or obj.get("url") != endpoint or not obj.get("custom_id"):
                return _error(400, f"line {n}: method must be POST and url {endpoint}, with a custom_id")
            lines.append(Line(obj["custom_id"], obj.get("body"), "/v1/chat/completions", req.headers))
        if len({ln.custom_id for ln in lines}) != len(lines):
            return _error(400, "custom_id values must be unique within a batch")
        batch = self.desk.create("openai", self.family, lines, input_file=str(body["input_file_id"]))
        batch.extra["endpoint"] = endpoint
        return json_reply(200, self.view(batch), {})

    def view(self, batch: FakeBatch) -> dict[str, Any]:
        state, finished = self.desk.state(batch)
        out: dict[str, Any] = {
            "id": batch.id,
            "object": "batch",
            "endpoint": batch.extra.get("endpoint"),
            "errors": None,
            "input_file_id": batch.input_file,
            "completion_window": "24h",
            "created_at": 0,
            "status": {"done": "completed"}.get(state, state),
            "output_file_id": None,
            "error_file_id": None,
            "request_counts": {"total": len(batch.lines), "completed": finished, "failed": 0},
        }
        if batch.failure:
            out["errors"] = {"object": "list", "data": [{"code": "invalid_model", "message": batch.failure}]}
        if state in _ENDED and not batch.failure:
            ok, bad = self.files_for(batch)
            out["output_file_id"], out["error_file_id"] = ok, bad
            out["request_counts"]["failed"] = len(batch.extra["failed"])
            out["request_counts"]["completed"] = finished - len(batch.extra["failed"])
        return out

    def files_for(self, batch: FakeBatch) -> tuple[str | None, str | None]:
        if "out" not in batch.extra:
            good, failed = [], []
            for line, reply in self.desk.answers(batch):
                row = {
                    "id": "batch_req_" + b58(12),
                    "custom_id": line.custom_id,
                    "error": None,
                    "response": {"status_code": reply.status, "request_id": b58(10), "body": _body(reply)},
                }
                (good if reply.status < 400 else failed).append(row)
            batch.extra["failed"] = failed
            batch.extra["out"] = out_id = "file-" + b58(24) if good else None
            batch.extra["err"] = err_id = "file-" + b58(24) if failed else None
            if out_id:
                self.desk.files[out_id] = _jsonl(_break_first(good, batch))
            if err_id:
                self.desk.files[err_id] = _jsonl(failed)
        return batch.extra["out"], batch.extra["err"]


class AnthropicShape(BatchShape):
    """``/v1/messages/batches``, ``…/{id}``, ``…/{id}/results``, ``…/{id}/cancel``."""

    def route(self, req: Request, parsed: Any) -> Reply | None:
        parts = req.path.rstrip("/").split("/")
        if req.method == "POST" and parts[-1] == "batches":
            return self.create(req, parsed)
        batch = self.batch(parts[-2] if parts[-1] in ("results", "cancel") else parts[-1])
        if batch is None:
            return None
        if parts[-1] == "cancel":
            batch.cancelled_at = batch.cancelled_at or self.desk.clock.now()
            return json_reply(200, {**self.view(batch, req), "processing_status": "canceling"}, {})
        if parts[-1] == "results":
            rows = [
                {"custom_id": ln.custom_id, "result": self.result(reply)}
                for ln, reply in self.desk.answers(batch)
            ]
            done = {ln.custom_id for ln, _ in self.desk.answers(batch)}
            kind = "canceled" if batch.cancelled_at is not None else "expired"
            rows += [
                {"custom_id": ln.custom_id, "result": {"type": kind}}
                for ln in batch.lines
                if ln.custom_id not in done
            ]
            return Reply(200, _jsonl(_break_first(rows, batch)), {"content-type": "application/binary"})
        return json_reply(200, self.view(batch, req), {})

    def create(self, req: Request, parsed: Any) -> Reply:
        requests = (parsed or {}).get("requests") if isinstance(parsed, dict) else None
        if not isinstance(requests, list) or not requests:
            return _error(400, "requests: Field required")
        lines = []
        for n, item in enumerate(requests):
            cid = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(cid, str) or not _CUSTOM_ID.fullmatch(cid):
                return _error(
                    400, f"requests.{n}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
                )
            lines.append(Line(cid, item.get("params"), "/v1/messages", req.headers))
        if len({ln.custom_id for ln in lines}) != len(lines):
            return _error(400, "requests: custom_id values must be unique")
        return json_reply(200, self.view(self.desk.create("anthropic", "anthropic", lines), req), {})

    @staticmethod
    def result(reply: Reply) -> dict[str, Any]:
        body = _body(reply)
        if reply.status >= 400:
            return {"type": "errored", "error": {"type": "error", "error": body.get("error")}}
        return {"type": "succeeded", "message": body}

    def view(self, batch: FakeBatch, req: Request) -> dict[str, Any]:
        state, finished = self.desk.state(batch)
        ended = state in _ENDED
        answers = self.desk.answers(batch) if ended else []
        errored = sum(1 for _, r in answers if r.status >= 400)
        left = len(batch.lines) - finished
        counts = {
            "processing": 0 if ended else left,
            "succeeded": finished - errored,
            "errored": errored,
            "canceled": left if ended and batch.cancelled_at is not None else 0,
            "expired": left if ended and batch.cancelled_at is None else 0,
        }
        host = req.headers.get("host", "127.0.0.1")
        return {
            "id": batch.id,
            "type": "message_batch",
            "created_at": "2026-12-01T00:00:00Z",
            "expires_at": "2026-12-02T00:00:00Z",
            "ended_at": "2026-12-01T01:00:00Z" if ended else None,
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "results_url": f"http://{host}/v1/messages/batches/{batch.id}/results" if ended else None,
        }


class GeminiShape(BatchShape):
    """``models/{m}:batchGenerateContent`` (inline), ``batches/{id}`` and ``batches/{id}:cancel``."""

    _STATE: ClassVar[dict[str, str]] = {
        "validating": "PENDING",
        "in_progress": "RUNNING",
        "finalizing": "RUNNING",
        "done": "SUCCEEDED",
        "expired": "EXPIRED",
        "cancelled": "CANCELLED",
        "failed": "FAILED",
    }

    def route(self, req: Request, parsed: Any) -> Reply | None:
        path = req.path
        if req.method == "POST" and path.endswith(":batchGenerateContent"):
            return self.create(req, parsed)
        if path.startswith("/upload/"):
            return self.upload(req, parsed)
        if path.startswith("/download/"):
            data = self.desk.files.get("files/" + path.rsplit("/files/", 1)[-1].removesuffix(":download"))
            return (
                Reply(200, data, {"content-type": "application/octet-stream"}) if data is not None else None
            )
        name = "batches/" + path.rsplit("/batches/", 1)[-1].removesuffix(":cancel")
        batch = self.batch(name)
        if batch is None:
            return None
        if path.endswith(":cancel"):
            batch.cancelled_at = batch.cancelled_at or self.desk.clock.now()
            return json_reply(200, {}, {})
        return json_reply(200, self.view(batch), {})

    def upload(self, req: Request, parsed: Any) -> Reply:
        """Google's resumable upload: ``start`` hands out an upload URL, ``upload, finalize`` stores."""
        command = req.headers.get("x-goog-upload-command", "")
        if command == "start":
            upload_id = b58(16)
            self.desk.files["pending/" + upload_id] = json.dumps(parsed or {}).encode()
            url = f"http://{req.headers.get('host', '127.0.0.1')}{req.path}?upload_id={upload_id}"
            return json_reply(200, {}, {"x-goog-upload-url": url, "x-goog-upload-status": "active"})
        meta = self.desk.files.pop("pending/" + req.query.get("upload_id", ""), None)
        if meta is None or "finalize" not in command:
            return _error(400, "unknown upload, or the upload was not finalized")
        name = "files/" + b58(12).lower()
        self.desk.files[name] = req.body
        file = {**(json.loads(meta).get("file") or {}), "name": name, "state": "ACTIVE"}
        return json_reply(200, {"file": file}, {"x-goog-upload-status": "final"})

    def create(self, req: Request, parsed: Any) -> Reply:
        model = req.path.rsplit("/models/", 1)[-1].removesuffix(":batchGenerateContent")
        config = ((parsed or {}).get("batch") or {}).get("inputConfig") or {}
        requests = (config.get("requests") or {}).get("requests")
        if config.get("fileName"):  # an uploaded JSONL of {"key", "request"} lines
            data = self.desk.files.get(str(config["fileName"]))
            if data is None:
                return _error(404, f"File {config['fileName']} not found")
            rows = [json.loads(raw) for raw in data.decode().splitlines() if raw.strip()]
            requests = [{"request": r.get("request"), "metadata": {"key": r.get("key")}} for r in rows]
        if not isinstance(requests, list) or not requests:
            return _error(400, "* batch.input_config: requests or file_name is required")
        version = req.path.split("/")[1]
        lines = [
            Line(
                str((r.get("metadata") or {}).get("key")),
                r.get("request"),
                f"/{version}/models/{model}:generateContent",
                req.headers,
                model,
            )
            for r in requests
            if isinstance(r, dict)
        ]
        batch = self.desk.create("gemini", "gemini", lines, model=model)
        batch.extra["display"] = (parsed["batch"] or {}).get("displayName")
        batch.extra["file_input"] = bool(config.get("fileName"))
        return json_reply(200, self.view(batch), {})

    def view(self, batch: FakeBatch) -> dict[str, Any]:
        state, finished = self.desk.state(batch)
        answers = self.desk.answers(batch) if state in _ENDED else []
        failed = sum(1 for _, r in answers if r.status >= 400)
        meta: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "name": batch.id,
            "model": f"models/{batch.model}",
            "displayName": batch.extra.get("display"),
            "state": "BATCH_STATE_" + self._STATE[state],
            "batchStats": {
                "requestCount": str(len(batch.lines)),
                "successfulRequestCount": str(finished - failed),
                "failedRequestCount": str(failed),
                "pendingRequestCount": str(len(batch.lines) - finished),
            },
        }
        op: dict[str, Any] = {"name": batch.id, "metadata": meta, "done": state in _ENDED}
        if state in _ENDED:
            items = []
            for line, reply in answers:
                body = _body(reply)
                key = {"metadata": {"key": line.custom_id}}
                items.append(
                    {"error": body.get("error"), **key} if reply.status >= 400 else {"response": body, **key}
                )
            meta["output"] = {"inlinedResponses": {"inlinedResponses": items}}
            if batch.extra.get("file_input"):  # file in, file out: {"key", "response" | "error"} lines
                if "out" not in batch.extra:
                    batch.extra["out"] = name = "files/" + b58(12).lower()
                    rows = [
                        {"key": i["metadata"]["key"], **{k: v for k, v in i.items() if k != "metadata"}}
                        for i in items
                    ]
                    self.desk.files[name] = _jsonl(_break_first(rows, batch))
                meta["output"] = {"responsesFile": batch.extra["out"]}
            op["response"] = {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                **meta["output"],
            }
        if batch.failure:
            op["error"] = {"code": 400, "message": batch.failure, "status": "INVALID_ARGUMENT"}
        return op


API_OF: dict[str, type[BatchShape]] = {
    "openai": OpenAIShape,
    "azure": OpenAIShape,
    "anthropic": AnthropicShape,
    "gemini": GeminiShape,
}

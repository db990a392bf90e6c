"""The fake's Vertex AI batch prediction: ``batchPredictionJobs`` over :class:`~._storage.FakeStorage`.

``POST /{v1|v1beta1}/projects/{p}/locations/{l}/batchPredictionJobs`` reads the JSONL input from the
fake bucket at once (``{"request": <generateContent body>}`` lines), ``GET …/batchPredictionJobs/{id}``
shows the job (``JOB_STATE_*``, ``completionStats`` with int64 counts as strings, as proto JSON
writes them, ``outputInfo.gcsOutputDirectory``), ``POST …/{id}:cancel`` cancels it. The job runs on
the desk's clock like every fake batch, and its ``predictions.jsonl`` (or ``predictions_NNNNN.jsonl``
files of ``server.batches.vertex_rows_per_file`` rows) under
``{outputUriPrefix}/prediction-model-{time}/`` grows as requests finish, so a cancelled or expired job
leaves the rows it finished. Rows are ``{"status": "" | error, "processed_time", "request",
"response"}`` in no particular order, and echo the request the way Google's re-serialisation does:
unset part fields as ``null`` (Google's sample output shows ``"file_data": null``) and
``generationConfig`` floats rounded to 32 bits (they are ``float`` in the proto). The job's name
carries a project *number*, as Vertex's do, so a client must poll the name it got back.
The desk's faults apply: ``expire_half``, ``broken_line`` (the first row cut in half),
``error_line`` (the first request fails: a non-empty ``status``), ``fail``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import random
import re
import struct
from typing import TYPE_CHECKING, Any, ClassVar

from ._batch_api import BatchShape, Line, _body
from ._http import Reply, Request
from ._wire import json_reply

if TYPE_CHECKING:
    from ._batch import FakeBatch

__all__ = ["VertexShape"]

_PATH = re.compile(
    r"/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/batchPredictionJobs(?:/(?P<id>[^/:]+)(?P<cancel>:cancel)?)?"
)
_MODEL = re.compile(r"(?:projects/[^/]+/locations/[^/]+/)?publishers/[^/]+/models/([^/:@]+)")
_PART_FIELDS = ("text", "inlineData", "fileData")


def _google_error(status: int, message: str, code: str) -> Reply:
    return json_reply(status, {"error": {"code": status, "message": message, "status": code}}, {})


def _echo(body: Any) -> Any:
    """The request as a predictions row repeats it (see the module docstring)."""
    echo = copy.deepcopy(body)
    if not isinstance(echo, dict):
        return echo
    for content in echo.get("contents") or []:
        for part in (content.get("parts") or []) if isinstance(content, dict) else []:
            for name in _PART_FIELDS:
                if isinstance(part, dict):
                    part.setdefault(name, None)
    config = echo.get("generationConfig")
    for key, value in (config or {}).items():
        if isinstance(value, float):
            config[key] = struct.unpack("f", struct.pack("f", value))[0]
    return echo


class VertexShape(BatchShape):
    """``batchPredictionJobs`` create / get / cancel, writing output to the fake's storage."""

    _STATE: ClassVar[dict[str, str]] = {
        "validating": "JOB_STATE_PENDING",
        "in_progress": "JOB_STATE_RUNNING",
        "finalizing": "JOB_STATE_RUNNING",
        "done": "JOB_STATE_SUCCEEDED",
        "expired": "JOB_STATE_EXPIRED",
        "cancelled": "JOB_STATE_CANCELLED",
        "failed": "JOB_STATE_FAILED",
    }

    @property
    def storage(self) -> Any:
        return self.desk._server.storage

    def route(self, req: Request, parsed: Any) -> Reply | None:
        m = _PATH.fullmatch(req.path)
        if m is None:
            return None
        if m["id"] is None:
            return self.create(req, parsed, m) if req.method == "POST" else None
        # the project may be the id or the number (the job's name holds the number)
        tail = f"/locations/{m['location']}/batchPredictionJobs/{m['id']}"
        batch = next(
            (b for b in self.desk.batches.values() if b.api == "vertex" and b.id.endswith(tail)), None
        )
        if batch is None:
            return _google_error(404, f"The BatchPredictionJob {m['id']} does not exist.", "NOT_FOUND")
        if m["cancel"] and req.method == "POST":
            batch.cancelled_at = batch.cancelled_at or self.desk.clock.now()
            return json_reply(200, {}, {})
        return json_reply(200, self.view(batch), {}) if req.method == "GET" else None

    def create(self, req: Request, parsed: Any, m: re.Match[str]) -> Reply:
        body = parsed if isinstance(parsed, dict) else {}
        source = (body.get("inputConfig") or {}).get("gcsSource") or {}
        dest = (body.get("outputConfig") or {}).get("gcsDestination") or {}
        model = _MODEL.fullmatch(str(body.get("model") or ""))
        problem = (
            "displayName is required"
            if not body.get("displayName")
            else "model must be publishers/{publisher}/models/{model}"
            if model is None
            else "inputConfig must be instancesFormat jsonl with one gcsSource uri"
            if (body.get("inputConfig") or {}).get("instancesFormat") != "jsonl"
            or len(source.get("uris") or []) != 1
            else "outputConfig must be predictionsFormat jsonl with a gcsDestination outputUriPrefix"
            if (body.get("outputConfig") or {}).get("predictionsFormat") != "jsonl"
            or not str(dest.get("outputUriPrefix", "")).startswith("gs://")
            else None
        )
        if problem is not None:
            return _google_error(400, problem, "INVALID_ARGUMENT")
        assert model is not None
        lines, failure = self._lines(str(source["uris"][0]), m, model[1], req)
        # a project number in the name, as Vertex AI writes it (not the id the request used)
        number = int(hashlib.sha256(m["project"].encode()).hexdigest()[:10], 16) % 10**12
        job_id = str(random.randrange(10**18, 10**19))
        name = f"projects/{number}/locations/{m['location']}/batchPredictionJobs/{job_id}"
        batch = self.desk.create("vertex", "vertex", lines, model=model[1], batch_id=name)
        batch.failure = batch.failure or failure
        if str(dest["outputUriPrefix"])[5:].partition("/")[0] not in self.storage.buckets:
            batch.failure = batch.failure or f"The output bucket of {dest['outputUriPrefix']} does not exist."
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        batch.extra.update(config=body, created=stamp, answered=[], written=-1)
        batch.extra["output"] = f"{str(dest['outputUriPrefix']).rstrip('/')}/prediction-model-{stamp}"
        return json_reply(200, self.view(batch), {})

    def _lines(self, uri: str, m: re.Match[str], model: str, req: Request) -> tuple[list[Line], str | None]:
        data = self.storage.read(uri)
        if data is None:
            return [], f"Failed to read the input {uri}: no such object, or no access to it."
        path = f"/{m['version']}/projects/{m['project']}/locations/{m['location']}/publishers/google/models/{model}:generateContent"
        lines = []
        for n, raw in enumerate(data.decode("utf-8", errors="replace").splitlines()):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError:
                return [], f"Line {n + 1} of {uri} is not valid JSON."
            if not isinstance(row, dict) or not isinstance(row.get("request"), dict):
                return [], f"Line {n + 1} of {uri} has no request object."
            lines.append(Line(str(n), row["request"], path, dict(req.headers), model))
        return lines, None

    def sync(self, batch: FakeBatch) -> tuple[str, int]:
        """Answer the requests finished by now and write them to the bucket; the state and count."""
        with self.desk._sync_lock:  # the server's loop and a test reading the bucket both get here
            state, finished = self.desk.state(batch)
            if batch.failure or state == "validating":
                return state, 0
            answered: list[tuple[Line, Reply]] = batch.extra["answered"]
            while len(answered) < finished:
                line = batch.lines[len(answered)]
                answered.append((line, self.desk._answer(batch, line)))
            if batch.extra["written"] != len(answered):
                self._write(batch, answered)
                batch.extra["written"] = len(answered)
            return state, finished

    def _write(self, batch: FakeBatch, answered: list[tuple[Line, Reply]]) -> None:
        rows: list[Any] = []
        for line, reply in answered:
            body = _body(reply)
            row: dict[str, Any] = {
                "status": "",
                "processed_time": batch.extra["created"],
                "request": _echo(line.body),
            }
            if reply.status >= 400:
                err = body.get("error") or {}
                row["status"] = f"{err.get('status') or reply.status}: {err.get('message') or 'failed'}"
            else:
                row["response"] = body
            rows.append(row)
        random.Random(batch.id).shuffle(rows)  # no promised order
        texts = [json.dumps(r) + "\n" for r in rows]
        if batch.fault == "broken_line" and texts:
            texts[0] = texts[0][:40] + "\n"
        bucket, _, folder = batch.extra["output"][5:].partition("/")
        per_file = self.desk.vertex_rows_per_file or max(1, len(texts))
        for i in range(0, max(1, len(texts)), per_file):
            name = (
                "predictions.jsonl"
                if per_file >= len(texts)
                else f"predictions_{i // per_file + 1:05d}.jsonl"
            )
            self.storage.put(
                bucket, f"{folder}/{name}", "".join(texts[i : i + per_file]).encode(), "application/json"
            )

    def view(self, batch: FakeBatch) -> dict[str, Any]:
        state, _ = self.sync(batch)
        config = batch.extra["config"]
        answered = batch.extra["answered"] if not batch.failure else []
        failed = sum(1 for _, r in answered if r.status >= 400)
        out: dict[str, Any] = {
            "name": batch.id,
            "displayName": config.get("displayName"),
            "model": config.get("model"),
            "inputConfig": config.get("inputConfig"),
            "outputConfig": config.get("outputConfig"),
            "state": self._STATE[state],
            "createTime": batch.extra["created"],
            "updateTime": batch.extra["created"],
            "modelVersionId": "1",
            "completionStats": {
                "successfulCount": str(len(answered) - failed),
                "failedCount": str(failed),
                "incompleteCount": str(len(batch.lines) - len(answered)),
            },
        }
        if answered or (state not in ("validating", "failed")):
            out["outputInfo"] = {"gcsOutputDirectory": batch.extra["output"]}
        if state in ("done", "expired", "cancelled", "failed"):
            out["endTime"] = batch.extra["created"]
        if batch.failure:
            out["error"] = {"code": 3, "message": batch.failure}
        return out

"""Vertex AI batch prediction through the user's Cloud Storage bucket (``VertexAI(batch_bucket=...)``).

A batch is a JSONL file of ``{"request": <the live generateContent body>}`` lines uploaded to
``{bucket}/{prefix}/nbconnect/{label}-{id}/input.jsonl``, and a ``batchPredictionJobs`` job reading it
and writing ``predictions*.jsonl`` under ``…/output/`` beside it [providers.md §6.6; google-genai
3.6.1 ``batches.py`` builds the same create body]. The job's states are ``JOB_STATE_*``; its
``completionStats`` count the rows, ``outputInfo.gcsOutputDirectory`` says where they are, and rows
finished before a cancel or an expiry are exported too, so a stopped job still yields them.

**Matching a result to its cell.** Vertex documents no id field for Gemini JSONL lines (the Gemini
API's file batches have ``key``; Vertex's guide shows only ``request``, and rows come back in no
promised order). Other clients put an id into the request's ``labels``, but that changes the body
nbconnect promises to keep identical to the live one (and a label value holds at most 63 lowercase
characters). So a line is matched on the request each output row echoes: the custom id of a line is
a digest of its canonical request plus its ordinal among identical requests of the batch, and each
output row gets the digest of its echo and the next ordinal. The echo passes through Google's proto
JSON, which adds ``null`` for unset fields (Google's sample output shows ``"file_data": null``), may
respell names in camelCase and rounds ``float`` fields (temperature) to 32 bits; the canonical form
drops nulls and empty values, camel-cases every name and rounds numbers to 6 significant digits,
so none of these changes a digest. Identical requests are interchangeable, so their order does not
matter. An echo that still matches nothing leaves its cell recorded as missing: never a wrong cell.

**What is left in the bucket.** The input file is deleted once the job's results were read (it holds
the prompts and nothing else). The output files stay: they are the provider's record of what was
paid for, in the user's own bucket (a lifecycle rule can expire them). No object holds a token, a key
or any header: only request bodies.
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from ... import _errors as E
from ..adapter import Prepared
from . import states
from .base import BatchAPI, BatchStatus, LineResult, jsonl, parse_lines
from .gcs import GCS_ROOT, Bucket, CloudStorage, parse_bucket

if TYPE_CHECKING:
    from ..._connections.base import Connection
    from ..vertex import VertexAdapter

__all__ = ["VertexBatch", "request_digest"]

log = logging.getLogger("nbconnect.batch")

FOLDER = "nbconnect"  # every object nbconnect writes lies under {prefix}/nbconnect/
_JOB_NAME = re.compile(r"projects/[^/]+/locations/[^/]+/batchPredictionJobs/[A-Za-z0-9_-]+")
_OUTPUT_FILE = re.compile(r"(^|/)predictions[^/]*\.jsonl$")

# JobState in google-genai 3.6.1 types.py; PAUSED and UPDATING are not over, so they wait with RUNNING
_STATES = {
    "JOB_STATE_UNSPECIFIED": states.VALIDATING,
    "JOB_STATE_QUEUED": states.VALIDATING,
    "JOB_STATE_PENDING": states.VALIDATING,
    "JOB_STATE_RUNNING": states.IN_PROGRESS,
    "JOB_STATE_PAUSED": states.IN_PROGRESS,
    "JOB_STATE_UPDATING": states.IN_PROGRESS,
    "JOB_STATE_SUCCEEDED": states.DONE,
    "JOB_STATE_PARTIALLY_SUCCEEDED": states.DONE,  # the rows that failed say so on their own line
    "JOB_STATE_FAILED": states.FAILED,
    "JOB_STATE_CANCELLING": states.CANCELLING,
    "JOB_STATE_CANCELLED": states.CANCELLED,
    "JOB_STATE_EXPIRED": states.EXPIRED,
}

NO_BUCKET = (
    "Vertex AI batch prediction reads its input from and writes its output to Cloud Storage: give the "
    "VertexAI connection batch_bucket='gs://your-bucket' (a bucket its service account and the Vertex AI "
    "service agent may read and write) to batch its cells"
)


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), name)


def _canonical(value: Any) -> Any:
    """``value`` as proto JSON would not change it (see the module docstring)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _canonical(item)
            if item is not None and item != {} and item != []:
                out[_camel(str(key))] = item
        return out
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float | int) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and abs(number) < 2**53:  # a whole number is kept exact: seeds and
            return int(number)  # limits that differ in the 7th digit are different requests
        number = float(f"{number:.6g}")  # a fraction: the echo may be rounded to 32 bits
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return value


def request_digest(body: Any) -> str:
    """The digest a request and its echo in a predictions row share."""
    text = json.dumps(_canonical(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


class VertexBatch(BatchAPI):
    """``batchPredictionJobs`` over a JSONL file in the connection's ``batch_bucket``."""

    # https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/batch-prediction-gemini
    # ("Quotas and limits"): up to 200,000 requests in one batch job, and a Cloud Storage input
    # file of at most 1 GB (taken as 10^9 bytes, the smaller reading). The stored copy of that page
    # available when this was written cut the section off: re-check the figures when it changes.
    max_requests: ClassVar[int] = 200_000
    max_bytes: ClassVar[int] = 1_000_000_000

    @classmethod
    def unavailable(cls, conn: Connection) -> str | None:
        return None if getattr(conn, "batch_bucket", None) else NO_BUCKET

    adapter: VertexAdapter

    def __init__(self, adapter: VertexAdapter) -> None:
        super().__init__(adapter)
        conn = adapter.conn
        self.bucket: Bucket | None = parse_bucket(conn.batch_bucket) if conn.batch_bucket else None
        root = conn.storage_url or GCS_ROOT
        self.storage = CloudStorage(adapter, root, self.bucket.name if self.bucket else "")

    # -- lines and ids ---------------------------------------------------------------------------
    def line(self, custom_id: str, prepared: Prepared) -> dict[str, Any]:
        return {"request": prepared.body}  # Vertex reads no id: see custom_ids

    def custom_ids(self, keys: list[str], prepared: list[Prepared]) -> list[str]:
        seen: collections.Counter[str] = collections.Counter()
        ids = []
        for item in prepared:
            digest = request_digest(item.body)
            ids.append(f"{digest}-{seen[digest]}")
            seen[digest] += 1
        return ids

    # -- the job ---------------------------------------------------------------------------------
    def _jobs_url(self) -> str:
        conn = self.adapter.conn
        return self.adapter.api_url(f"projects/{conn.project}/locations/{conn.location}/batchPredictionJobs")

    def _job_url(self, name: str) -> str:
        """A job's URL as google-genai builds it: its id under the connection's project and location
        (the name Vertex returns holds the project *number*; both address the same job)."""
        if not _JOB_NAME.fullmatch(name):  # its id becomes part of the URL the token is sent to
            raise E.ConfigError(f"{name!r} is not a Vertex AI batch prediction job name")
        return f"{self._jobs_url()}/{name.rsplit('/', 1)[1]}"

    def _where(self) -> Bucket:
        if self.bucket is None:
            raise E.ConfigError(NO_BUCKET)
        return self.bucket

    async def submit(self, lines: list[dict[str, Any]], model: str, label: str) -> str:
        bucket = self._where()
        folder = bucket.path(FOLDER, f"{label}-{uuid.uuid4().hex[:12]}")
        source = f"{folder}/input.jsonl"
        await self.storage.upload(source, jsonl(lines))
        body = {
            "displayName": label,
            "model": self.adapter.model_path(model),
            "inputConfig": {"instancesFormat": "jsonl", "gcsSource": {"uris": [bucket.gs(source)]}},
            "outputConfig": {
                "predictionsFormat": "jsonl",
                "gcsDestination": {"outputUriPrefix": bucket.gs(f"{folder}/output")},
            },
        }
        try:
            job = await self.call(Prepared("POST", self._jobs_url(), body, {}))
        except E.ProviderError:
            await self._forget(source)  # no job will read it
            raise
        name = str(job.get("name") or "")
        if not _JOB_NAME.fullmatch(name):  # a name we could not poll: say so now, per cell
            raise E.ServerError(
                f"Vertex AI answered the job creation with a job name nbconnect cannot poll ({name!r})",
                retryable=False,
                **self.adapter._context(),
            )
        return name

    async def status(self, batch_id: str) -> BatchStatus:
        try:
            job = await self.call(Prepared("GET", self._job_url(batch_id), None, {}))
        except E.NotFoundError as err:  # not "the model is not offered": the job is gone
            raise E.NotFoundError(
                f"Vertex AI has no batch prediction job {batch_id} (deleted, or in another project or "
                f"location): {err.message.split(';')[0]}",
                status=err.status,
                **self.adapter._context(),
            ) from None
        stats = job.get("completionStats") or {}
        done, failed = int(stats.get("successfulCount") or 0), int(stats.get("failedCount") or 0)
        left = max(0, int(stats.get("incompleteCount") or 0))  # -1: not known yet
        message = (job.get("error") or {}).get("message")
        return BatchStatus(
            state=_STATES.get(str(job.get("state")), states.IN_PROGRESS),
            total=done + failed + left,
            finished=done,
            failed=failed,
            results=(job.get("outputInfo") or {}).get("gcsOutputDirectory"),
            message=self._explain(str(message)) if message else None,
            body=job,
        )

    def _explain(self, message: str) -> str:
        """A failed job's message, with the service agent's role when Google says access was denied."""
        if not re.search(r"permission|denied|403|access", message, re.IGNORECASE):
            return message
        where = self.bucket.uri if self.bucket else "the bucket"
        return (
            f"{message}. The Vertex AI service agent (service-PROJECT_NUMBER@gcp-sa-aiplatform.iam."
            f"gserviceaccount.com) reads the input and writes the output: grant it the 'Storage Object "
            f"User' role (roles/storage.objectUser) on {where}"
        )

    async def results(self, status: BatchStatus) -> list[LineResult]:
        bucket = self._where()
        job = status.body
        output = status.results or _get(job, "outputConfig", "gcsDestination", "outputUriPrefix")
        lines: list[LineResult] = []
        if output:
            prefix = bucket.owns(str(output), FOLDER)
            if prefix is None:  # the token reads only what nbconnect wrote
                raise E.ServerError(
                    f"Vertex AI reported the output of job {job.get('name')} at {output}, which is not under "
                    f"{bucket.uri}/{FOLDER}/; nbconnect reads only what it wrote there",
                    retryable=False,
                    **self.adapter._context(),
                )
            seen: collections.Counter[str] = collections.Counter()
            for name in sorted(await self.storage.list(prefix.rstrip("/") + "/")):
                if _OUTPUT_FILE.search(name):
                    text = (await self.storage.download(name)).decode("utf-8", errors="replace")
                    lines += parse_lines(text, lambda row: _read(row, seen))
        for uri in _get(job, "inputConfig", "gcsSource", "uris") or []:
            name = bucket.owns(str(uri), FOLDER)
            if name is not None and status.state in states.TERMINAL:
                await self._forget(name)  # the job is over: the prompts need not stay
        return lines

    async def _forget(self, name: str) -> None:
        try:
            await self.storage.delete(name)
        except E.ProviderError as err:  # already gone, or no delete permission: harmless, said once
            log.warning("could not delete %s from the batch bucket: %s", name, err)

    def keeps(self, err: E.ProviderError) -> bool:
        # any failure of the bucket (a role missing, an object not found under a changed prefix)
        # leaves the job itself known to Vertex: keep it for the run after the fix
        return super().keeps(err) or err.from_storage

    async def cancel(self, batch_id: str) -> None:
        await self.call(Prepared("POST", self._job_url(batch_id) + ":cancel", None, {}))


def _get(obj: Any, *path: str) -> Any:
    for name in path:
        obj = obj.get(name) if isinstance(obj, dict) else None
    return obj


def _read(row: dict[str, Any], seen: collections.Counter[str]) -> LineResult | None:
    """One predictions row: ``{"status": "" | error text, "processed_time", "request", "response"}``."""
    request = row.get("request")
    if not isinstance(request, dict):
        return None  # no echo, no cell: recorded as missing
    digest = request_digest(request)
    custom_id = f"{digest}-{seen[digest]}"
    seen[digest] += 1
    status = row.get("status")
    if isinstance(status, dict):
        status = status.get("message") or json.dumps(status)
    if status:
        return LineResult(
            custom_id,
            error=f"the provider failed this request in the batch: {status}",
            error_type="batch_request_failed",
        )
    return LineResult(custom_id, body=row.get("response"))

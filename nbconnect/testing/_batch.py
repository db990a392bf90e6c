"""The fake's batch desk: the batch endpoints of OpenAI / Azure OpenAI, Anthropic, the Gemini API and
Vertex AI (its jobs read and write the fake's Cloud Storage, ``server.storage``).

Batches live on a controllable clock (``server.batch_clock``): a batch is *validating* when
created, *in progress* while ``server.batches.latency`` fake seconds pass, then *finalizing* and
*done*; one still running after ``expires_after`` fake seconds (24 h) expires with the part that
finished. ``server.batch_clock.advance(hours=1)`` moves time on, so tests never wait. Each line is
answered exactly as the live route would answer its body (the family wire's ``parse`` + ``answer``),
so a line the live endpoint would refuse comes back as that request's error inside the batch.

Faults, consumed one per created batch (``server.batches.script([...])``): ``"expire_half"`` (the
batch expires with half its requests answered), ``"broken_line"`` (one result line is not JSON),
``"error_line"`` (the first request gets a 500 inside the batch), ``"fail"`` (the batch fails
validation as a whole), ``"ok"``. ``server.batches.not_batch`` holds
Azure deployment names that are not batch deployments (their batches fail as Azure's do).
The API shapes themselves are :mod:`._batch_api` (and :mod:`._batch_vertex`).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._batch_api import API_OF, BatchShape, Line
from ._batch_vertex import VertexShape
from ._http import Reply, Request
from ._wire import b58, json_reply

__all__ = ["BatchClock", "BatchDesk", "FakeBatch"]

DAY = 24 * 3600.0
SHAPES: dict[str, type[BatchShape]] = {**API_OF, "vertex": VertexShape}
BATCH_FAULTS = ("ok", "expire_half", "broken_line", "error_line", "fail")


class BatchClock:
    """Fake seconds: real time (times ``rate``) plus whatever :meth:`advance` added."""

    def __init__(self, rate: float = 1.0) -> None:
        self.rate = rate
        self._start = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._offset + (time.monotonic() - self._start) * self.rate

    def advance(self, *, seconds: float = 0.0, minutes: float = 0.0, hours: float = 0.0) -> None:
        with self._lock:
            self._offset += seconds + 60 * minutes + 3600 * hours


@dataclass
class FakeBatch:
    """One batch as the fake holds it; ``answers`` are filled when it ends."""

    id: str
    api: str  # "openai" | "anthropic" | "gemini" | "vertex"
    family: str  # the wire family answering its lines ("openai", "azure", "anthropic", "gemini", "vertex")
    lines: list[Line]
    created: float
    fault: str = "ok"
    model: str = ""
    input_file: str | None = None
    cancelled_at: float | None = None
    failure: str | None = None
    answers: list[tuple[Line, Reply]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class BatchDesk:
    """Every batch and uploaded file of one :class:`FakeProvider` (``server.batches``)."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self.clock = BatchClock()
        self.latency: float = 0.0
        """Fake seconds a batch spends in progress (0: done at the first status check)."""
        self.expires_after: float = DAY
        """Fake seconds after which a batch still running expires (the providers' 24 h window)."""
        self.not_batch: set[str] = set()
        """Azure deployments that are not Global-Batch deployments: their batches fail."""
        self.vertex_rows_per_file: int = 0
        """Rows per predictions file of a Vertex AI job (0: one ``predictions.jsonl``)."""
        self.batches: dict[str, FakeBatch] = {}
        self.files: dict[str, bytes] = {}
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._sync_lock = threading.RLock()

    def script(self, faults: Iterable[str]) -> None:
        """Queue batch faults, one per batch created from now on (see the module docstring)."""
        for kind in faults:
            if kind not in BATCH_FAULTS:
                raise ValueError(f"unknown batch fault {kind!r}; choose from {', '.join(BATCH_FAULTS)}")
            self._faults.append(kind)

    @property
    def created(self) -> int:
        """How many batches were created."""
        return len(self.batches)

    def lines_submitted(self) -> int:
        return sum(len(b.lines) for b in self.batches.values())

    # -- life cycle ----------------------------------------------------------------------------
    def create(
        self,
        api: str,
        family: str,
        lines: list[Line],
        model: str = "",
        input_file: str | None = None,
        batch_id: str | None = None,
    ) -> FakeBatch:
        with self._lock:
            prefix = {"openai": "batch_", "anthropic": "msgbatch_", "gemini": "batches/"}.get(api, "")
            batch = FakeBatch(
                id=batch_id or prefix + b58(16),
                api=api,
                family=family,
                lines=lines,
                created=self.clock.now(),
                fault=self._faults.popleft() if self._faults else "ok",
                model=model,
                input_file=input_file,
            )
            if batch.fault == "fail":
                batch.failure = "the input file failed validation"
            deployments = {str((ln.body or {}).get("model")) for ln in lines} & self.not_batch
            if family == "azure" and deployments:
                batch.failure = (
                    f"The model deployment {sorted(deployments)[0]!r} is not a batch deployment "
                    "(deployment type must be GlobalBatch or DataZoneBatch)"
                )
            self.batches[batch.id] = batch
            return batch

    def state(self, batch: FakeBatch) -> tuple[str, int]:
        """The batch's state now ("validating" ... "expired") and how many requests finished."""
        now = self.clock.now()
        n = len(batch.lines)
        if batch.failure:
            return "failed", 0
        elapsed = now - batch.created
        if batch.cancelled_at is not None:
            return "cancelled", self._done_by(batch, batch.cancelled_at - batch.created)
        if batch.fault == "expire_half":
            return "expired", n // 2
        if self.latency > self.expires_after and elapsed >= self.expires_after:
            return "expired", self._done_by(batch, self.expires_after)
        if elapsed >= self.latency:
            return "done", n
        if elapsed < 0.05 * self.latency:
            return "validating", 0
        if elapsed > 0.95 * self.latency:
            return "finalizing", n
        return "in_progress", self._done_by(batch, elapsed)

    def _done_by(self, batch: FakeBatch, elapsed: float) -> int:
        if self.latency <= 0:
            return len(batch.lines)
        return min(len(batch.lines), int(len(batch.lines) * max(0.0, elapsed) / self.latency))

    def answers(self, batch: FakeBatch) -> list[tuple[Line, Reply]]:
        """The answered lines of an ended batch, computed once (the first ``finished`` lines)."""
        state, finished = self.state(batch)
        if batch.answers is None and state in ("done", "expired", "cancelled", "failed"):
            batch.answers = [(ln, self._answer(batch, ln)) for ln in batch.lines[:finished]]
        return batch.answers or []

    def _answer(self, batch: FakeBatch, line: Line) -> Reply:
        """What the live route answers for this line's body."""
        wire = self._server._wire(batch.family)
        if batch.fault == "error_line" and line is batch.lines[0]:
            return wire.error(500, "The server had an error while processing this request")
        exchange = wire.parse(line.path, line.headers, line.body, line.model)
        if isinstance(exchange, Reply):
            return exchange
        return wire.answer(exchange, "ok", {})

    def sync_outputs(self) -> None:
        """Write what each Vertex AI job has finished by now to its output folder (the storage's
        ``sync``: output appears in the bucket as jobs progress, whoever looks)."""
        with self._sync_lock:
            shape = VertexShape(self, "vertex")
            for batch in list(self.batches.values()):
                if batch.api == "vertex":
                    shape.sync(batch)

    # -- HTTP ----------------------------------------------------------------------------------
    def respond(self, family: str, req: Request, parsed: Any) -> Reply:
        shape: BatchShape = SHAPES[family](self, family)
        reply = shape.route(req, parsed)
        return reply if reply is not None else not_found(req)


def not_found(req: Request) -> Reply:
    return json_reply(404, {"error": {"message": f"Invalid URL ({req.method} {req.path})"}}, {})


BATCH_PATH = re.compile(
    r"(?:/.*)?/(?:files(?:/[^/]+(?:/content)?)?|batches(?:/[^/:]+(?:/cancel|:cancel)?)?)"
    r"|/v1/messages/batches(?:/[^/]+(?:/results|/cancel)?)?"
    r"|/v1(?:beta)?/models/[^/:]+:batchGenerateContent"
    r"|/download/v1(?:beta)?/files/[^/:]+:download"
    r"|/upload/v1(?:beta)?/files"
)
"""Paths of the batch endpoints (``_routes`` sends them here)."""

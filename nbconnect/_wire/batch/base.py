"""What every provider batch API shares: limits, a normalised status, and per-line results.

A :class:`BatchAPI` drives one provider's batch endpoints through the live adapter it is built
with, so credentials, error mapping and secret scrubbing are the live path's (``Adapter.request``).
Each batch line carries *exactly* the body the adapter's ``prepare(call, mode)`` built for the live
call; a subclass only says how that body is wrapped, where the batch is created, how its status
reads and how its results come back. Which connections batch is a class fact of the adapter
(``Adapter.batch_class``), never an if-chain.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from ... import _errors as E
from ..adapter import Prepared
from .states import (  # re-exported: the engine reads the states from here
    DONE,
    EXPIRED,
    FINALIZING,
    IN_PROGRESS,
    STATES,
    TERMINAL,
    VALIDATING,
)

if TYPE_CHECKING:
    from ..._connections.base import Connection
    from ..adapter import Adapter

__all__ = [
    "DONE",
    "EXPIRED",
    "FINALIZING",
    "IN_PROGRESS",
    "STATES",
    "TERMINAL",
    "VALIDATING",
    "BatchAPI",
    "BatchStatus",
    "LineResult",
    "Upload",
    "jsonl",
    "multipart_fields",
    "parse_lines",
]


@dataclass
class BatchStatus:
    """Where one provider batch stands, in nbconnect's words."""

    state: str
    total: int = 0
    finished: int = 0
    failed: int = 0
    results: str | None = None  # where the results are (an output file id, a URL); None: inline/none
    errors: str | None = None  # where per-line errors are (OpenAI's error file), if any
    message: str | None = None  # why a batch failed as a whole
    body: dict[str, Any] = field(default_factory=dict)  # the provider's status object (inline results)

    def counts(self) -> dict[str, int]:
        """The line counts the cache database keeps beside the state."""
        return {"total": self.total, "finished": self.finished, "failed": self.failed}


@dataclass
class LineResult:
    """One line of a batch's results: the live-shaped response body, or the provider's error."""

    custom_id: str
    body: Any = None
    error: str | None = None
    error_type: str | None = None


@dataclass(frozen=True)
class Upload(Prepared):
    """A non-JSON request (a multipart file upload); ``content`` is sent as is."""

    content: bytes = b""
    content_type: str | None = "application/octet-stream"  # None: no Content-Type header

    def to_httpx(self, client: httpx.AsyncClient | None = None) -> httpx.Request:
        headers = dict(self.headers)
        if self.content_type is not None:
            headers["Content-Type"] = self.content_type
        if client is not None:
            return client.build_request(self.method, self.url, content=self.content, headers=headers)
        return httpx.Request(self.method, self.url, content=self.content, headers=headers)


def multipart_fields(body: bytes, content_type: str) -> dict[str, bytes]:
    """The fields of a ``multipart/form-data`` body (name -> bytes): what a files endpoint reads."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    fields: dict[str, bytes] = {}
    if not boundary:
        return fields
    for part in body.split(b"--" + boundary)[1:-1]:
        head, _, data = part.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name:
            fields[name[1].decode()] = data
    return fields


def jsonl(lines: Sequence[dict[str, Any]]) -> bytes:
    """Lines as UTF-8 JSONL without a BOM (Azure rejects one), one object per line."""
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


class BatchAPI(ABC):
    """One provider's batch endpoints, driven through a live adapter ``adapter``."""

    max_requests: ClassVar[int]
    """Most requests one batch may hold (the provider's documented limit)."""
    max_bytes: ClassVar[int]
    """Most bytes of wrapped lines one batch may hold (the provider's documented limit)."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter

    @classmethod
    def unavailable(cls, conn: Connection) -> str | None:
        """Why this connection must run live after all (``None``: it batches)."""
        return None

    def size(self, line: dict[str, Any]) -> int:
        """Bytes ``line`` adds to a batch."""
        return len(json.dumps(line, ensure_ascii=False).encode()) + 1

    def keeps(self, err: E.ProviderError) -> bool:
        """Whether a batch whose status or results failed with ``err`` stays remembered, so the next
        run re-attaches to it (otherwise it is let go, and its cells are sent, and paid for, anew).
        Only the provider saying it no longer knows the batch (404: deleted, past its retention)
        lets it go: a refused key, a network failure or an outage says nothing about the batch,
        which the provider may still be running and will bill once whoever collects it."""
        return not isinstance(err, E.NotFoundError)

    async def call(self, prepared: Prepared) -> Any:
        """Send a JSON request through the adapter and return the decoded answer."""
        resp, _ = await self.adapter.request(prepared)
        return self.adapter.json_body(resp, self.adapter._context())

    async def text(self, prepared: Prepared) -> str:
        resp, _ = await self.adapter.request(prepared)
        return resp.text

    def custom_ids(self, keys: list[str], prepared: list[Prepared]) -> list[str]:
        """The custom id of each line of a batch: the cell's cache key, which the line carries. An API
        whose lines carry no id says here how a result line is matched back (Vertex AI: by the
        request the result echoes)."""
        return list(keys)

    @abstractmethod
    def line(self, custom_id: str, prepared: Prepared) -> dict[str, Any]:
        """The batch line for one live request (its body untouched)."""

    @abstractmethod
    async def submit(self, lines: list[dict[str, Any]], model: str, label: str) -> str:
        """Create a batch of ``lines`` (all for ``model``) and return its id."""

    @abstractmethod
    async def status(self, batch_id: str) -> BatchStatus: ...

    @abstractmethod
    async def results(self, status: BatchStatus) -> list[LineResult]:
        """Every result line available for a terminal batch (partial for expired/cancelled ones)."""

    @abstractmethod
    async def cancel(self, batch_id: str) -> None: ...


def parse_lines(text: str, read: Any) -> list[LineResult]:
    """JSONL result lines through ``read(obj) -> LineResult``; a broken line is skipped (its cell
    then has no result and is recorded as missing from the batch)."""
    out: list[LineResult] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if isinstance(obj, dict):
            item = read(obj)
            if item is not None:
                out.append(item)
    return out

"""Batch runs' memory, in the answer cache's SQLite file: which batches were accepted, and which
cell (by its cache key) went into which batch under which custom id.

Rows are written the moment a provider accepts a batch (each statement commits at once, WAL), so
a kernel killed while batches run loses nothing: the next ``run(..., batch=True)`` or
``nbc.resume(...)`` finds the batch ids here and re-attaches instead of paying again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import Cache

__all__ = ["BatchRecord", "BatchStore"]

_TABLES = (
    "CREATE TABLE IF NOT EXISTS batches (batch_id TEXT PRIMARY KEY, provider TEXT NOT NULL, "
    "connection TEXT NOT NULL, model TEXT NOT NULL, state TEXT NOT NULL, lines INTEGER NOT NULL, "
    "collected INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, updated REAL NOT NULL, "
    "counts TEXT NOT NULL DEFAULT '{}')",
    "CREATE TABLE IF NOT EXISTS batch_cells (batch_id TEXT NOT NULL, custom_id TEXT NOT NULL, "
    "key TEXT NOT NULL, PRIMARY KEY (batch_id, custom_id))",
    "CREATE INDEX IF NOT EXISTS batch_cells_key ON batch_cells (key)",
)

#: the columns of ``batches``, in table order (what ``nbc.resume()`` lists)
_COLUMNS = (
    "batch_id",
    "provider",
    "connection",
    "model",
    "state",
    "lines",
    "collected",
    "created",
    "updated",
    "counts",
)


@dataclass(frozen=True)
class BatchRecord:
    batch_id: str
    provider: str
    connection: str
    model: str
    state: str
    lines: int
    collected: bool


class BatchStore:
    """The two batch tables of a :class:`Cache`'s database (sharing its connection and lock)."""

    columns = _COLUMNS

    def __init__(self, cache: Cache) -> None:
        self._db, self._lock = cache._db, cache._lock
        with self._lock:
            for statement in _TABLES:
                self._db.execute(statement)

    def add(self, record: BatchRecord, cells: dict[str, str]) -> None:
        """Remember an accepted batch and its ``custom_id -> cache key`` map, in one transaction."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, '{}')",
                (
                    record.batch_id,
                    record.provider,
                    record.connection,
                    record.model,
                    record.state,
                    record.lines,
                    now,
                    now,
                ),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO batch_cells VALUES (?, ?, ?)",
                [(record.batch_id, cid, key) for cid, key in cells.items()],
            )
            self._db.execute("COMMIT")

    def update(self, batch_id: str, state: str, counts: dict[str, Any], *, collected: bool = False) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE batches SET state = ?, counts = ?, updated = ?, collected = MAX(collected, ?) "
                "WHERE batch_id = ?",
                (state, json.dumps(counts), time.time(), int(collected), batch_id),
            )

    def open_for(self, provider: str, connection: str, keys: list[str]) -> dict[str, tuple[str, str]]:
        """``key -> (batch_id, custom_id)`` for the keys already in a batch not yet collected."""
        found: dict[str, tuple[str, str]] = {}
        wanted = set(keys)
        with self._lock:
            rows = self._db.execute(
                "SELECT c.key, c.batch_id, c.custom_id FROM batch_cells c JOIN batches b "
                "ON b.batch_id = c.batch_id WHERE b.collected = 0 AND b.provider = ? AND b.connection = ?",
                (provider, connection),
            ).fetchall()
        for key, batch_id, custom_id in rows:
            if key in wanted:
                found[key] = (batch_id, custom_id)
        return found

    def cells(self, batch_id: str) -> dict[str, str]:
        """``custom_id -> key`` of one batch."""
        with self._lock:
            rows = self._db.execute(
                "SELECT custom_id, key FROM batch_cells WHERE batch_id = ?", (batch_id,)
            ).fetchall()
        return dict(rows)

    @staticmethod
    def records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
        """Every batch the database at ``path`` remembers, newest first (``nbc.resume()`` without a
        run). Read-only and without the cache's set-up, so it never waits on a run writing to it."""
        if not Path(path).exists():
            return []
        db = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'batches'").fetchone():
                return []
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM batches ORDER BY created DESC").fetchall()
        finally:
            db.close()
        return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]

"""The answer cache: SQLite, keyed by a hash of what was asked, holding only valid replies.

The key covers provider, endpoint, model and the full request body, never a credential, so a
rerun of the same plan pays nothing for the cells that already have a valid answer, and a run
killed halfway resumes where it stopped. Each write is committed at once (WAL journal), which is
what makes the resume safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from .._errors import ConfigError
from .._wire.adapter import Adapter, Call, Prepared, Reply

__all__ = ["Cache", "cache_key", "default_cache_path"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL, created REAL NOT NULL)"
)
_STORED = (
    "value",
    "raw",
    "finish_reason",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
    "latency_s",
    "model",
    "request_id",
    "enforcement",
    "changes",
)


def default_cache_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nbconnect", appauthor=False)) / "replies.sqlite"


def cache_key(provider: str, prepared: Prepared, *, sample: int | None = None) -> str:
    """SHA-256 of provider, URL (no secrets there) and the canonical JSON body (headers excluded);
    with repeats, the sample index too, so repeats of a cell never share one cached answer (even
    where the API takes no seed).

    An image or PDF in the body counts by its content hash, not its bytes: its base64 payload is
    replaced by ``sha256:<hex>`` before hashing (base64 needs no JSON escaping, so it appears
    verbatim in the JSON text)."""
    body = json.dumps(prepared.body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for media in prepared.media:
        if media.b64:
            body = body.replace(media.b64, media.ref)
    text = f"{provider}\n{prepared.method} {prepared.url}\n{body}"
    if sample is not None:
        text += f"\nsample={sample}"
    return hashlib.sha256(text.encode()).hexdigest()


def call_key(provider: str, adapter: Adapter, call: Call, *, sample: int | None = None) -> str:
    """The cache key of a call, live or batched: keyed on the first-choice request, so a fallback
    discovered later (and remembered by this process) still finds the same entry; ``sample`` is
    the repeat index (batch custom ids are these keys, so repeats stay separate batch lines)."""
    first = adapter.prepare(call, adapter.call_modes(call)[0])
    return cache_key(provider, first, sample=sample)


class Cache:
    """A small persistent map from cache key to a valid :class:`Reply`."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else default_cache_path()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One connection shared by the run's event loop; the lock covers use from a worker thread.
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:  # sqlite's own words ("unable to open...") name no option
            raise ConfigError(
                f"cache={str(self.path)!r} cannot be used as the answer cache ({exc}). Fix: pass the path of "
                "a writable file or directory, cache=True for the default, or cache=False for none"
            ) from None
        if os.name == "posix":
            os.chmod(self.path, 0o600)

    def get(self, key: str) -> Reply | None:
        with self._lock:
            row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return Reply(valid=True, **{k: data.get(k) for k in _STORED if k in data})

    def put(self, key: str, reply: Reply) -> None:
        if not reply.valid:  # failures are tried again next time, never served from the cache
            return
        data = {k: getattr(reply, k) for k in _STORED}
        text = json.dumps(data, ensure_ascii=False, default=str)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?, julianday('now'))", (key, text))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM replies")

    def close(self) -> None:
        with self._lock:
            self._db.close()

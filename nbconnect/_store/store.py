"""The connection store on disk: one JSON file, 0600, written atomically, shared under a file lock.

Every change is a read-modify-write under the lock, so two processes that add different
connections at the same time both keep theirs.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .._connections.base import Connection
from .._connections.providers import PROVIDERS
from .._errors import InvalidConnectionError, StoreError
from .._paths import config_path

__all__ = ["default_store_path", "locked", "read_store", "write_store"]

STORE_VERSION = 1


def default_store_path() -> Path:
    """``$NBCONNECT_HOME/connections.json``, else the user config dir (``~/.config/nbconnect``)."""
    return config_path("connections.json")


def lock_for(path: Path) -> FileLock:
    return FileLock(str(path) + ".lock", timeout=30)


def _check_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        try:
            path.chmod(0o600)
        except OSError as exc:
            raise StoreError(
                f"{path} is readable by other users (mode {mode:o}) and could not be tightened "
                f"({exc.strerror}); run: chmod 600 {path}"
            ) from None
        warnings.warn(
            f"{path} was readable by other users (mode {mode:o}); tightened it to 600. "
            "Consider rotating the keys it holds.",
            UserWarning,
            stacklevel=4,
        )


def read_store(path: Path) -> dict[str, Connection]:
    """The connections saved at ``path`` (empty if there is no file), marked as from the store."""
    if not path.exists():
        return {}
    _check_mode(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read the connection store {path}: {type(exc).__name__}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"the connection store {path} is not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}). It was left as it is: repair it, or move it away to start a new store "
            f"(or point Organization(path=...) / NBCONNECT_HOME elsewhere)."
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("connections"), list):
        raise StoreError(f"the connection store {path} has no 'connections' list; it was left as it is")
    version = raw.get("version", STORE_VERSION)
    if not isinstance(version, int):
        raise StoreError(f"the connection store {path} has a bad 'version' field; it was left as it is")
    if version > STORE_VERSION:
        raise StoreError(
            f"{path} was written by a newer nbconnect (format {raw['version']}); upgrade nbconnect"
        )
    out: dict[str, Connection] = {}
    for i, entry in enumerate(raw["connections"]):
        provider = entry.get("provider") if isinstance(entry, dict) else None
        cls = PROVIDERS.get(provider) if isinstance(provider, str) else None
        if cls is None:
            raise StoreError(
                f"{path}: entry {i} has unknown provider {provider!r}; known: {', '.join(PROVIDERS)}"
            )
        fields = entry.get("fields", {})
        if not isinstance(fields, dict):
            raise StoreError(f"{path}: entry {i} ({cls.title}) has no 'fields' object; it was left as it is")
        try:
            conn = cls(**fields)
        except InvalidConnectionError as exc:
            raise StoreError(f"{path}: entry {i} ({cls.title}) is invalid: {exc}") from None
        conn._source = "store"
        out[conn.name] = conn
    return out


def write_store(path: Path, connections: dict[str, Connection]) -> None:
    """Replace the store atomically: a 0600 temp file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    payload: dict[str, Any] = {
        "version": STORE_VERSION,
        "connections": [c.to_store() for c in connections.values()],
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the store's lock, with a clear error if another process hangs on to it."""
    # Create the folder here, not in write_store: the lock file would otherwise create it first,
    # with the umask's looser mode instead of 0700.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = lock_for(path)
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"another process has held {lock.lock_file} for 30 s; if none is running, delete it"
        ) from None
    try:
        # Temp files left by a writer that was killed mid-save hold secrets; under the lock no
        # other writer is running, so any that remain are orphans.
        orphan = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")  # mkstemp's names
        for tmp in path.parent.iterdir():
            if orphan.fullmatch(tmp.name):
                tmp.unlink(missing_ok=True)
        yield
    finally:
        lock.release()

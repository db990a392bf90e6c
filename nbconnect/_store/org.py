"""Organization: the set of connections a user works with, and the rules about them."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .._catalog.catalog import catalog
from .._connections.base import Connection
from .._connections.providers import Demo
from .._errors import OrganizationRuleError, UnknownModelError
from .._sync import run_sync
from .._wire.http import start_warm_up
from .env import connections_from_env
from .store import default_store_path, locked, read_store, write_store

if TYPE_CHECKING:
    from .._wire.adapter import Verification

__all__ = ["EnvReport", "Organization"]

_Conns = dict[str, Connection]


@dataclass
class EnvReport:
    """What :meth:`Organization.add_from_env` did: ``added`` (connection names), ``skipped``
    (name -> why: a connection you added is never overridden) and ``problems`` (variable ->
    what is wrong with its value)."""

    added: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


class Organization:
    """The connections of one user or team, saved in a private store file.

    Rules: one connection each for OpenAI, Gemini, Vertex AI and Anthropic; Azure OpenAI one per
    deployment, Azure AI Foundry one per model, Custom LLM one per name. Connection names are unique,
    because model references (``"openai:gpt-4.1-mini"``) start with them.

    ``Organization()`` uses ``$NBCONNECT_HOME/connections.json`` or the user config dir;
    ``Organization(path=...)`` another file; ``Organization(persist=False)`` keeps everything in memory.

        >>> import nbconnect as nbc
        >>> org = nbc.Organization(persist=False)  # nbc.Organization() reads and saves your store
        >>> org.add(nbc.OpenAI(api_key="sk-proj-abc123"))  # doctest: +ELLIPSIS
        OpenAI(..., api_key='<secret …c123>', ...)
        >>> org
        Organization(in memory: openai (OpenAI))
        >>> "openai:gpt-4.1-mini" in org.models()
        True
        >>> org.add(nbc.OpenAI(api_key="sk-proj-def456"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        nbconnect._errors.OrganizationRuleError: An organization can hold one OpenAI connection: ...

    ``org.verify()`` checks every connection against its provider; ``org.add_from_env()`` adds
    those found in ``OPENAI_API_KEY`` and the like; ``Organization.demo()`` holds only the
    offline Demo.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        persist: bool = True,
        connections: Iterable[Connection] = (),
    ) -> None:
        self._path: Path | None = (
            (Path(path).expanduser() if path else default_store_path()) if persist else None
        )
        self._conns: _Conns = read_store(self._path) if self._path else {}
        self._listeners: list[Callable[[Organization], None]] = []
        self._checks: dict[str, Verification] = {}
        self._live: dict[str, list[str]] = {}
        # Widgets read the state below from the kernel thread while a verify started by a widget
        # changes it on the background loop: both sides take this lock. Listeners run outside it.
        self._lock = threading.RLock()
        for conn in connections:
            self.add(conn)
        # What the first run imports (aiohttp, TLS, jsonschema) loads in the background from here:
        # an organization comes before any run (the user's, a widget's, or the one run() makes),
        # usually a cell earlier, while a run() call would have no time left to hide it in.
        start_warm_up()

    @classmethod
    def demo(cls, **demo_options) -> Organization:
        """An in-memory organization holding only the offline :class:`Demo` connection."""
        return cls(persist=False, connections=[Demo(**demo_options)])

    # -- reading -------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The store file, or ``None`` for an in-memory organization."""
        return self._path

    def __len__(self) -> int:
        return len(self._conns)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._conns.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._conns

    def __getitem__(self, name: str) -> Connection:
        return self.get(name)

    def get(self, name: str) -> Connection:
        """The connection called ``name``."""
        try:
            return self._conns[name]
        except KeyError:
            known = ", ".join(sorted(self._conns)) or "none yet"
            raise UnknownModelError(f"no connection named {name!r}; the organization has: {known}") from None

    def __repr__(self) -> str:
        where = str(self._path) if self._path else "in memory"
        names = ", ".join(f"{c.name} ({c.title})" for c in self._conns.values())
        return f"Organization({where}: {names or 'no connections'})"

    # -- changing ------------------------------------------------------------------------
    def add(self, conn: Connection, *, replace: bool = False) -> Connection:
        """Add ``conn``; refuse a second connection where the rules allow one, unless ``replace``."""
        if not isinstance(conn, Connection):
            raise TypeError(f"expected a connection such as nbconnect.OpenAI(...), got {type(conn).__name__}")

        def change(conns: _Conns) -> None:
            clash = self._clash(conns, conn)
            if clash is not None and not replace:
                raise OrganizationRuleError(self._refusal(conn, clash))
            if clash is not None:
                del conns[clash.name]
            conns[conn.name] = conn
            with self._lock:  # a check of what was replaced says nothing about the new connection
                for gone in {conn.name, clash.name if clash is not None else conn.name}:
                    self._checks.pop(gone, None)
                    self._live.pop(gone, None)

        self._change(change)
        return conn

    def remove(self, name: str) -> Connection:
        """Remove and return the connection called ``name``."""
        conn = self.get(name)
        self._change(lambda conns: conns.pop(name, None))
        return conn

    def add_from_env(self, environ: Mapping[str, str] | None = None, *, save: bool = False) -> EnvReport:
        """Add connections described by environment variables (``OPENAI_API_KEY``...).

        Existing connections are never overridden. Found connections stay in memory, marked as from
        the environment, unless ``save=True`` writes them into the store too.
        """
        found, problems = connections_from_env(environ)
        report = EnvReport(problems=problems)
        for conn in found:
            clash = self._clash(self._conns, conn)
            if clash is not None:
                report.skipped[conn.name] = (
                    f"kept the existing {clash.title} connection '{clash.name}' ({clash.source})"
                )
                continue
            if save:
                conn._source = "explicit"
            self.add(conn)
            report.added.append(conn.name)
        return report

    def save(self) -> None:
        """Write the store now (``add`` and ``remove`` already do; this re-syncs after edits elsewhere)."""
        self._change(lambda conns: None)

    def on_change(self, callback: Callable[[Organization], None]) -> None:
        """Call ``callback(org)`` after every add or remove (widgets use this to refresh)."""
        self._listeners.append(callback)

    # -- checking and models -----------------------------------------------------------------
    async def averify(self, *, timeout: float = 30.0) -> dict[str, Verification]:
        """Verify every connection concurrently; remembers each outcome and its live model list."""
        conns = list(self._conns.values())
        results = await asyncio.gather(*(c.averify(timeout=timeout) for c in conns))
        with self._lock:
            for conn, outcome in zip(conns, results):
                self._checks[conn.name] = outcome
                if outcome.ok and not conn.single_model:
                    self._live[conn.name] = list(outcome.models)
        for callback in list(self._listeners):
            callback(self)
        return {c.name: v for c, v in zip(conns, results)}

    def record(self, verification: Verification) -> None:
        """Remember ``verification`` as the last check of the connection it names (the panel's Test of
        the very connection it then saved), so the state shown is that check's, not "unverified"."""
        name = verification.connection
        if name not in self._conns:
            raise KeyError(f"no connection named {name!r} to record a check for")
        with self._lock:
            self._checks[name] = verification
            if verification.ok and not self._conns[name].single_model:
                self._live[name] = list(verification.models)
        for callback in list(self._listeners):
            callback(self)

    def verify(self, *, timeout: float = 30.0) -> dict[str, Verification]:
        """Sync :meth:`averify` (safe inside a notebook)."""
        return run_sync(self.averify(timeout=timeout))

    def live_models(self, name: str) -> list[str] | None:
        """The models connection ``name`` listed when last verified (``None`` if never listed)."""
        with self._lock:
            live = self._live.get(name)
        return None if live is None else list(live)

    def status(self, name: str) -> Verification | None:
        """The last verification of connection ``name`` (``None`` if never verified)."""
        with self._lock:
            return self._checks.get(name)

    def state(self, name: str) -> str:
        """Connection ``name``'s status word: ``"unverified"``, ``"ok"`` or ``"failing"`` (last check)."""
        check = self.status(name)
        return "unverified" if check is None else ("ok" if check.ok else "failing")

    def models(self) -> list[str]:
        """Model references usable now: the live list of each verified connection (filtered to models
        the catalog supports when it knows any for that provider), else the catalog's models."""
        return [row["ref"] for row in self.model_rows()]

    def model_rows(self) -> list[dict[str, object]]:
        """One dict per usable model: ref, connection, model, tags from the catalog, connection status."""
        with self._lock:  # one consistent view of the checks and live lists, even mid-verify
            return self._model_rows()

    def _model_rows(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for conn in self._conns.values():
            state = self.state(conn.name)
            if conn.single_model:
                ids = [conn.name]
            else:
                known = [info.id for info in catalog.models(conn.provider)]
                live = self._live.get(conn.name)
                # A live list proves access; keep the catalog's order and drop what the key cannot use.
                ids = ([m for m in known if m in live] or live) if live is not None else known
            for model in ids:
                info = catalog.get(conn.provider, model)
                rows.append(
                    {
                        "ref": conn.name if conn.single_model else f"{conn.name}:{model}",
                        "connection": conn.name,
                        "provider": conn.title,
                        "model": model,
                        "supported": bool(info and info.supported),
                        "native": None if info is None else info.native,
                        "input_per_m": None if info is None else info.input_per_m,
                        "output_per_m": None if info is None else info.output_per_m,
                        "context": None if info is None else info.context,
                        "status": state,
                        "demo": conn.offline,
                    }
                )
        return rows

    def resolve(self, ref: str) -> tuple[Connection, str]:
        """Split a model reference into its connection and model id.

        ``"openai:gpt-4.1-mini"`` -> (the OpenAI connection, ``"gpt-4.1-mini"``); a single-model
        connection may be named alone. Model ids may contain ``:`` (``llama3.2:latest``).
        """
        if not isinstance(ref, str) or not ref.strip():
            raise UnknownModelError(
                f"a model reference must be a non-empty string like 'openai:gpt-4.1-mini', got {ref!r}"
            )
        ref = ref.strip()
        if ref in self._conns:
            conn = self._conns[ref]
            if conn.single_model:
                return conn, conn.name
            raise UnknownModelError(
                f"{ref!r} names a {conn.title} connection but no model; write '{ref}:<model>', "
                f"e.g. {self._example(conn)!r}"
            )
        # the longest connection name that prefixes the reference wins ("my:llm:x" with a "my:llm" custom)
        for name in sorted(self._conns, key=len, reverse=True):
            if ref.startswith(name + ":") and len(ref) > len(name) + 1:
                conn = self._conns[name]
                model = ref[len(name) + 1 :]
                if conn.single_model and model != conn.name:
                    raise UnknownModelError(
                        f"connection {name!r} serves only the model {conn.name!r}; reference it as {name!r}"
                    )
                return conn, model
        known = ", ".join(sorted(self._conns)) or "none: add one with org.add(...)"
        raise UnknownModelError(f"no connection for model reference {ref!r}; connections: {known}")

    # -- internals -------------------------------------------------------------------------
    @staticmethod
    def _clash(conns: _Conns, conn: Connection) -> Connection | None:
        if conn.name in conns:
            return conns[conn.name]
        if conn.one_per_org:
            return next((c for c in conns.values() if c.provider == conn.provider), None)
        return None

    @staticmethod
    def _refusal(conn: Connection, old: Connection) -> str:
        hint = f", key {old.hint}" if old.hint else ""
        if old.provider == conn.provider and conn.one_per_org:
            rule = f"An organization can hold one {conn.title} connection"
        elif old.provider == conn.provider:
            rule = f"There is already a {conn.title} connection for the {conn.name_field or 'name'} {conn.name!r}"
        else:
            rule = f"The name {conn.name!r} is taken by a {old.title} connection (names must be unique)"
        return (
            f"{rule}: '{old.name}' ({old.source}{hint}). To replace it: org.add(conn, replace=True); "
            f"to remove it: org.remove({old.name!r})."
        )

    @staticmethod
    def _example(conn: Connection) -> str:
        models = catalog.models(conn.provider)
        return f"{conn.name}:{models[0].id}" if models else f"{conn.name}:<model>"

    def _change(self, mutate: Callable[[_Conns], object]) -> None:
        if self._path is None:
            conns = dict(self._conns)
            mutate(conns)
            with self._lock:
                self._conns = conns
        else:
            with locked(self._path):
                # Re-read under the lock so another process's additions are merged, not lost.
                conns = read_store(self._path)
                for name, conn in self._conns.items():
                    if conn.source == "environment" and name not in conns:
                        conns[name] = conn
                mutate(conns)
                write_store(self._path, {n: c for n, c in conns.items() if c.source != "environment"})
                for c in conns.values():
                    if c.source == "explicit":
                        c._source = "store"
                with self._lock:
                    self._conns = conns
        for callback in list(self._listeners):
            callback(self)

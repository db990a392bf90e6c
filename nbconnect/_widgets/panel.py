"""ConnectionsPanel: a form per provider to test, save, replace and remove an organization's connections.

The forms are generated from each connection class's pydantic fields, so the classes stay the one
source of truth for what a provider asks. Secrets never enter a trait: the browser sends them once,
inside a ``test`` or ``save`` message, and Python only ever answers with masked hints. The only place
a secret is kept is the :class:`Organization` (and its 0600 store file).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, ClassVar

import traitlets as t

from .._connections.base import Connection
from .._connections.providers import PROVIDERS
from .._errors import InvalidConnectionError, OrganizationRuleError
from .._secrets import mask, scrub
from .._store.org import Organization
from .._wire.verification import Verification
from .base import Widget, bundle
from .panel_form import form_errors, form_spec

__all__ = ["ConnectionsPanel", "form_spec"]

# What decides where a connection's secret is sent (and for what): a saved secret is reused in an
# edit only when none of these change (compared after validation, so defaults and normalisation agree).
_TARGET_FIELDS = frozenset(
    {"base_url", "endpoint", "allow_insecure_http", "deployment", "model", "name", "organization", "project"}
)


class ConnectionsPanel(Widget):
    """Set up an organization's connections: a form per provider, Test, Save, Replace and Remove.

    ``ConnectionsPanel(org)`` edits ``org`` (``Organization()`` when omitted). Secrets typed into the
    forms go from the browser to ``org`` in one message and never into this widget's state.
    """

    _esm = bundle("connections.js")
    _css = bundle("_shared.css", "connections.css")
    handlers: ClassVar[tuple[str, ...]] = ("test", "save", "remove")

    providers = t.List(t.Dict(), read_only=True).tag(sync=True)
    """list[dict]: one form spec per provider (title, the organization's ``rule`` in words,
    ``name_field``, ``one_per_org``, ``demo``, help, links, env variables, fields with label, kind,
    required, secret, advanced, description, default). Derived from the connection classes' declared
    facts, so the browser keeps no provider table of its own."""

    connections = t.List(t.Dict(), read_only=True).tag(sync=True)
    """list[dict]: the organization's connections, each ``Connection.describe()`` (non-secret fields,
    masked ``hint``, ``source``: store / environment / explicit) plus ``title``, ``status``
    (unverified / ok / failing), ``message``, ``field`` and ``models`` (count) from the last check."""

    store = t.Unicode("", read_only=True).tag(sync=True)
    """str: the store file Save writes to (``~``-relative), or ``""`` when the organization is in memory."""

    _computed: ClassVar[frozenset[str]] = frozenset({"providers", "connections", "store"})

    def __init__(self, org: Organization | None = None, **kwargs: Any) -> None:
        if org is not None and not isinstance(org, Organization):
            raise TypeError(
                f"ConnectionsPanel(org): expected an nbconnect.Organization, got {type(org).__name__}"
            )
        super().__init__(**kwargs)
        self._org = Organization() if org is None else org
        # name -> (what was tested, its outcome); kept in the kernel only, for the Save that follows
        self._tested: dict[str, tuple[str, Verification]] = {}
        self.set_trait("providers", [form_spec(cls) for cls in PROVIDERS.values()])
        self.set_trait("store", _shown_path(self._org.path))
        self._watch_org(self._org, "_refresh")
        self._refresh()

    @property
    def org(self) -> Organization:
        """The organization this panel edits."""
        return self._org

    def _refresh(self) -> None:
        rows = []
        for conn in self._org:
            check = self._org.status(conn.name)
            rows.append(
                {
                    **conn.describe(),
                    "title": conn.title,
                    "status": self._org.state(conn.name),
                    "message": "" if check is None or check.ok else _said(check, conn),
                    "field": None if check is None else check.field,
                    "models": None if check is None else len(check.models),
                }
            )
        self.set_trait("connections", rows)

    # -- messages -------------------------------------------------------------------------------
    def _build(self, content: dict[str, Any]) -> Connection | dict[str, Any]:
        """The connection a test/save message describes, or an error reply (values are never echoed)."""
        cls = PROVIDERS.get(content.get("provider"))  # type: ignore[arg-type]
        fields = content.get("fields")
        if cls is None or not isinstance(fields, dict):
            return {"ok": False, "error": "unknown provider or malformed message", "errors": {}}
        names = list(cls.model_fields)
        unknown = [k for k in fields if k not in names]
        if unknown:
            return {
                "ok": False,
                "error": f"{cls.title} has no field(s) {', '.join(map(repr, unknown))}",
                "errors": {},
            }
        data = {
            k: v for k, v in fields.items() if v is not None and not (isinstance(v, str) and not v.strip())
        }
        keep = content.get("keep")
        old = self._org[keep] if isinstance(keep, str) and keep in self._org else None
        kept: list[str] = []  # secret fields taken from the saved connection, not from the browser
        if old is not None and old.provider == cls.provider:  # an edit: an empty secret keeps the saved one
            for name in cls.secret_fields:
                if name not in data and old.secret(name):
                    data[name] = old.secret(name)
                    kept.append(name)
        cred = data.get("credentials")
        if "credentials" in cls.secret_fields and isinstance(cred, str) and not cred.lstrip().startswith("{"):
            # A path would make the kernel read a file named from the browser (think Voila): not here.
            message = (
                "paste the key's JSON text or choose the .json file (file paths are read only from Python)"
            )
            return {"ok": False, "error": "Check the highlighted field.", "errors": {"credentials": message}}
        try:
            conn = cls(**data)
        except InvalidConnectionError as exc:
            found = form_errors(cls, exc)
            secrets = [v for k, v in data.items() if k in cls.secret_fields and isinstance(v, str)]
            errors = {k: scrub(v, secrets) for k, v in found.items()}
            return {
                "ok": False,
                "error": "Check the highlighted fields.",
                "errors": errors,
                "show": found.show,
            }
        if kept and any(getattr(conn, f) != getattr(old, f) for f in _TARGET_FIELDS & set(names)):
            # A saved secret goes only where it went before: the browser may not point it elsewhere.
            message = "re-enter the key to use it with a new endpoint"
            return {
                "ok": False,
                "error": "Check the highlighted fields.",
                "errors": {name: message for name in kept},
            }
        return conn

    def on_test(self, content: dict[str, Any]) -> Any:
        conn = self._build(content)
        if isinstance(conn, dict):
            return conn

        async def check() -> dict[str, Any]:
            v = await conn.averify()
            self._tested[conn.name] = (_fingerprint(conn), v)  # a Save of this very connection reports it
            n = len(v.models)
            found = "model found" if conn.single_model else f"{n} model{'s' if n != 1 else ''}"
            message = f"OK · {found}" if v.ok else _said(v, conn)
            return {
                "ok": v.ok,
                "name": conn.name,
                "hints": _hints(conn),
                "models": n,
                "message": message,
                "field": v.field,
                "error_type": v.error_type,
            }

        return check()

    def on_save(self, content: dict[str, Any]) -> dict[str, Any]:
        conn = self._build(content)
        if isinstance(conn, dict):
            return conn
        replace = content.get("replace") is True
        keep = content.get("keep")
        clash = next(
            (
                c
                for c in self._org
                if c.name == conn.name or (conn.one_per_org and c.provider == conn.provider)
            ),
            None,
        )
        try:
            self._org.add(conn, replace=replace)
        except OrganizationRuleError as exc:
            return {
                "ok": False,
                "error": scrub(str(exc), conn.secret_values()),
                "conflict": None if clash is None else clash.name,
                "errors": {},
            }
        if (
            replace
            and isinstance(keep, str)
            and keep != conn.name
            and keep in self._org
            and self._org[keep].provider == conn.provider
        ):
            self._org.remove(keep)  # an edit that renamed the connection (another deployment, model, name)
        saved = "store" if self._org.path is not None else "memory"
        check = self._last_test(conn)
        if check is not None:
            self._org.record(check)  # the list shows that Test's outcome, failing or OK
        where = " to the store" if saved == "store" else " (in memory only)"
        failed = check is not None and not check.ok
        return {
            "name": conn.name,
            "hints": _hints(conn),
            "replaced": None if clash is None or not replace else clash.name,
            "saved": saved,
            "tested": None if check is None else ("ok" if check.ok else "failed"),
            "message": f"Saved '{conn.name}'{where}"
            + (f", but its Test failed: {_said(check, conn)}" if failed else ""),
        }

    def _last_test(self, conn: Connection) -> Verification | None:
        """The outcome of the last Test of exactly ``conn`` (same fields, same secrets), if any."""
        tested = self._tested.pop(conn.name, None)
        return tested[1] if tested is not None and tested[0] == _fingerprint(conn) else None

    def on_remove(self, content: dict[str, Any]) -> dict[str, Any]:
        name = content.get("name")
        if not isinstance(name, str) or name not in self._org:
            return {"ok": False, "error": "no such connection; it may have been removed already"}
        self._org.remove(name)
        return {"name": name, "message": f"Removed '{name}'"}


def _said(check: Verification, conn: Connection) -> str:
    """A failed check's message for the panel, which shows it inside the connection's own section:
    without the "[OpenAI connection 'openai'] " every provider error starts with, and no secret."""
    return scrub(re.sub(r"^\[[^\]]* connection '[^']*'\] ", "", check.message), conn.secret_values())


def _fingerprint(conn: Connection) -> str:
    """A digest of every field, secrets included, to tell "the connection just tested" from an edit
    (a digest, so the panel holds no second copy of the secrets)."""
    return hashlib.sha256(json.dumps(conn.to_store(), sort_keys=True).encode()).hexdigest()


def _hints(conn: Connection) -> dict[str, str]:
    """A masked hint per filled secret field; the main one uses the connection's own hint."""
    hints: dict[str, str] = {}
    for i, name in enumerate(conn.secret_fields):
        value = conn.secret(name)
        if value:
            hints[name] = (conn.hint if i == 0 else "") or mask(value)
    return hints


def _shown_path(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)

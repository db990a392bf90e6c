"""The models a run names: each reference resolved to its connection and model, and checked
(a model the connection is known not to serve is refused, with the closest names as a hint)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .._catalog.catalog import catalog
from .._connections.base import Connection
from .._connections.providers import PROVIDERS
from .._errors import UnknownModelError
from .._store.org import Organization
from .checks import check_models_arg, check_unique

__all__ = ["ModelRef", "model_refs"]


@dataclass(frozen=True)
class ModelRef:
    ref: str
    conn: Connection
    model: str


def model_refs(models: Any, org: Organization | None) -> list[ModelRef]:
    if hasattr(models, "value") and not isinstance(models, (str, list, tuple)):
        models = models.value  # a ModelPicker
    out: list[ModelRef] = []
    for ref in check_models_arg(models):
        conn, model = _resolve(org, ref)
        out.append(ModelRef(ref, conn, model))
    check_unique(out)
    return out


def _resolve(org: Organization | None, ref: str) -> tuple[Connection, str]:
    if org is not None:
        try:
            conn, model = org.resolve(ref)
        except UnknownModelError as exc:
            if _setup_free(ref) is None:
                full = _full_reference(org, ref)
                if full is None:
                    raise
                raise UnknownModelError(f"{exc}; did you mean {full!r}?") from None
        else:
            _check_known(org, conn, model, ref)
            return conn, model
    cls = _setup_free(ref)
    if cls is not None:  # "demo:<model>" needs no organization
        conn, model = cls(), str(ref).partition(":")[2]
        _check_known(None, conn, model, ref)
        return conn, model
    raise UnknownModelError(f"cannot resolve {ref!r} without an organization; pass org=nbc.Organization()")


def _full_reference(org: Organization, ref: Any) -> str | None:
    """``"gpt-4.1-mini"`` -> ``"openai:gpt-4.1-mini"``: the reference of a model named without its
    connection, when exactly one usable model has that id (the org's, or a setup-free provider's)."""
    if not isinstance(ref, str) or ":" in ref:
        return None
    refs = org.models() + [
        f"{name}:{m.id}" for name, cls in PROVIDERS.items() if cls.offline for m in catalog.models(name)
    ]
    hits = sorted({r for r in refs if r.partition(":")[2] == ref.strip()})
    return hits[0] if len(hits) == 1 else None


def _setup_free(ref: Any) -> type[Connection] | None:
    """The provider class a ``"<provider>:<model>"`` reference names when that provider needs no
    setup (the offline Demo), else ``None``."""
    if not isinstance(ref, str) or ":" not in ref:
        return None
    cls = PROVIDERS.get(ref.partition(":")[0])
    return cls if cls is not None and cls.offline else None


def _check_known(org: Organization | None, conn: Connection, model: str, ref: str) -> None:
    """Refuse a model the connection is known not to serve, with the closest names as a hint."""
    if conn.single_model:
        return
    if org is not None:
        known = [row["model"] for row in org.model_rows() if row["connection"] == conn.name]
        live = org.live_models(conn.name)  # only a live list proves a model is unavailable
    else:
        known, live = [m.id for m in catalog.models(conn.provider)], None
    if conn.offline:  # it serves exactly the catalog's models
        live = known
    if live is not None and model not in live:
        close = difflib.get_close_matches(model, live or known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; it serves: {', '.join(live[:8])}"
        raise UnknownModelError(f"{ref!r}: connection {conn.name!r} does not serve {model!r}{hint}")

"""ModelPicker: choose model references from what an organization's connections can serve."""

from __future__ import annotations

from typing import Any, ClassVar

import traitlets as t

from .._store.org import Organization
from .._wire.http import scrub
from .base import Widget, bundle

__all__ = ["ModelPicker"]


class ModelPicker(Widget):
    """The models of ``org`` grouped by connection, with search and multi-select.

    ``picker.value`` is the list of chosen model references (``"openai:gpt-4.1-mini"``), in the order
    they were chosen; observe it with ``picker.observe(callback, "value")``. The list refreshes when
    connections are added, removed or verified; references that disappear are dropped from ``value``.
    """

    _esm = bundle("model_picker.js")
    _css = bundle("_shared.css", "model_picker.css")
    handlers: ClassVar[tuple[str, ...]] = ("verify",)

    value = t.List(t.Unicode()).tag(sync=True)
    """list[str]: the chosen model references, in the order chosen. Default ``[]``. Setting a
    reference the organization does not offer raises ``TraitError``."""

    query = t.Unicode("").tag(sync=True)
    """str: the search box's text; rows whose reference, provider or tags do not contain every word
    are hidden (not unselected). Default ``""``."""

    rows = t.List(t.Dict(), read_only=True).tag(sync=True)
    """list[dict]: ``Organization.model_rows()``: ref, connection, provider, model, supported, native,
    input_per_m, output_per_m, context, status (unverified / ok / failing), demo."""

    connections = t.List(t.Dict(), read_only=True).tag(sync=True)
    """list[dict]: one group per connection, in the organization's order: name, title, provider,
    status (unverified / ok / failing), message (why it fails), field, demo."""

    _computed: ClassVar[frozenset[str]] = frozenset({"rows", "connections"})

    def __init__(self, org: Organization | None = None, **kwargs: Any) -> None:
        if org is not None and not isinstance(org, Organization):
            raise TypeError(f"ModelPicker(org): expected an nbconnect.Organization, got {type(org).__name__}")
        self._org = Organization() if org is None else org
        self._refresh_rows()  # before value is validated against the rows
        super().__init__(**kwargs)
        self._watch_org(self._org, "refresh")

    @property
    def org(self) -> Organization:
        """The organization whose models are offered."""
        return self._org

    def refresh(self) -> None:
        """Re-read the organization's connections and models (automatic on ``org`` changes)."""
        self._refresh_rows()
        offered = {row["ref"] for row in self.rows}
        kept = [ref for ref in self.value if ref in offered]
        if kept != self.value:
            self.value = kept

    def _refresh_rows(self) -> None:
        groups = []
        for conn in self._org:
            check = self._org.status(conn.name)
            groups.append(
                {
                    "name": conn.name,
                    "title": conn.title,
                    "provider": conn.provider,
                    "status": self._org.state(conn.name),
                    "message": ""
                    if check is None or check.ok
                    else scrub(check.message, conn.secret_values()),
                    "field": None if check is None else check.field,
                    "demo": conn.offline,
                }
            )
        self.set_trait("connections", groups)
        self.set_trait("rows", self._org.model_rows())

    @t.validate("value")
    def _check_value(self, proposal: Any) -> list[str]:
        offered = {row["ref"] for row in self.rows}
        chosen: list[str] = []
        for ref in proposal["value"]:
            if ref not in offered:
                known = ", ".join(sorted(offered)[:8]) or "none: add a connection first"
                raise t.TraitError(f"{ref!r} is not a model this organization offers; some that are: {known}")
            if ref not in chosen:
                chosen.append(ref)
        return chosen

    def on_verify(self, _content: dict[str, Any]) -> Any:
        async def check() -> dict[str, Any]:
            results = await self._org.averify()  # its on_change callback refreshes the rows
            return {"checked": len(results), "failing": sorted(n for n, v in results.items() if not v.ok)}

        return check()

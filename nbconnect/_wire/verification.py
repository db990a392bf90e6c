"""The outcome of checking a connection's credentials (``Connection.verify``)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Verification"]


@dataclass
class Verification:
    """The outcome of :meth:`Connection.verify` (``org.verify()`` gives one per connection):
    ``ok``, the ``models`` the provider lists, and otherwise a ``message`` saying what to fix,
    with the form ``field`` it concerns and the ``error_type``."""

    ok: bool
    connection: str
    provider: str
    models: list[str] = field(default_factory=list)
    message: str = ""
    field: str | None = None  # the form field the problem concerns (api_key, endpoint, deployment...)
    error_type: str | None = None
    latency_s: float = 0.0

    def __str__(self) -> str:
        if self.ok:
            return f"{self.connection}: OK, {len(self.models)} model(s)"
        return f"{self.connection}: {self.message}"

"""Connections that refused this run's credentials, and models they refused.

A wrong key refuses every call it is sent with: without this, a 10,000-row run with a bad key
sends 10,000 requests and records 10,000 refusals (and some providers take such a burst of failed
logins for an attack). Once a call fails in a way that cannot clear by itself
(:func:`~nbconnect._wire.retry.refusal_scope`: a refused key rules out its connection, a 403 the
model on it), nothing more is sent there. Calls already in flight finish as they are; every other
cell is recorded as not sent (``_error_type`` :data:`NOT_SENT`, one of the kinds Results counts as
*not run*, like a stopped or over-budget cell: the model never saw it, so it is neither right nor
wrong), with the connection's own fix. Other connections go on. ``redo=`` resends those cells once
the key is fixed, as it does every cell without a valid result.

A batch the provider accepted is different: it is already paid for (or will be, once it runs),
so a key refused while *polling* it must not lose it. :func:`not_collected` words such a batch's
cells: kept, with the fix, and that the next run collects them instead of paying again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .._wire.retry import CONNECTION, MODEL, refusal_scope

if TYPE_CHECKING:
    from .. import _errors as E
    from .._connections.base import Connection
    from .refs import ModelRef

__all__ = ["NOT_COLLECTED", "NOT_SENT", "NotSent", "Refusals", "not_collected"]

log = logging.getLogger("nbconnect.run")

NOT_SENT = "not_sent"
NOT_COLLECTED = "not_collected"  # in a batch the cache database keeps: the next run collects it
_REDO = "then run again with redo= set to these results, to send only the cells without a valid answer"


class NotSent(Exception):
    """A call held back because its connection (or model) refused the key on an earlier call;
    ``error`` is what the cell records."""

    def __init__(self, error: tuple[str, str]) -> None:
        super().__init__(error[0])
        self.error = error


class Refusals:
    """What this run no longer sends to: whole connections (by name) and (connection, model) pairs."""

    def __init__(self) -> None:
        self._why: dict[tuple[str, str | None], str] = {}

    def note(self, ref: ModelRef, error: E.ProviderError) -> None:
        """A call of ``ref`` gave up with ``error``: rule out what it says will refuse again."""
        scope = refusal_scope(error)
        if scope is None:
            return
        key = (ref.conn.name, None if scope == CONNECTION else ref.model)
        if key not in self._why:
            self._why[key] = _connection_text(ref, error) if scope == CONNECTION else _model_text(ref, error)
            log.warning("%s", self._why[key].removeprefix("not sent: "))

    def blocked(self, ref: ModelRef) -> tuple[str, str] | None:
        """The error to record instead of sending a call of ``ref`` (``None``: send it)."""
        name = ref.conn.name
        why = self._why.get((name, None)) or self._why.get((name, ref.model))
        return (why, NOT_SENT) if why is not None else None

    def __bool__(self) -> bool:
        return bool(self._why)


def _status(error: E.ProviderError) -> str:
    return f"HTTP {error.status}" if error.status else "refused"


def _connection_text(ref: ModelRef, error: E.ProviderError) -> str:
    conn = ref.conn
    hint = f" ({conn.hint})" if conn.hint else ""
    return (
        f"not sent: the {conn.title} connection '{conn.name}' did not accept its credentials{hint} "
        f"on an earlier call of this run ({_status(error)}), so nothing more was sent to it. "
        f"Fix: {conn.key_fix}; {_REDO}"
    )


def _model_text(ref: ModelRef, error: E.ProviderError) -> str:
    conn = ref.conn
    return (
        f"not sent: the {conn.title} connection '{conn.name}' may not use {ref.model} "
        f"({_status(error)}: {error.message.rstrip('. ')}), so nothing more was sent for that model. "
        f"Fix: give the key access to it (or {conn.key_fix}); {_REDO}"
    )


def not_collected(conn: Connection, batch_id: str, error: E.ProviderError) -> tuple[str, str]:
    """The error of a cell whose batch could not be read with ``error`` but is kept: what went
    wrong (the key refused while polling, with the connection's fix), and that the next run (or
    ``nbc.resume``) collects the same batch rather than paying for its cells again."""
    scope = refusal_scope(error)
    hint = f" ({conn.hint})" if conn.hint else ""
    if scope == CONNECTION:
        what = (
            f"the {conn.title} connection '{conn.name}' did not accept its credentials{hint} while "
            f"polling batch {batch_id} ({_status(error)})"
        )
        fix = f"Fix: {conn.key_fix}; then run"
    elif scope == MODEL:
        what = f"the {conn.title} connection's key{hint} was refused reading batch {batch_id} ({error})"
        fix = f"Fix: give the key that access (or {conn.key_fix}); then run"
    else:
        what = f"batch {batch_id} could not be read ({error})"
        fix = "Once that is fixed (or has passed), run"  # a bucket's role, a network failure
    return (
        f"not collected yet: {what}. The batch is kept (the provider may still be running it). "
        f"{fix} again later, or nbc.resume() with the run's arguments, to collect these cells "
        "without paying for them again",
        NOT_COLLECTED,
    )

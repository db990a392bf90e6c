"""One results row per finished (or unfinished) cell: the input, the answer's fields, and the
system columns (``_valid``, ``_error``, tokens, cost, latency, attempts...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import _errors as E
from .._wire.adapter import Reply
from .._wire.retry import GiveUp
from .plan import Cell

__all__ = ["BUDGET", "CANCELLED", "Outcome", "gave_up_text", "record_row", "unfinished_error"]

CANCELLED = "cancelled"
BUDGET = "budget"


@dataclass
class Outcome:
    """How a cell ended: a reply, or an error ``(message, kind)``, after ``attempts`` tries (the
    same live or batched: the Job records both alike)."""

    reply: Reply | None = None
    error: tuple[str, str] | None = None
    attempts: int = 0
    waited: float = 0.0
    ticket: int = 0  # the gate's ticket of the latest attempt


def gave_up_text(err: E.ProviderError, decision: GiveUp) -> str:
    """The recorded error of a cell whose call the retry policy gave up on."""
    if decision.reason == "quota" and err.retry_after is not None:
        return (
            f"{err}; the provider asked to wait {err.retry_after:.0f} s, longer than a run waits: "
            "treated as an exhausted quota, not retried"
        )
    return str(err)


#: the system columns a row takes from its reply (None when there is no reply)
_FROM_REPLY = {
    "_finish_reason": "finish_reason",
    "_enforcement": "enforcement",
    "_input_tokens": "input_tokens",
    "_output_tokens": "output_tokens",
    "_cached_tokens": "cached_tokens",
    "_cache_write_tokens": "cache_write_tokens",
    "_reasoning_tokens": "reasoning_tokens",
    "_cost_usd": "cost_usd",
    "_latency_s": "latency_s",
}


def unfinished_error(*, budget_hit: bool, user_stopped: bool) -> tuple[str, str]:
    """The error of a cell a run ended without: over budget, unless the user stopped it first."""
    if budget_hit and not user_stopped:
        return "not run: the budget would be exceeded", BUDGET
    return "cancelled before it finished", CANCELLED


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def record_row(
    cell: Cell,
    reply: Reply | None,
    inputs: dict[str, Any],
    fields: list[str],
    *,
    variants: bool,
    repeats: bool,
    attempts: int = 0,
    wait: float = 0.0,
    cached: bool = False,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The row of ``cell``: its ``variant`` / ``sample`` columns only when the run has them, each
    schema field (nested ones flattened as ``a.b``), and the system columns."""
    rec: dict[str, Any] = {
        "row": cell.row,
        **inputs,
        "model": cell.ref.ref,
        "connection": cell.ref.conn.name,
        "provider": cell.ref.conn.provider,
    }
    if variants:
        rec["variant"] = cell.variant
    if repeats:
        rec["sample"] = cell.sample
    value = reply.value if reply is not None else None
    for name in fields:
        rec[name] = _dig(value, name)
    rec["_valid"] = bool(reply is not None and reply.valid)
    rec["_error"] = error[0] if error else (reply.error if reply is not None else None)
    rec["_error_type"] = error[1] if error else (reply.error_type if reply is not None else None)
    for column, attr in _FROM_REPLY.items():
        rec[column] = getattr(reply, attr) if reply is not None else None
    rec.update({"_attempts": attempts, "_wait_s": wait, "_cached": cached})
    rec["_raw"] = reply.raw if reply is not None else None
    return rec

"""One results row per finished (or unfinished) cell: the input, the answer's fields, and the
system columns (``_valid``, ``_error``, tokens, cost, latency, attempts...)."""

from __future__ import annotations

from typing import Any

from .._wire.adapter import Reply
from .plan import Cell

__all__ = ["record_row"]

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

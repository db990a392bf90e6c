"""Faults: what can go wrong with a request to the fake, scripted or drawn at random.

:class:`Fault` is public (``nbconnect.testing``). :func:`draw_fault` is the seeded random draw
behind ``FakeProvider(fault_rate=...)`` and :func:`fault_reply` is what the faults that replace
an answer send (the content faults, such as ``truncated``, are shaped by the wires themselves).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from ._http import Reply, html_page
from ._wire import Wire

__all__ = ["FAULT_KINDS", "Fault", "FaultMix", "draw_fault", "fault_reply"]

_COMMON_OPTS = frozenset({"headers"})
_FAULT_OPTS: dict[str, frozenset[str]] = {
    "ok": frozenset({"value", "text"}),
    "status": frozenset({"status", "code", "type", "message", "param", "details"}),
    "rate_limit": frozenset({"retry_after", "retry_after_ms", "message"}),
    "quota": frozenset({"message"}),
    "overloaded": frozenset({"message"}),
    "server_error": frozenset({"status", "message"}),
    "reset": frozenset({"before_response"}),
    "slow": frozenset({"seconds", "then"}),
    "not_json": frozenset({"status", "body"}),
    "truncated": frozenset(),
    "refusal": frozenset({"message", "prompt", "category"}),
    "broken_json": frozenset(),
    "redirect": frozenset({"location", "status"}),
    "content_filter": frozenset({"prompt"}),
}
FAULT_KINDS: tuple[str, ...] = tuple(_FAULT_OPTS)
"""Every ``Fault`` kind; ``"ok"`` is a normal answer (optionally a given ``value`` or raw ``text``)."""

_DEFAULT_MIX = {
    "rate_limit": 3,
    "server_error": 2,
    "overloaded": 2,
    "reset": 1,
    "truncated": 1,
    "broken_json": 1,
    "not_json": 1,
}


class Fault:
    """One scripted or injected misbehaviour: ``Fault(kind, **opts)``.

    Kinds and options (every kind also takes ``headers={...}`` to add or override headers):

    - ``ok``: a normal answer; ``value=`` answers with that JSON value, ``text=`` with that raw text.
    - ``status``: any ``status=`` (default 400) with the provider's error body; ``code``, ``type``,
      ``message``, ``param``, ``details`` (Google ``details`` list / Azure ``innererror``).
    - ``rate_limit``: 429 with ``retry-after: <retry_after>`` (default 1 s) and/or
      ``retry-after-ms: <retry_after_ms>``; Google gets a ``RetryInfo`` ``retryDelay`` detail
      instead of headers. ``retry_after=None`` sends no delay hint at all.
    - ``quota``: out of credit: OpenAI/Azure 429 ``insufficient_quota``; Anthropic 400 "credit
      balance is too low"; Google 429 with a per-day ``QuotaFailure`` and no ``RetryInfo``.
    - ``overloaded``: Anthropic 529 ``overloaded_error``, 503 for the others.
    - ``server_error``: 500 (or ``status=`` 502/503/504) with the provider's error body.
    - ``reset``: headers and part of the body, then a TCP reset (``before_response=True``: reset
      without sending anything). Clients see ``httpx.ReadError`` or ``RemoteProtocolError``.
    - ``slow``: wait ``seconds`` (default 5) without blocking other connections, then answer
      normally or with the fault given as ``then=``.
    - ``not_json``: an HTML page, status 200 (or ``status=``), e.g. a proxy's login page.
    - ``truncated``: 200 with cut-off JSON and ``finish_reason: length`` / ``stop_reason:
      max_tokens`` / ``finishReason: MAX_TOKENS``.
    - ``refusal``: OpenAI ``message.refusal``, Anthropic ``stop_reason: refusal``, Gemini
      ``finishReason: SAFETY`` (``prompt=True``: ``promptFeedback.blockReason``, no candidates).
    - ``broken_json``: 200 with JSON that violates the schema (a required key missing).
    - ``redirect``: 307 (or ``status=``) to ``location=`` (required).
    - ``content_filter``: OpenAI format ``finish_reason: content_filter`` with Azure's filter
      annotations (``prompt=True``: Azure's 400 ``content_filter`` error); for Anthropic and
      Google it is the same as ``refusal``.
    """

    __slots__ = ("kind", "opts")

    def __init__(self, kind: str, **opts: Any):
        if kind not in _FAULT_OPTS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {', '.join(FAULT_KINDS)}")
        unknown = set(opts) - _FAULT_OPTS[kind] - _COMMON_OPTS
        if unknown:
            allowed = sorted(_FAULT_OPTS[kind] | _COMMON_OPTS)
            raise TypeError(f"Fault({kind!r}) got unknown option(s) {sorted(unknown)}; it takes {allowed}")
        if kind == "redirect" and not opts.get("location"):
            raise TypeError("Fault('redirect') needs location='http://...'")
        if kind == "slow" and opts.get("then") is not None and not isinstance(opts["then"], Fault):
            raise TypeError("Fault('slow', then=...) takes a Fault")
        self.kind = kind
        self.opts = dict(opts)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.opts.items())
        return f"Fault({self.kind!r}{args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fault) and (self.kind, self.opts) == (other.kind, other.opts)

    def __hash__(self) -> int:
        return hash((self.kind, repr(sorted(self.opts.items(), key=lambda kv: kv[0]))))


FaultMix = Mapping[Fault | str, float] | Sequence[Fault | str]
"""Random faults to draw from: kinds or Faults, equally weighted in a sequence or weighted in a mapping."""


def draw_fault(seed: int, attempt: int, digest: bytes, rate: float, mix: FaultMix | None) -> Fault | None:
    """The random fault for the ``attempt``-th sight of the request hashed to ``digest``, if any.

    A pure function of its arguments, so a seeded server faults the same requests however they
    interleave, and a retry (the next ``attempt``) gets a fresh draw.
    """
    draw = hashlib.sha256(f"{seed}:{attempt}:".encode() + digest).digest()
    if int.from_bytes(draw[:8], "big") / 2**64 >= rate:
        return None
    mix = mix if mix is not None else _DEFAULT_MIX
    weighted = list(mix.items()) if isinstance(mix, Mapping) else [(f, 1.0) for f in mix]
    point = int.from_bytes(draw[8:16], "big") / 2**64 * sum(w for _, w in weighted)
    chosen = weighted[-1][0]
    for item, weight in weighted:
        point -= weight
        if point < 0:
            chosen = item
            break
    return chosen if isinstance(chosen, Fault) else Fault(chosen)


def fault_reply(wire: Wire, kind: str, opts: Mapping[str, Any], model: str) -> Reply | None:
    """The reply of a fault that replaces the answer; None for the kinds that shape an answer."""
    if kind == "status":
        return wire.error(
            int(opts.get("status", 400)),
            opts.get("message"),
            type=opts.get("type"),
            code=opts.get("code"),
            param=opts.get("param"),
            details=opts.get("details"),
        )
    if kind == "rate_limit":
        if "retry_after" not in opts and "retry_after_ms" not in opts:
            opts = {**opts, "retry_after": 1}
        ms = opts.get("retry_after_ms")
        delay = ms / 1000 if ms is not None else opts.get("retry_after")
        return wire.rate_limit(model, delay, opts)
    if kind == "quota":
        return wire.quota(opts)
    if kind == "overloaded":
        return wire.overloaded(opts)
    if kind == "server_error":
        return wire.server_error(int(opts.get("status", 500)), opts)
    if kind == "not_json":
        status = int(opts.get("status", 200))
        body = opts["body"].encode() if "body" in opts else html_page(status)
        return Reply(status, body, {"content-type": "text/html; charset=utf-8"})
    if kind == "redirect":
        return Reply(int(opts.get("status", 307)), b"", {"location": str(opts["location"]), **wire.ids()})
    return None

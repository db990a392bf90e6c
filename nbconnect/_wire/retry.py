"""The retry policy: whether a failed call is tried again, after how long, and whether the whole
connection should hold back meanwhile.

One home for what used to be spread over the error classes, the HTTP helpers and the engine:

- **Which errors retry.** Rate limits (429), overloaded (503 / Anthropic 529), other 5xx, timeouts
  and network failures: :class:`~nbconnect._errors.ProviderError` subclasses carry the default as
  their ``retryable`` flag, and a provider's ``x-should-retry`` header (or an adapter that knows
  better, e.g. a TLS failure) overrides it on the error itself. :meth:`RetryPolicy.decide` is the
  only reader of that flag.
- **Hints.** :func:`hint_from` reads ``retry-after-ms``, ``retry-after`` (seconds or an HTTP date)
  and Google's ``RetryInfo.retryDelay``. A malformed hint is logged at debug level and ignored:
  the call then backs off as if no hint were given, instead of the hint parser failing the cell.
- **The quota cut-off.** A hint longer than ``max_hint`` (minutes, hours) is a quota running out,
  not a blip: the cell gives up at once rather than stall its connection.
- **Backoff.** Without a hint: ``base * 2**(attempt-1)``, capped at ``cap``, times a jitter in
  ``[1 - jitter, 1]`` so workers that failed together do not retry together.
- **Pausing.** A rate limit that will be retried pauses the connection (every worker waits the
  delay out); other retryable failures only delay their own cell.
- **Refusals.** A refused credential (401, Gemini's ``API_KEY_INVALID``) will refuse every later
  call of its connection too, and a 403 every later call of that model on it: :func:`refusal_scope`
  says which, so the engine stops sending there instead of collecting one refusal per cell.

Pure and synchronous: the engine calls ``policy.decide(error, attempt)`` and acts on the answer.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import _errors as E

__all__ = [
    "CONNECTION",
    "MODEL",
    "Decision",
    "GiveUp",
    "Retry",
    "RetryPolicy",
    "hint_from",
    "parse_duration",
    "refusal_scope",
]

log = logging.getLogger("nbconnect.retry")


@dataclass(frozen=True)
class Retry:
    """Try again after ``delay`` seconds; ``pause_connection``: hold back the whole connection too."""

    delay: float
    pause_connection: bool = False


@dataclass(frozen=True)
class GiveUp:
    """Record the error. ``reason``: ``"not_retryable"``, ``"attempts"`` (out of retries) or
    ``"quota"`` (the provider asked for a wait longer than the cut-off)."""

    reason: str


Decision = Retry | GiveUp


class RetryPolicy:
    """Decides, per failed attempt, between :class:`Retry` and :class:`GiveUp`.

    ``max_retries`` retries means at most ``max_retries + 1`` attempts. ``rng`` is injectable so
    tests can pin the jitter.
    """

    def __init__(
        self,
        max_retries: int = 4,
        *,
        base: float = 0.5,
        cap: float = 8.0,
        jitter: float = 0.25,
        max_hint: float = 120.0,
        rng: random.Random | None = None,
    ) -> None:
        if max_retries < 0 or base < 0 or cap < 0 or not 0 <= jitter <= 1 or max_hint < 0:
            raise ValueError("max_retries, base, cap and max_hint must be >= 0 and jitter within [0, 1]")
        self.max_retries = max_retries
        self.base, self.cap, self.jitter, self.max_hint = base, cap, jitter, max_hint
        self._rng = rng or random.Random()

    def decide(self, error: E.ProviderError, attempt: int) -> Decision:
        """What to do after ``attempt`` (1 for the first try) failed with ``error``."""
        if not error.retryable:
            return GiveUp("not_retryable")
        if error.retry_after is not None and error.retry_after > self.max_hint:
            return GiveUp("quota")
        if attempt > self.max_retries:
            return GiveUp("attempts")
        delay = error.retry_after if error.retry_after is not None else self.backoff(attempt)
        return Retry(delay, pause_connection=isinstance(error, E.RateLimitError))

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` when the provider gave no hint."""
        full = min(self.base * 2 ** (attempt - 1), self.cap)
        return full * (1.0 - self.jitter * self._rng.random())


CONNECTION, MODEL = "connection", "model"


def refusal_scope(error: E.ProviderError) -> str | None:
    """What a failure that will not clear by itself rules out: :data:`CONNECTION` for refused
    credentials (every call of the connection carries the same key), :data:`MODEL` for a 403 (the
    key is good but may not use this model or feature: Anthropic and OpenAI say so per model, so
    the connection's other models may still answer), ``None`` for anything else, or when the
    provider said a retry may succeed."""
    if error.retryable or error.from_storage:  # a bucket's role missing is not the model's refusal
        return None
    if isinstance(error, E.AuthenticationError):
        return CONNECTION
    if isinstance(error, E.PermissionDeniedError):
        return MODEL
    return None


# -- hints ---------------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """Seconds in a duration such as ``"37s"``, ``"1.5s"``, ``"6m0s"`` or ``"12ms"``."""
    parts = _DURATION.findall(text or "")
    if not parts:
        return None
    return sum(float(n) * _SCALE[u] for n, u in parts)


def _seconds(text: str) -> float | None:
    value = float(text)
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _http_date(text: str, now: Callable[[], float]) -> float | None:
    when = email.utils.parsedate_to_datetime(text)  # ValueError/TypeError on anything else
    if when.tzinfo is None:
        return None  # RFC 9110 dates are GMT; a zone-less date is not one we can trust
    return when.timestamp() - now()  # positive: that moment is still ahead of us


def _retry_after(text: str, now: Callable[[], float]) -> float | None:
    try:
        return _seconds(text)
    except ValueError:
        return _http_date(text, now)


def _retry_info(body: Any) -> float | None:
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            return parse_duration(str(detail.get("retryDelay", "")))
    return None


def hint_from(
    headers: Mapping[str, str], body: Any = None, *, now: Callable[[], float] = time.time
) -> float | None:
    """The provider's wait hint in seconds (never negative), or ``None`` when it gave none we can
    read: ``retry-after-ms``, then ``retry-after`` (seconds or an HTTP date), then Google's
    ``RetryInfo.retryDelay`` in the error body. ``headers`` lookups must be case-insensitive
    (``httpx.Headers``) or use lower-case names."""
    sources: list[tuple[str, Callable[[], float | None]]] = []
    if (ms := headers.get("retry-after-ms")) is not None:
        sources.append(("retry-after-ms", lambda: (s / 1000.0) if (s := _seconds(ms)) is not None else None))
    if (ra := headers.get("retry-after")) is not None:
        sources.append(("retry-after", lambda: _retry_after(ra, now)))
    sources.append(("RetryInfo", lambda: _retry_info(body)))
    for name, read in sources:
        try:
            seconds = read()
        except (ValueError, TypeError, OverflowError, IndexError):
            log.debug("ignoring a malformed %s hint", name, exc_info=True)
            continue
        if seconds is not None:
            return max(seconds, 0.0)
        if name != "RetryInfo":
            log.debug("ignoring an unusable %s hint", name)
    return None

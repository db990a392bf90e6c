"""Per-connection pacing: concurrency, requests per minute, and a shared pause after a 429."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque

from .. import _errors as E

__all__ = ["Backoff", "Gate"]


class Gate:
    """Admits calls for one connection.

    ``concurrency`` calls at once; at most ``rpm`` starts in any 60 s window when set; and when any
    call sees a 429, every caller of this connection waits out the provider's delay, so one rate
    limit slows the whole connection instead of each worker finding it separately.
    """

    def __init__(self, concurrency: int, rpm: float | None = None) -> None:
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._rpm = rpm
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Gate:
        await self._slots.acquire()
        try:
            await self._wait_turn()
        except BaseException:
            self._slots.release()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()

    async def _wait_turn(self) -> None:
        async with self._lock:  # serialise the bookkeeping; the sleeps below are short
            while True:
                now = time.monotonic()
                wait = self._paused_until - now
                if self._rpm:
                    while self._starts and now - self._starts[0] >= 60.0:
                        self._starts.popleft()
                    if len(self._starts) >= self._rpm:
                        wait = max(wait, 60.0 - (now - self._starts[0]))
                if wait <= 0:
                    if self._rpm:
                        self._starts.append(now)
                    return
                await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold back new calls on this connection for ``seconds`` (from a 429's retry hint)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class Backoff:
    """When and whether to retry: the provider's hint first, else exponential with jitter."""

    def __init__(
        self,
        max_retries: int = 4,
        *,
        base: float = 0.5,
        cap: float = 8.0,
        max_hint: float = 120.0,
        rng: random.Random | None = None,
    ) -> None:
        self.max_retries = max_retries
        self.base, self.cap, self.max_hint = base, cap, max_hint
        self._rng = rng or random.Random()

    def delay(self, attempt: int, err: E.ProviderError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to give up."""
        if not err.retryable or attempt > self.max_retries:
            return None
        if err.retry_after is not None:
            # A server asking for minutes means a quota, not a blip: record it instead of stalling the run.
            return err.retry_after if err.retry_after <= self.max_hint else None
        jitter = 1.0 - 0.25 * self._rng.random()
        return min(self.base * 2 ** (attempt - 1), self.cap) * jitter

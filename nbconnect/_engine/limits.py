"""Per-connection pacing: an adaptive concurrency limit, requests per minute, and a shared pause
after a 429."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["RPM_WINDOW", "Gate"]

RPM_WINDOW = 60.0
"""Seconds in the sliding window ``rpm`` counts starts over (a minute; tests shorten it)."""


class Gate:
    """Admits calls for one connection.

    At most ``limit`` calls at once. ``limit`` starts at ``concurrency`` (its cap) and adapts the
    way TCP does to congestion: a rate limit halves it (once per burst: 429s from calls admitted
    before the last cut are the same burst), and every ``grow_after`` successes in a row (default:
    the current limit, so about one round of calls) raise it by one, up to the cap. With ``rpm``, at
    most that many starts in any minute (``RPM_WINDOW``). After a 429 every caller of this connection waits
    out the provider's delay, so one rate limit slows the whole connection instead of each worker
    finding it separately.

    ``async with gate as ticket`` admits a call; pass ``ticket`` to :meth:`rate_limited`.
    """

    def __init__(
        self,
        concurrency: int,
        rpm: float | None = None,
        *,
        grow_after: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.cap = max(1, concurrency)
        self.limit = self.cap
        self.active = 0
        self.cuts = 0  # how many times a rate limit lowered the limit
        self._grow_after = grow_after
        self._streak = 0
        self._admitted = 0  # tickets handed out so far
        self._cut_at = 0  # the last ticket handed out before the latest cut
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._rpm = rpm
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._clock, self._sleep = clock, sleep  # injectable, so tests can check the waits exactly

    async def __aenter__(self) -> int:
        await self._acquire()
        try:
            await self._wait_turn()
        except BaseException:
            self._release()
            raise
        self._admitted += 1
        return self._admitted

    async def __aexit__(self, *exc: object) -> None:
        self._release()

    # -- the adaptive slot count ------------------------------------------------------------------
    async def _acquire(self) -> None:
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # a slot was handed over just as we were cancelled: give it back
            else:
                self._waiters.remove(waiter)
            raise

    def _release(self) -> None:
        self.active -= 1
        self._admit()

    def _admit(self) -> None:
        while self._waiters and self.active < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.active += 1
                waiter.set_result(None)

    def succeeded(self) -> None:
        """A call of this connection got an answer: after enough of those, allow one more at once."""
        self._streak += 1
        if self.limit < self.cap and self._streak >= (self._grow_after or self.limit):
            self.limit += 1
            self._streak = 0
            self._admit()

    def rate_limited(self, seconds: float, ticket: int) -> None:
        """A call admitted with ``ticket`` got a 429 that will be retried after ``seconds``:
        pause the connection, and halve the limit unless this burst already did."""
        self.pause(seconds)
        self._streak = 0
        if ticket > self._cut_at:
            self.limit = max(1, self.limit // 2)
            self.cuts += 1
            self._cut_at = self._admitted

    # -- pacing -------------------------------------------------------------------------------------
    async def _wait_turn(self) -> None:
        async with self._lock:  # serialise the bookkeeping; the sleeps below are short
            while True:
                now = self._clock()
                wait = self._paused_until - now
                if self._rpm:
                    while self._starts and now - self._starts[0] >= RPM_WINDOW:
                        self._starts.popleft()
                    if len(self._starts) >= self._rpm:
                        wait = max(wait, RPM_WINDOW - (now - self._starts[0]))
                if wait <= 0:
                    if self._rpm:
                        self._starts.append(now)
                    return
                await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold back new calls on this connection for ``seconds`` (without changing the limit)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

"""Running a coroutine to completion from sync code, including inside Jupyter's running loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T], *, on_interrupt: Callable[[], None] | None = None) -> T:
    """``asyncio.run(coro)``, or, when this thread already runs a loop (a notebook cell), run it on a
    fresh loop in a worker thread and wait: nested loops would deadlock and nest_asyncio is fragile.

    ``on_interrupt`` is called on Ctrl-C / a kernel interrupt while waiting in a notebook (the
    coroutine is expected to finish soon after); outside a loop, Ctrl-C cancels the coroutine.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=work, name="nbconnect-sync", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
    except KeyboardInterrupt:
        if on_interrupt is None:
            raise
        on_interrupt()
        thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]

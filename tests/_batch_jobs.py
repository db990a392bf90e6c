"""A batch job dropped the way a dead kernel drops it, shared by the batch tests."""

from __future__ import annotations

import threading

from nbconnect._engine.api import resume
from nbconnect._engine.runner import run_job_blocking

__all__ = ["lose_after_submission"]


def lose_after_submission(job, cache: str, *, batches: int) -> None:
    """Run ``job`` and drop it, the way a dead kernel does (nothing cancelled at the provider),
    once the cache database remembers ``batches`` batches. tests/test_batch_restart.py does it
    for real, with SIGKILL."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if len(resume(cache=cache)) == batches:
                job._user_stopped = False
                job._loop.call_soon_threadsafe(job._cancel_tasks)
                done.set()
            done.wait(0.01)

    threading.Thread(target=watch, daemon=True).start()
    run_job_blocking(job)
    assert done.is_set()

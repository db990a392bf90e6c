"""The run engine: every (row, model) cell, concurrently, within limits, retried, cached, stoppable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import _errors as E
from .._results.results import Results
from .._sync import run_sync
from .._wire.adapter import Adapter, Call, Reply
from .._wire.http import scrub
from .._wire.lookup import adapter_for
from .cache import Cache, cache_key
from .checks import check_truth
from .limits import Backoff, Gate
from .options import check_options, check_temperature
from .plan import Cell, Plan, estimate_plan, flat_fields, per_call_estimate

__all__ = ["Job", "ModelProgress", "Options", "Progress"]

log = logging.getLogger("nbconnect.run")

CANCELLED = "cancelled"
POOL_SIZE = 8  # workers per HTTP connection pool
BUDGET = "budget"


@dataclass
class Options:
    """Run options (the keyword-only arguments of ``nbc.run``)."""

    temperature: float | None = None
    max_tokens: int | None = None
    concurrency: int = 16
    per_connection: int = 8
    rpm: float | None = None
    max_retries: int = 4
    timeout: float = 60.0
    budget_usd: float | None = None
    cache: bool | str = True
    progress: bool = True

    def __post_init__(self) -> None:
        # bounds and fixes are declared once, in options.RunOptions; a cache directory becomes its file
        for name, value in check_options(vars(self)).items():
            setattr(self, name, value)


@dataclass
class ModelProgress:
    total: int = 0
    done: int = 0
    errors: int = 0
    in_flight: int = 0
    cached: int = 0
    spend_usd: float = 0.0


@dataclass
class Progress:
    """Where a run stands; handed to ``on_progress`` callbacks after every finished cell."""

    total: int
    models: dict[str, ModelProgress] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    finished: bool = False

    @property
    def done(self) -> int:
        return sum(m.done for m in self.models.values())

    @property
    def errors(self) -> int:
        return sum(m.errors for m in self.models.values())

    @property
    def spend_usd(self) -> float:
        return sum(m.spend_usd for m in self.models.values())


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class Job:
    """One run of a plan. ``await job.arun()`` runs it; ``job.stop()`` (any thread) ends it early;
    ``job.results`` is a snapshot of what has finished so far."""

    def __init__(
        self,
        plan: Plan,
        options: Options,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        clients: dict[str, Any] | None = None,
        truth: str | None = None,
    ) -> None:
        # checked here too, for callers that build a Job themselves (the Playground)
        check_truth(truth, plan.data.columns)
        check_temperature(options.temperature, plan.models)
        self.plan, self.options, self.truth = plan, options, truth
        self._on_progress = on_progress
        self._clients = clients or {}
        self._records: dict[int, dict[str, Any]] = {}
        self._fields = flat_fields(plan.schema.json)
        self._inputs = plan.data.to_dict("index")
        self._stopping = False
        self._budget_hit = False
        self._user_stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._spent = 0.0
        self._reserved = 0.0
        self.progress = Progress(total=len(plan.cells))
        for ref in plan.models:
            self.progress.models[ref.ref] = ModelProgress()
        for cell in plan.cells:
            self.progress.models[cell.ref.ref].total += 1

    # -- control ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop scheduling, cancel calls in flight; finished cells are kept. Safe from any thread."""
        self._stopping = self._user_stopped = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop already finished
                loop.call_soon_threadsafe(self._cancel_tasks)

    def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()

    @property
    def results(self) -> Results:
        """Everything finished so far, plus the unfinished cells marked (a snapshot)."""
        records = dict(self._records)
        for i, cell in enumerate(self.plan.cells):
            if i not in records:
                records[i] = self._record(cell, None, error=("not finished yet", "pending"))
        return self._results(records)

    # -- running ------------------------------------------------------------------------------
    async def arun(self) -> Results:
        self._loop = asyncio.get_running_loop()
        opts = self.options
        cache = None if opts.cache is False else Cache(None if opts.cache is True else opts.cache)
        per_call = per_call_estimate(estimate_plan(self.plan, opts.max_tokens))
        queues: dict[str, list[int]] = {}
        conns: dict[str, Any] = {}
        for i, cell in enumerate(self.plan.cells):
            conns.setdefault(cell.ref.conn.name, cell.ref.conn)
            queues.setdefault(cell.ref.conn.name, []).append(i)
        workers = {name: min(len(q), opts.per_connection, opts.concurrency) for name, q in queues.items()}
        adapters: dict[str, list[Adapter]] = {}
        gates: dict[str, Gate] = {}
        for name, conn in conns.items():
            injected = self._clients.get(name)
            # httpcore's pool costs O(connections) per request on every request start and end, so
            # one pool of 64 connections spends more CPU than the calls; several small pools don't.
            shards = 1 if injected is not None else -(-workers[name] // POOL_SIZE)
            adapters[name] = [adapter_for(conn, client=injected, timeout=opts.timeout) for _ in range(shards)]
            gates[name] = Gate(min(opts.per_connection, opts.concurrency), opts.rpm)
        everyone = asyncio.Semaphore(opts.concurrency)
        backoff = Backoff(opts.max_retries)
        bar = _bar(len(self.plan.cells)) if opts.progress else None

        async def worker(name: str, k: int) -> None:
            queue = queues[name]
            shard = adapters[name][k % len(adapters[name])]
            while queue and not self._stopping:
                index = queue.pop()
                await self._run_cell(index, shard, gates[name], everyone, backoff, cache, per_call, bar)

        try:
            for name, queue in queues.items():
                queue.reverse()  # pop() from the end keeps row order
                for k in range(workers[name]):
                    self._tasks.append(asyncio.ensure_future(worker(name, k)))
            if self._stopping:
                self._cancel_tasks()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        except asyncio.CancelledError:
            # Ctrl-C or a cancelled task: keep what finished and return it (documented behaviour).
            self._stopping = self._user_stopped = True
            self._cancel_tasks()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            for adapter in (a for shards in adapters.values() for a in shards):
                with contextlib.suppress(Exception):
                    await adapter.aclose()
            if cache is not None:
                cache.close()
            if bar is not None:
                bar.close()
        for i, cell in enumerate(self.plan.cells):
            if i not in self._records:
                kind = BUDGET if self._budget_hit and not self._user_stopped else CANCELLED
                text = (
                    "not run: the budget would be exceeded"
                    if kind == BUDGET
                    else "cancelled before it finished"
                )
                self._records[i] = self._record(cell, None, error=(text, kind))
        self.progress.finished = True
        self._notify()
        return self._results(self._records)

    async def _run_cell(
        self,
        index: int,
        adapter: Adapter,
        gate: Gate,
        everyone: asyncio.Semaphore,
        backoff: Backoff,
        cache: Cache | None,
        per_call: dict[str, float],
        bar: Any,
    ) -> None:
        cell = self.plan.cells[index]
        opts = self.options
        stats = self.progress.models[cell.ref.ref]
        call = Call(
            model=cell.ref.model,
            user=cell.user,
            schema=self.plan.schema,
            system=cell.system,
            parts=cell.parts,
            temperature=opts.temperature,
            max_tokens=opts.max_tokens,
        )
        key = None
        if cache is not None:
            # Keyed on the first-choice request, so a fallback discovered later still finds it.
            key = cache_key(cell.ref.conn.provider, adapter.prepare(call, adapter.modes(call.model)[0]))
            hit = cache.get(key)
            if hit is not None:
                self._finish(index, cell, hit, attempts=0, wait=0.0, cached=True, bar=bar)
                return
        expected = per_call.get(cell.ref.ref, 0.0)
        if opts.budget_usd is not None and self._spent + self._reserved + expected > opts.budget_usd:
            self._budget_hit = True
            self._stopping = True  # stop scheduling everywhere; calls in flight may finish
            return
        self._reserved += expected
        attempts, waited = 0, 0.0
        try:
            while True:
                attempts += 1
                try:
                    async with gate, everyone:
                        stats.in_flight += 1
                        try:
                            reply = await adapter.complete(call)
                        finally:
                            stats.in_flight -= 1
                except E.ProviderError as err:
                    delay = backoff.delay(attempts, err)
                    if isinstance(err, E.RateLimitError) and delay is not None:
                        # only a wait that will be retried pauses the connection: a quota-sized hint
                        # (hours) is recorded for this cell instead of stalling every other one
                        gate.pause(delay)
                    if delay is None:
                        self._finish(
                            index,
                            cell,
                            None,
                            attempts=attempts,
                            wait=waited,
                            error=(str(err), err.kind),
                            bar=bar,
                        )
                        return
                    waited += delay
                    await asyncio.sleep(delay)
                    continue
                except Exception as exc:  # a bug or an answer no parser expected: record it, keep going
                    log.debug("cell %s of %s failed unexpectedly", cell.row, cell.ref.ref, exc_info=True)
                    text = scrub(f"internal error: {type(exc).__name__}: {exc}", adapter.secret_values())
                    self._finish(
                        index, cell, None, attempts=attempts, wait=waited, error=(text, "internal"), bar=bar
                    )
                    return
                if key is not None and cache is not None:
                    cache.put(key, reply)
                self._spent += reply.cost_usd or 0.0
                self._finish(index, cell, reply, attempts=attempts, wait=waited, bar=bar)
                return
        finally:
            self._reserved -= expected

    # -- records ------------------------------------------------------------------------------
    def _finish(
        self,
        index: int,
        cell: Cell,
        reply: Reply | None,
        *,
        attempts: int,
        wait: float,
        cached: bool = False,
        error: tuple[str, str] | None = None,
        bar: Any = None,
    ) -> None:
        self._records[index] = self._record(
            cell, reply, attempts=attempts, wait=wait, cached=cached, error=error
        )
        stats = self.progress.models[cell.ref.ref]
        stats.done += 1
        stats.cached += cached
        if reply is None or not reply.valid:
            stats.errors += 1
        if reply is not None and not cached:
            stats.spend_usd += reply.cost_usd or 0.0
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(
                f"errors={self.progress.errors} spend=${self.progress.spend_usd:.4f}", refresh=False
            )
        self._notify()

    def _notify(self) -> None:
        if self._on_progress is not None:
            try:
                self._on_progress(self.progress)
            except Exception:  # a broken progress callback must not end the run
                log.warning("the on_progress callback failed", exc_info=True)

    def _record(
        self,
        cell: Cell,
        reply: Reply | None,
        *,
        attempts: int = 0,
        wait: float = 0.0,
        cached: bool = False,
        error: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "row": cell.row,
            **self._inputs[cell.row],
            "model": cell.ref.ref,
            "connection": cell.ref.conn.name,
            "provider": cell.ref.conn.provider,
        }
        value = reply.value if reply is not None else None
        for name in self._fields:
            rec[name] = _dig(value, name)
        rec.update(
            {
                "_valid": bool(reply is not None and reply.valid),
                "_error": error[0] if error else (reply.error if reply is not None else None),
                "_error_type": error[1] if error else (reply.error_type if reply is not None else None),
                "_finish_reason": reply.finish_reason if reply is not None else None,
                "_enforcement": reply.enforcement if reply is not None else None,
                "_input_tokens": reply.input_tokens if reply is not None else None,
                "_output_tokens": reply.output_tokens if reply is not None else None,
                "_cached_tokens": reply.cached_tokens if reply is not None else None,
                "_cache_write_tokens": reply.cache_write_tokens if reply is not None else None,
                "_reasoning_tokens": reply.reasoning_tokens if reply is not None else None,
                "_cost_usd": reply.cost_usd if reply is not None else None,
                "_latency_s": reply.latency_s if reply is not None else None,
                "_attempts": attempts,
                "_wait_s": wait,
                "_cached": cached,
                "_raw": reply.raw if reply is not None else None,
            }
        )
        return rec

    def _results(self, records: dict[int, dict[str, Any]]) -> Results:
        rows = [records[i] for i in sorted(records)]
        return Results.from_rows(
            rows,
            fields=self._fields,
            models=[m.ref for m in self.plan.models],
            inputs=self.plan.inputs,
            schema=self.plan.schema.json,
            truth=self.truth,
        )


def _bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="nbconnect", unit="call", mininterval=0.2)


def run_job_blocking(job: Job) -> Results:
    """Run ``job`` from sync code, in a script or a notebook; Ctrl-C / a kernel interrupt stops the
    job and returns what finished."""
    return run_sync(job.arun(), on_interrupt=job.stop)

"""The run engine: every (row, model) cell, concurrently, within limits, retried, cached, stoppable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import _errors as E
from .._results.cells import DATA_INDEX
from .._results.history import save_run
from .._results.results import Results
from .._sync import run_sync
from .._wire.adapter import Adapter, Call, Reply
from .._wire.http import client_shards, scrub
from .._wire.lookup import adapter_for
from .._wire.retry import GiveUp, RetryPolicy
from .cache import Cache, call_key
from .checks import check_truth
from .estimate import arm_key
from .limits import Gate
from .options import check_temperature
from .plan import Cell, Plan, estimate_plan, flat_fields, per_call_estimate, plan_info
from .progress import ModelProgress, Options, Progress, job_line, postfix, progress_bar
from .record import Outcome, gave_up_text, record_row, unfinished_error
from .refusals import NotSent, Refusals
from .variants import Settings

__all__ = ["Job", "ModelProgress", "Options", "Progress"]

log = logging.getLogger("nbconnect.run")


@dataclass
class _Lane:
    """One connection's share of a run: its queue of cell indexes, gate and adapters."""

    conn: Any
    gate: Gate
    queue: list[int] = field(default_factory=list)
    workers: int = 0
    adapters: list[Adapter] = field(default_factory=list)


@dataclass
class _Shared:
    """What every cell of a run uses."""

    cache: Cache | None
    per_call: dict[str, float]
    everyone: asyncio.Semaphore
    policy: RetryPolicy
    bar: Any


class Job:
    """One run of a plan, made by :func:`nbconnect.start`. ``await job.arun()`` runs it;
    ``job.stop()`` (any thread: a button, a timer) ends it early, keeping every finished cell;
    ``job.results`` is a snapshot of what has finished so far, ``job.progress`` the counts.

        >>> import asyncio, threading
        >>> import nbconnect as nbc
        >>> job = nbc.start(
        ...     "Sentiment of: {text}", data=nbc.data.reviews(),
        ...     schema="sentiment: positive|negative|neutral", models=["demo:demo-careful"],
        ...     concurrency=1, cache=False,
        ... )
        >>> threading.Timer(0.3, job.stop).start()  # stop it from another thread
        >>> res = asyncio.run(job.arun())
        >>> job  # doctest: +ELLIPSIS
        <Job: ... of 80 cells done, stopped; models: demo:demo-careful>
        >>> res  # doctest: +ELLIPSIS
        <Results: 80 cells (80 rows × 1 model), 100.0% valid, ... not run; models: demo:demo-careful>
    """

    def __init__(
        self,
        plan: Plan,
        options: Options,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        clients: dict[str, Any] | None = None,
        truth: str | None = None,
        redo: Results | None = None,
    ) -> None:
        # checked here too, for callers that build a Job themselves (the Playground)
        check_truth(truth, plan.data.columns)
        if plan.variants is None:  # a variant's own settings were checked with the plan
            check_temperature(options.temperature, plan.models)
        self.plan, self.options, self.truth, self.redo = plan, options, truth, redo
        self.run_id: str | None = None  # set when the finished run is saved (nbc.runs())
        self.run_settings: dict[str, Any] | None = None  # meta["run"], set by api.start
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
        self._worst: dict[str, float] = {}  # the dearest answered call so far, per arm (arm_key)
        self._shared: _Shared  # what every cell of a run uses; set by arun
        self._refusals = Refusals()  # connections (or models) that refused the key: not sent to again
        self.progress = Progress(total=len(plan.cells))
        for ref in plan.models:
            self.progress.models[ref.ref] = ModelProgress()
        for cell in plan.cells:
            self.progress.models[cell.ref.ref].total += 1

    def __repr__(self) -> str:
        return job_line(self.progress, started=self._loop is not None, user_stopped=self._user_stopped)

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
        self._shared = _Shared(
            cache=cache,
            per_call=per_call_estimate(estimate_plan(self.plan)),  # per arm: each with its own settings
            everyone=asyncio.Semaphore(opts.concurrency),
            policy=RetryPolicy(opts.max_retries),
            bar=progress_bar(len(self.plan.cells)) if opts.progress else None,
        )
        batcher = self._batch_phase()
        lanes = self._lanes(batcher.owned if batcher is not None else set())
        try:
            for lane in lanes:
                for k in range(lane.workers):
                    self._tasks.append(asyncio.ensure_future(self._worker(lane, k)))
            if batcher is not None:
                self._tasks.append(asyncio.ensure_future(batcher.run()))
            if self._stopping:
                self._cancel_tasks()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        except asyncio.CancelledError:
            # Ctrl-C or a cancelled task: keep what finished and return it (documented behaviour).
            self._stopping = self._user_stopped = True
            self._cancel_tasks()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self._close(lanes)
        self._mark_unfinished()
        self.progress.finished = True
        self._notify()
        results = self._results(self._records)
        if self.redo is not None:  # a rerun returns the earlier valid cells with the new ones
            results = results.merge(self.redo)
        if self.run_settings is not None:  # how the run was made (the report and CLI read it)
            results = results.with_meta(run=self.run_settings)
        if self.options.save:
            self.run_id = save_run(results, plan_info(self.plan, stopped=self._user_stopped))
        return results

    def _batch_phase(self) -> Any:
        """The batch half of a ``batch=True`` job, which owns its batch connections' cells (None: all live)."""
        if not self.options.batch or self._shared.cache is None:
            return None
        from .batch import BatchPhase  # only batch runs load the batch machinery

        return BatchPhase(self)

    def _lanes(self, batched: set[int]) -> list[_Lane]:
        """One lane per connection: its cells (in row order, but for the ``batched`` ones, which the
        batch phase owns), adapters and gate."""
        opts = self.options
        per_connection = opts.per_connection or opts.concurrency
        lanes: dict[str, _Lane] = {}
        for i, cell in enumerate(self.plan.cells):
            if i in batched:
                continue
            name = cell.ref.conn.name
            if name not in lanes:
                lanes[name] = _Lane(cell.ref.conn, Gate(min(per_connection, opts.concurrency), opts.rpm))
            lanes[name].queue.append(i)
        for name, lane in lanes.items():
            lane.queue.reverse()  # pop() from the end keeps row order
            lane.workers = min(len(lane.queue), lane.gate.cap)
            injected = self._clients.get(name)
            # one client per lane on aiohttp; split over small pools on httpcore (see client_shards)
            shards = 1 if injected is not None else client_shards(lane.workers)
            lane.adapters = [
                adapter_for(lane.conn, client=injected, timeout=opts.timeout) for _ in range(shards)
            ]
        return list(lanes.values())

    async def _worker(self, lane: _Lane, k: int) -> None:
        shard = lane.adapters[k % len(lane.adapters)]
        while lane.queue and not self._stopping:
            await self._run_cell(lane.queue.pop(), shard, lane.gate)

    async def _close(self, lanes: list[_Lane]) -> None:
        for adapter in (a for lane in lanes for a in lane.adapters):
            with contextlib.suppress(Exception):
                await adapter.aclose()
        if self._shared.cache is not None:
            self._shared.cache.close()
        if self._shared.bar is not None:
            self._shared.bar.close()

    def _mark_unfinished(self) -> None:
        error = unfinished_error(budget_hit=self._budget_hit, user_stopped=self._user_stopped)
        for i, cell in enumerate(self.plan.cells):
            if i not in self._records:
                self._records[i] = self._record(cell, None, error=error)

    # -- one cell ---------------------------------------------------------------------------------
    async def _run_cell(self, index: int, adapter: Adapter, gate: Gate) -> None:
        """Cache, budget, then attempts until an answer or a give-up; every path records the cell
        (except the budget, which stops the run and leaves the cell to ``_mark_unfinished``)."""
        cell = self.plan.cells[index]
        call = self._call(cell)
        key, hit = self._cached(cell, adapter, call)
        if hit is not None:
            self._finish(index, cell, Outcome(reply=hit), cached=True)
            return
        if (refused := self._refusals.blocked(cell.ref)) is not None:  # a cached answer still counts
            self._finish(index, cell, Outcome(error=refused))
            return
        reserved = self._reserve(cell)
        if reserved is None:
            return
        try:
            outcome = await self._attempt(cell, call, adapter, gate)
        finally:
            self._reserved -= reserved
        if outcome.reply is not None:
            self._spent += outcome.reply.cost_usd or 0.0
            arm = arm_key(cell)
            self._worst[arm] = max(self._worst.get(arm, 0.0), outcome.reply.cost_usd or 0.0)
            if key is not None and self._shared.cache is not None:
                self._shared.cache.put(key, outcome.reply)
        self._finish(index, cell, outcome)

    def _call(self, cell: Cell) -> Call:
        """The request of one cell, the same live or in a batch."""
        opts = self.options
        return cell.call(self.plan.schema, Settings(opts.temperature, opts.max_tokens, opts.reasoning_effort))

    def _cached(self, cell: Cell, adapter: Adapter, call: Call) -> tuple[str | None, Reply | None]:
        cache = self._shared.cache
        if cache is None:
            return None, None
        key = call_key(cell.ref.conn.provider, adapter, call, sample=cell.sample)
        return key, cache.get(key)

    def _reserve(self, cell: Cell) -> float | None:
        """Set money aside for this call, or stop the run when the budget cannot cover it.

        The reservation is the estimate, or the dearest call of this model so far if that cost
        more: with many calls in flight an estimate that runs low would otherwise let each of them
        start on money the others are about to spend."""
        budget = self.options.budget_usd
        arm = arm_key(cell)
        expected = max(self._shared.per_call.get(arm, 0.0), self._worst.get(arm, 0.0))
        if budget is not None and self._spent + self._reserved + expected > budget:
            self._budget_hit = True
            self._stopping = True  # stop scheduling everywhere; calls in flight may finish
            return None
        self._reserved += expected
        return expected

    async def _attempt(self, cell: Cell, call: Call, adapter: Adapter, gate: Gate) -> Outcome:
        """Send ``call`` until it is answered or the retry policy gives up."""
        out = Outcome()
        stats = self.progress.models[cell.ref.ref]
        while True:
            out.attempts += 1
            try:
                out.reply = await self._send(call, adapter, gate, out, stats, cell)
            except NotSent as refused:
                out.attempts -= 1  # this one never went out
                out.error = refused.error
                return out
            except E.ProviderError as err:
                decision = self._shared.policy.decide(err, out.attempts)
                if isinstance(decision, GiveUp):
                    self._refusals.note(cell.ref, err)
                    out.error = (gave_up_text(err, decision), err.kind)
                    return out
                if decision.pause_connection:
                    gate.rate_limited(decision.delay, out.ticket)
                out.waited += decision.delay
                stats.retries += 1
                stats.wait_s += decision.delay
                stats.limit = gate.limit
                await asyncio.sleep(decision.delay)
                continue
            except Exception as exc:  # a bug or an answer no parser expected: record it, keep going
                log.debug("cell %s of %s failed unexpectedly", cell.row, cell.ref.ref, exc_info=True)
                text = scrub(f"internal error: {type(exc).__name__}: {exc}", adapter.secret_values())
                out.error = (text, "internal")
                return out
            gate.succeeded()
            stats.limit = gate.limit
            return out

    async def _send(
        self, call: Call, adapter: Adapter, gate: Gate, out: Outcome, stats: ModelProgress, cell: Cell
    ) -> Reply:
        async with gate as ticket, self._shared.everyone:
            # checked once admitted: a call that waited for its turn (or a retry) while another
            # call of its connection was refused the key must not go out after it
            if (refused := self._refusals.blocked(cell.ref)) is not None:
                raise NotSent(refused)
            out.ticket = ticket
            stats.in_flight += 1
            try:
                return await adapter.complete(call)
            finally:
                stats.in_flight -= 1

    # -- records ------------------------------------------------------------------------------
    def _finish(self, index: int, cell: Cell, outcome: Outcome, *, cached: bool = False) -> None:
        reply = outcome.reply
        self._records[index] = self._record(
            cell, reply, attempts=outcome.attempts, wait=outcome.waited, cached=cached, error=outcome.error
        )
        left = outcome.error[1] if outcome.error is not None else None
        self.progress.models[cell.ref.ref].count(reply, cached=cached, left=left)
        if (bar := self._shared.bar) is not None:
            bar.update(1)
            bar.set_postfix_str(postfix(self.progress), refresh=False)
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
        return record_row(
            cell, reply, self._inputs[cell.row], self._fields, variants=self.plan.variants is not None,
            repeats=self.plan.repeats > 1, attempts=attempts, wait=wait, cached=cached, error=error,
        )  # fmt: skip

    def _results(self, records: dict[int, dict[str, Any]]) -> Results:
        rows = [records[i] for i in sorted(records)]
        return Results.from_rows(
            rows,
            fields=self._fields,
            models=[m.ref for m in self.plan.models],
            inputs=self.plan.inputs,
            schema=self.plan.schema.json,
            truth=self.truth,
            meta={DATA_INDEX: self.plan.index} if self.plan.index is not None else None,
        )


def run_job_blocking(job: Job) -> Results:
    """Run ``job`` from sync code, in a script or a notebook; Ctrl-C / a kernel interrupt stops the
    job and returns what finished."""
    return run_sync(job.arun(), on_interrupt=job.stop)

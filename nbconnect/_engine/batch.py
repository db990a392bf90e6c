"""Batch runs: the cells of connections with a batch API go through it, the rest stay live.

:class:`BatchPhase` is started by the :class:`~.runner.Job` beside its live workers. Per batch
connection it builds each cell's live request (``adapter.prepare`` of the first-choice mode, the
same request the cache is keyed on), serves cache hits, re-attaches to batches the cache database
already holds for a cell, splits the rest into batches within the provider's request and byte
limits, submits them (recording each the moment it is accepted), polls with backoff, and turns
every result line into an ordinary cell record with ``_batch_id``. Stopping the job cancels the
provider batches it is waiting on; what finished is kept.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .._wire.adapter import Adapter, Call, Prepared, Reply
from .._wire.batch.base import STATES, TERMINAL, VALIDATING, BatchAPI, BatchStatus
from .._wire.http import scrub
from .._wire.lookup import adapter_for
from .._wire.retry import CONNECTION, GiveUp, RetryPolicy, refusal_scope
from .batch_routes import BATCH, annotate_estimate, routes
from .batch_store import BatchRecord, BatchStore
from .cache import call_key
from .estimate import arm_key
from .plan import estimate_plan, per_call_estimate
from .record import Outcome  # how a cell ended, recorded by the Job the same way live or batched
from .refusals import not_collected

if TYPE_CHECKING:
    from .runner import Job

__all__ = ["BatchPhase"]

log = logging.getLogger("nbconnect.batch")

POLL_GROWTH = 1.5  # each quiet poll waits this much longer...
POLL_CAP = 8  # ...up to this many times batch_poll
SUBMIT_GRACE_S = 30.0  # how long a stop waits for a batch the provider is creating, to cancel it


@dataclass
class _Pending:
    """One cell request waiting for a batch: the call, its mode and request, and the cells it answers."""

    call: Call
    mode: str
    prepared: Prepared
    cells: list[int] = field(default_factory=list)
    reserved: float = 0.0  # USD held against budget_usd until the answer comes back


class BatchPhase:
    """The batch half of a job (see the module docstring)."""

    def __init__(self, job: Job) -> None:
        assert job._shared.cache is not None, "a batch run keeps its batch ids in the cache database"
        self.job, self.cache, self.bar = job, job._shared.cache, job._shared.bar
        self.store = BatchStore(self.cache)
        self.routes = routes(job.plan)
        self.by_conn: dict[str, list[int]] = {}
        for i, cell in enumerate(job.plan.cells):
            if self.routes[cell.ref.conn.name] is None:
                self.by_conn.setdefault(cell.ref.conn.name, []).append(i)
        self.owned = {i for idx in self.by_conn.values() for i in idx}
        self.states: dict[str, str] = {}
        self.served: set[str] = set()  # keys this run answered from the cache
        self._open: dict[str, BatchAPI] = {}  # batch id -> the API driving it (for stop)
        self.policy = RetryPolicy(job.options.max_retries)  # the live path's policy, its own jitter
        self.expected: dict[str, float] = {}  # arm_key -> USD per cell at batch prices (budget)
        if job.options.budget_usd is not None:
            est = annotate_estimate(estimate_plan(job.plan), job.plan)
            self.expected = per_call_estimate(est)
        job.progress.routes = {
            name: BATCH if why is None else f"live: {why}" for name, why in self.routes.items()
        }
        for name, reason in self.routes.items():
            log.info("%s: %s", name, "batch" if reason is None else f"live ({reason})")

    def owns(self, index: int) -> bool:
        return index in self.owned

    async def run(self) -> None:
        adapters: list[Adapter] = []
        try:
            jobs = []
            for name, indices in self.by_conn.items():
                conn = self.job.plan.cells[indices[0]].ref.conn
                adapter = adapter_for(
                    conn, client=self.job._clients.get(name), timeout=self.job.options.timeout
                )
                adapters.append(adapter)
                jobs.append(self._connection(adapter, indices))
            await asyncio.gather(*jobs)
        except asyncio.CancelledError:
            if self.job._user_stopped:
                await self._cancel_open()
            raise
        finally:
            for adapter in adapters:
                with contextlib.suppress(Exception):
                    await adapter.aclose()

    async def _cancel_open(self) -> None:
        """Stop: cancel every provider batch still running (finished cells are already kept)."""
        for batch_id, api in list(self._open.items()):
            try:
                await api.cancel(batch_id)
                self.store.update(batch_id, "cancelling", {})
            except Exception:  # a failed cancel must not hide the stop; the batch expires on its own
                log.warning("could not cancel batch %s", batch_id, exc_info=True)

    # -- one connection -------------------------------------------------------------------------
    async def _connection(self, adapter: Adapter, indices: list[int]) -> None:
        assert adapter.batch_class is not None
        api = adapter.batch_class(adapter)
        pending = self._pending(adapter, indices)
        if not pending:
            return
        conn = adapter.conn
        attached = self.store.open_for(conn.provider, conn.name, list(pending))
        batches = sorted({batch_id for batch_id, _ in attached.values()})
        fresh = self._within_budget([key for key in pending if key not in attached], pending)
        for model, keys in _by_model(pending, fresh).items():
            for chunk in self._chunks(api, keys, pending):
                ref = self.job.plan.cells[pending[chunk[0]].cells[0]].ref
                if (refused := self.job._refusals.blocked(ref)) is not None:
                    # an earlier submit was refused the key: every later one would be too
                    for key in chunk:
                        self._fail(pending[key], None, refused)
                    continue
                batch_id = await self._submit(api, adapter, model, chunk, pending)
                if batch_id is not None:
                    batches.append(batch_id)
        await self._wait(api, adapter, batches, pending)

    def _pending(self, adapter: Adapter, indices: list[int]) -> dict[str, _Pending]:
        """Cache key -> what to send; cells the cache already answers are finished here."""
        pending: dict[str, _Pending] = {}
        for i in indices:
            cell = self.job.plan.cells[i]
            call = self.job._call(cell)
            mode = adapter.plan(call)[0]  # what to send now; the key is the live path's, whatever mode
            prepared = adapter.prepare(call, mode)
            key = call_key(cell.ref.conn.provider, adapter, call, sample=cell.sample)
            if key not in pending:
                hit = self.cache.get(key)
                if hit is not None:
                    self.served.add(key)
                    self.job._finish(i, cell, Outcome(reply=hit), cached=True)
                    continue
                pending[key] = _Pending(call, mode, prepared)
            pending[key].cells.append(i)
        return pending

    def _within_budget(self, keys: list[str], pending: dict[str, _Pending]) -> list[str]:
        """The keys whose expected batch cost still fits ``budget_usd``; the rest are recorded as not
        run (a batch is paid when it runs, so it is reserved in full when submitted)."""
        budget = self.job.options.budget_usd
        if budget is None:
            return keys
        kept = []
        for key in keys:
            item = pending[key]
            cost = self.expected.get(arm_key(self.job.plan.cells[item.cells[0]]), 0.0)
            if self.job._spent + self.job._reserved + cost > budget:
                self.job._budget_hit = True
                self._fail(item, None, ("not run: the budget would be exceeded", "budget"))
                continue
            self.job._reserved += cost
            item.reserved = cost
            kept.append(key)
        return kept

    async def _retry(self, send: Any) -> Any:
        """``await send()``, retried by the live path's retry policy on transient provider errors
        (a quota-sized hint gives up at once, as it does live)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await send()
            except E.ProviderError as err:
                decision = self.policy.decide(err, attempt)
                if isinstance(decision, GiveUp):
                    raise
                await asyncio.sleep(decision.delay)

    def _chunks(self, api: BatchAPI, keys: list[str], pending: dict[str, _Pending]) -> list[list[str]]:
        """``keys`` split so no batch passes the provider's request or byte limit (or batch_size)."""
        most = min(api.max_requests, self.job.options.batch_size or api.max_requests)
        chunks: list[list[str]] = [[]]
        size = 0
        for key in keys:
            bytes_ = api.size(api.line(key, pending[key].prepared))
            if chunks[-1] and (len(chunks[-1]) >= most or size + bytes_ > api.max_bytes):
                chunks.append([])
                size = 0
            chunks[-1].append(key)
            size += bytes_
        return [c for c in chunks if c]

    async def _submit(
        self, api: BatchAPI, adapter: Adapter, model: str, keys: list[str], pending: dict[str, _Pending]
    ) -> str | None:
        # the custom id is the cell's cache key (64 hex digits, which every provider's id rules allow)
        # unless the API matches results another way (``BatchAPI.custom_ids``)
        ids = api.custom_ids(keys, [pending[key].prepared for key in keys])
        cells = dict(zip(ids, keys, strict=True))
        lines = [api.line(cid, pending[key].prepared) for cid, key in cells.items()]
        conn = adapter.conn
        submit = asyncio.ensure_future(
            self._retry(lambda: api.submit(lines, model, f"nbconnect-{conn.name}-{len(lines)}"))
        )
        try:
            batch_id = await asyncio.shield(submit)
        except asyncio.CancelledError:
            # A stop while the provider creates the batch: let the creation finish, so the batch is
            # known and cancelled with the others instead of left running (and billing) unseen.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                self._accepted(await asyncio.wait_for(submit, SUBMIT_GRACE_S), api, conn, model, cells)
            raise
        except E.ProviderError as err:
            self.job._refusals.note(self.job.plan.cells[pending[keys[0]].cells[0]].ref, err)
            for key in keys:
                self._fail(pending[key], None, (str(err), err.kind))
            return None
        self._accepted(batch_id, api, conn, model, cells)
        return batch_id

    def _accepted(self, batch_id: str, api: BatchAPI, conn: Any, model: str, cells: dict[str, str]) -> None:
        """Write down a batch the provider accepted (``cells``: custom id -> cache key), at once: a
        restart re-attaches to it."""
        self.store.add(
            BatchRecord(batch_id, conn.provider, conn.name, model, VALIDATING, len(cells), False), cells
        )
        self._open[batch_id] = api  # from now on a stop cancels it
        log.info("batch %s accepted: %d requests for %s", batch_id, len(cells), model)

    async def _wait(
        self, api: BatchAPI, adapter: Adapter, batches: list[str], pending: dict[str, _Pending]
    ) -> None:
        """Poll every batch with backoff until it ends, collecting each as it does."""
        opts = self.job.options
        delay = opts.batch_poll
        waiting = list(dict.fromkeys(batches))
        for batch_id in waiting:
            self._open[batch_id] = api
            self.states.setdefault(batch_id, VALIDATING)
        refused: E.ProviderError | None = None  # the key refused polling one batch: the others too
        while waiting:
            changed = False
            for batch_id in list(waiting):
                status = refused or await self._attempt(lambda b=batch_id: api.status(b))
                if isinstance(status, E.ProviderError):
                    self._give_up(api, batch_id, pending, status)
                    waiting.remove(batch_id)
                    refused = status if refusal_scope(status) == CONNECTION else refused
                    continue
                changed |= self.states.get(batch_id) != status.state
                self.states[batch_id] = status.state
                self.store.update(batch_id, status.state, status.counts())
                if status.state in TERMINAL:
                    await self._collect(api, adapter, batch_id, status, pending)
                    waiting.remove(batch_id)
                    self._open.pop(batch_id, None)
            self._show()
            if waiting:
                await asyncio.sleep(delay)
                delay = opts.batch_poll if changed else min(delay * POLL_GROWTH, opts.batch_poll * POLL_CAP)

    async def _attempt(self, send: Any) -> Any:
        """``await self._retry(send)``, or the provider error it ended with."""
        try:
            return await self._retry(send)
        except E.ProviderError as err:
            return err

    async def _collect(
        self,
        api: BatchAPI,
        adapter: Adapter,
        batch_id: str,
        status: BatchStatus,
        pending: dict[str, _Pending],
    ) -> None:
        lines = await self._attempt(lambda: api.results(status))
        if isinstance(lines, E.ProviderError):  # unless the provider forgot it, a later run re-attaches
            self._give_up(api, batch_id, pending, lines)
            return
        mine = self.store.cells(batch_id)
        seen: set[str] = set()
        for line in lines:
            key = mine.get(line.custom_id)
            if key is None or key not in pending or key in seen:
                continue  # not this run's cell, or a duplicate line (the first one counts)
            seen.add(key)
            item = pending[key]
            if line.error is not None:
                self._fail(item, batch_id, (line.error, line.error_type or "batch_request_failed"))
                continue
            reply = self._reply(adapter, item, line.body)
            if reply.valid:
                self.cache.put(key, reply)
            self._done(item, batch_id, reply)
        why = f": {status.message}" if status.message else ""
        here = set(mine.values())
        for key, item in pending.items():
            if key in here and key not in seen:  # in this batch, but no (readable) result line
                text = (
                    f"batch {batch_id} ended {status.state} without a readable result for this request{why}"
                )
                kind = f"batch_{status.state}" if status.state != "done" else "batch_missing"
                self._fail(item, batch_id, (text, kind))
        # a batch holding cells of another run (another limit=, other rows) stays remembered, so the
        # run that wants them re-attaches instead of paying for them again
        whole = all(key in pending or key in self.served for key in here)
        self.store.update(batch_id, status.state, status.counts(), collected=whole)

    def _reply(self, adapter: Adapter, item: _Pending, body: Any) -> Reply:
        """A result line's body read exactly as the live answer would be, priced at batch prices."""
        call, mode = item.call, item.mode
        try:
            reply = adapter.parse(call, mode, body, httpx.Headers())
            reply.enforcement = mode
            reply.changes = list(adapter.adapt(call.schema, mode).changes)
            adapter.finish(call, mode, reply)
        except Exception as exc:  # an answer no parser expected: recorded, never a crash
            text = scrub(f"internal error: {type(exc).__name__}: {exc}", adapter.secret_values())
            return Reply(errors=[text], error_type="internal")
        provider = adapter.conn.provider
        info = catalog.get(provider, reply.model or call.model) or catalog.get(provider, call.model)
        reply.cost_usd = (
            info.batch_cost(
                reply.input_tokens, reply.output_tokens, reply.cached_tokens, reply.cache_write_tokens
            )
            if info is not None
            else None
        )
        return reply

    # -- records --------------------------------------------------------------------------------
    def _release(self, item: _Pending) -> None:
        self.job._reserved -= item.reserved
        item.reserved = 0.0

    def _done(self, item: _Pending, batch_id: str, reply: Reply) -> None:
        self._release(item)
        self.job._spent += reply.cost_usd or 0.0
        for i in item.cells:
            self.job._finish(i, self.job.plan.cells[i], Outcome(reply=reply, attempts=1))
            self.job._records[i]["_batch_id"] = batch_id

    def _fail(self, item: _Pending, batch_id: str | None, error: tuple[str, str]) -> None:
        self._release(item)
        for i in item.cells:
            self.job._finish(i, self.job.plan.cells[i], Outcome(error=error, attempts=1))
            self.job._records[i]["_batch_id"] = batch_id

    def _give_up(
        self, api: BatchAPI, batch_id: str, pending: dict[str, _Pending], err: E.ProviderError
    ) -> None:
        """Record this run's cells of a batch that cannot be read. Unless the provider no longer
        knows it (``BatchAPI.keeps``), the batch stays in the cache database and its cells are
        recorded not collected yet (a refused key says so with its fix): the next run re-attaches
        instead of paying for them again. A batch the provider forgot is let go: sent anew."""
        mine = self.store.cells(batch_id)
        if api.keeps(err):
            error = not_collected(api.adapter.conn, batch_id, err)
        else:
            error = (f"batch {batch_id} is lost ({err}); run again to send these cells anew", err.kind)
            self.store.update(batch_id, "lost", {}, collected=True)
        for key in mine.values():
            if key in pending:
                self._fail(pending[key], batch_id, error)
        self._open.pop(batch_id, None)

    def _show(self) -> None:
        counts = collections.Counter(self.states.values())
        self.job.progress.batches = {s: counts[s] for s in STATES if counts[s]}
        if self.bar is not None:
            said = ", ".join(f"{n} {s}" for s, n in self.job.progress.batches.items())
            self.bar.set_description_str(f"nbconnect batches: {said}", refresh=False)
        self.job._notify()


def _by_model(pending: dict[str, _Pending], keys: list[str]) -> dict[str, list[str]]:
    """Keys grouped by model: a Gemini batch is for one model, an Azure one for one deployment."""
    out: dict[str, list[str]] = {}
    for key in keys:
        out.setdefault(pending[key].call.model, []).append(key)
    return out

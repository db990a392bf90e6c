"""Playground: one prompt template over many rows and many models, with live progress and results.

The widget is a view over the same engine as ``nbc.run``: ``pg.results`` is a :class:`Results`,
during the run (what finished so far) and after it. Runs happen on the background loop, so the
kernel stays free, and Stop ends a run within a second while keeping every finished cell.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import ipywidgets
import pandas as pd

from .._engine.api import estimate, start
from .._engine.media_preview import cell_text, media_columns, thumbnail
from .._engine.plan import as_frame
from .._engine.runner import Job, Progress
from .._errors import NbconnectError
from .._results.results import Results
from .._schema.schema import Schema, as_schema
from .._store.org import Organization
from .._wire.adapter import Call
from .._wire.lookup import adapter_for
from .base import Throttle, background
from .picker import ModelPicker
from .playground_checks import FIELDS, run_refusal, schema_check, template_check
from .playground_core import PlaygroundCore
from .playground_judge import JudgePanel
from .playground_show import ResultsView
from .playground_versions import VersionsPanel
from .playground_view import PAGE, answered_counts, batch_estimate, table_page

__all__ = ["PAGE", "Playground", "table_page"]


PROGRESS_EVERY = 0.1  # seconds: at most ~10 progress updates a second, whatever the request rate
TICK = 0.5  # seconds between looks at a run's progress when no cell finishes


class Playground(ResultsView, JudgePanel, VersionsPanel, ipywidgets.VBox):
    """``nbc.Playground(org, data=None, prompt=None, schema=None, models=None)``."""

    def __init__(
        self,
        org: Organization | None = None,
        data: Any = None,
        prompt: str | None = None,
        schema: Any = None,
        models: list[str] | None = None,
        *,
        system: str | None = None,
        truth: str | None = None,
        cache: bool | str = True,
    ) -> None:
        self.org = org if org is not None else Organization.demo()
        self.picker = ModelPicker(self.org)
        self.core = PlaygroundCore()
        super().__init__([self.picker, self.core])
        self._load_versions()  # before any observer asks which versions run
        self._data: pd.DataFrame | None = None
        self._schema: Schema | None = None
        self._job: Job | None = None
        self._results: Results | None = None
        self._cache = cache
        self._problems: dict[str, list[str]] = {}
        self._stopping = False  # Stop was pressed during the current run
        self.progress_messages = 0  # how many progress updates went to the browser (tests count them)
        core = self.core
        core.on_run = self._on_run
        core.on_stop = self._on_stop
        core.on_page = self._on_page
        core.on_cell = self._on_cell
        core.on_judge = self._on_judge
        core.on_judge_stop = self._on_judge_stop
        core.on_save_version = self._on_save_version
        core.on_delete_version = self._on_delete_version
        core.observe(lambda _: self._check_template(), names=["template", "system"])
        core.observe(lambda _: self._check_schema(), names=["schema_text"])
        core.observe(
            lambda _: self._refresh_estimate(),
            names=[
                "selection",
                "n",
                "seed",
                "max_tokens",
                "temperature",
                "template",
                "as_batch",
                "chosen_versions",
                "excluded_arms",
            ],
        )
        core.observe(lambda _: self._refresh_results(), names=["compare_field", "truth", "compare_pair"])
        self.picker.observe(lambda _: (self._check_schema(), self._refresh_estimate()), names=["value"])
        self.picker.observe(lambda _: self._judge_choices(), names=["rows"])
        self.picker.observe(lambda ch: setattr(core, "chosen_models", list(ch["new"])), names=["value"])
        self._judge_choices()
        if models:
            self.picker.value = list(models)
        if data is not None:
            self.data = data
        if schema is not None:
            self.schema = schema
        if system:
            core.system = system
        if truth:
            core.truth = truth
        if prompt:
            core.template = prompt
        self._check_template()  # empty boxes say what to write; nothing else changed them yet
        self._check_schema()

    # -- public ----------------------------------------------------------------------------------
    @property
    def data(self) -> pd.DataFrame | None:
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = as_frame(value)
        self.core.columns = list(self._data.columns)
        self.core.n_rows = len(self._data)
        head = self._data.head(10).astype(object).where(self._data.head(10).notna(), None)
        media = media_columns(self._data)
        self.core.media_columns = media
        self.core.thumbs = [
            {c: thumb for c in media if media[c] == "image" and (thumb := thumbnail(r[c])) is not None}
            for r in head.to_dict("records")
        ]
        self.core.preview = [{k: cell_text(v) for k, v in r.items()} for r in head.to_dict("records")]
        self._check_template()
        self._check_schema()  # a field may now clash with a column

    @property
    def schema(self) -> Schema | None:
        return self._schema

    @schema.setter
    def schema(self, value: Any) -> None:
        parsed = as_schema(value)
        self.core.schema_text = json.dumps(parsed.json, indent=2)

    @property
    def results(self) -> Results | None:
        """The run's Results: what has finished so far while running, everything afterwards."""
        if self._job is not None and self.core.running:
            return self._job.results
        return self._results

    def run(self) -> None:
        """Start a run, as the Run button does."""
        self._on_run({})

    def stop(self) -> None:
        """Stop the run in flight, as the Stop button does."""
        self._on_stop({})

    def wait(self, timeout: float = 60.0) -> Results | None:
        """Block until the current run finishes (for scripts and tests, not for notebooks)."""
        deadline = time.monotonic() + timeout
        while self.core.running and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.results

    # -- checks as the user types ----------------------------------------------------------------------
    def _check_template(self) -> None:
        core = self.core
        core.variables, self._problems["prompt"] = template_check(core.template, core.system, core.columns)
        self._refresh_estimate()

    def _check_schema(self) -> None:
        core = self.core
        self._schema, status = schema_check(core.schema_text, core.columns)
        self._problems["schema"] = [] if status["ok"] else [status["message"]]
        fields = status["fields"]
        if self._schema is not None and core.compare_field not in fields:
            core.compare_field = fields[0] if fields else ""
        enforcement = self._enforcement(self._schema) if self._schema is not None else []
        core.schema_status = {**status, "enforcement": enforcement}
        self._refresh_estimate()

    def _check_inputs(self) -> None:
        """The problems with no box of their own, said in the Run bar right under the model list."""
        self._problems["models"] = (
            [] if self.picker.value else ["Choose at least one model in the list above"]
        )
        self._problems["data"] = (
            [] if self._data is not None else ["No data yet: set pg.data = a DataFrame or a list of dicts"]
        )

    def _enforcement(self, schema: Schema) -> list[dict[str, Any]]:
        """Per chosen model: how the schema will be enforced, and what adapting it changed."""
        out = []
        for ref in self.picker.value:
            try:
                conn, model = self.org.resolve(ref)
            except NbconnectError as exc:
                out.append({"model": ref, "mode": "", "changes": [str(exc)]})
                continue
            adapter = adapter_for(conn)
            mode = adapter.plan(Call(model=model, user="", schema=schema))[0]
            out.append({"model": ref, "mode": mode, "changes": list(adapter.adapt(schema, mode).changes)})
        return out

    def _plan_kwargs(self) -> dict[str, Any]:
        core = self.core
        sel = core.selection
        return {
            "data": self._data,
            "schema": self._schema,
            "models": list(self.picker.value),
            "org": self.org,
            "system": core.system or None,
            "limit": core.n if sel == "first" else None,
            "sample": core.n if sel == "sample" else None,
            "seed": core.seed,
            "redo": self._results if sel == "missing" else None,
            **self._variant_kwargs(),
        }

    def _send_kwargs(self) -> dict[str, Any]:
        """What decides the requests a run sends (rows, prompts, models, each arm's settings, batch
        or live): the Run button and the estimate line both start from it, so they agree. The
        cache is Run's alone: a batch run without one is refused when Run is pressed, with the
        fix, while the line still prices it."""
        return {**self._plan_kwargs(), **self._run_settings(), "batch": self.core.as_batch}

    def _refresh_estimate(self) -> None:
        """The estimate, or nothing while a box has a problem (it would price a run that cannot be)."""
        core = self.core
        self._check_inputs()
        with core.batch():
            core.problems = {f: list(self._problems.get(f) or []) for f in FIELDS}
            if any(core.problems.values()) or self._schema is None:
                core.estimate = {"calls": 0, "cost_usd": None, "error": None}
                return
            self._estimate()

    def _estimate(self) -> None:
        core = self.core
        try:  # nbc.estimate of the run Run would start: each version with its own settings
            est = estimate(core.template, **self._send_kwargs(), progress=False)
        except NbconnectError as exc:
            core.estimate = {"calls": 0, "cost_usd": None, "error": str(exc)}
            return
        line = {"calls": est.calls, "cost_usd": _usd(est.cost_usd), "max_cost_usd": _usd(est.max_cost_usd)}
        if core.as_batch:  # priced at batch rates where a connection batches, and what live would cost
            line.update(batch_estimate(est))
        core.estimate = {**line, "error": None}

    # -- run / stop ---------------------------------------------------------------------------------
    # Everything a run writes after it starts comes from the background loop's thread (progress
    # callbacks, the trailing progress timer, the final state); each write is a Widget.batch (see
    # base.py), and the final state goes out as one message after the last progress update.
    def _on_run(self, _msg: dict[str, Any]) -> dict[str, Any]:
        core = self.core
        if core.running or core.judge.get("running"):
            raise NbconnectError("a run or a judge is already in flight; press Stop first")
        refusal = run_refusal(core.problems)
        if refusal or self._schema is None:
            raise NbconnectError(refusal or "no valid schema yet")
        throttle = Throttle(PROGRESS_EVERY)
        job = start(
            core.template,
            **self._send_kwargs(),
            cache=self._cache,
            concurrency=core.concurrency,
            budget_usd=core.budget_usd,
            progress=False,
            truth=self._truth_arg(),
            on_progress=lambda p: throttle.offer(lambda: self._push_progress(p), force=p.finished),
        )
        previous = self._results if core.selection == "missing" else None
        self._job, self._stopping = job, False
        with core.batch():
            core.running = True
            core.message = f"running {len(job.plan.cells)} calls…"
            self._push_progress(job.progress)

        background.submit(self._drive(job, throttle, previous))
        return {"calls": len(job.plan.cells)}

    def _on_stop(self, _msg: dict[str, Any]) -> dict[str, Any]:
        if self._job is not None and self.core.running:
            self._stopping = True
            self._job.stop()
        return {}

    async def _drive(self, job: Job, throttle: Throttle, previous: Results | None) -> None:
        """Run ``job`` on the background loop, then write its final state in one batch."""
        core = self.core
        ticker = asyncio.ensure_future(self._tick(job, throttle))
        try:
            results = await job.arun()
        except Exception as exc:  # surfaced in the widget, not lost in a thread
            throttle.close()
            with core.batch():
                core.message = f"the run failed: {exc}"
                core.running = False
            return
        finally:
            ticker.cancel()
        throttle.close()  # no progress update may land after (and overwrite) the final state
        self._results = results.merge(previous) if previous is not None else results
        self._verdicts = None  # a judge graded the last results, not these
        counts = answered_counts(self._results)
        message = f"done: {counts['valid']} valid of {counts['cells']} cells"
        if counts["not_run"]:
            message = (
                f"done: {counts['valid']} valid of {counts['answered']} answered, "
                f"{counts['not_run']} not run ({counts['ended']})"
            )
        try:  # computed before taking the lock: drawing the plots takes a moment
            view = {**self._view_state(0), "judge": {}}
        except Exception as exc:  # a view problem must not hide that the run finished
            view = {}
            message += f"; could not draw the results: {exc}"
        with core.batch():
            self._push_progress(job.progress, ended=counts["ended"])
            for name, value in view.items():
                setattr(core, name, value)
            core.message = message
            core.running = False  # last: wait() and the Run button rely on everything above being done

    async def _tick(self, job: Job, throttle: Throttle) -> None:
        """Progress also moves while no cell finishes (a retry waiting on a failing server): look
        again every ``TICK`` seconds, so retries and waits show up when they happen."""
        while True:
            await asyncio.sleep(TICK)
            throttle.offer(lambda: self._push_progress(job.progress))

    def _push_progress(self, progress: Progress, *, ended: str = "") -> None:
        """Write ``progress`` (a consistent copy, taken on the thread that changes it). ``ended``:
        why a finished run ended early ("stopped", "budget reached"), else ""."""
        models = {ref: vars(m).copy() for ref, m in progress.models.items()}
        state = {
            "total": progress.total,
            "done": progress.done,
            "errors": progress.errors,
            "spend_usd": round(progress.spend_usd, 6),
            "finished": progress.finished,
            "stopped": ended if progress.finished else ("stopping" if self._stopping else ""),
            "retries": sum(m.get("retries", 0) for m in models.values()),
            "wait_s": round(sum(m.get("wait_s", 0.0) for m in models.values()), 3),
            "models": models,
        }
        if progress.routes:  # a batch run: provider batches per state, and which connections went live
            state.update(batches=dict(progress.batches), routes=dict(progress.routes))
        with self.core.batch():
            if state != self.core.progress:
                self.progress_messages += 1
            self.core.progress = state


def _usd(value: float) -> float | None:
    """A dollar figure for the browser: ``None`` when unknown (NaN)."""
    return None if pd.isna(value) else round(float(value), 6)

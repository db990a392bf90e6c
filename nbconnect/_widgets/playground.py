"""Playground: one prompt template over many rows and many models, with live progress and results.

The widget is a view over the same engine as ``nbc.run``: ``pg.results`` is a :class:`Results`,
during the run (what finished so far) and after it. Runs happen on the background loop, so the
kernel stays free, and Stop ends a run within a second while keeping every finished cell.
"""

from __future__ import annotations

import json
import time
from typing import Any

import ipywidgets
import pandas as pd

from .._engine.api import start
from .._engine.media_preview import cell_text, media_columns, thumbnail
from .._engine.plan import as_frame, estimate_plan, flat_fields, make_plan
from .._engine.runner import Job, Progress
from .._engine.template import Template
from .._errors import NbconnectError
from .._results.results import Results
from .._schema.schema import Schema, as_schema
from .._store.org import Organization
from .._wire.adapter import Call
from .._wire.lookup import adapter_for
from .base import Throttle, background
from .picker import ModelPicker
from .playground_core import PlaygroundCore
from .playground_view import PAGE, cell_detail, plot_png, table_page

__all__ = ["PAGE", "Playground", "table_page"]


PROGRESS_EVERY = 0.1  # seconds: at most ~10 progress updates a second, whatever the request rate


class Playground(ipywidgets.VBox):
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
        self._data: pd.DataFrame | None = None
        self._schema: Schema | None = None
        self._job: Job | None = None
        self._results: Results | None = None
        self._cache = cache
        self.progress_messages = 0  # how many progress updates went to the browser (tests count them)
        core = self.core
        core.on_run = self._on_run
        core.on_stop = self._on_stop
        core.on_page = self._on_page
        core.on_cell = self._on_cell
        core.observe(lambda _: self._check_template(), names=["template", "system"])
        core.observe(lambda _: self._check_schema(), names=["schema_text"])
        core.observe(
            lambda _: self._refresh_estimate(), names=["selection", "n", "seed", "max_tokens", "template"]
        )
        core.observe(lambda _: self._refresh_results(), names=["compare_field", "truth"])
        self.picker.observe(lambda _: (self._check_schema(), self._refresh_estimate()), names=["value"])
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
        columns = set(core.columns)
        names: list[str] = []
        problem = ""
        kinds: dict[str, str] = {}
        for text in (core.template, core.system):
            try:
                parsed = Template.parse(text) if text else None
            except NbconnectError as exc:
                problem = str(exc)
                continue
            names += parsed.names if parsed else []
            kinds.update(parsed.media if parsed else {})
        core.variables = [
            {"name": n, "ok": n in columns, **({"kind": kinds[n]} if n in kinds else {})}
            for n in dict.fromkeys(names)
        ]
        core.message = problem
        self._refresh_estimate()

    def _check_schema(self) -> None:
        core = self.core
        text = core.schema_text.strip()
        if not text:
            self._schema = None
            core.schema_status = {
                "ok": False,
                "message": "write a schema, e.g. label: positive|negative",
                "line": None,
                "fields": [],
                "enforcement": [],
            }
            return
        try:
            schema = as_schema(text)
        except NbconnectError as exc:
            self._schema = None
            core.schema_status = {
                "ok": False,
                "message": str(exc),
                "line": _line_of(text, exc),
                "fields": [],
                "enforcement": [],
            }
            return
        self._schema = schema
        fields = flat_fields(schema.json)
        if core.compare_field not in fields:
            core.compare_field = fields[0] if fields else ""
        core.schema_status = {
            "ok": True,
            "message": f"{len(fields)} field(s)",
            "line": None,
            "fields": fields,
            "enforcement": self._enforcement(schema),
        }
        self._refresh_estimate()

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
        }

    def _refresh_estimate(self) -> None:
        core = self.core
        if self._data is None or self._schema is None or not self.picker.value or not core.template:
            core.estimate = {"calls": 0, "cost_usd": None, "error": None}
            return
        try:
            plan = make_plan(core.template, **self._plan_kwargs())
            est = estimate_plan(plan, core.max_tokens)
        except NbconnectError as exc:
            core.estimate = {"calls": 0, "cost_usd": None, "error": str(exc)}
            return
        cost = est.cost_usd
        core.estimate = {
            "calls": est.calls,
            "cost_usd": None if pd.isna(cost) else round(cost, 6),
            "error": None,
        }

    # -- run / stop ---------------------------------------------------------------------------------
    # Everything a run writes after it starts comes from the background loop's thread (progress
    # callbacks, the trailing progress timer, the final state); each write is a Widget.batch (see
    # base.py), and the final state goes out as one message after the last progress update.
    def _on_run(self, _msg: dict[str, Any]) -> dict[str, Any]:
        core = self.core
        if core.running:
            raise NbconnectError("a run is already in flight; press Stop first")
        if self._data is None:
            raise NbconnectError("no data: set pg.data = a DataFrame or a list of dicts")
        if self._schema is None:
            raise NbconnectError(core.schema_status.get("message") or "no valid schema yet")
        throttle = Throttle(PROGRESS_EVERY)
        job = start(
            core.template,
            **self._plan_kwargs(),
            temperature=core.temperature,
            max_tokens=core.max_tokens,
            concurrency=core.concurrency,
            budget_usd=core.budget_usd,
            cache=self._cache,
            progress=False,
            truth=self._truth_arg(),
            on_progress=lambda p: throttle.offer(lambda: self._push_progress(p), force=p.finished),
        )
        previous = self._results if core.selection == "missing" else None
        self._job = job
        with core.batch():
            core.running = True
            core.message = f"running {len(job.plan.cells)} calls…"
            self._push_progress(job.progress)

        background.submit(self._drive(job, throttle, previous))
        return {"calls": len(job.plan.cells)}

    def _on_stop(self, _msg: dict[str, Any]) -> dict[str, Any]:
        if self._job is not None and self.core.running:
            self._job.stop()
        return {}

    async def _drive(self, job: Job, throttle: Throttle, previous: Results | None) -> None:
        """Run ``job`` on the background loop, then write its final state in one batch."""
        core = self.core
        try:
            results = await job.arun()
        except Exception as exc:  # surfaced in the widget, not lost in a thread
            throttle.close()
            with core.batch():
                core.message = f"the run failed: {exc}"
                core.running = False
            return
        throttle.close()  # no progress update may land after (and overwrite) the final state
        self._results = results.merge(previous) if previous is not None else results
        df = self._results.df
        message = f"done: {int(df['_valid'].sum())} valid of {len(df)} cells" + (
            " (stopped)" if (df["_error_type"] == "cancelled").any() else ""
        )
        try:  # computed before taking the lock: drawing the plot takes a moment
            view = {**self._summary_state(), "table": self._table_state(0)}
        except Exception as exc:  # a view problem must not hide that the run finished
            view = {}
            message += f"; could not draw the results: {exc}"
        with core.batch():
            self._push_progress(job.progress)
            for name, value in view.items():
                setattr(core, name, value)
            core.message = message
            core.running = False  # last: wait() and the Run button rely on everything above being done

    def _push_progress(self, progress: Progress) -> None:
        """Write ``progress`` (a consistent copy, taken on the thread that changes it)."""
        state = {
            "total": progress.total,
            "done": progress.done,
            "errors": progress.errors,
            "spend_usd": round(progress.spend_usd, 6),
            "finished": progress.finished,
            "models": {ref: vars(m).copy() for ref, m in progress.models.items()},
        }
        with self.core.batch():
            if state != self.core.progress:
                self.progress_messages += 1
            self.core.progress = state

    # -- results view ---------------------------------------------------------------------------------
    def _summary_state(self) -> dict[str, Any]:
        results = self._results
        if results is None:
            return {}
        # The truth column holds the answer for one field: the one its name mentions, else the first.
        field = self._truth_field()
        truth = {field: self.core.truth} if field else None
        summary = results.summary(truth=truth) if truth else results.summary()
        return {
            "summary": json.loads(summary.reset_index().to_json(orient="records")),
            "plot": plot_png(results, truth),
        }

    def _truth_arg(self) -> str | dict[str, str] | None:
        """``truth=`` for the engine: the Playground decides which field the column answers (a column
        the data lacks goes as it is, so the engine's refusal names it)."""
        field, truth = self._truth_field(), self.core.truth or None
        return {field: truth} if truth and field and truth in self.core.columns else truth

    def _truth_field(self) -> str | None:
        """The schema field the ground-truth column answers (``gold_sentiment`` -> ``sentiment``)."""
        truth, fields = self.core.truth, self.core.schema_status.get("fields") or []
        if not truth or not fields:
            return None
        named = [f for f in fields if f.split(".")[-1] in truth]
        return max(named, key=len) if named else fields[0]

    def _refresh_results(self) -> None:
        if self._results is not None and not self.core.running:
            view = {**self._summary_state(), "table": self._table_state(0)}
            with self.core.batch():
                for name, value in view.items():
                    setattr(self.core, name, value)

    def _on_page(self, msg: dict[str, Any]) -> dict[str, Any]:
        self.core.table = self._table_state(int(msg.get("page", 0)))
        return {}

    def _table_state(self, page: int) -> dict[str, Any]:
        results, field = self._results, self.core.compare_field
        if results is None or not field or field not in results.fields:
            return {}
        # the input shown per row: the first column the template uses (not merely the data's first)
        used = [v["name"] for v in self.core.variables if v["ok"]]
        return table_page(
            results,
            field,
            page,
            truth=self.core.truth if field == self._truth_field() else None,
            input_column=next(iter(used), None),
        )

    def _on_cell(self, msg: dict[str, Any]) -> dict[str, Any]:
        results = self.results
        if results is None:
            raise NbconnectError("no results yet")
        df = results.df
        hit = df[(df["row"] == int(msg["row"])) & (df["model"] == msg["model"])]
        if hit.empty:
            raise NbconnectError(f"no cell for row {msg['row']} and model {msg['model']}")
        return {"cell": cell_detail(hit.iloc[0])}


def _line_of(text: str, exc: Exception) -> int | None:
    """The 1-based line of a schema error (JSON decode position or DSL position)."""
    position = getattr(exc, "position", None)
    if position is None:
        return None
    return text.count("\n", 0, position) + 1

"""The Playground's judge panel: ``nbc.judge`` on the current results, run like a run.

A mixin of :class:`~.playground.Playground`. The judge goes through the same engine as the run
it grades (``start_judge``: cache, budget, retries, stop), on the background loop, so the kernel
stays free and Stop ends it keeping what finished. Its cost is shown apart from the run's; its
grades (the judges' majority per graded cell) join the comparison table, and a summary gives per
arm the share of cells the majority passed, with its 95% interval (``Verdicts.scores``).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._engine.judge import JudgeJob, start_judge
from .._engine.runner import Progress
from .._errors import NbconnectError
from .._results.arms import arm_labels
from .._results.results import Results
from .._results.verdicts import Verdicts
from .base import Throttle, background

if TYPE_CHECKING:
    from .picker import ModelPicker
    from .playground_core import PlaygroundCore

__all__ = ["JudgePanel", "judge_summary"]

SPLIT = "split"  # the table's badge for a cell the judges split on evenly
JUDGE_EVERY = 0.1  # seconds between judge progress updates, as for a run
_SUMMARY = ("arm", "judges", "n", "n_errors", "score", "score_ci_low", "score_ci_high")


def judge_summary(verdicts: Verdicts) -> list[dict[str, Any]]:
    """Per graded arm: the share of its cells the judges' majority passed, n and the 95% interval."""
    table = verdicts.scores()
    table = table[[c for c in _SUMMARY if c in table.columns]]
    return json.loads(table.to_json(orient="records"))


class JudgePanel:
    """The judge half of the Playground (mixed into :class:`Playground`)."""

    core: PlaygroundCore
    picker: ModelPicker
    org: Any
    _cache: bool | str
    _results: Results | None
    _verdicts: Verdicts | None = None
    _judge_job: JudgeJob | None = None

    @property
    def verdicts(self) -> Verdicts | None:
        """The last judge's answers on the current results (``None`` before one finished)."""
        return self._verdicts

    def _judge_choices(self) -> None:
        self.core.judge_choices = [row["ref"] for row in self.picker.rows]

    def _grades(self) -> dict[tuple[int, str], Any] | None:
        """(row, arm) -> the judges' majority grade, for the table (``None`` without a judge);
        ``"split"`` for a graded cell the judges split on evenly (no majority). With repeats the
        first graded sample of a row stands for it, as in the table."""
        if self._verdicts is None:
            return None
        joined = self._verdicts.join()
        graded = joined.loc[joined["judge.n_judges"].fillna(0) > 0]
        out: dict[tuple[int, str], Any] = {}
        for r, arm, g in zip(graded["row"], arm_labels(graded), graded["judge.majority"]):
            out.setdefault((int(r), str(arm)), SPLIT if g is None else g)
        return out

    def _on_judge(self, _msg: dict[str, Any]) -> dict[str, Any]:
        core = self.core
        if core.running or core.judge.get("running"):
            raise NbconnectError("a run or a judge is in flight; wait for it or press Stop")
        if self._results is None:
            raise NbconnectError("nothing to judge yet: run the prompt first")
        if not core.judge_models:
            raise NbconnectError("choose at least one judge model in the judge panel")
        used = [v["name"] for v in core.variables if v["ok"] and not v.get("kind")]
        reference = core.judge_reference or None
        throttle = Throttle(JUDGE_EVERY)
        job = start_judge(
            self._results,
            core.judge_rubric,
            models=list(core.judge_models),
            field=core.compare_field or None,
            reference=reference,
            inputs=[c for c in used if c != reference] or None,
            org=self.org,
            cache=self._cache,
            progress=False,
            on_progress=lambda p: throttle.offer(lambda: self._judge_progress(p), force=p.finished),
        )
        self._judge_job = job
        calls = len(job.job.plan.cells)
        core.judge = {"running": True, "message": f"judging: {calls} calls…", "progress": {"total": calls}}
        background.submit(self._drive_judge(job, throttle))
        return {"calls": calls}

    def _on_judge_stop(self, _msg: dict[str, Any]) -> dict[str, Any]:
        if self._judge_job is not None and self.core.judge.get("running"):
            self._judge_job.stop()
        return {}

    def _judge_progress(self, p: Progress) -> None:
        state = {"total": p.total, "done": p.done, "errors": p.errors, "spend_usd": round(p.spend_usd, 6)}
        with self.core.batch():
            self.core.judge = {**self.core.judge, "progress": state}

    async def _drive_judge(self, job: JudgeJob, throttle: Throttle) -> None:
        core = self.core
        try:
            verdicts = await job.arun()
            summary = judge_summary(verdicts)
            cost = verdicts.cost()
        except (Exception, asyncio.CancelledError) as exc:
            throttle.close()
            with core.batch():
                core.judge = {**core.judge, "running": False, "message": f"the judge failed: {exc}"}
            return
        throttle.close()
        self._verdicts = verdicts
        stopped = bool(verdicts.df["_error_type"].isin(["cancelled"]).any())
        graded = int(verdicts.df["_valid"].sum())
        p = job.job.progress
        state = {
            "running": False,
            "message": f"judged: {graded} of {len(verdicts.df)} grades" + (" (stopped)" if stopped else ""),
            "progress": {
                "total": p.total,
                "done": p.done,
                "errors": p.errors,
                "spend_usd": round(p.spend_usd, 6),
            },
            "cost_usd": _money(cost.loc["judge", "cost_usd"]),
            "run_cost_usd": _money(cost.loc["run", "cost_usd"]),
            "models": list(verdicts.models),
            "summary": summary,
        }
        table = self._table_state(int((core.table or {}).get("page", 0)))  # type: ignore[attr-defined]
        with core.batch():
            core.table = table
            core.judge = state


def _money(value: Any) -> float | None:
    return None if pd.isna(value) else round(float(value), 6)

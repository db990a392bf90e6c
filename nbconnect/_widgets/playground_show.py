"""The Playground's results view: the summary, the interactive plots, one table page, a cell's details.

A mixin of :class:`~.playground.Playground` (it reads the widget's ``_results``, ``core`` and the
judge's grades): the pieces the browser shows of Results, recomputed when the compared field, the
truth column or the judge's grades change. Only small, JSON-ready pieces leave Python.

The plots are the report's SVG (``_results/svg.py``) rather than a second drawing in JavaScript:
one geometry for the report and the widget, already tested for its ticks, whiskers and unknown
costs; its colours are CSS variables, so the notebook's theme restyles them with no round trip to
Python (the PNG had to be redrawn per theme). The front end adds what a picture cannot: the hover
card (the arm's ``<title>``: score with interval, cost, latency p50/p95, n) and click-to-filter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._errors import NbconnectError
from .._results import svg
from .._results.arms import arm_labels
from .._results.results import Results
from .playground_compare import compare_state
from .playground_view import answered_summary, cell_detail, table_page

if TYPE_CHECKING:
    from .playground_core import PlaygroundCore

__all__ = ["ResultsView", "plots_state"]


def plots_state(results: Results, truth: dict[str, str] | None, field: str | None) -> dict[str, Any]:
    """The two plots as SVG text, what their score is, and the arms they show (in table order).
    Without ``truth`` (the truth box emptied) the score is the share of valid answers, whatever
    truth the run itself was given."""
    if truth is None and results.truth is not None:
        results = Results(
            results.df, fields=results.fields, models=results.models, inputs=results.inputs,
            schema=results.schema, meta=results.meta,
        )  # fmt: skip
    points, label = svg.arm_points(results, truth, field if truth else None)
    return {
        "cost": svg.cost_score_svg(points, label),
        "latency": svg.latency_svg(points, label),
        "label": label,
        "arms": [p.arm for p in points],
    }


class ResultsView:
    """What the Playground shows of its Results (mixed into :class:`Playground`)."""

    core: PlaygroundCore
    _results: Results | None
    _grades: Callable[[], dict[tuple[int, str], Any] | None]  # the judge panel's (JudgePanel._grades)

    def _view_state(self, page: int = 0) -> dict[str, Any]:
        """Every results trait at once (summary, plots, table), for one batched write."""
        results = self._results
        if results is None:
            return {}
        # The truth column holds the answer for one field: the one its name mentions, else the first.
        field = self._truth_field()
        truth = {field: self.core.truth} if field else None
        summary = answered_summary(results, truth)
        used = [v["name"] for v in self.core.variables if v["ok"]]
        return {
            "summary": json.loads(summary.reset_index().to_json(orient="records")),
            "plots": plots_state(results, truth, field),
            "table": self._table_state(page),
            "compare": compare_state(
                results, self.core.compare_field, truth, list(self.core.compare_pair), next(iter(used), None)
            ),
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
            view = self._view_state(int((self.core.table or {}).get("page", 0)))
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
            grades=self._grades(),
        )

    def _on_cell(self, msg: dict[str, Any]) -> dict[str, Any]:
        results = self.results  # type: ignore[attr-defined]
        if results is None:
            raise NbconnectError("no results yet")
        df = results.df
        # the table's column is an arm: "version|model", or the model without versions
        hit = df[(df["row"] == int(msg["row"])) & (arm_labels(df) == msg["model"]).to_numpy()]
        if hit.empty:
            raise NbconnectError(f"no cell for row {msg['row']} and {msg['model']}")
        return {"cell": cell_detail(hit.iloc[0])}

"""The Playground's compare view: every arm with its 95% interval, the paired versus table, and
the rows on which two chosen arms disagree.

Pure functions of Results and the compared field: the tables are ``results.score(pretty=True)``
(the figure and its interval as text) and ``results.versus(field=...)`` (difference with its
paired bootstrap interval, exact McNemar and Holm p-values, rows needed), so the widget shows
exactly what Python prints; only JSON-ready records leave Python.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from .._results.results import Results
from .playground_view import _plain

__all__ = ["DISAGREE_MAX", "compare_state"]

DISAGREE_MAX = 50  # rows of disagreement sent to the browser (the count says how many in all)
_VERSUS = ("a", "b", "n_pairs", "accuracy_a", "accuracy_b", "difference", "ci_low", "ci_high",
           "a_wins", "b_wins", "p_value", "p_holm", "rows_needed")  # fmt: skip


def _records(table: pd.DataFrame) -> dict[str, Any]:
    return {"columns": list(table.columns), "rows": json.loads(table.to_json(orient="values"))}


def compare_state(
    results: Results, field: str, truth: dict[str, str] | None, pair: list[str], input_column: str | None
) -> dict[str, Any]:
    """``{"arms", "score", "versus", "pair", "disagree", "n_disagree", "note"}``; the score and
    versus tables need a truth for ``field`` (else ``note`` says so and they are empty)."""
    arms = list(results.arms)
    out: dict[str, Any] = {"arms": arms, "score": {}, "versus": {}, "note": ""}
    if truth and field in truth:
        one = {field: truth[field]}
        out["score"] = _records(results.score(one, field=field, pretty=True))
        if len(arms) > 1:
            versus = results.versus(field=field, truth=one)
            out["versus"] = _records(versus[[c for c in _VERSUS if c in versus.columns]])
    else:
        out["note"] = (
            "Choose a ground-truth column (Data) for the field compared to see scores with intervals."
        )
    chosen = list(pair)[:2] if len(pair) >= 2 else arms[:2]  # default: the first two arms
    a, b = [*chosen, "", ""][:2]
    if a in arms and b in arms and a != b:
        out.update(pair=[a, b], **_disagreements(results, field, a, b, input_column))
    return out


def _disagreements(results: Results, field: str, a: str, b: str, input_column: str | None) -> dict[str, Any]:
    """The rows where arms ``a`` and ``b`` both answered validly and differ on ``field``."""
    wide = results.compare(field, inputs=False)[[a, b]]
    both = wide[a].notna() & wide[b].notna()
    differ = both & (wide[a].map(_key) != wide[b].map(_key))
    rows = wide.index[differ]
    first = results.df.drop_duplicates("row").set_index("row")
    column = input_column if input_column in first.columns else next(iter(results.inputs), None)
    shown = [
        {
            "row": int(r),
            "input": "" if column is None else str(_plain(first.loc[r, column]))[:200],
            "a": _plain(wide.loc[r, a]),
            "b": _plain(wide.loc[r, b]),
        }
        for r in rows[:DISAGREE_MAX]
    ]
    return {"disagree": shown, "n_disagree": int(differ.sum()), "n_both": int(both.sum())}


def _key(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, default=str)

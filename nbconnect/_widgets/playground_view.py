"""What the Playground shows of Results: one table page at a time, a cell's details, the summary.

Only these small, JSON-ready pieces go to the browser; the DataFrame stays in Python.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from .._engine.media_preview import thumbnail
from .._results.arms import VARIANT, arm_labels
from .._results.results import NOT_RUN, Results

__all__ = ["PAGE", "answered_counts", "answered_summary", "batch_estimate", "cell_detail", "table_page"]

PAGE = 50  # rows per results page: the browser only ever holds one page

_DETAIL = (
    "_raw",
    "_error",
    "_error_type",
    "_latency_s",
    "_attempts",
    "_wait_s",
    "_input_tokens",
    "_output_tokens",
    "_cost_usd",
    "_enforcement",
    "_finish_reason",
    "_cached",
)


def cell_detail(cell: pd.Series) -> dict[str, Any]:
    """Raw output, timing, tokens and cost of one cell (a row of ``Results.df``)."""
    return {key.lstrip("_"): _plain(cell[key]) for key in _DETAIL}


def batch_estimate(est: Any) -> dict[str, Any]:
    """The estimate line's batch part, from ``annotate_estimate``'s table (a row per model, or per
    arm with versions): the cost at batch prices, the same calls live, the saving, and per model
    its route (``"batch"`` or ``"live: why"``; a model's versions share it)."""
    cost, live = est.df["cost_usd"].sum(min_count=1), est.df["live_cost_usd"].sum(min_count=1)
    known = not (pd.isna(cost) or pd.isna(live))
    models = est.df["model"] if "model" in est.df.columns else est.df.index.to_series()
    routes = dict(zip(models.astype(str), est.df["route"].astype(str)))  # one per model
    return {
        "cost_usd": None if pd.isna(cost) else round(float(cost), 6),
        "live_cost_usd": None if pd.isna(live) else round(float(live), 6),
        "saving_usd": round(float(live - cost), 6) if known else None,
        "routes": [{"model": m, "route": r} for m, r in routes.items()],
    }


#: why a run left cells out, by the ``_error_type`` of those cells, first match wins
_ENDED = (
    ("budget reached", {"budget"}),
    ("stopped", {"cancelled", "pending"}),
    ("key refused", {"not_sent"}),
    ("batch not collected yet", {"not_collected"}),
)


def answered_counts(results: Results) -> dict[str, Any]:
    """How many cells there are, were answered (sent and replied to, well or not), were not run
    (stopped, over budget, still pending, held back after a refused key, in a batch not collected yet)
    and are valid; ``ended``: why cells were not run."""
    kinds = results.df["_error_type"]
    not_run = kinds.isin(NOT_RUN)
    ended = next((why for why, these in _ENDED if kinds.isin(these).any()), "")
    return {
        "cells": len(kinds),
        "answered": int((~not_run).sum()),
        "not_run": int(not_run.sum()),
        "valid": int(results.df["_valid"].sum()),
        "ended": ended,
    }


def answered_summary(results: Results, truth: Any = None) -> pd.DataFrame:
    """``Results.summary`` of the answered cells, with ``answered`` and ``not_run`` per model.

    A stopped run's unsent cells would count as wrong in the accuracy over all cells (a model with
    23 of 80 answered would show 0.21): here they are counted, not scored. A model with nothing
    answered has no accuracy at all rather than 0. With versions (a ``variant`` column) one row per
    arm (index ``arm``: ``"version|model"``), else per model (index ``model``).
    """
    df = results.df
    by = "arm" if VARIANT in df.columns else "model"
    full = results.summary(by=by)
    ran = df[~df["_error_type"].isin(NOT_RUN)]
    out = _subset(results, ran, results.models).summary(truth, by=by)
    out = out.drop(columns=["cells", "calls", "not_run"])
    out.insert(0, "answered", full["calls"])
    out.insert(1, "not_run", full["not_run"])
    if "accuracy" in out:
        # per arm over its own answered rows: scored together, a row another arm answered
        # would count as wrong for an arm that never got to it
        labels = arm_labels(ran)
        out["accuracy"] = [
            _subset(results, ran[(labels == a).to_numpy()], results.models)
            .summary(truth, by=by)["accuracy"]
            .loc[a]
            if out.loc[a, "answered"]
            else None
            for a in out.index
        ]
    return out


def table_page(
    results: Results,
    field: str,
    page: int,
    *,
    truth: str | None = None,
    input_column: str | None = None,
    grades: dict[tuple[int, str], Any] | None = None,
) -> dict[str, Any]:
    """One page of the side-by-side table: per row the input preview (``input_column``, else the
    first input column) and, per arm (``"version|model"``, or the model without versions), the
    value, validity, error, (with a truth column) whether it is right, and (``grades``: (row, arm)
    -> the judges' majority grade) the judge's grade. With repeats a row's cell for an arm is the
    one holding its most common valid answer (``Results._per_row``)."""
    df = results._per_row(field)
    rows = sorted(df["row"].unique().tolist())
    pages = max(1, -(-len(rows) // PAGE))
    page = min(max(page, 0), pages - 1)
    chosen = set(rows[page * PAGE : (page + 1) * PAGE])
    part = df[df["row"].isin(chosen)]
    first_input = input_column if input_column in results.inputs else next(iter(results.inputs), None)
    out_rows = []
    for row_id, group in part.groupby("row", sort=True):
        cells = {}
        values = []
        for _, cell in group.iterrows():
            value = _plain(cell[field])
            entry = {"value": value, "valid": bool(cell["_valid"]), "error": _plain(cell["_error"])}
            not_run = cell["_error_type"] in NOT_RUN
            if not_run:  # never sent: neither right nor wrong
                entry["not_run"] = True
            elif truth and truth in group.columns:
                entry["right"] = bool(cell["_valid"]) and _same(value, _plain(cell[truth]))
            if grades and (int(row_id), cell["arm"]) in grades:
                entry["grade"] = grades[(int(row_id), cell["arm"])]
            cells[cell["arm"]] = entry
            if cell["_valid"]:
                values.append(json.dumps(value, sort_keys=True, default=str))
        head = group.iloc[0]
        out_rows.append(
            {
                "row": int(row_id),
                "input": "" if first_input is None else str(_plain(head[first_input]))[:200],
                "thumb": None if first_input is None else thumbnail(head[first_input]),
                "truth": _plain(head[truth]) if truth and truth in group.columns else None,
                "differ": len(set(values)) > 1,
                "cells": cells,
            }
        )
    return {
        "field": field,
        "models": results.arms,
        "rows": out_rows,
        "page": page,
        "pages": pages,
        "total_rows": len(rows),
    }


def _subset(results: Results, df: pd.DataFrame, models: list[str]) -> Results:
    """``results`` restricted to the cells of ``df`` and to ``models``."""
    return Results(
        df,
        fields=results.fields,
        models=models,
        inputs=results.inputs,
        schema=results.schema,
        truth=results.truth,
        meta=results.meta,
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return set(map(str, a)) == set(map(str, b))
    return str(a).strip().lower() == str(b).strip().lower()


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a DataFrame cell (NaN / NA -> None, numpy -> Python)."""
    if isinstance(value, (list, dict, str, bool)) or value is None:
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value

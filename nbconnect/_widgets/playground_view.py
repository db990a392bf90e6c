"""What the Playground shows of Results: one table page at a time, a cell's details, the plot.

Only these small, JSON-ready pieces go to the browser; the DataFrame stays in Python.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pandas as pd

from .._engine.media_preview import thumbnail
from .._results.results import Results

__all__ = ["PAGE", "cell_detail", "plot_png", "table_page"]

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


def plot_png(results: Results, truth: Any = None) -> str:
    """The Results plot as a PNG data URL ("" without matplotlib). ``savefig`` renders with Agg
    whatever the notebook's backend is, so the user's plotting setup is left alone."""
    try:
        fig = results.plot(truth=truth) if truth else results.plot()
    except ImportError:
        return ""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def table_page(
    results: Results, field: str, page: int, *, truth: str | None = None, input_column: str | None = None
) -> dict[str, Any]:
    """One page of the side-by-side table: per row the input preview (``input_column``, else the
    first input column) and, per model, the value, validity, error, and (with a truth column)
    whether it is right."""
    df = results.df
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
            if truth and truth in group.columns:
                entry["right"] = bool(cell["_valid"]) and _same(value, _plain(cell[truth]))
            cells[cell["model"]] = entry
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
        "models": results.models,
        "rows": out_rows,
        "page": page,
        "pages": pages,
        "total_rows": len(rows),
    }


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

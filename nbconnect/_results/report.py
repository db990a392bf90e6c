"""``Results.report``: one self-contained HTML file to share a run.

Everything is inline (CSS, SVG plots), nothing is fetched when the file opens, and nothing is
base64: no images at all. It holds the settings the run recorded (``meta["run"]``, see
``_engine/api.settings``: names, never keys or endpoints), the score table with intervals, the
summary, the plots of :mod:`.svg`, and the per-row comparison with the rows where arms disagree
(and the cells that miss the truth) highlighted. Every value is HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._version import __version__
from . import kinds as _kinds
from . import svg
from .arms import arm_labels
from .io import output_file

if TYPE_CHECKING:
    from .results import Results

__all__ = ["render", "write"]

MAX_ROWS = 500  # per-row table: enough to read, small enough to open on a phone
MAX_TEXT = 240  # characters of an input shown in a cell (the title holds up to 2000)

CSS = """
:root{--nbc-fg:#1f1f1f;--nbc-muted:#616161;--nbc-bg:#fff;--nbc-bg2:#f3f3f3;--nbc-border:#d0d0d0;
--nbc-ok:#2e7d32;--nbc-error:#d32f2f;--nbc-differ:#fff4d6;--nbc-wrong:#fde7e7}
@media (prefers-color-scheme:dark){:root{--nbc-fg:#e6e6e6;--nbc-muted:#a0a0a0;--nbc-bg:#181818;
--nbc-bg2:#242424;--nbc-border:#444;--nbc-ok:#81c784;--nbc-error:#ef9a9a;--nbc-differ:#3d3320;
--nbc-wrong:#4a2424}}
body{font:14px/1.45 system-ui,sans-serif;color:var(--nbc-fg);background:var(--nbc-bg);margin:2em auto;
max-width:1200px;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid var(--nbc-border)}
.muted{color:var(--nbc-muted)}table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid var(--nbc-border);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--nbc-bg2)}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:var(--nbc-bg2);padding:.6em;overflow:auto;white-space:pre-wrap}
tr.differ td{background:var(--nbc-differ)}td.wrong{background:var(--nbc-wrong)}
td.failed{color:var(--nbc-error)}td.right{color:var(--nbc-ok)}
.plots{display:flex;flex-wrap:wrap;gap:1.5em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}
dt{font-weight:600}dd{margin:0}
"""

#: score() metrics shown, each with its interval when it has one
METRICS = ("accuracy", "macro_precision", "macro_recall", "macro_f1", "mae", "jaccard")
SUMMARY = ("calls", "valid_pct", "errors", "errors_by_type", "latency_p50", "latency_p95", "cost_usd")


def number(x: Any, digits: int = 3) -> str:
    """A figure as the report writes it: ``digits`` decimals, empty when missing."""
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.{digits}f}"


def interval(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """``"0.780 [0.680, 0.860]"``; the bare value when the interval is unknown."""
    text = number(value, digits)
    if text and number(low, digits) and number(high, digits):
        text += f" [{number(low, digits)}, {number(high, digits)}]"
    return text


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str) -> str:
    """An HTML table; ``rows`` hold cell HTML made by :func:`_td` (escaped there)."""
    out = [
        f'<table class="{cls}"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
    ]
    for row in rows:
        out.append("<tr>" + "".join(row) + "</tr>")
    return "".join(out) + "</tbody></table>"


def _td(text: Any, cls: str = "", title: str = "") -> str:
    attrs = (f' class="{cls}"' if cls else "") + (f' title="{escape(title)}"' if title else "")
    return f"<td{attrs}>{escape(str(text))}</td>"


def _row_html(cells: Sequence[str], cls: str = "", data: str = "") -> str:
    return f'<tr class="{cls}"{data}>' + "".join(cells) + "</tr>"


# -- sections ---------------------------------------------------------------------------------


def _settings(results: Results, truth: Any) -> str:
    run = results.meta.get("run") or {}
    items: list[tuple[str, str]] = []
    if run.get("template"):
        items.append(("template", f"<pre>{escape(run['template'])}</pre>"))
    if run.get("system"):
        items.append(("system prompt", f"<pre>{escape(run['system'])}</pre>"))
    models = run.get("models") or {m: {} for m in results.models}
    lines = [
        _td(ref) + _td(info.get("connection", "")) + _td(info.get("provider", ""))
        for ref, info in models.items()
    ]
    items.append(("models", _table(["model", "connection", "provider"], lines, "models")))
    shown_truth = (
        truth if truth is not None and isinstance(truth, (str, dict)) else run.get("truth", results.truth)
    )
    if shown_truth is not None:
        items.append(
            ("truth", escape(json.dumps(shown_truth) if isinstance(shown_truth, dict) else str(shown_truth)))
        )
    if "rows" in run:
        items.append(("rows", escape(f"{run['rows']} rows, {run.get('cells', len(results))} calls planned")))
    items += _experiment_settings(run)
    options = run.get("options") or {}
    if options:
        text = ", ".join(f"{k}={json.dumps(v)}" for k, v in options.items())
        items.append(("options", f"<code>{escape(text)}</code>"))
    items.append(("fields", escape(", ".join(results.fields))))
    if results.schema:
        schema = escape(json.dumps(results.schema, indent=2))
        items.append(("schema", f"<details><summary>JSON Schema</summary><pre>{schema}</pre></details>"))
    body = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items)
    return f'<section id="settings"><h2>Settings</h2><dl>{body}</dl></section>'


def _experiment_settings(run: dict[str, Any]) -> list[tuple[str, str]]:
    """The variants (what each changes, which models run it) and repeats a run recorded."""
    items = []
    variants = run.get("variants") or {}
    if variants:
        arms = run.get("arms") or []
        lines = []
        for name, v in variants.items():
            changed = {
                k: v[k] for k in ("temperature", "max_tokens", "reasoning_effort") if v.get(k) is not None
            }
            models = [m for a, m in arms if a == name]
            lines.append(
                _td(name) + _td(v.get("template") or "") + _td(v.get("system") or "")
                + _td(", ".join(f"{k}={json.dumps(x)}" for k, x in changed.items())) + _td(", ".join(models))
            )  # fmt: skip
        items.append(
            ("variants", _table(["variant", "template", "system", "settings", "models"], lines, "variants"))
        )
    if (run.get("repeats") or 1) > 1:
        items.append(("repeats", escape(f"{run['repeats']} samples per row and arm")))
    return items


def _scores(table: pd.DataFrame | None) -> str:
    if table is None:
        return (
            '<section id="scores"><h2>Scores</h2><p class="muted">No ground truth was given, so nothing '
            "is scored: pass truth= to report() (an input column, or {field: column}).</p></section>"
        )
    metrics = [m for m in METRICS if table[m].notna().any()]
    key = "arm" if "arm" in table.columns else "model"
    head = [key, "field", "n", "n_valid", "n_failed", "n_not_run", *metrics]
    rows = []
    for _, r in table.iterrows():
        cells = [_td(r[key]), _td(r["field"])] + [_td(number(r[c]), "num") for c in head[2:6]]
        for m in metrics:
            low, high = r.get(f"{m}_ci_low"), r.get(f"{m}_ci_high")
            cells.append(_td(interval(r[m], low, high), f"num metric-{m}"))
        rows.append(cells)
    note = '<p class="muted">95% intervals in brackets (Wilson for accuracy, bootstrap over rows for the others).</p>'
    return f'<section id="scores"><h2>Scores</h2>{_table(head, rows, "scores")}{note}</section>'


def _summary(summary: pd.DataFrame) -> str:
    cols = [c for c in SUMMARY if c in summary.columns]
    rows = []
    for model, r in summary.iterrows():
        cells = [_td(model)]
        for c in cols:
            if c == "valid_pct":
                text = interval(r[c], r["valid_pct_ci_low"], r["valid_pct_ci_high"], 1)
            elif c == "cost_usd":
                text = svg.money(float(r[c])) if pd.notna(r[c]) else "unknown"
            else:
                text = r[c] if isinstance(r[c], str) else number(r[c])
            cells.append(_td(text, "" if c == "errors_by_type" else "num"))
        rows.append(cells)
    return f'<section id="summary"><h2>Summary</h2>{_table(["model", *cols], rows, "summary")}</section>'


def _plots(results: Results, truth: Any, field: str | None) -> str:
    points, label = svg.arm_points(results, truth, field)
    return (
        '<section id="plots"><h2>Plots</h2><div class="plots">'
        + svg.cost_score_svg(points, label)
        + svg.latency_svg(points, label)
        + '</div><p class="muted">Hover a point or a bar for its figures.</p></section>'
    )


def _shown_inputs(results: Results, truth_columns: set[str]) -> list[str]:
    template = (results.meta.get("run") or {}).get("template") or ""
    used = [c for c in re.findall(r"\{([^{}]+)\}", template) if c in results.inputs]
    return list(dict.fromkeys(used)) or [c for c in results.inputs if c not in truth_columns]


def _display(value: Any) -> str:
    if isinstance(value, (frozenset, set)):
        return json.dumps(sorted(value, key=str))
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _comparison(results: Results, field: str, truths: dict[str, pd.Series], max_rows: int) -> str:
    """Rows × arms for ``field``; rows where valid answers differ are ``differ``, cells that
    miss the truth ``wrong``, failed cells show their error type."""
    wide = results.compare(field, inputs=False)
    arms = list(wide.columns)
    kind = results._kinds[field]
    keys = {a: _kinds.keys(wide[a], kind) for a in arms}
    truth_keys = truths[field].reindex(wide.index).to_numpy() if field in truths else None
    df = results.df.assign(arm=arm_labels(results.df))
    errors = df.loc[~df["_valid"]].drop_duplicates(["row", "arm"]).set_index(["row", "arm"])["_error_type"]
    firsts = results.df.drop_duplicates("row").set_index("row")
    shown = _shown_inputs(results, set())
    head = ["row", *shown, *(["truth"] if truth_keys is not None else []), *arms]
    rows, differ_count = [], 0
    for i, row in enumerate(wide.index[:max_rows]):
        values = {keys[a][i] for a in arms if keys[a][i] is not None}
        differ = len(values) > 1
        differ_count += differ
        cells = [_td(row, "num")]
        for c in shown:
            text = _display(firsts.loc[row, c])
            cells.append(_td(text[:MAX_TEXT] + ("…" if len(text) > MAX_TEXT else ""), "input", text[:2000]))
        if truth_keys is not None:
            cells.append(_td(_display(truth_keys[i]), "truth"))
        for a in arms:
            if keys[a][i] is None:
                cells.append(_td(f"⚠ {errors.get((row, a)) or 'no result'}", "failed"))
                continue
            cls = (
                ""
                if truth_keys is None or truth_keys[i] is None
                else ("right" if keys[a][i] == truth_keys[i] else "wrong")
            )
            cells.append(_td(_display(wide[a].iloc[i]), cls))
        rows.append(_row_html(cells, "differ" if differ else "", f' data-row="{row}"'))
    more = len(wide) - min(len(wide), max_rows)
    note = f'<p class="muted">{differ_count} of {min(len(wide), max_rows)} rows shown have arms that disagree (highlighted).'
    note += f" {more} more rows not shown (report(max_rows=...)).</p>" if more else "</p>"
    table = (
        '<table class="comparison"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return f'<section class="compare" data-field="{escape(field)}"><h2>Per row: {escape(field)}</h2>{note}{table}</section>'


# -- the page ---------------------------------------------------------------------------------


def render(
    results: Results,
    *,
    truth: Any = None,
    field: str | None = None,
    title: str | None = None,
    max_rows: int = MAX_ROWS,
) -> str:
    """The report's HTML text (see the module docstring)."""
    has_truth = truth is not None or results.truth is not None
    table = results.score(truth, field=field) if has_truth else None
    truths = results._truth_keys(truth, field) if has_truth else {}  # {field: truth per row}
    fields = [field] if field is not None else results.fields
    title = title or "nbconnect report"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = results.df["row"].nunique()
    head = (
        f"<h1>{escape(title)}</h1><p class='muted'>{len(results)} cells · {rows} rows × "
        f"{len(results.arms)} arms · written {stamp} · nbconnect {escape(__version__)}</p>"
    )
    parts = [
        head,
        _settings(results, truth),
        _scores(table),
        _summary(results.summary(truth)),
        _plots(results, truth, field),
        *(_comparison(results, f, truths, max_rows) for f in fields),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>" + "".join(parts) + "</body></html>"
    )


def write(results: Results, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`render`'s page to ``path`` (UTF-8), beside-then-rename like ``save``."""
    path = output_file(path, "report.html")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(results, **kwargs), encoding="utf-8")
    tmp.replace(path)
    return path

"""``Results.score`` per arm, with n, standard errors and 95% intervals beside every figure.

For one arm and one field, over the rows whose truth is known:

- cells *not run* (``_error_type`` cancelled / budget / pending / not_sent / not_collected, or no cell
  at all for a row) are left out and counted in ``n_not_run``: a partial run must never look like a
  bad model;
- *failed* cells (provider error, invalid answer) stay in, as wrong, and are counted in
  ``n_failed``;
- ``n`` counts the scored cells and ``n_rows`` the distinct rows among them; with repeats
  (several cells per row) the row is the cluster: standard errors are clustered by row and
  bootstraps resample rows, never cells.

Intervals: Wilson for ``accuracy`` (with repeats, at the effective sample size of the clustered
standard error); a seeded percentile bootstrap over rows for ``macro_f1``, ``mae`` and
``jaccard``. ``*_se`` is the standard error of the figure: clustered for the means (accuracy,
mae, jaccard), the bootstrap's for macro-F1. The point figures themselves are those of
:func:`score.score_field` (equal to scikit-learn's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from . import stats
from .arms import ARM, VARIANT, arm_labels, ran
from .kinds import CATEGORICAL, keys
from .score import jaccard, score_field

__all__ = ["INTERVAL_METRICS", "VALID_COLUMNS", "readable", "score_arms", "valid_interval"]

#: metrics that get ``_se``, ``_ci_low`` and ``_ci_high`` columns
INTERVAL_METRICS = ("accuracy", "macro_f1", "mae", "jaccard")
VALID_COLUMNS = ["valid_pct_se", "valid_pct_ci_low", "valid_pct_ci_high"]
_POINT = ("macro_precision", "macro_recall", "macro_f1", "mae", "jaccard")

Stat = Callable[[np.ndarray], np.ndarray]


class _Field:
    """The cells of every arm on one field, positioned on the rows whose truth is known."""

    def __init__(self, df: pd.DataFrame, labels: np.ndarray, truth: pd.Series, kind: str) -> None:
        known = truth[pd.notna(truth.to_numpy(dtype=object))]
        self.kind, self.rows, self.index = kind, len(known), known.index
        self.truth = known.to_numpy(dtype=object)
        self.pos = known.index.get_indexer(df["row"].to_numpy())
        self.labels, self.ran, self.valid = labels, ran(df), df["_valid"].to_numpy(dtype=bool)

    def arm(self, arm: str, column: np.ndarray) -> dict[str, Any]:
        mine = (self.labels == arm) & (self.pos >= 0)
        run = mine & self.ran
        pos = self.pos[run]
        return {
            "pos": pos,
            "y_true": self.truth[pos],
            "y_pred": column[run],
            "n_failed": int((run & ~self.valid).sum()),
            # rows of the truth without any cell of this arm were not run either
            "n_not_run": int((mine & ~self.ran).sum()) + self.rows - len(np.unique(self.pos[mine])),
        }


def _se(values: np.ndarray, pos: np.ndarray, repeats: bool) -> float:
    return stats.clustered_se(values, pos if repeats else None)


def _f1_block(cells: dict[str, Any], classes: pd.DataFrame, rows: int) -> tuple[np.ndarray, Stat]:
    """Per-row true positives and (true + predicted) counts per class; macro-F1 from totals
    over the classes present in the resample (as recomputing the score on it would)."""
    labels = list(classes["class"])
    k = len(labels)
    code = pd.Index(labels, dtype=object)
    t = code.get_indexer(cells["y_true"])
    has = pd.notna(cells["y_pred"])
    p = code.get_indexer(cells["y_pred"][has])
    hit = (cells["y_pred"] == cells["y_true"]) & has
    pos = cells["pos"]
    size = rows * k
    tp = np.bincount(pos * k + t, weights=hit.astype(float), minlength=size)
    both = np.bincount(pos * k + t, minlength=size) + np.bincount(pos[has] * k + p, minlength=size)
    block = np.hstack([tp.reshape(rows, k), both.reshape(rows, k).astype(float)])

    def macro_f1(s: np.ndarray) -> np.ndarray:
        tp, both = s[:, :k], s[:, k:]
        present = both > 0
        f1 = np.where(present, 2 * tp / np.where(present, both, 1), 0.0)
        return f1.sum(axis=1) / present.sum(axis=1)

    return block, macro_f1


def _mean_block(values: np.ndarray, pos: np.ndarray, rows: int) -> tuple[np.ndarray, Stat]:
    total = np.bincount(pos, weights=values, minlength=rows)
    count = np.bincount(pos, minlength=rows).astype(float)
    return np.column_stack([total, count]), lambda s: s[:, 0] / s[:, 1]


def _one(cells: dict[str, Any], kind: str, rows: int) -> tuple[dict[str, Any], Any, list]:
    """Point figures, accuracy's interval, and the bootstrap blocks of one arm on one field."""
    y_true, y_pred, pos = cells["y_true"], cells["y_pred"], cells["pos"]
    scores, classes = score_field(y_true, y_pred, kind)
    n = scores["n"]
    n_rows = len(np.unique(pos))
    repeats = n_rows < n
    has = pd.notna(y_pred)
    hit = ((y_pred == y_true) & has).astype(float)
    se = _se(hit, pos, repeats)
    if repeats:
        low, high = stats.wilson_clustered(hit.sum(), n, se, n_rows)
    else:
        low, high = (float(v) for v in stats.wilson(hit.sum(), n))
    out = {"n": n, "n_rows": n_rows, "n_valid": scores["n_valid"], "n_failed": cells["n_failed"]}
    out.update(n_not_run=cells["n_not_run"], accuracy=scores["accuracy"])
    out.update(accuracy_se=se, accuracy_ci_low=low, accuracy_ci_high=high)
    out.update({m: scores[m] for m in _POINT})
    blocks: list[tuple[str, np.ndarray, Stat]] = []
    if kind in CATEGORICAL and n:
        blocks.append(("macro_f1", *_f1_block(cells, classes, rows)))
    elif kind in ("integer", "number") and has.any():
        err = np.abs(y_pred[has].astype("float64") - y_true[has].astype("float64"))
        out["mae_se"] = _se(err, pos[has], repeats)
        blocks.append(("mae", *_mean_block(err, pos[has], rows)))
    elif kind == "array" and has.any():
        jac = jaccard(y_true[has], y_pred[has])
        out["jaccard_se"] = _se(jac, pos[has], repeats)
        blocks.append(("jaccard", *_mean_block(jac, pos[has], rows)))
    return out, classes, blocks


def _bootstrap(
    table: list[dict[str, Any]], pending: list[tuple[int, str, np.ndarray, Stat]], seed: int
) -> None:
    """One bootstrap over the rows for every (arm, metric) of the fields that share these rows:
    rows are drawn once."""
    if not pending:
        return
    widths = [block.shape[1] for _, _, block, _ in pending]
    edges = np.concatenate([[0], np.cumsum(widths)])
    sums = np.hstack([block for _, _, block, _ in pending])

    def statistic(s: np.ndarray) -> np.ndarray:
        return np.column_stack([f(s[:, a:b]) for (_, _, _, f), a, b in zip(pending, edges, edges[1:])])

    low, high, se = stats.bootstrap_sums(sums, statistic, seed=seed)
    for j, (i, metric, _, _) in enumerate(pending):
        table[i][f"{metric}_ci_low"], table[i][f"{metric}_ci_high"] = float(low[j]), float(high[j])
        if metric == "macro_f1":
            table[i]["macro_f1_se"] = float(se[j])


def score_arms(
    df: pd.DataFrame,
    truths: dict[str, pd.Series],
    kinds: dict[str, str],
    arms: list[str],
    *,
    intervals: bool = True,
    seed: int = stats.SEED,
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Score every arm on every field of ``truths`` (``{field: truth keys indexed by row id}``,
    ``None`` where unknown); the table (one row per arm × field) and the per-class frames.
    ``intervals=False`` skips the bootstraps (for ``summary()``, which shows accuracy only)."""
    labels = arm_labels(df).to_numpy(dtype=object)
    ident = df.assign(**{ARM: labels}).drop_duplicates(ARM).set_index(ARM)
    extra = [VARIANT] if VARIANT in df.columns else []
    table: list[dict[str, Any]] = []
    classes: list[pd.DataFrame] = []
    groups: list[tuple[pd.Index, list]] = []  # fields with the same rows share one bootstrap
    for field, truth in truths.items():
        kind = kinds[field]
        cells = _Field(df, labels, truth, kind)
        column = keys(df[field].where(df["_valid"]), kind)
        pending = next((p for index, p in groups if index.equals(cells.index)), None)
        if pending is None:
            groups.append((cells.index, pending := []))
        for arm in arms:
            model = ident.at[arm, "model"] if arm in ident.index else arm
            head = {ARM: arm, **{c: ident.at[arm, c] for c in extra if arm in ident.index}}
            scores, per, blocks = _one(cells.arm(arm, column), kind, cells.rows)
            table.append({**head, "model": model, "field": field, "kind": kind, **scores})
            pending += [(len(table) - 1, metric, block, f) for metric, block, f in blocks]
            if per is not None:
                classes.append(per.assign(**head, model=model, field=field))
    for _, pending in groups if intervals else []:
        _bootstrap(table, pending, seed)
    return _frame(table, bool(extra)), classes


def _frame(table: list[dict[str, Any]], variants: bool) -> pd.DataFrame:
    head = [ARM, VARIANT] if variants else []
    counts = ["model", "field", "kind", "n", "n_rows", "n_valid", "n_failed", "n_not_run"]
    metrics = []
    for name in ("accuracy", *_POINT):
        metrics.append(name)
        if name in INTERVAL_METRICS:
            metrics += [f"{name}_se", f"{name}_ci_low", f"{name}_ci_high"]
    out = pd.DataFrame(table).reindex(columns=[*head, *counts, *metrics])
    for name in metrics:
        out[name] = out[name].astype("float64")
    return out


def valid_interval(
    df: pd.DataFrame, sent: np.ndarray, models: list[str], labels: pd.Series | None = None
) -> pd.DataFrame:
    """Per model (or per label of ``labels``: arms): standard error and 95% Wilson interval of
    the valid % of the cells sent, clustered by row when a model has several cells per row
    (variants, repeats)."""
    out = pd.DataFrame(index=pd.Index(models, name="model"), columns=VALID_COLUMNS, dtype="float64")
    group = df["model"] if labels is None else labels
    sub = df.loc[sent, ["row", "_valid"]].assign(_group=group[sent])
    for model, cells in sub.groupby("_group", sort=False):
        if model not in out.index:
            continue
        ok = cells["_valid"].to_numpy(dtype=float)
        rows = cells["row"].to_numpy()
        n_rows = len(np.unique(rows))
        se = stats.clustered_se(ok, rows if n_rows < len(ok) else None)
        low, high = stats.wilson_clustered(ok.sum(), len(ok), se, n_rows)
        out.loc[model] = [se * 100, low * 100, high * 100]
    return out


def _interval_text(value: float, low: float, high: float, digits: int) -> str:
    if np.isnan(value):
        return ""
    if np.isnan(low) or np.isnan(high):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def readable(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The score table for reading, not computing: the counts, then each metric that applies
    as text ``"0.78 [0.68, 0.86]"`` (the figure and its 95% interval)."""
    head = [c for c in (ARM, VARIANT, "model", "field", "n", "n_failed", "n_not_run") if c in table]
    out = table[head].copy()
    for metric in INTERVAL_METRICS:
        if table[metric].notna().any():
            parts = zip(table[metric], table[f"{metric}_ci_low"], table[f"{metric}_ci_high"])
            out[metric] = [_interval_text(v, lo, hi, digits) for v, lo, hi in parts]
    return out

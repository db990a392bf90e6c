"""Custom scorers: your own check per cell, and the same per-arm table as the built-in metrics.

A scorer is ``fn(prediction, truth, row) -> bool | float | Score``: ``prediction`` is the cell's
value of the field it scores, ``truth`` that row's truth for the field (``None`` when no truth
was given for it: reference-free checks), ``row`` the whole cell as a dict (inputs, ``model``,
every field...). ``scorers={"date": same_day}`` scores field ``date``; ``"summary:f1"`` scores
field ``summary`` under the name ``summary:f1`` (several scorers on one field). A name of a
built-in (``"exact"``, ``"token_f1"``, :mod:`.text`) works in place of a function.

Per cell (``Results.scored``): ``score.<name>`` and ``reason.<name>``. Cells not run get NaN
("not run") and are left out; failed cells (no valid answer) score 0 without calling the scorer
and count in ``n_failed``; rows whose given truth is missing are left out; a scorer that raises
(or returns something that is not a score) leaves NaN, a reason naming the scorer, the row and
the model, and counts in ``n_errors``; the other cells go on.

Per arm (``Results.score(scorers=...)``): the mean over the scored cells with its standard error
(clustered by row with repeats) and 95% interval: Wilson when every value is 0 or 1, a seeded
bootstrap over rows otherwise (the ``interval`` column says which).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from . import stats
from .arms import ARM, VARIANT, arm_labels, ran
from .score import _truths, listing
from .scoring import _interval_text as interval_text
from .text import BUILT_IN

__all__ = ["Score", "arm_figures", "readable", "resolve", "score_cells", "scorer_table", "truths_for"]

NOT_RUN, FAILED, NO_TRUTH, ERROR, SCORED = range(5)


@dataclass(frozen=True)
class Score:
    """What a scorer may return: a ``value`` (a bool counts as 1 / 0) and a short ``reason``.

    A scorer is ``fn(prediction, truth, row)``; its ``Score`` reasons land in ``scored()``::

        >>> import nbconnect as nbc
        >>> res = nbc.run(
        ...     "Sentiment of: {text}", data=nbc.data.reviews().head(10),
        ...     schema="sentiment: positive|negative|neutral", models=["demo:demo-careful"],
        ... )
        >>> def strict(prediction, truth, row):
        ...     return nbc.Score(prediction == truth, f"said {prediction}, gold {truth}")
        >>> res.score(scorers={"sentiment": strict}, truth="gold_sentiment")[["model", "n", "score"]]
                       model   n  score
        0  demo:demo-careful  10    0.9
        >>> res.scored({"sentiment": strict}, truth="gold_sentiment")["reason.sentiment"].iloc[0]
        'said positive, gold neutral'
    """

    value: float | bool
    reason: str | None = None


@dataclass
class Scorer:
    name: str
    field: str
    fn: Callable[[Any, Any, dict[str, Any]], Any]


def resolve(scorers: Any, fields: list[str]) -> list[Scorer]:
    """Check ``scorers=`` before scoring anything; one :class:`Scorer` per entry."""
    if not isinstance(scorers, Mapping) or not scorers:
        raise ConfigError('scorers= must be a dict {field: function}, e.g. {"date": same_day}')
    out = []
    for name, fn in scorers.items():
        field = name if name in fields else str(name).split(":", 1)[0]
        if field not in fields:
            raise ConfigError(
                f"scorer {name!r} names no field; use a field ({listing(fields)}) or 'field:label'"
            )
        if isinstance(fn, str):
            if fn not in BUILT_IN:
                raise ConfigError(f"unknown built-in scorer {fn!r}; the built-ins are {listing(BUILT_IN)}")
            fn = BUILT_IN[fn]
        if not callable(fn):
            raise ConfigError(
                f"scorer {name!r} must be a function fn(prediction, truth, row), not {type(fn).__name__}"
            )
        out.append(Scorer(str(name), field, fn))
    return out


def truths_for(
    scorers: list[Scorer],
    truth: Any,
    default: Any,
    df: pd.DataFrame,
    inputs: list[str],
    fields: list[str],
    index: str | None = None,
) -> dict[str, pd.Series]:
    """Raw truth per scored field (indexed by row id): ``truth=`` as in ``score()``; a single
    column name goes to the scored field when there is only one. Fields without truth: absent."""
    wanted = sorted({s.field for s in scorers})
    if truth is None and default is not None:
        try:
            return truths_for(scorers, default, None, df, inputs, fields, index)
        except ConfigError:
            return {}  # the run's default truth fits none of these fields: reference-free
    if truth is None:
        return {}
    if isinstance(truth, str) and len(wanted) == 1:
        truth = {wanted[0]: truth}
    return {f: t for f, t in _truths(truth, None, df, inputs, fields, index).items() if f in wanted}


def _value(out: Any) -> tuple[float, str | None]:
    reason = None
    if isinstance(out, Score):
        out, reason = out.value, out.reason
    if isinstance(out, (bool, np.bool_)):
        return float(out), reason
    if isinstance(out, (int, float, np.integer, np.floating)) and math.isfinite(float(out)):
        return float(out), reason
    raise TypeError(f"returned {out!r}; return a bool, a finite number or nbc.Score(value, reason)")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _one(scorer: Scorer, cells: list[dict[str, Any]], runs: np.ndarray, valid: np.ndarray, truth: Any):
    n = len(cells)
    values, reasons = np.full(n, np.nan), [None] * n
    status = np.full(n, SCORED)
    for i, cell in enumerate(cells):
        want = None if truth is None else truth.get(cell["row"])
        if not runs[i]:
            status[i], reasons[i] = NOT_RUN, "not run"
        elif truth is not None and _missing(want):
            status[i], reasons[i] = NO_TRUTH, "no truth for this row"
        elif not valid[i]:
            status[i], values[i] = FAILED, 0.0
            reasons[i] = f"no valid answer ({cell.get('_error_type') or 'invalid'})"
        else:
            try:
                values[i], reasons[i] = _value(scorer.fn(cell[scorer.field], want, cell))
            except Exception as exc:  # a scorer's bug is recorded on its cell, never ends the scoring
                status[i] = ERROR
                reasons[i] = (
                    f"scorer {scorer.name!r} failed on row {cell['row']} (model {cell['model']!r}): "
                    f"{type(exc).__name__}: {exc}"
                )
    return values, reasons, status


def score_cells(
    df: pd.DataFrame, scorers: list[Scorer], truths: dict[str, pd.Series]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``df`` with ``score.<name>`` and ``reason.<name>`` per scorer, and each cell's status."""
    cells = df.to_dict("records")
    runs, valid = ran(df), df["_valid"].to_numpy(dtype=bool)
    out, statuses, errors = df.copy(), {}, 0
    for scorer in scorers:
        truth = truths.get(scorer.field)
        lookup = None if truth is None else truth.to_dict()
        values, reasons, status = _one(scorer, cells, runs, valid, lookup)
        out[f"score.{scorer.name}"] = values
        out[f"reason.{scorer.name}"] = pd.Series(reasons, index=df.index, dtype=object)
        statuses[scorer.name] = status
        errors += int((status == ERROR).sum())
    if errors:
        warnings.warn(
            f"{errors} cell(s) could not be scored: a scorer raised; see the reason.<name> columns",
            stacklevel=4,  # the caller of Results.score / Results.scored
        )
    return out, statuses


def arm_figures(values: np.ndarray, rows: np.ndarray, status: np.ndarray, seed: int) -> dict[str, Any]:
    scored = np.isin(status, (FAILED, SCORED))
    x, pos = values[scored], rows[scored]
    n, n_rows = len(x), len(np.unique(pos))
    out: dict[str, Any] = {"n": n, "n_rows": n_rows, "n_failed": int((status == FAILED).sum())}
    out.update(n_not_run=int((status == NOT_RUN).sum()), n_errors=int((status == ERROR).sum()))
    out["score"] = float(x.mean()) if n else np.nan
    repeats = n_rows < n
    out["score_se"] = stats.clustered_se(x, pos if repeats else None)
    binary = n > 0 and bool(np.isin(x, (0.0, 1.0)).all())
    out["interval"] = "wilson" if binary else "bootstrap"
    if not n:
        low = high = np.nan
    elif binary:
        low, high = stats.wilson_clustered(x.sum(), n, out["score_se"], n_rows)
    else:
        _, code = np.unique(pos, return_inverse=True)
        sums = np.column_stack([np.bincount(code, weights=x), np.bincount(code).astype(float)])
        lo, hi, _ = stats.bootstrap_sums(sums, lambda s: (s[:, 0] / s[:, 1])[:, None], seed=seed)
        low, high = float(lo[0]), float(hi[0])
    out.update(score_ci_low=low, score_ci_high=high)
    return out


def scorer_table(
    df: pd.DataFrame,
    scorers: list[Scorer],
    scored: pd.DataFrame,
    statuses: dict[str, np.ndarray],
    arms: list[str],
    seed: int = stats.SEED,
) -> pd.DataFrame:
    """One row per (arm, scorer): counts, mean score, its SE and 95% interval."""
    labels = arm_labels(df).to_numpy(dtype=object)
    ident = df.assign(**{ARM: labels}).drop_duplicates(ARM).set_index(ARM)
    variants = VARIANT in df.columns
    rows = df["row"].to_numpy()
    table = []
    for scorer in scorers:
        values = scored[f"score.{scorer.name}"].to_numpy(dtype="float64")
        for arm in arms:
            mine = labels == arm
            head = {ARM: arm, VARIANT: ident.at[arm, VARIANT]} if variants and arm in ident.index else {}
            model = ident.at[arm, "model"] if arm in ident.index else arm
            figures = arm_figures(values[mine], rows[mine], statuses[scorer.name][mine], seed)
            table.append({**head, "model": model, "scorer": scorer.name, "field": scorer.field, **figures})
    head = [ARM, VARIANT] if variants else []
    counts = ["model", "scorer", "field", "n", "n_rows", "n_failed", "n_not_run", "n_errors"]
    metrics = ["score", "score_se", "score_ci_low", "score_ci_high", "interval"]
    return pd.DataFrame(table).reindex(columns=[*head, *counts, *metrics])


def readable(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The scorer table to read: counts, then ``score`` as ``"0.78 [0.68, 0.86]"``."""
    head = [
        c for c in (ARM, VARIANT, "model", "scorer", "n", "n_failed", "n_not_run", "n_errors") if c in table
    ]
    out = table[head].copy()
    parts = zip(table["score"], table["score_ci_low"], table["score_ci_high"])
    out["score"] = [interval_text(v, lo, hi, digits) for v, lo, hi in parts]
    return out

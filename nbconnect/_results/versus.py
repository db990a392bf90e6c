"""Paired comparisons of arms (``Results.versus``) and chance-corrected agreement.

Two arms are compared on the rows both ran, right/wrong on one field (the exact-match
correctness that ``accuracy`` averages). Per row r, each arm's correctness is its mean over the
row's repeats (0 or 1 without repeats; failed cells are wrong, cells not run are left out), and
d_r = correct_a(r) − correct_b(r):

- ``difference`` is mean(d_r), with a seeded paired bootstrap interval over rows;
- ``a_wins`` / ``b_wins`` count the rows with d_r > 0 / d_r < 0 (the discordant pairs; without
  repeats exactly McNemar's b and c), ``p_value`` is the exact McNemar (sign) test on them.
  With repeats the two can disagree without a bug: the sign test counts only which arm did
  better on each row, while the mean (and its interval) weighs by how much (notebook 05: 10
  rows better by 1/3 or 2/3, 2 worse, one of them by 1, gives p = 0.039 and [-0.008, 0.071]);
- ``rows_needed`` is Connor's (1987) rough number of rows for 80% power at α = 0.05, given
  only when the difference is not significant: a guide, not a promise.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from . import stats
from .arms import arm_labels, check_arm, ran
from .kinds import keys
from .score import listing

__all__ = ["VERSUS_COLUMNS", "agreement_pairs", "correct_by_row", "versus", "versus_table"]

VERSUS_COLUMNS = [
    "a", "b", "field", "n_pairs", "accuracy_a", "accuracy_b", "difference", "ci_low", "ci_high",
    "a_wins", "b_wins", "p_value", "p_holm", "rows_needed",
]  # fmt: skip


def correct_by_row(df: pd.DataFrame, truth: pd.Series, column: np.ndarray, arms: list[str]) -> pd.DataFrame:
    """Rows (whose truth is known) × arms: the mean correctness over the row's repeats that
    were run; NaN where the arm ran no cell of the row. ``column`` holds the field's keys with
    ``None`` for cells without a valid value."""
    known = truth[np.array([v is not None for v in truth.to_numpy()], dtype=bool)]
    pos = known.index.get_indexer(df["row"].to_numpy())
    use = (pos >= 0) & ran(df)
    y_true = known.to_numpy(dtype=object)[pos[use]]
    y_pred = column[use]
    has = np.array([v is not None for v in y_pred], dtype=bool)
    hit = ((y_pred == y_true) & has).astype(float)
    frame = pd.DataFrame(
        {"row": df["row"].to_numpy()[use], "arm": arm_labels(df).to_numpy()[use], "hit": hit}
    )
    wide = frame.groupby(["row", "arm"], sort=False)["hit"].mean().unstack("arm")
    return wide.reindex(index=known.index, columns=arms)


def _pair(correct: pd.DataFrame, a: str, b: str) -> dict[str, Any]:
    xa, xb = correct[a].to_numpy(dtype=float), correct[b].to_numpy(dtype=float)
    both = ~np.isnan(xa) & ~np.isnan(xb)
    d = xa[both] - xb[both]
    wins_a, wins_b = int((d > 0).sum()), int((d < 0).sum())
    n = int(both.sum())
    p = stats.mcnemar_exact(wins_a, wins_b) if n else float("nan")
    return {
        "a": a, "b": b, "n_pairs": n,
        "accuracy_a": float(xa[both].mean()) if n else np.nan,
        "accuracy_b": float(xb[both].mean()) if n else np.nan,
        "difference": float(d.mean()) if n else np.nan,
        "a_wins": wins_a, "b_wins": wins_b, "p_value": p,
        "_block": np.column_stack([np.where(both, xa - xb, 0.0), both.astype(float)]),
    }  # fmt: skip


def versus_table(
    correct: pd.DataFrame, pairs: list[tuple[str, str]], field: str, seed: int = stats.SEED
) -> pd.DataFrame:
    """One row per pair of arms; ``p_holm`` adjusts ``p_value`` over the pairs given (Holm)."""
    rows = [_pair(correct, a, b) for a, b in pairs]
    if rows:
        sums = np.hstack([r["_block"] for r in rows])

        def mean_difference(s: np.ndarray) -> np.ndarray:
            return s[:, 0::2] / s[:, 1::2]

        low, high, _ = stats.bootstrap_sums(sums, mean_difference, seed=seed)
        adjusted = stats.holm(np.array([r["p_value"] for r in rows]))
    for i, r in enumerate(rows):
        del r["_block"]
        r.update(field=field, ci_low=float(low[i]), ci_high=float(high[i]), p_holm=float(adjusted[i]))
        n = r["n_pairs"]
        significant = r["p_holm"] < 0.05
        r["rows_needed"] = (
            np.nan if significant or not n else stats.rows_for_power(r["a_wins"] / n, r["b_wins"] / n)
        )
    out = pd.DataFrame(rows).reindex(columns=VERSUS_COLUMNS)
    return out.astype({"n_pairs": "int64", "a_wins": "int64", "b_wins": "int64"})


def versus(
    df: pd.DataFrame,
    truths: dict[str, pd.Series],
    kinds: dict[str, str],
    arms: list[str],
    pair: tuple[Any, Any] | None,
) -> pd.DataFrame:
    """``Results.versus``: ``pair`` of arm labels, or every pair of ``arms`` when None."""
    pairs = [(check_arm(pair[0], arms), check_arm(pair[1], arms))] if pair else list(combinations(arms, 2))
    if len(truths) != 1:
        raise ConfigError(f"versus() compares one field; pass field= (one of {listing(truths)})")
    ((field, truth),) = truths.items()
    column = keys(df[field].where(df["_valid"]), kinds[field])
    return versus_table(correct_by_row(df, truth, column, arms), pairs, field)


def agreement_pairs(columns: dict[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """``{name: (keys, valid)}`` -> one row per pair: ``n_both`` (rows both answered), ``share``
    of equal answers, Cohen's ``kappa``, and Krippendorff's ``alpha`` of the pair; a last row
    ``("(all)", "(all)")`` holds alpha over every arm (missing answers allowed), also kept in
    ``.attrs["krippendorff_alpha"]``."""
    names = list(columns)
    rows = []
    for a, b in combinations(names, 2):
        (ka, va), (kb, vb) = columns[a], columns[b]
        both = va & vb
        n = int(both.sum())
        rows.append(
            {
                "a": a, "b": b, "n_both": n,
                "share": float(np.mean(ka[both] == kb[both])) if n else np.nan,
                "kappa": stats.cohen_kappa(ka[both], kb[both]),
                "alpha": stats.krippendorff_alpha(np.vstack([ka, kb]), np.vstack([va, vb])),
            }
        )  # fmt: skip
    answers = np.vstack([columns[m][0] for m in names]) if names else np.empty((0, 0), dtype=object)
    present = np.vstack([columns[m][1] for m in names]) if names else np.empty((0, 0), dtype=bool)
    alpha = stats.krippendorff_alpha(answers, present) if names else float("nan")
    n_all = int((present.sum(axis=0) >= 2).sum()) if names else 0
    rows.append(
        {"a": "(all)", "b": "(all)", "n_both": n_all, "share": np.nan, "kappa": np.nan, "alpha": alpha}
    )
    out = pd.DataFrame(rows, columns=["a", "b", "n_both", "share", "kappa", "alpha"])
    out.attrs["krippendorff_alpha"] = alpha
    return out

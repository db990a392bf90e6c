"""Arms: one (variant, model) of a run, and the per-row views that statistics need.

An arm is labelled ``"variant|model"``, or just ``"model"`` when ``df`` has no ``variant``
column. A ``sample`` column (repeats) means several cells per (row, arm); statistics then treat
the row as the unit (a cluster) and never count repeats as new rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._errors import ConfigError
from .kinds import keys
from .score import listing

__all__ = [
    "ARM",
    "NOT_RUN",
    "SAMPLE",
    "VARIANT",
    "arm_labels",
    "arm_order",
    "check_arm",
    "consistency",
    "majority_positions",
    "ran",
    "representatives",
]

VARIANT, SAMPLE, ARM = "variant", "sample", "arm"
#: ``_error_type`` of cells that were never sent (the runner records them so): not in any denominator.
#: ``not_sent``: held back after the connection refused its key (the model never saw the cell);
#: ``not_collected``: in a provider batch kept for the next run, which collects its answer
NOT_RUN = frozenset({"cancelled", "budget", "pending", "not_sent", "not_collected"})


def arm_labels(df: pd.DataFrame) -> pd.Series:
    """The arm of each cell: ``"variant|model"``, or ``"model"`` without a variant column."""
    model = df["model"].astype(object)
    if VARIANT not in df.columns:
        return model
    # label each distinct (variant, model) once: string work per cell is slow at 100k cells
    v_codes, variants = pd.factorize(df[VARIANT].astype(object), use_na_sentinel=False)
    m_codes, models = pd.factorize(model, use_na_sentinel=False)
    labels = np.array([f"{v}|{m}" for v in variants for m in models], dtype=object)
    return pd.Series(labels[v_codes * len(models) + m_codes], index=df.index, dtype=object)


def arm_order(df: pd.DataFrame, models: Sequence[str]) -> list[str]:
    """Arms in table order: variants in order of first appearance, models in ``models`` order.
    Without variants every model is an arm, cells or not (as the wide tables always were)."""
    if VARIANT not in df.columns:
        return list(models)
    present = set(arm_labels(df).unique())
    variants = [str(v) for v in df[VARIANT].astype(object).unique()]
    return [f"{v}|{m}" for v in variants for m in models if f"{v}|{m}" in present]


def cell_key(df: pd.DataFrame) -> list[str]:
    """The columns that identify a cell: row, arm (variant, model) and sample."""
    return [c for c in ("row", VARIANT, "model", SAMPLE) if c in df.columns]


def check_arm(arm: object, arms: Sequence[str]) -> str:
    if arm not in arms:
        raise ConfigError(f"unknown arm {arm!r}; the arms are: {listing(arms)}")
    return str(arm)


def ran(df: pd.DataFrame) -> np.ndarray:
    """True for cells that were sent (answered or failed), False for cells not run."""
    return ~df["_error_type"].isin(NOT_RUN).to_numpy()


def representatives(rows: np.ndarray, arms: np.ndarray, keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Positions (sorted) of one cell per (row, arm): the first cell holding the most common
    valid key over the repeats, or the first cell when none is valid."""
    ok = valid & np.array([k is not None for k in keys], dtype=bool)
    frame = pd.DataFrame({"row": rows, ARM: arms, "key": keys, "pos": np.arange(len(rows))})
    counts = (
        frame[ok]
        .groupby(["row", ARM, "key"], sort=False)["pos"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(["size", "min"], ascending=[False, True], kind="stable")
        .rename(columns={"min": "pos"})
    )
    first = frame.drop_duplicates(["row", ARM])  # the fallback, after the valid answers
    chosen = pd.concat([counts[["row", ARM, "pos"]], first[["row", ARM, "pos"]]], ignore_index=True)
    return np.sort(chosen.drop_duplicates(["row", ARM])["pos"].to_numpy())


def _answer_keys(df: pd.DataFrame, fields: Sequence[str], kinds: dict[str, str]) -> np.ndarray:
    """One comparable key per cell for the answer on ``fields`` (a tuple for several)."""
    cols = [keys(df[f], kinds[f]) for f in fields]
    if len(cols) == 1:
        return cols[0]
    out = np.empty(len(df), dtype=object)
    out[:] = list(zip(*cols))
    return out


def majority_positions(df: pd.DataFrame, fields: Sequence[str], kinds: dict[str, str]) -> np.ndarray:
    """Positions of the majority cell of each (row, arm) over its repeats."""
    answers = _answer_keys(df, fields, kinds)
    return representatives(df["row"].to_numpy(), arm_labels(df).to_numpy(), answers, df["_valid"].to_numpy())


def consistency(df: pd.DataFrame, fields: Sequence[str], kinds: dict[str, str]) -> pd.DataFrame:
    """Per (row, arm): samples, n_valid, votes for the most common valid answer, and its share."""
    labels = arm_labels(df)
    answers = _answer_keys(df, fields, kinds)
    valid = df["_valid"].to_numpy() & np.array([a is not None for a in answers], dtype=bool)
    frame = pd.DataFrame({"row": df["row"].to_numpy(), ARM: labels.to_numpy(), "key": answers, "ok": valid})
    out = frame.groupby(["row", ARM], sort=False).agg(samples=("ok", "size"), n_valid=("ok", "sum"))
    ok = frame[frame["ok"]]
    votes = ok.groupby(["row", ARM, "key"], sort=False).size().groupby(level=["row", ARM]).max()
    out["votes"] = votes.reindex(out.index).fillna(0).astype("int64")
    out["share"] = (out["votes"] / out["samples"]).where(out["n_valid"] > 0)
    return out.reset_index().sort_values(["row"], kind="stable").reset_index(drop=True)

"""A truth Series or DataFrame put on the row ids, the way its index says.

Results number their input rows 0..n-1 (``row``). When ``data=`` had an index of its own (a
filtered, shuffled or labelled DataFrame), the run keeps it as an input column (its name in
``meta["data_index"]``, see ``_engine/plan.keep_index``), and a truth taken from that DataFrame
(``df["gold"]``) is indexed by those labels, not by row ids: it is lined up by them, as pandas
lines up any two Series. A truth whose index is named ``row`` is taken by row id as it is. A truth
that matches none of the rows is refused: scoring it would leave every row without a truth, or
pair rows with another row's truth, without a word.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._errors import ConfigError

__all__ = ["on_rows"]

ROW = "row"


def _some(values: Any, n: int = 3) -> str:
    items = list(values[:n])
    return ", ".join(repr(v) for v in items) + (", ..." if len(values) > n else "")


def on_rows(truth: Any, per_row: pd.DataFrame, index: str | None) -> Any:
    """``truth`` (a Series or DataFrame) re-indexed by row id; ``per_row`` is one row of inputs per
    row id (index: the row ids), ``index`` the input column holding the data's own index (or None)."""
    what = "Series" if isinstance(truth, pd.Series) else "DataFrame"
    if truth.index.has_duplicates:
        raise ConfigError(
            f"the truth {what} has index labels more than once ({_some(truth.index[truth.index.duplicated()])}); "
            "give one truth per row"
        )
    if truth.index.name == ROW or index is None:
        if len(truth) and not per_row.index.isin(truth.index).any():
            raise ConfigError(
                f"the truth {what}'s index ({_some(truth.index)}) holds none of the row ids "
                f"({_some(per_row.index)}), so no row would have a truth. Fix: index it like the rows "
                "(0..n-1, in data= order), or pass the name of a data column: truth='<column>'"
            )
        return truth
    labels = per_row[index]
    if labels.duplicated().any():
        raise ConfigError(
            f"data='s index holds labels more than once ({_some(labels[labels.duplicated()].unique())}), so a "
            f"truth {what} cannot be lined up by it. Fix: pass the truth as a data column (truth='<column>'), "
            "or by row id with its index named 'row' (truth.rename_axis('row'))"
        )
    if len(truth) and not labels.isin(truth.index).any():
        raise ConfigError(
            f"the truth {what}'s index ({_some(truth.index)}) holds none of data='s index labels "
            f"({_some(labels.to_numpy())}, kept as the input column {index!r}). Fix: take the truth from the "
            f"DataFrame passed as data= (e.g. truth=df['gold']), or index it by row id and name that index "
            "'row' (truth.rename_axis('row'))"
        )
    out = truth.reindex(labels.to_numpy())
    out.index = labels.index
    return out

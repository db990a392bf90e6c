"""The per-row views of :class:`~nbconnect._results.results.Results`: ``compare`` and ``agreement``
(one column per arm), and the repeat views ``majority`` and ``consistency``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .._errors import ConfigError
from . import arms as _arms
from . import kinds as _kinds
from . import score as _score
from . import versus as _versus
from .arms import SAMPLE
from .cells import ROW, Cells
from .score import listing as _listing

if TYPE_CHECKING:
    from .results import Results

__all__ = ["Views"]


class Views(Cells):
    """Mixed into Results: the views that put one arm per column, and the repeat views."""

    def _per_row(self, field: str) -> pd.DataFrame:
        """One cell per (row, arm), with an ``arm`` column; with repeats, the first cell holding
        the most common valid answer to ``field`` (or the first cell when none is valid)."""
        df = self._df.assign(arm=_arms.arm_labels(self._df))
        if SAMPLE in df and df.duplicated([ROW, "arm"]).any():
            keys = _kinds.keys(df[field], self._kinds[field])
            pick = _arms.representatives(
                df[ROW].to_numpy(), df["arm"].to_numpy(), keys, df["_valid"].to_numpy()
            )
            df = df.iloc[pick]
        return df

    def _wide(self, cells: pd.DataFrame, column: str) -> pd.DataFrame:
        values = cells[column].where(cells["_valid"]) if column != "_valid" else cells[column]
        frame = pd.DataFrame({ROW: cells[ROW], "arm": cells["arm"], "v": values})
        wide = frame.pivot(index=ROW, columns="arm", values="v").reindex(columns=self.arms)
        wide.columns.name = None
        return wide

    def compare(self, field: str, *, inputs: bool = True) -> pd.DataFrame:
        """One row per input row (index ``row``, sorted), the input columns first (``inputs=False``
        leaves them out), then one column per arm (per model without variants, in ``models``
        order) holding ``field``; with repeats, the most common valid answer of the row.

        Cells that are not valid or missing show as ``None`` in object columns and NaN / <NA> in
        numeric ones.
        """
        self._check_field(field)
        wide = self._wide(self._per_row(field), field)
        if self._df[field].dtype == object:
            wide = wide.astype(object).where(wide.notna(), None)
        if not inputs or not self._inputs:
            return wide
        clash = [m for m in wide.columns if m in set(self._inputs)]
        if clash:
            raise ConfigError(
                f"model(s) {_listing(clash)} have the name of input columns; use compare(..., inputs=False)"
            )
        first = self._df.drop_duplicates(ROW).set_index(ROW)[self._inputs].reindex(wide.index)
        return pd.concat([first, wide], axis=1)

    def agreement(self, field: str, *, truth: Any = None, pairs: bool = False) -> pd.DataFrame:
        """Pairwise agreement on ``field``: arms × arms, the share of the rows where both arms
        are valid that hold equal values (lists compare as sets; with repeats, each row's most
        common answer). The diagonal is 1.0 (NaN for an arm without a valid cell); NaN where two
        arms are never valid together. ``truth`` (as in :meth:`score`) adds a ``truth`` arm.

        ``pairs=True`` returns one row per pair instead: ``a, b, n_both, share``, Cohen's
        ``kappa`` (as scikit-learn's) and Krippendorff's ``alpha`` (nominal), which correct for
        chance agreement, plus a last row ``(all), (all)`` with alpha over every arm.
        """
        self._check_field(field)
        kind = self._kinds[field]
        cells = self._per_row(field)
        wide = self._wide(cells, field)
        valid = self._wide(cells, "_valid").fillna(False).astype(bool)
        cols = {m: (_kinds.keys(wide[m], kind), valid[m].to_numpy()) for m in wide.columns}
        if truth is not None:
            k = self._truth_keys(truth, field)[field].reindex(wide.index).to_numpy()
            cols["truth"] = (k, pd.notna(k))
        return _versus.agreement_pairs(cols) if pairs else _score.agreement_matrix(cols)

    def majority(self, field: str | None = None) -> Results:
        """Self-consistency over repeats: one cell per (row, arm), the first cell holding the most
        common valid answer (the whole answer, or just ``field``), without the ``sample`` column;
        a row whose repeats are all invalid keeps its first cell (scored as failed). Score it like
        any Results. Without repeats it equals these Results. See :meth:`consistency` for shares."""
        if SAMPLE not in self._df:
            return self
        if field is not None:
            self._check_field(field)
        pick = _arms.majority_positions(self._df, self._fields if field is None else [field], self._kinds)
        cells = self._df.iloc[pick].drop(columns=SAMPLE)
        return type(self)(
            cells,
            fields=self._fields,
            models=self._models,
            inputs=self._inputs,
            schema=self._schema,
            truth=self._truth,
            meta={**self._meta, "majority_of": field or "(answer)"},
        )

    def consistency(self, field: str | None = None) -> pd.DataFrame:
        """Per (row, arm): ``samples`` (cells), ``n_valid``, ``votes`` for the most common valid
        answer (the whole answer, or ``field``) and ``share`` = votes / samples (failed repeats
        count against it; NaN when nothing was valid)."""
        if field is not None:
            self._check_field(field)
        return _arms.consistency(self._df, self._fields if field is None else [field], self._kinds)

"""What a run returns: one row per (input row, model) cell, and the ways to look at them.

``Results.df`` columns, in order: ``row`` (int64), the input columns, ``model``, ``connection``,
``provider``, one column per schema field (nested objects flattened: ``address.city``), then the
cell's bookkeeping in :data:`SYSTEM`. Field dtypes follow the schema (integer -> ``Int64``,
number -> ``float64``, boolean -> ``boolean``, anything else -> ``object`` holding Python values,
lists as lists, ``None`` when missing); a column whose values do not fit falls back to ``object``.
Text columns (``model``, ``_error``...) are ``object`` so that missing is ``None``, never NaN.
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from . import arms as _arms
from . import checks as _checks
from . import history as _history
from . import io as _results_io
from . import plot as _plot
from . import report as _report
from . import score as _score
from . import scorers as _scorers
from . import scoring as _scoring
from . import spans as _spans
from . import versus as _versus
from .arms import NOT_RUN, SAMPLE, VARIANT
from .score import listing as _listing

__all__ = ["NOT_RUN", "SYSTEM", "Results"]

ROW, MODEL = "row", "model"
IDENT = ("model", "connection", "provider")
#: bookkeeping columns: dtype, and the value a row dict may leave out
SYSTEM: dict[str, tuple[str, Any]] = {
    "_valid": ("bool", False),
    "_error": ("object", None),
    "_error_type": ("object", None),
    "_finish_reason": ("object", None),
    "_enforcement": ("object", None),
    "_input_tokens": ("Int64", None),
    "_output_tokens": ("Int64", None),
    "_cached_tokens": ("Int64", None),  # of _input_tokens, read from the provider's prompt cache
    "_cache_write_tokens": ("Int64", None),  # of _input_tokens, written to it (Anthropic)
    "_reasoning_tokens": ("Int64", None),  # of _output_tokens, spent thinking
    "_cost_usd": ("float64", None),
    "_latency_s": ("float64", None),
    "_attempts": ("int64", 0),
    "_wait_s": ("float64", 0.0),
    "_cached": ("bool", False),
    "_raw": ("object", None),
    "_batch_id": ("object", None),  # the provider batch that answered the cell (batch=True runs)
}


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def _system_column(values: pd.Series, dtype: str, default: Any) -> pd.Series:
    if dtype == "object":
        return _text(values)
    if str(values.dtype) == dtype:
        return values
    if default is not None:
        values = values.where(values.notna(), default)
    if dtype == "float64":
        return values.astype(object).where(values.notna(), np.nan).astype("float64")
    return values.astype(dtype)


def _order(columns: Any, inputs: Sequence[str], fields: Sequence[str]) -> list[str]:
    """The column order of ``df``; ``variant`` and ``sample`` only when the cells carry them."""
    variant = [VARIANT] if VARIANT in columns else []
    sample = [SAMPLE] if SAMPLE in columns else []
    return [ROW, *inputs, *variant, *IDENT, *sample, *fields, *SYSTEM]


class Results:
    """The cells of one run, one row per (input row, model); see the module docstring for ``df``.

    ``fields`` are the (flattened) schema field names, ``models`` the model references in the
    order wide tables use, ``inputs`` the input column names, ``schema`` the JSON Schema answers
    were checked against (it decides how fields are scored), ``truth`` the input column holding
    ground truth used by default, ``meta`` anything JSON-able to keep with the results.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        fields: Sequence[str],
        models: Sequence[str],
        inputs: Sequence[str],
        schema: dict[str, Any] | None = None,
        truth: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise ConfigError(f"Results needs a pandas DataFrame, got {type(df).__name__}")
        self._fields, self._models, self._inputs = list(fields), list(models), list(inputs)
        self._schema = getattr(schema, "json", schema)  # an nbconnect Schema works as well as its dict
        self._truth, self._meta = truth, dict(meta or {})
        order = _order(df.columns, self._inputs, self._fields)
        reserved = {ROW, *IDENT, VARIANT, SAMPLE, *SYSTEM}
        _checks.check_names(df, order, reserved, self._inputs, self._fields, self._models)
        df = df.reset_index(drop=True)
        empty = pd.Series([None] * len(df), dtype=object)
        cols: dict[str, pd.Series] = {ROW: df[ROW].astype("int64")}
        cols.update({name: df[name] for name in self._inputs})
        cols.update({name: _text(df[name]) if name in df else empty for name in IDENT})
        if VARIANT in df:
            cols[VARIANT] = _text(df[VARIANT])
        if SAMPLE in df:
            cols[SAMPLE] = df[SAMPLE].astype("int64")
        self._kinds = _score.field_kinds(self._schema, self._fields)
        for name, (dtype, default) in SYSTEM.items():
            cols[name] = _system_column(df.get(name, empty), dtype, default)
        for name in self._fields:
            cast = _score.cast_field(df.get(name, empty), self._kinds[name], cols["_valid"])
            cols[name], self._kinds[name] = cast
        self._df = pd.DataFrame(cols, columns=order)
        extra = sorted(set(self._df[MODEL].dropna().unique()) - set(self._models), key=str)
        if extra or self._df[MODEL].isna().any():
            raise ConfigError(f"cells name models missing from models=: {_listing(extra or [None])}")
        key = _arms.cell_key(self._df)
        dup = self._df.duplicated(key)
        if dup.any():
            first = self._df.loc[dup.idxmax(), key].tolist()
            raise ConfigError(
                f"more than one cell for ({', '.join(key)}) = {tuple(first)}; each must appear once"
            )

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[dict[str, Any]],
        *,
        fields: Sequence[str],
        models: Sequence[str],
        inputs: Sequence[str],
        schema: dict[str, Any] | None = None,
        truth: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Results:
        """Build from one dict per cell with flat keys (``row``, inputs, ``model``, ``connection``,
        ``provider``, field names, ``_valid``...). Keys left out take their defaults: ``None``,
        ``_valid``/``_cached`` False, ``_attempts`` 0, ``_wait_s`` 0.0. Input dtypes are inferred."""
        frame = pd.DataFrame(list(rows), dtype=object)  # object: None stays None until the dtypes are set
        order = _order(frame.columns, inputs, fields)
        unknown = [c for c in frame.columns if c not in set(order)]
        if unknown:
            raise ConfigError(f"cell dicts carry unknown key(s) {_listing(unknown)}")
        empty = pd.Series([None] * len(frame), dtype=object)  # absent everywhere: None, not NaN
        cols = {name: frame.get(name, empty) for name in order}
        cols.update({name: cols[name].infer_objects() for name in inputs})  # text -> str, numbers...
        frame = pd.DataFrame(cols)
        return cls(frame, fields=fields, models=models, inputs=inputs, schema=schema, truth=truth, meta=meta)

    # -- plain accessors ------------------------------------------------------------------------
    @property
    def df(self) -> pd.DataFrame:
        """The tidy frame (a copy-on-write view: changing it leaves these Results as they are)."""
        return self._df.copy(deep=False)

    fields = property(lambda self: list(self._fields), doc="Schema field names, flattened with dots.")
    models = property(lambda self: list(self._models), doc="Model references, in table order.")
    inputs = property(lambda self: list(self._inputs), doc="Input column names.")
    schema = property(lambda self: self._schema, doc="The JSON Schema answers were checked against.")
    truth = property(lambda self: self._truth, doc="Input column used as ground truth by default.")
    meta = property(lambda self: dict(self._meta), doc="Free-form JSON-able metadata.")

    def with_meta(self, **meta: Any) -> Results:
        """These Results with ``meta`` merged into :attr:`meta` (the cells are shared, not copied)."""
        out = copy.copy(self)
        out._meta = {**self._meta, **meta}
        return out

    def __len__(self) -> int:
        return len(self._df)

    def _valid_pct(self) -> float:
        return float(self._df["_valid"].mean() * 100) if len(self._df) else float("nan")

    def __repr__(self) -> str:
        rows = self._df[ROW].nunique()
        valid = f"{self._valid_pct():.1f}% valid" if len(self) else "nothing yet"
        return (
            f"<Results: {len(self)} cells ({rows} rows × {len(self._models)} models), "
            f"{valid}; models: {', '.join(self._models)}>"
        )

    def _repr_html_(self) -> str:
        head = html.escape(repr(self)[1:-1])
        return f"<h4>nbconnect Results</h4><p>{head}</p>" + self.summary().to_html()

    def failed(self) -> pd.DataFrame:
        """The cells without a valid result (errors, invalid answers, cells not run)."""
        return self._df.loc[~self._df["_valid"]]

    def to_csv(self, path: Any = None, **kwargs: Any) -> str | None:
        """``DataFrame.to_csv`` with lists and dicts written as JSON; ``index=False`` unless given."""
        out = self._df.copy()
        for name in [c for c, t in out.dtypes.items() if pd.api.types.is_object_dtype(t)]:
            out[name] = out[name].map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v)
        kwargs.setdefault("index", False)
        return out.to_csv(path, **kwargs)

    def _check_field(self, field: str) -> None:
        _score.check_field(field, self._fields)

    def _truth_keys(self, truth: Any, field: str | None) -> dict[str, pd.Series]:
        truth = self._truth if truth is None else truth
        return _score.truth_keys(truth, field, self._df, self._inputs, self._fields, self._kinds)

    # -- views ----------------------------------------------------------------------------------
    @property
    def arms(self) -> list[str]:
        """Arm labels in table order: ``"variant|model"``, or the model when there are no variants."""
        return _arms.arm_order(self._df, self._models)

    def _per_row(self, field: str) -> pd.DataFrame:
        """One cell per (row, arm), with an ``arm`` column; with repeats, the first cell holding
        the most common valid answer to ``field`` (or the first cell when none is valid)."""
        df = self._df.assign(arm=_arms.arm_labels(self._df))
        if SAMPLE in df and df.duplicated([ROW, "arm"]).any():
            keys = _score.keys(df[field], self._kinds[field])
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
        cols = {m: (_score.keys(wide[m], kind), valid[m].to_numpy()) for m in wide.columns}
        if truth is not None:
            k = self._truth_keys(truth, field)[field].reindex(wide.index).to_numpy()
            cols["truth"] = (k, pd.notna(k))
        return _versus.agreement_pairs(cols) if pairs else _score.agreement_matrix(cols)

    # -- ground truth and scores ----------------------------------------------------------------
    def score(
        self,
        truth: Any = None,
        *,
        field: str | None = None,
        per_class: bool = False,
        pretty: bool = False,
        scorers: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Score every arm against ground truth; one row per (arm, field).

        ``scorers={"date": same_day}``: your own checks instead of the built-in metrics, one row
        per (arm, scorer) with ``n, n_rows, n_failed, n_not_run, n_errors, score, score_se,
        score_ci_low, score_ci_high, interval``; see :meth:`scored` and
        :mod:`nbconnect._results.scorers`. ``truth`` is then optional (reference-free checks).

        ``truth``: the name of an input column (it scores ``field``, else the only field, else the
        field its name ends or starts with: ``gold_label`` -> ``label``), a dict ``{field: column}``,
        or a DataFrame (or Series) indexed by row id with a column per field; default ``self.truth``.

        Columns: (``arm, variant`` with variants), ``model, field, kind``, the counts ``n`` (cells
        scored: truth known, run), ``n_rows`` (distinct rows among them), ``n_valid``, ``n_failed``
        (scored as wrong), ``n_not_run`` (left out: stopped, over budget, no cell), then
        ``accuracy, macro_precision, macro_recall, macro_f1, mae, jaccard`` (NaN where a metric
        does not fit the kind), each of accuracy / macro_f1 / mae / jaccard followed by ``_se``,
        ``_ci_low``, ``_ci_high`` (95%: Wilson for accuracy, a seeded bootstrap over rows for the
        others; clustered by row with repeats). ``mae`` and ``jaccard`` average the valid cells
        (``n_valid``). With ``per_class=True``: one row per (arm, field, class) with ``precision,
        recall, f1, support`` for the categorical fields. ``pretty=True`` gives a table to read:
        the counts and each metric as text ``"0.78 [0.68, 0.86]"``. Point figures equal scikit-learn's;
        :mod:`nbconnect._results.scoring` says exactly how the rest is computed.
        """
        if scorers is not None:
            table = _scorers.scorer_table(self._df, *self._scored(scorers, truth), self.arms)
            return _scorers.readable(table) if pretty else table
        truths = self._truth_keys(truth, field)
        table, classes = _scoring.score_arms(self._df, truths, self._kinds, self.arms)
        if per_class:
            head = ["arm", VARIANT] if VARIANT in self._df else []
            cols = [*head, "model", "field", "class", "precision", "recall", "f1", "support"]
            return pd.concat(classes, ignore_index=True)[cols] if classes else pd.DataFrame(columns=cols)
        return _scoring.readable(table) if pretty else table

    def _scored(self, scorers: Any, truth: Any) -> tuple[list, pd.DataFrame, dict]:
        resolved = _scorers.resolve(scorers, self._fields)
        truths = _scorers.truths_for(resolved, truth, self._truth, self._df, self._inputs, self._fields)
        return (resolved, *_scorers.score_cells(self._df, resolved, truths))

    def scored(self, scorers: dict[str, Any], truth: Any = None) -> pd.DataFrame:
        """``df`` plus ``score.<name>`` (float; NaN when not scored) and ``reason.<name>`` per
        scorer: ``scorers={field: fn(prediction, truth, row)}`` (or ``"field:label": fn``, or a
        built-in name ``"exact"`` / ``"token_f1"``); ``truth`` as in :meth:`score`, for the scored
        fields only (a field without truth gets ``truth=None``)."""
        return self._scored(scorers, truth)[1]

    def score_spans(
        self, truth: Any = None, *, field: str | None = None, text: str | None = None, pretty: bool = False
    ) -> pd.DataFrame:
        """Entity scores of a span field (a list of ``{text, label}``, optionally ``start``/``end``):
        per (arm, ``match`` exact / partial, ``label``, ``(micro)``, ``(macro)``): ``n, n_rows,
        n_failed, n_not_run, tp, n_pred, n_gold, precision, recall, f1, f1_se, f1_ci_low,
        f1_ci_high`` (seeded bootstrap over rows). ``truth``: the input column of gold spans;
        ``text``: the input column the offsets point into (default ``text``, or the only text
        column). Exact F1 equals seqeval's; see :mod:`nbconnect._results.spans`."""
        field, gold, text = self._span_args(truth, field, text)
        table = _spans.span_table(self._df, field, gold, text, self.arms)
        return _spans.readable(table) if pretty else table

    def span_notes(
        self, truth: Any = None, *, field: str | None = None, text: str | None = None
    ) -> pd.DataFrame:
        """The spans (answers' and gold) that :meth:`score_spans` could not find in the text."""
        return _spans.span_notes(self._df, *self._span_args(truth, field, text))

    def _span_args(self, truth: Any, field: str | None, text: str | None) -> tuple[str, pd.Series, str]:
        field = _spans.pick_field(self._schema, self._fields, field)
        truth = self._truth if truth is None else truth
        gold = _score._truths(truth, field, self._df, self._inputs, self._fields)[field]
        return field, gold, _spans.pick_text(self._df, self._inputs, text)

    def versus(
        self, a: str | None = None, b: str | None = None, *, field: str | None = None, truth: Any = None
    ) -> pd.DataFrame:
        """Paired comparison of arms on the rows both ran, right/wrong on ``field`` (default: the
        only field, or the one ``truth`` names). With ``a`` and ``b``: one row; without: every
        pair of arms. Columns ``a, b, field, n_pairs, accuracy_a, accuracy_b, difference`` (a − b),
        ``ci_low, ci_high`` (95% paired bootstrap over rows), ``a_wins, b_wins`` (discordant
        rows), ``p_value`` (exact McNemar), ``p_holm`` (Holm-adjusted over the pairs shown), and
        ``rows_needed`` (rough rows for 80% power, only when not significant).
        See :mod:`nbconnect._results.versus`."""
        if (a is None) != (b is None):
            raise ConfigError("versus() takes two arms (a and b) or none (every pair)")
        truths = self._truth_keys(truth, field)
        return _versus.versus(self._df, truths, self._kinds, self.arms, None if a is None else (a, b))

    def summary(self, truth: Any = None, *, by: str = "model") -> pd.DataFrame:
        """Per model (index ``model``, in ``models`` order; a model's variants and repeats pooled,
        clustered by row), or with ``by="arm"`` per arm (index ``arm``: ``"variant|model"`` with
        variants, else the model): ``cells``, ``calls`` (cells sent), ``not_run``
        (cancelled / over budget / pending), ``valid_pct`` (of calls: ``calls`` is its n) with
        ``valid_pct_se``, ``valid_pct_ci_low``, ``valid_pct_ci_high`` (95% Wilson; clustered by row
        when a model has several cells per row: variants, repeats), ``errors`` (calls without a
        valid result), ``errors_by_type`` (``"timeout: 2, rate_limited: 1"``), ``accuracy`` (mean over
        the scored fields, only with a truth or ``self.truth``), ``latency_p50``/``latency_p95``
        (seconds, calls only, linear interpolation like numpy), ``input_tokens``, ``output_tokens``,
        ``cached_tokens``, ``cache_write_tokens`` (parts of the input), ``reasoning_tokens`` (part of
        the output), ``cost_usd`` (sums; <NA>/NaN when unknown), ``cached`` (count), ``attempts``, ``wait_s`` (sums).
        """
        df = self._df
        if by not in ("model", "arm"):
            raise ConfigError(f"summary(by={by!r}): pass by='model' or by='arm'")
        per_arm = by == "arm" and VARIANT in df
        model = _arms.arm_labels(df) if per_arm else df[MODEL]
        index = pd.Index(self.arms if per_arm else self._models, name=_arms.ARM if per_arm else MODEL)
        ran = ~df["_error_type"].isin(NOT_RUN)
        errors = ran & ~df["_valid"]
        by = df.groupby(model, sort=False)
        out = pd.DataFrame(index=index)
        out["cells"] = by.size()
        out["calls"] = ran.groupby(model).sum()
        out["not_run"] = (~ran).groupby(model).sum()
        out = out.fillna(0).astype("int64")
        out["valid_pct"] = (
            (df["_valid"] & ran).groupby(model).sum() / out["calls"].where(out["calls"] > 0) * 100
        )
        out = out.join(_scoring.valid_interval(df, ran.to_numpy(), list(index), model))
        out["errors"] = errors.groupby(model).sum().reindex(out.index, fill_value=0).astype("int64")
        kinds = df.loc[errors, "_error_type"].fillna("unknown").groupby(model[errors]).value_counts()
        out["errors_by_type"] = ""
        for m in out.index.intersection(kinds.index.get_level_values(0).unique()):
            out.loc[m, "errors_by_type"] = ", ".join(f"{k}: {n}" for k, n in kinds.loc[m].items())
        if truth is not None or self._truth is not None:
            try:
                truths = self._truth_keys(truth, None)
                table, _ = _scoring.score_arms(df, truths, self._kinds, self.arms, intervals=False)
                out["accuracy"] = table.groupby(_arms.ARM if per_arm else MODEL)["accuracy"].mean()
            except ConfigError:
                if truth is not None:  # a default truth that fits no single field leaves accuracy out
                    raise
        latency = df.loc[ran, "_latency_s"].groupby(model[ran]).quantile([0.5, 0.95]).unstack()
        out["latency_p50"] = latency[0.5] if len(latency) else np.nan
        out["latency_p95"] = latency[0.95] if len(latency) else np.nan
        out["input_tokens"] = by["_input_tokens"].sum(min_count=1)
        out["output_tokens"] = by["_output_tokens"].sum(min_count=1)
        for name in ("cached_tokens", "cache_write_tokens", "reasoning_tokens"):
            out[name] = by["_" + name].sum(min_count=1)
        out["cost_usd"] = by["_cost_usd"].sum(min_count=1)
        out["cached"] = by["_cached"].sum().reindex(out.index, fill_value=0).astype("int64")
        out["attempts"] = by["_attempts"].sum().reindex(out.index, fill_value=0).astype("int64")
        out["wait_s"] = by["_wait_s"].sum().reindex(out.index, fill_value=0.0)
        return out

    # -- combining, plotting, saving ------------------------------------------------------------
    def merge(self, other: Results) -> Results:
        """This run's cells plus ``other``'s cells for the (row, variant, model, sample) cells this
        run lacks (a rerun with ``redo=`` keeps the earlier valid cells). Rows sort by row id,
        then variant (first appearance), model (``models`` order) and sample."""
        if other._fields != self._fields:
            raise ConfigError(
                f"cannot merge results with different fields: {self._fields} vs {other._fields}"
            )
        models = self._models + [m for m in other._models if m not in self._models]
        inputs = self._inputs + [c for c in other._inputs if c not in self._inputs]
        key = _arms.cell_key(self._df)
        if key != _arms.cell_key(other._df):
            raise ConfigError(
                f"cannot merge results keyed by {key} with results keyed by {_arms.cell_key(other._df)}: "
                "both need the same variant / sample columns"
            )
        mine = pd.MultiIndex.from_frame(self._df[key])
        theirs = other._df.loc[~pd.MultiIndex.from_frame(other._df[key]).isin(mine)]
        both = pd.concat([self._df, theirs], ignore_index=True) if len(theirs) else self._df
        order = both.assign(_rank=both[MODEL].map({m: i for i, m in enumerate(models)}))
        sort = [ROW, "_rank"]
        if VARIANT in both:
            codes, _ = pd.factorize(both[VARIANT].astype(object), use_na_sentinel=False)
            order, sort = order.assign(_variant=codes), [ROW, "_variant", "_rank"]
        sort += [SAMPLE] if SAMPLE in both else []
        both = order.sort_values(sort, kind="stable").drop(
            columns=[c for c in ("_rank", "_variant") if c in order]
        )
        schema, truth = self._schema or other._schema, self._truth or other._truth
        meta = {**other._meta, **self._meta}
        return Results(
            both, fields=self._fields, models=models, inputs=inputs, schema=schema, truth=truth, meta=meta
        )

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
        return Results(
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

    def plot(self, truth: Any = None, *, field: str | None = None) -> Any:
        """A matplotlib Figure with two panels: cost (x) against accuracy (y) per arm (per model
        without variants), or valid % without a truth, with 95% interval whiskers and the
        cost–accuracy frontier dashed; and latency p50 / p95 per arm. Whiskers are the Wilson
        interval of ``score()`` for the one scored field (or ``field``); with several fields the
        mean accuracy has none. The figure is detached from pyplot so that a notebook shows it
        once; save it with ``fig.savefig(...)``."""
        s = self.summary(truth, by="arm")
        if "accuracy" in s:
            table = self.score(truth, field=field)
            if table["field"].nunique() == 1:
                by = table.set_index(_arms.ARM if VARIANT in self._df else MODEL)
                s = s.assign(
                    accuracy=by["accuracy"],
                    accuracy_ci_low=by["accuracy_ci_low"],
                    accuracy_ci_high=by["accuracy_ci_high"],
                )
        return _plot.figure(s)

    def to_labelstudio(self, config_xml: str, **kwargs: Any) -> Any:
        """Label Studio predictions (pre-annotations) for these cells:
        :func:`nbconnect.labelstudio.predictions` says what they hold and which keywords it takes."""
        from ..labelstudio.predictions import predictions

        return predictions(self, config_xml, **kwargs)

    def report(
        self,
        path: str | Path,
        truth: Any = None,
        *,
        field: str | None = None,
        title: str | None = None,
        max_rows: int = _report.MAX_ROWS,
    ) -> Path:
        """Write one self-contained HTML file to share: the run's settings, the score table with
        intervals (with a ``truth``, as in :meth:`score`, or ``self.truth``), the summary, SVG plots
        of cost against score and of latency, and the per-row comparison of each field (or
        ``field``) with disagreements highlighted (the first ``max_rows`` rows). Inline CSS and
        SVG only: it opens without a network, and holds no secrets and no images."""
        return _report.write(self, path, truth=truth, field=field, title=title, max_rows=max_rows)

    def save(self, path: str | Path) -> Path:
        """Write to ``.parquet`` (needs pyarrow) or ``.jsonl`` by extension, keeping dtypes, lists,
        None vs NaN and the metadata (parquet schema metadata / the JSONL header line)."""
        return _results_io.save(self._df, {k: getattr(self, "_" + k) for k in _results_io.META}, path)

    @classmethod
    def load(cls, path: str | Path) -> Results:
        """Read what :meth:`save` wrote, or a kept run by its id (``nbc.runs()`` lists them)."""
        target = Path(path)
        if not target.is_file() and target.suffix.lower() not in (".parquet", ".jsonl"):
            target = _history.find_run(str(path))
        df, attrs = _results_io.load(target)
        return cls(df, **attrs)

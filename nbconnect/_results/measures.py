"""The scores of :class:`~nbconnect._results.results.Results`: ``score`` / ``scored`` (built-in
metrics or your scorers), ``score_spans``, ``versus`` (paired comparisons) and ``summary``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from . import arms as _arms
from . import score as _score
from . import scorers as _scorers
from . import scoring as _scoring
from . import spans as _spans
from . import versus as _versus
from .arms import NOT_RUN, VARIANT
from .cells import MODEL, Cells

__all__ = ["Measures"]


class Measures(Cells):
    """Mixed into Results: everything that scores cells against a truth or a scorer."""

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
        or a DataFrame (or Series) with a column per field, indexed like ``data=`` (a run keeps a
        data index of its own as an input column and lines the truth up by it; otherwise, or with
        the truth's index named ``row``, by row id); default ``self.truth``.

        Columns: (``arm, variant`` with variants), ``model, field, kind``, the counts ``n`` (cells
        scored: truth known, run), ``n_rows`` (distinct rows among them), ``n_valid``, ``n_failed``
        (scored as wrong), ``n_not_run`` (left out: stopped, over budget, key refused, no cell), then
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
        truths = _scorers.truths_for(
            resolved, truth, self._truth, self._df, self._inputs, self._fields, self._index
        )
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
        gold = _score._truths(truth, field, self._df, self._inputs, self._fields, self._index)[field]
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

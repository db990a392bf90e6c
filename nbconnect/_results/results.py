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
from . import kinds as _kinds
from . import plot as _plot
from . import report as _report
from .arms import NOT_RUN, SAMPLE, VARIANT
from .cells import MODEL, ROW
from .measures import Measures
from .score import listing as _listing
from .views import Views

__all__ = ["NOT_RUN", "RESERVED", "SYSTEM", "Results"]

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
#: the column names Results keeps for itself: no input, field or kept index may take one
RESERVED = frozenset({ROW, *IDENT, VARIANT, SAMPLE, *SYSTEM})


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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _order(columns: Any, inputs: Sequence[str], fields: Sequence[str]) -> list[str]:
    """The column order of ``df``; ``variant`` and ``sample`` only when the cells carry them."""
    variant = [VARIANT] if VARIANT in columns else []
    sample = [SAMPLE] if SAMPLE in columns else []
    return [ROW, *inputs, *variant, *IDENT, *sample, *fields, *SYSTEM]


class Results(Views, Measures):
    """The cells of one run, one row per (input row, model); see the module docstring for ``df``.

    ``fields`` are the (flattened) schema field names, ``models`` the model references in the
    order wide tables use, ``inputs`` the input column names, ``schema`` the JSON Schema answers
    were checked against (it decides how fields are scored), ``truth`` the input column holding
    ground truth used by default, ``meta`` anything JSON-able to keep with the results.

    What :func:`nbconnect.run` returns; the views and scores are methods::

        >>> import nbconnect as nbc
        >>> res = nbc.run(
        ...     "Sentiment of this review: {text}",
        ...     data=nbc.data.reviews(),
        ...     schema="sentiment: positive|negative|neutral",
        ...     models=["demo:demo-careful", "demo:demo-fast"],
        ... )
        >>> res
        <Results: 160 cells (80 rows × 2 models), 95.0% valid; models: demo:demo-careful, demo:demo-fast>
        >>> res.compare("sentiment").iloc[:3, -2:]  # one column per model
            demo:demo-careful demo:demo-fast
        row
        0            positive       positive
        1            positive       positive
        2            negative       negative
        >>> res.score(truth="gold_sentiment", pretty=True)[["model", "n", "accuracy"]]
                       model   n           accuracy
        0  demo:demo-careful  80  0.81 [0.71, 0.88]
        1     demo:demo-fast  80  0.64 [0.53, 0.73]
        >>> res.summary()[["valid_pct", "errors"]]
                           valid_pct  errors
        model
        demo:demo-careful      100.0       0
        demo:demo-fast          90.0       8

    Also ``agreement(field)``, ``versus(a, b, field=...)``, ``plot()``, ``report(path)``,
    ``save(path)`` / ``Results.load(path or run id)``, ``failed()`` and ``to_csv()``.
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
        _checks.check_names(df, order, set(RESERVED), self._inputs, self._fields, self._models)
        df = df.reset_index(drop=True)
        empty = pd.Series([None] * len(df), dtype=object)
        cols: dict[str, pd.Series] = {ROW: df[ROW].astype("int64")}
        cols.update({name: df[name] for name in self._inputs})
        cols.update({name: _text(df[name]) if name in df else empty for name in IDENT})
        if VARIANT in df:
            cols[VARIANT] = _text(df[VARIANT])
        if SAMPLE in df:
            cols[SAMPLE] = df[SAMPLE].astype("int64")
        self._kinds = _kinds.field_kinds(self._schema, self._fields)
        for name, (dtype, default) in SYSTEM.items():
            cols[name] = _system_column(df.get(name, empty), dtype, default)
        for name in self._fields:
            cast = _kinds.cast_field(df.get(name, empty), self._kinds[name], cols["_valid"])
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
        df = self._df
        shape = [_count(df[ROW].nunique(), "row")]
        if VARIANT in df:
            shape.append(_count(df[VARIANT].nunique(), "variant"))
        shape.append(_count(len(self._models), "model"))
        if SAMPLE in df:
            shape.append(_count(df[SAMPLE].nunique(), "sample"))
        # the valid share of the cells that ran, as summary() gives it: a stopped run is not a bad one
        ran = ~df["_error_type"].isin(NOT_RUN)
        state = [f"{df.loc[ran, '_valid'].mean() * 100:.1f}% valid"] if ran.any() else []
        if not ran.all():
            state.append(f"{int((~ran).sum())} not run")
        return (
            f"<{type(self).__name__}: {_count(len(self), 'cell')} ({' × '.join(shape)}), "
            f"{', '.join(state) or 'nothing yet'}; models: {', '.join(self._models)}>"
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
        target = Path(path).expanduser()
        if not target.is_file() and target.suffix.lower() not in (".parquet", ".jsonl"):
            target = _history.find_run(str(path))
        df, attrs = _results_io.load(target)
        return cls(df, **attrs)

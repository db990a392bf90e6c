"""Ground truth and the metrics behind ``Results.score`` and ``Results.agreement``, written with
numpy and pandas (per arm, with intervals, in :mod:`.scoring`). ``truth=`` in any of its forms
becomes comparable keys per field here; what kind a field is, and its keys, come from :mod:`.kinds`.

Every figure equals scikit-learn's on the same data (``tests/test_score.py`` checks it); the
package itself never imports scikit-learn. For one model and one field, over the rows whose
truth is known (invalid cells, failed cells and missing values become a prediction ``None``
that matches nothing):

- ``accuracy``: ``accuracy_score(y_true, y_pred)``;
- categorical fields (schema ``enum``/``const``, booleans, and strings when there is no schema):
  per class and macro ``precision_recall_fscore_support(y_true, y_pred, labels=L,
  zero_division=0)`` where ``L`` is the sorted union of the true labels and the labels the model
  actually predicted, so a failed cell costs recall without inventing a class;
- numbers: ``mean_absolute_error`` over the cells with a valid prediction;
- lists (compared as sets): ``jaccard_score`` over the valid cells, per sample, averaged, with
  two empty sets counting 1.0 (``average="samples", zero_division=1.0``).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from .aligned import on_rows
from .kinds import CATEGORICAL, field_node, keys

__all__ = [
    "agreement_matrix",
    "check_field",
    "field_for",
    "jaccard",
    "listing",
    "per_class",
    "score_field",
    "truth_keys",
]

# -- ground truth --------------------------------------------------------------------------------


def listing(names: Iterable[Any]) -> str:
    names = list(names)
    return ", ".join(repr(n) for n in names) if names else "(none)"


def check_field(field: Any, fields: list[str]) -> None:
    if field not in fields:
        raise ConfigError(f"unknown field {field!r}; the fields are: {listing(fields)}")


def field_for(column: str, fields: list[str]) -> str:
    """The field an input column holds truth for: the only one, or the one its name ends or
    starts with (``gold_label`` / ``label_true`` -> ``label``)."""
    hits = (
        fields
        if len(fields) == 1
        else [f for f in fields if column.endswith("_" + f) or column.startswith(f + "_")]
    )
    if len(hits) == 1:
        return hits[0]
    raise ConfigError(
        f"which field does truth column {column!r} hold? pass field= (one of {listing(fields)})"
    )


def _guess_field(column: Any, fields: list[str]) -> str:
    """The field a column's name points to, else the first field (for an example in a message)."""
    try:
        return field_for(str(column), fields)
    except ConfigError:
        return fields[0] if fields else "field"


def _truths(
    truth: Any,
    field: str | None,
    df: pd.DataFrame,
    inputs: list[str],
    fields: list[str],
    index: str | None = None,
) -> dict[str, pd.Series]:
    """Raw truth per field, indexed by row id. ``index``: the input column holding data='s own index,
    which a truth Series or DataFrame is lined up by (:func:`~.aligned.on_rows`)."""
    if field is not None:
        check_field(field, fields)
    per_row = df.drop_duplicates("row").set_index("row")

    def column(name: Any) -> pd.Series:
        if name not in inputs:
            close = difflib.get_close_matches(str(name), [str(c) for c in inputs], n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(
                f"truth column {name!r} is not an input column; {hint}the input columns are: {listing(inputs)}"
            )
        return per_row[name]

    if truth is None:
        raise ConfigError(
            f"no ground truth: pass truth='<input column>' (one of {listing(inputs)}), "
            "a dict {field: column} or a DataFrame with one column per field"
        )
    if isinstance(truth, str):
        values = column(truth)  # a column the data lacks is the problem to name, not the field
        return {field or field_for(truth, fields): values}
    if isinstance(truth, dict):
        for f in truth:
            check_field(f, fields)
        return {f: column(c) for f, c in truth.items() if field is None or f == field}
    if isinstance(truth, pd.Series):
        if field is None and truth.name not in fields:
            guess = _guess_field(truth.name, fields)
            raise ConfigError(
                f"the truth Series is named {truth.name!r}, which is not a field; say which field it "
                f"holds: score(truth=..., field={guess!r}) (the fields are: {listing(fields)})"
            )
        check_field(field or truth.name, fields)
        return {field or truth.name: on_rows(truth, per_row, index)}
    if isinstance(truth, pd.DataFrame):
        use = [f for f in fields if f in truth.columns and (field is None or f == field)]
        if not use:
            raise ConfigError(
                f"no column of the truth DataFrame names a field; it has {listing(truth.columns)}, "
                f"the fields are {listing(fields)}"
            )
        truth = on_rows(truth, per_row, index)
        return {f: truth[f] for f in use}
    raise ConfigError(
        f"truth= must be a column name, a dict, a Series or a DataFrame, not {type(truth).__name__}"
    )


def truth_keys(
    truth: Any,
    field: str | None,
    df: pd.DataFrame,
    inputs: list[str],
    fields: list[str],
    kinds: dict[str, str],
    schema: dict[str, Any] | None = None,
    *,
    index: str | None = None,
) -> dict[str, pd.Series]:
    """``{field: truth as :func:`keys`, indexed by the row ids of df}`` from any form of ``truth=``:
    an input column name, a dict ``{field: column}``, a Series or a DataFrame indexed like data=
    (by ``index``, the input column holding its own index, else by row id).
    With ``schema``, a truth that can never match (labels outside an enum, text for a number) warns."""
    rows = pd.Index(df["row"].unique())
    out = {}
    for f, values in _truths(truth, field, df, inputs, fields, index).items():
        if values.index.has_duplicates:
            raise ConfigError(f"the truth for {f!r} has row ids more than once in its index")
        raw = values.reindex(rows)
        try:
            out[f] = pd.Series(keys(raw, kinds[f]), index=rows, dtype=object)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"the truth for list field {f!r} must hold lists (or JSON arrays): {exc}"
            ) from exc
        if schema:
            _warn_unmatchable(f, raw, out[f], kinds[f], field_node(schema, f))
    return out


def _warn_unmatchable(field: str, raw: pd.Series, known: pd.Series, kind: str, node: Any) -> None:
    """Warn when truth values can never equal an answer: every such row scores as wrong (or, for
    a number, is left out), and an accuracy of 0 alone does not say why."""
    given = known[known.map(lambda v: v is not None)]
    if kind == "enum" and isinstance(node, dict):
        choices = node.get("enum", [node.get("const")])
        try:
            outside = given[~given.isin(choices)]
        except TypeError:  # unhashable choices (objects): nothing to compare simply
            return
        problem = f"values the schema does not allow ({listing(outside.unique()[:5])}); it allows {listing(choices)}"
    elif kind in ("integer", "number"):
        outside = raw[raw.notna().to_numpy() & known.map(lambda v: v is None).to_numpy()]
        problem = f"values that are not numbers ({listing(outside.unique()[:5])}), so they are left out"
    else:
        return
    if len(outside):
        warnings.warn(
            f"the truth for {field!r}: {len(outside)} of {len(raw)} rows hold {problem}. Fix: map the truth "
            "column onto the schema's values (e.g. df[col].str.lower()), or check that truth= names the "
            "right column",
            UserWarning,
            stacklevel=4,
        )


# -- metrics -------------------------------------------------------------------------------------


def _sorted(labels: Iterable[Any]) -> list[Any]:
    labels = list(labels)
    try:
        return sorted(labels)
    except TypeError:  # mixed types: any stable order will do, macro averages do not depend on it
        return sorted(labels, key=repr)


def per_class(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """Precision, recall, F1 and support per class (``None`` predictions belong to no class)."""
    truth = pd.Series(y_true, dtype=object)
    pred = pd.Series(y_pred, dtype=object)
    hit = pred.to_numpy() == truth.to_numpy()
    true_sum = truth.value_counts(sort=False)
    pred_sum = pred[pred.notna()].value_counts(sort=False)
    tp_sum = truth[hit].value_counts(sort=False)
    labels = _sorted(set(true_sum.index) | set(pred_sum.index))
    tp = tp_sum.reindex(labels, fill_value=0).to_numpy(dtype="float64")
    ts = true_sum.reindex(labels, fill_value=0).to_numpy(dtype="float64")
    ps = pred_sum.reindex(labels, fill_value=0).to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(ps > 0, tp / ps, 0.0)
        recall = np.where(ts > 0, tp / ts, 0.0)
        f1 = np.where(ts + ps > 0, 2.0 * tp / (ts + ps), 0.0)
    out = {"class": pd.Series(labels, dtype=object), "precision": precision, "recall": recall, "f1": f1}
    return pd.DataFrame({**out, "support": ts.astype("int64")})


def jaccard(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per-pair ``|A ∩ B| / |A ∪ B|`` of frozensets; 1.0 when both are empty."""
    out = np.empty(len(y_true), dtype="float64")
    for i, (a, b) in enumerate(zip(y_true, y_pred)):
        union = len(a | b)
        out[i] = len(a & b) / union if union else 1.0
    return out


def score_field(
    y_true: np.ndarray, y_pred: np.ndarray, kind: str
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The scores of one model on one field.

    ``y_true`` holds the known truths (no ``None``), ``y_pred`` the matching predictions as
    :func:`keys` made them, ``None`` for a cell without a valid value. Returns the tidy row
    (``n``, ``n_valid``, ``accuracy`` and what fits the kind: ``macro_*``, ``mae``, ``jaccard``)
    and, for categorical kinds, the per-class table.
    """
    n = len(y_true)
    has = np.array([v is not None for v in y_pred], dtype=bool)
    hit = (y_pred == y_true) & has
    row: dict[str, Any] = {"n": n, "n_valid": int(has.sum()), "accuracy": float(hit.mean()) if n else np.nan}
    row.update(dict.fromkeys(("macro_precision", "macro_recall", "macro_f1", "mae", "jaccard"), np.nan))
    classes = None
    if kind in CATEGORICAL and n:
        classes = per_class(y_true, y_pred)
        row["macro_precision"] = float(np.mean(classes["precision"].to_numpy()))
        row["macro_recall"] = float(np.mean(classes["recall"].to_numpy()))
        row["macro_f1"] = float(np.mean(classes["f1"].to_numpy()))
    elif kind in ("integer", "number") and has.any():
        row["mae"] = float(np.mean(np.abs(y_pred[has].astype("float64") - y_true[has].astype("float64"))))
    elif kind == "array" and has.any():
        row["jaccard"] = float(np.mean(jaccard(y_true[has], y_pred[has])))
    return row, classes


def agreement_matrix(columns: dict[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """``{name: (keys, valid mask)}`` -> the square share of jointly valid rows with equal keys."""
    names = list(columns)
    mat = np.full((len(names), len(names)), np.nan)
    for i, a in enumerate(names):
        ka, va = columns[a]
        mat[i, i] = 1.0 if va.any() else np.nan
        for j in range(i + 1, len(names)):
            kb, vb = columns[names[j]]
            both = va & vb
            if both.any():
                mat[i, j] = mat[j, i] = float(np.mean(ka[both] == kb[both]))
    return pd.DataFrame(mat, index=pd.Index(names), columns=pd.Index(names))

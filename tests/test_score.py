"""Results.score and the metrics behind it equal scikit-learn's on the same data."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from _reference import fast_macro_f1

from nbconnect._results import kinds as _kinds
from nbconnect._results.results import Results

sklearn_metrics = pytest.importorskip("sklearn.metrics")
MultiLabelBinarizer = pytest.importorskip("sklearn.preprocessing").MultiLabelBinarizer

MODELS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"]
LABELS = ["pos", "neg", "neu", "mixed"]
TAGS = ["a", "b", "c", "d"]
SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": LABELS},
        "count": {"type": "integer"},
        "ok": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
FIELDS = ["label", "count", "ok", "tags"]
NONE = "__no valid answer__"  # what a failed cell predicts when handed to scikit-learn


def dataset(seed: int, n_rows: int = 40) -> tuple[Results, pd.DataFrame]:
    """Seeded cells for three models with: a model that never predicts 'mixed', one that predicts
    a class absent from the truth, invalid cells, failed cells and cells that were not run."""
    rng = random.Random(seed)
    truth = pd.DataFrame(
        {
            "gold_label": [rng.choice(LABELS) for _ in range(n_rows)],
            "gold_count": [rng.randint(0, 9) for _ in range(n_rows)],
            "gold_ok": [rng.random() < 0.5 for _ in range(n_rows)],
            "gold_tags": [sorted(rng.sample(TAGS, rng.randint(0, 3))) for _ in range(n_rows)],
        }
    )
    rows = []
    for r in range(n_rows):
        t = truth.iloc[r]
        for i, model in enumerate(MODELS):
            cell = {"row": r, "text": f"input {r}", **t.to_dict(), "model": model, "_valid": True}
            fate = rng.random()
            if fate < 0.1:
                cell.update(_valid=False, _error="timed out", _error_type="timeout")
            elif fate < 0.15:
                cell.update(_valid=False, _error_type=rng.choice(["cancelled", "budget"]))
            elif fate < 0.22:  # parsed, but not what the schema asked for
                cell.update(_valid=False, _error_type="schema_mismatch", label="unsure", count=1)
            else:
                right = rng.random() < 0.6
                label = t["gold_label"] if right else rng.choice(LABELS)
                if i == 0 and label == "mixed":
                    label = "neu"  # model 0 never predicts 'mixed'
                if i == 2 and not right:
                    label = "other"  # model 2 invents a class the truth never has
                tags = list(t["gold_tags"]) if right else sorted(rng.sample(TAGS, rng.randint(0, 3)))
                cell.update(
                    label=label,
                    count=int(t["gold_count"]) + (0 if right else rng.randint(-3, 3)),
                    ok=bool(t["gold_ok"]) if right else rng.random() < 0.5,
                    tags=tags,
                )
            rows.append(cell)
    res = Results.from_rows(
        rows, fields=FIELDS, models=MODELS, inputs=["text", *truth.columns], schema=SCHEMA, truth="gold_label"
    )
    return res, truth


def cells_of(res: Results, model: str, field: str) -> tuple[list, np.ndarray]:
    sub = res.df[res.df["model"] == model].set_index("row").sort_index()
    return sub[field].tolist(), sub["_valid"].to_numpy()


def ran_of(res: Results, model: str) -> np.ndarray:
    """The cells that were sent: cancelled / over-budget cells are left out of every score."""
    sub = res.df[res.df["model"] == model].set_index("row").sort_index()
    return ~sub["_error_type"].isin(["cancelled", "budget", "pending"]).to_numpy()


def pick(table: pd.DataFrame, model: str, field: str) -> pd.DataFrame:
    return table[(table["model"] == model) & (table["field"] == field)]


SEEDS = [0, 1, 7, 2024]
TRUTH = {"label": "gold_label", "count": "gold_count", "ok": "gold_ok", "tags": "gold_tags"}


@pytest.mark.parametrize("seed", SEEDS)
def test_categorical_scores_equal_sklearn(seed):
    res, truth = dataset(seed)
    table = res.score(TRUTH)
    per_class = res.score(TRUTH, per_class=True)
    for field, column in (("label", "gold_label"), ("ok", "gold_ok")):
        for model in MODELS:
            sent = ran_of(res, model)
            y_true = [t for t, s in zip(truth[column].tolist(), sent) if s]
            values, valid = cells_of(res, model, field)
            values, valid = [v for v, s in zip(values, sent) if s], valid[sent]
            y_pred = [v if ok else NONE for v, ok in zip(values, valid)]
            if field == "ok":  # scikit-learn wants one label type: compare booleans as text
                y_true_s = [str(v) for v in y_true]
                y_pred = [str(v) if v is not NONE else NONE for v in y_pred]
            else:
                y_true_s = y_true
            labels = sorted(set(y_true_s) | {p for p in y_pred if p != NONE})
            row = pick(table, model, field).iloc[0]
            assert row["n"] == len(y_true)
            assert row["n_valid"] == int(valid.sum())
            assert row["accuracy"] == sklearn_metrics.accuracy_score(y_true_s, y_pred)
            p, r, f, _ = sklearn_metrics.precision_recall_fscore_support(
                y_true_s, y_pred, labels=labels, average="macro", zero_division=0
            )
            assert (row["macro_precision"], row["macro_recall"], row["macro_f1"]) == (p, r, f)
            p, r, f, s = sklearn_metrics.precision_recall_fscore_support(
                y_true_s, y_pred, labels=labels, zero_division=0
            )
            ours = pick(per_class, model, field)
            assert [str(c) for c in ours["class"]] == labels
            np.testing.assert_array_equal(ours["precision"].to_numpy(), p)
            np.testing.assert_array_equal(ours["recall"].to_numpy(), r)
            np.testing.assert_array_equal(ours["f1"].to_numpy(), f)
            np.testing.assert_array_equal(ours["support"].to_numpy(), s)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_datasets_cover_the_hard_cases(seed):
    res, _ = dataset(seed)
    per_class = res.score("gold_label", per_class=True)
    first = per_class[per_class["model"] == MODELS[0]].set_index("class")
    assert first.loc["mixed", "precision"] == 0.0  # never predicted: zero_division=0
    assert "other" in set(per_class.loc[per_class["model"] == MODELS[2], "class"])
    assert (~res.df["_valid"]).sum() > 0
    assert res.df["label"].eq("unsure").any()  # invalid answers hold values that must not count


@pytest.mark.parametrize("seed", SEEDS)
def test_numbers_and_lists_equal_sklearn(seed):
    res, truth = dataset(seed)
    table = res.score(TRUTH)
    binarizer = MultiLabelBinarizer(classes=TAGS)
    for model in MODELS:
        sent = ran_of(res, model)
        counts, valid = cells_of(res, model, "count")
        counts, valid, y_true = (
            np.array(counts, dtype=object)[sent].tolist(),
            valid[sent],
            truth["gold_count"].to_numpy()[sent],
        )
        row = pick(table, model, "count").iloc[0]
        as_float = pd.array(counts, dtype="Int64").to_numpy(dtype=float, na_value=np.nan)
        assert row["mae"] == sklearn_metrics.mean_absolute_error(y_true[valid], as_float[valid])
        exact = [ok and c == t for c, ok, t in zip(counts, valid, y_true)]
        assert row["accuracy"] == sklearn_metrics.accuracy_score([True] * len(exact), exact)
        assert np.isnan(row["macro_f1"]) and np.isnan(row["jaccard"])

        tags, valid = cells_of(res, model, "tags")
        tags, valid, gold = (
            [t for t, s in zip(tags, sent) if s],
            valid[sent],
            truth["gold_tags"].to_numpy()[sent],
        )
        true_sets = binarizer.fit_transform(gold[valid])
        pred_sets = binarizer.fit_transform([t for t, ok in zip(tags, valid) if ok])
        row = pick(table, model, "tags").iloc[0]
        assert row["jaccard"] == sklearn_metrics.jaccard_score(
            true_sets, pred_sets, average="samples", zero_division=1.0
        )
        same = [ok and set(t) == set(g) for t, ok, g in zip(tags, valid, gold)]
        assert row["accuracy"] == np.mean(same)


def test_lists_compare_as_sets_and_a_truth_frame_works():
    res, truth = dataset(3, n_rows=10)
    shuffled = truth[["gold_tags"]].rename(columns={"gold_tags": "tags"})
    shuffled["tags"] = [list(reversed(t)) for t in shuffled["tags"]]
    by_frame = res.score(shuffled).set_index("model")
    by_column = res.score("gold_tags", field="tags").set_index("model")
    pd.testing.assert_frame_equal(by_frame, by_column)
    # JSON text (a truth column read back from CSV) is read as a list too
    as_text = pd.Series([str(t).replace("'", '"') for t in truth["gold_tags"]], name="tags")
    pd.testing.assert_frame_equal(res.score(as_text).set_index("model"), by_column)


def test_rows_without_truth_are_left_out_and_n_counts_the_rest():
    res, truth = dataset(5, n_rows=12)
    partial = truth[["gold_label"]].rename(columns={"gold_label": "label"}).iloc[:8]
    table = res.score(partial).set_index("model")
    labels = truth["gold_label"].tolist()[:8]
    for model in MODELS:
        sent = ran_of(res, model)[:8]
        assert table.loc[model, "n"] == sent.sum() and table.loc[model, "n_not_run"] == 8 - sent.sum()
        values, valid = cells_of(res, model, "label")
        hits = [ok and v == t for v, ok, t, s in zip(values[:8], valid[:8], labels, sent) if s]
        assert table.loc[model, "accuracy"] == np.mean(hits)


def test_per_class_is_empty_without_categorical_fields():
    res, _ = dataset(1, n_rows=5)
    out = res.score("gold_count", field="count", per_class=True)
    assert out.empty and list(out.columns) == [
        "model",
        "field",
        "class",
        "precision",
        "recall",
        "f1",
        "support",
    ]


# -- the pieces -----------------------------------------------------------------------------------


def test_field_kinds_follow_refs_and_nullable_types():
    schema = {
        "type": "object",
        "$defs": {"Address": {"type": "object", "properties": {"zip": {"type": "integer"}}}},
        "properties": {
            "mood": {"anyOf": [{"enum": ["a", "b"]}, {"type": "null"}]},
            "score": {"type": ["number", "null"]},
            "address": {"$ref": "#/$defs/Address"},
            "free": {"type": "string"},
            "what": {},
        },
    }
    kinds = _kinds.field_kinds(schema, ["mood", "score", "address.zip", "free", "what", "missing"])
    assert kinds == {
        "mood": "enum",
        "score": "number",
        "address.zip": "integer",
        "free": "string",
        "what": "unknown",
        "missing": "unknown",
    }


@pytest.mark.parametrize(
    ("values", "kind", "dtype", "back"),
    [
        ([1, None, 3], "unknown", "Int64", [1, pd.NA, 3]),
        ([1, 2.5, None], "unknown", "float64", [1.0, 2.5, np.nan]),
        ([True, None], "unknown", "boolean", [True, pd.NA]),
        (["a", None], "unknown", "object", ["a", None]),
        ([["x"], None], "unknown", "object", [["x"], None]),
        ([1, 2.5], "integer", "object", [1, 2.5]),  # does not fit: kept as the model said it
        (["1", None], "number", "object", ["1", None]),  # text is never turned into numbers
        ([None, None], "integer", "Int64", [pd.NA, pd.NA]),
    ],
)
def test_cast_field(values, kind, dtype, back):
    out, _ = _kinds.cast_field(pd.Series(values, dtype=object), kind)
    assert str(out.dtype) == dtype
    got = out.tolist()
    assert len(got) == len(back)
    for a, b in zip(got, back):
        if b is None or b is pd.NA:
            assert a is b
        elif isinstance(b, float) and np.isnan(b):
            assert isinstance(a, float) and np.isnan(a)
        else:
            assert a == b and type(a) is type(b)


# -- n, failed / not run, standard errors and intervals ---------------------------------------------

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")
scipy_stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy_counts_failed_cells_as_wrong_leaves_out_cells_not_run_and_has_a_wilson_interval(seed):
    res, _ = dataset(seed)
    table = res.score(TRUTH)
    for model in MODELS:
        sent = ran_of(res, model)
        sub = res.df[res.df["model"] == model].set_index("row").sort_index()
        for field in TRUTH:
            row = pick(table, model, field).iloc[0]
            assert row["n_not_run"] == (~sent).sum() and row["n"] == sent.sum() == row["n_rows"]
            assert row["n_failed"] == (sent & ~sub["_valid"].to_numpy()).sum()
            k = round(row["accuracy"] * row["n"])
            low, high = sm_proportion.proportion_confint(k, row["n"], alpha=0.05, method="wilson")
            assert row["accuracy_ci_low"] == pytest.approx(low, abs=1e-9)
            assert row["accuracy_ci_high"] == pytest.approx(high, abs=1e-9)
            hits = np.r_[np.ones(k), np.zeros(row["n"] - k)]
            assert row["accuracy_se"] == pytest.approx(np.std(hits, ddof=1) / np.sqrt(row["n"]), abs=1e-12)


def test_a_partial_run_does_not_look_like_a_bad_model():
    res, _ = dataset(11, n_rows=30)
    cells = res.df
    stopped = cells["model"].eq(MODELS[0]) & cells["row"].ge(10)  # stopped after 10 rows
    cells.loc[stopped, ["_valid", "_error_type"]] = [False, "cancelled"]
    partial = Results(cells, fields=FIELDS, models=MODELS, inputs=res.inputs, schema=SCHEMA)
    full, cut = (
        res.score(TRUTH).set_index(["model", "field"]),
        partial.score(TRUTH).set_index(["model", "field"]),
    )
    first = cut.loc[(MODELS[0], "label")]
    assert first["n_not_run"] >= 20 and first["n"] <= 10
    sent = ran_of(res, MODELS[0])[:10]
    sub = res.df[res.df["model"] == MODELS[0]].set_index("row").sort_index().iloc[:10]
    hits = [ok and v == t for v, ok, t, s in zip(sub["label"], sub["_valid"], sub["gold_label"], sent) if s]
    assert first["accuracy"] == np.mean(hits)  # only the rows it ran, not diluted by 20 zeros
    whole = full.loc[(MODELS[0], "label")]
    # fewer rows: a wider interval, not a lower score
    assert (
        first["accuracy_ci_high"] - first["accuracy_ci_low"]
        > whole["accuracy_ci_high"] - whole["accuracy_ci_low"]
    )
    pd.testing.assert_series_equal(cut.loc[(MODELS[1], "label")], full.loc[(MODELS[1], "label")])


def _reference_bootstrap(stat, rows: int) -> tuple[float, float]:
    from nbconnect._results.stats import SEED

    ref = scipy_stats.bootstrap(
        (np.arange(rows),), stat, vectorized=False, n_resamples=2000, method="percentile",
        rng=np.random.default_rng(SEED),
    )  # fmt: skip
    return float(ref.confidence_interval.low), float(ref.confidence_interval.high)


def test_macro_f1_interval_equals_scipy_bootstrap_of_sklearn_macro_f1_over_rows():
    res, truth = dataset(2, n_rows=30)
    model = MODELS[2]  # invents a class the truth never has
    row = pick(res.score(TRUTH), model, "label").iloc[0]
    sent = ran_of(res, model)
    values, valid = cells_of(res, model, "label")
    y_true = np.array(truth["gold_label"].tolist(), dtype=object)[sent]
    y_pred = np.array([v if ok else NONE for v, ok in zip(values, valid)], dtype=object)[sent]

    labels = sorted(set(y_true) | {p for p in y_pred if p != NONE})
    ref = sklearn_metrics.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    assert fast_macro_f1(y_true, y_pred, NONE) == pytest.approx(ref, abs=1e-12)

    def macro_f1(i):
        return fast_macro_f1(y_true[i], y_pred[i], NONE)

    # the bootstrap draws every row of the truth; a row the model did not run adds nothing
    by_row = np.full(len(sent), -1)
    by_row[sent] = np.arange(sent.sum())
    low, high = _reference_bootstrap(lambda i: macro_f1(by_row[i][by_row[i] >= 0]), len(sent))
    assert (row["macro_f1_ci_low"], row["macro_f1_ci_high"]) == pytest.approx((low, high), abs=1e-9)
    assert row["macro_f1_ci_low"] <= row["macro_f1"] <= row["macro_f1_ci_high"]


def test_mae_and_jaccard_intervals_equal_scipy_bootstrap_over_rows():
    res, truth = dataset(4, n_rows=35)
    table = res.score(TRUTH)
    for model in MODELS:
        counts, valid = cells_of(res, model, "count")
        sent = ran_of(res, model) & valid
        err = np.full(len(valid), np.nan)
        got = pd.array(counts, dtype="Int64").to_numpy(dtype=float, na_value=np.nan)
        err[sent] = np.abs(got[sent] - truth["gold_count"].to_numpy()[sent])
        row = pick(table, model, "count").iloc[0]
        low, high = _reference_bootstrap(lambda i, e=err: np.nanmean(e[i]), len(err))
        assert (row["mae_ci_low"], row["mae_ci_high"]) == pytest.approx((low, high), abs=1e-9)
        assert row["mae_se"] == pytest.approx(np.nanstd(err, ddof=1) / np.sqrt(sent.sum()), abs=1e-12)

        tags, _ = cells_of(res, model, "tags")
        jac = np.full(len(valid), np.nan)
        for i in np.flatnonzero(sent):
            a, b = set(tags[i]), set(truth["gold_tags"][i])
            jac[i] = len(a & b) / len(a | b) if a | b else 1.0
        row = pick(table, model, "tags").iloc[0]
        low, high = _reference_bootstrap(lambda i, j=jac: np.nanmean(j[i]), len(jac))
        assert (row["jaccard_ci_low"], row["jaccard_ci_high"]) == pytest.approx((low, high), abs=1e-9)


def test_intervals_are_seeded_and_the_figures_stay_numeric():
    res, _ = dataset(6, n_rows=20)
    one, two = res.score(TRUTH), res.score(TRUTH)
    pd.testing.assert_frame_equal(one, two)  # a rerun prints the same interval
    numeric = [c for c in one.columns if c.endswith(("_se", "_ci_low", "_ci_high"))]
    assert len(numeric) == 12 and all(one[c].dtype == "float64" for c in numeric)
    label = one[one["field"] == "label"]
    assert label["mae_ci_low"].isna().all() and label["macro_f1_ci_low"].notna().all()

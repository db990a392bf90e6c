"""Results: building the frame, wide views, agreement, summary, plots, saving and loading."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from nbconnect._errors import ConfigError
from nbconnect._results.results import SYSTEM, Results

MODELS = ["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"]
SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["pos", "neg", "neu"]},
        "confidence": {"type": "number"},
        "stars": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "integer"}}},
    },
}
FIELDS = ["label", "confidence", "stars", "tags", "address.city", "address.zip"]
ERRORS = ["timeout", "rate_limited", "schema_mismatch", "refusal", "cancelled", "budget"]


def make_rows(seed: int = 0, n_rows: int = 40) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for r in range(n_rows):
        gold = rng.choice(["pos", "neg", "neu"])
        for model in MODELS:
            cell = {
                "row": r,
                "text": f"review number {r}",
                "gold_label": gold,
                "model": model,
                "connection": model.split(":")[0],
                "provider": model.split(":")[0],
            }
            error = rng.choice(ERRORS) if rng.random() < 0.3 else None
            if error is None:
                cell.update(
                    label=gold if rng.random() < 0.7 else rng.choice(["pos", "neg", "neu"]),
                    confidence=round(rng.random(), 3),
                    stars=rng.randint(1, 5),
                    tags=rng.sample(["food", "price", "staff"], rng.randint(0, 2)),
                    **{"address.city": rng.choice(["Oslo", "Lima"]), "address.zip": rng.choice([None, 1000])},
                    _valid=True,
                    _finish_reason="stop",
                    _enforcement="json_schema",
                    _raw="{...}",
                )
            else:
                cell.update(_valid=False, _error=f"it went wrong: {error}", _error_type=error)
            if error not in ("cancelled", "budget"):
                cell.update(
                    _input_tokens=rng.randint(50, 90),
                    _output_tokens=rng.choice([None, rng.randint(5, 20)]),
                    _cost_usd=rng.choice([None, rng.random() / 1000]),
                    _latency_s=rng.random() * 3,
                    _attempts=rng.randint(1, 3),
                    _wait_s=rng.random(),
                    _cached=rng.random() < 0.2,
                )
            rows.append(cell)
    return rows


def make(seed: int = 0, n_rows: int = 40, **kwargs) -> Results:
    kwargs.setdefault("truth", "gold_label")
    return Results.from_rows(
        make_rows(seed, n_rows),
        fields=FIELDS,
        models=MODELS,
        inputs=["text", "gold_label"],
        schema=SCHEMA,
        **kwargs,
    )


def tiny(
    values: dict[str, list], valid: dict[str, list] | None = None, field_type: dict | None = None
) -> Results:
    """Two or three models over a few rows, one field ``v``, by hand."""
    rows = []
    for model, vals in values.items():
        for r, v in enumerate(vals):
            ok = True if valid is None else valid[model][r]
            rows.append({"row": r, "text": f"t{r}", "model": model, "v": v, "_valid": ok})
    schema = {"type": "object", "properties": {"v": field_type or {"type": "string"}}}
    return Results.from_rows(rows, fields=["v"], models=list(values), inputs=["text"], schema=schema)


# -- the frame ------------------------------------------------------------------------------------


def test_from_rows_builds_the_contract_columns_and_dtypes():
    res = make()
    df = res.df
    assert list(df.columns) == [
        "row",
        "text",
        "gold_label",
        "model",
        "connection",
        "provider",
        *FIELDS,
        *SYSTEM,
    ]
    assert len(res) == len(df) == 40 * 3
    dtypes = {c: str(t) for c, t in df.dtypes.items()}
    assert dtypes["row"] == "int64"
    assert dtypes["label"] == dtypes["tags"] == dtypes["model"] == dtypes["_error"] == "object"
    assert dtypes["confidence"] == "float64" and dtypes["stars"] == dtypes["address.zip"] == "Int64"
    assert dtypes["_valid"] == dtypes["_cached"] == "bool"
    assert dtypes["_input_tokens"] == dtypes["_output_tokens"] == "Int64"
    assert dtypes["_cost_usd"] == dtypes["_latency_s"] == dtypes["_wait_s"] == "float64"
    assert dtypes["_attempts"] == "int64"
    bad = df[~df["_valid"]].iloc[0]
    assert bad["label"] is None and bad["tags"] is None and bad["_raw"] is None
    assert bad["stars"] is pd.NA and np.isnan(bad["confidence"])
    good = df[df["_valid"]].iloc[0]
    assert isinstance(good["tags"], list) and good["_error"] is None
    assert res.fields == FIELDS and res.models == MODELS and res.inputs == ["text", "gold_label"]


def test_missing_keys_take_defaults_and_the_frame_is_the_callers_to_change():
    res = Results.from_rows(
        [{"row": 0, "model": "m", "label": "pos"}], fields=["label", "score"], models=["m"], inputs=[]
    )
    cell = res.df.iloc[0]
    assert cell["score"] is None and cell["_error"] is None and cell["_input_tokens"] is pd.NA
    assert cell["_valid"] is np.False_ and cell["_attempts"] == 0 and cell["_wait_s"] == 0.0
    assert np.isnan(cell["_cost_usd"])
    df = res.df
    df.loc[0, "label"] = "changed"
    assert res.df.loc[0, "label"] == "pos"


def test_values_of_invalid_cells_that_do_not_fit_the_schema_type_are_dropped():
    base = {"text": "t", "model": "m"}
    rows = [
        {**base, "row": 0, "n": 0.5, "_valid": True},
        {
            **base,
            "row": 1,
            "n": "0.8",
            "_valid": False,
            "_error_type": "schema_mismatch",
            "_raw": '{"n": "0.8"}',
        },
    ]
    schema = {"type": "object", "properties": {"n": {"type": "number"}}}
    res = Results.from_rows(rows, fields=["n"], models=["m"], inputs=["text"], schema=schema)
    assert str(res.df["n"].dtype) == "float64" and np.isnan(res.df.loc[1, "n"])
    assert res.df.loc[1, "_raw"] == '{"n": "0.8"}'
    rows[1]["_valid"] = True  # a valid cell that does not fit: the column keeps what models said
    res = Results.from_rows(rows, fields=["n"], models=["m"], inputs=["text"], schema=schema)
    assert res.df["n"].tolist() == [0.5, "0.8"]
    assert str(res.df["text"].dtype) == str(pd.Series(["t"]).dtype)  # inputs get pandas' own dtype


def test_the_constructor_takes_a_dataframe_and_checks_it():
    df = make().df
    again = Results(df, fields=FIELDS, models=MODELS, inputs=["text", "gold_label"], schema=SCHEMA)
    pd.testing.assert_frame_equal(again.df, df)
    with pytest.raises(ConfigError, match="more than one cell for"):
        Results(pd.concat([df, df.iloc[:1]]), fields=FIELDS, models=MODELS, inputs=["text", "gold_label"])
    with pytest.raises(ConfigError, match="missing from models="):
        Results(df, fields=FIELDS, models=MODELS[:2], inputs=["text", "gold_label"])
    with pytest.raises(ConfigError, match=r"unexpected column\(s\) 'gold_label'"):
        Results(df, fields=FIELDS, models=MODELS, inputs=["text"])
    with pytest.raises(ConfigError, match="have the name of schema field"):
        Results(df.drop(columns="label").rename(columns={"gold_label": "label"}), fields=FIELDS, models=MODELS,
                inputs=["text", "label"])  # fmt: skip
    with pytest.raises(ConfigError, match="unknown key"):
        Results.from_rows([{"row": 0, "model": "m", "_latency": 1.0}], fields=[], models=["m"], inputs=[])


# -- compare and agreement ------------------------------------------------------------------------


def test_compare_by_hand():
    res = tiny(
        {"a": ["x", "y", "z"], "b": ["x", "q", None]},
        valid={"a": [True, True, False], "b": [True, True, True]},
    )
    wide = res.compare("v")
    assert wide.index.name == "row" and list(wide.columns) == ["text", "a", "b"]
    assert wide["a"].tolist() == ["x", "y", None]  # the invalid cell shows as None
    assert wide["b"].tolist() == ["x", "q", None]
    assert wide["text"].tolist() == ["t0", "t1", "t2"]
    assert list(res.compare("v", inputs=False).columns) == ["a", "b"]


def test_compare_numbers_keep_their_dtype_and_the_model_order():
    res = tiny(
        {"b": [1, 2], "a": [3, 4]},
        valid={"b": [True, False], "a": [True, True]},
        field_type={"type": "integer"},
    )
    wide = res.compare("v", inputs=False)
    assert list(wide.columns) == ["b", "a"]
    assert wide["b"].tolist()[0] == 1 and wide["b"].tolist()[1] is pd.NA
    assert wide["a"].tolist() == [3, 4]


def test_agreement_by_hand():
    res = tiny(
        {"a": ["x", "y", "z", "w"], "b": ["x", "y", "q", "w"], "c": ["x", "n", "z", None]},
        valid={"a": [True, True, True, True], "b": [True, True, True, False], "c": [True, True, True, False]},
    )
    agree = res.agreement("v")
    assert list(agree.index) == list(agree.columns) == ["a", "b", "c"]
    assert np.diag(agree.to_numpy()).tolist() == [1.0, 1.0, 1.0]
    assert agree.loc["a", "b"] == agree.loc["b", "a"] == 2 / 3  # rows 0-2 valid in both; row 2 differs
    assert agree.loc["a", "c"] == 2 / 3
    assert agree.loc["b", "c"] == 1 / 3
    truth = pd.Series(["x", "y", "z", "w"], name="v")
    with_truth = res.agreement("v", truth=truth)
    assert with_truth.loc["truth", "a"] == 1.0 and with_truth.loc["c", "truth"] == 2 / 3


def test_agreement_compares_lists_as_sets():
    res = tiny(
        {"a": [["p", "q"], [], ["p"]], "b": [["q", "p"], [], ["q"]]},
        field_type={"type": "array", "items": {"type": "string"}},
    )
    assert res.agreement("v").loc["a", "b"] == 2 / 3


def test_unknown_field_lists_the_fields():
    res = make(n_rows=3)
    for call in (res.compare, res.agreement):
        with pytest.raises(ConfigError, match=r"unknown field 'labels'.*'label', 'confidence'"):
            call("labels")


# -- scores and summary ---------------------------------------------------------------------------


def test_unknown_truth_column_names_the_input_columns():
    res = make(n_rows=3)
    with pytest.raises(ConfigError, match=r"truth column 'golden'.*'text', 'gold_label'"):
        res.score("golden", field="label")
    with pytest.raises(ConfigError, match="pass field="):
        renamed = res.df.rename(columns={"gold_label": "gold"})
        Results(renamed, fields=FIELDS, models=MODELS, inputs=["text", "gold"]).score("gold")
    with pytest.raises(ConfigError, match="no ground truth"):
        Results(res.df, fields=FIELDS, models=MODELS, inputs=["text", "gold_label"]).score()
    vague = Results(renamed, fields=FIELDS, models=MODELS, inputs=["text", "gold"], truth="gold")
    assert "accuracy" not in vague.summary().columns  # a default truth that fits no one field
    with pytest.raises(ConfigError, match="pass field="):
        vague.summary(truth="gold")


def test_summary_figures():
    res = make(seed=4)
    df = res.df
    summary = res.summary()
    assert list(summary.index) == MODELS
    scores = res.score("gold_label", field="label").set_index("model")
    for model in MODELS:
        cells = df[df["model"] == model]
        ran = cells[~cells["_error_type"].isin(["cancelled", "budget"])]
        row = summary.loc[model]
        assert row["cells"] == len(cells) and row["calls"] == len(ran)
        assert row["not_run"] == len(cells) - len(ran)
        assert row["valid_pct"] == pytest.approx(100 * ran["_valid"].sum() / len(ran))
        assert row["errors"] == (~ran["_valid"]).sum()
        lat = ran["_latency_s"].to_numpy()
        assert row["latency_p50"] == pytest.approx(np.quantile(lat, 0.5), rel=1e-12)
        assert row["latency_p95"] == pytest.approx(np.quantile(lat, 0.95), rel=1e-12)
        assert row["cost_usd"] == pytest.approx(np.nansum(cells["_cost_usd"].to_numpy()), rel=1e-12)
        assert row["input_tokens"] == cells["_input_tokens"].sum()
        assert row["output_tokens"] == cells["_output_tokens"].sum()
        assert row["cached"] == cells["_cached"].sum() and row["attempts"] == cells["_attempts"].sum()
        assert row["accuracy"] == scores.loc[model, "accuracy"]
        counts = ran.loc[~ran["_valid"], "_error_type"].value_counts()
        parsed = dict(part.split(": ") for part in row["errors_by_type"].split(", ") if part)
        assert {k: int(v) for k, v in parsed.items()} == counts.to_dict()
    assert summary["errors"].sum() > 0 and summary["not_run"].sum() > 0  # the data covers both


def test_summary_of_a_model_without_calls_and_unknown_costs():
    rows = [
        {"row": 0, "model": "a", "_valid": True, "_latency_s": 1.0, "_input_tokens": 5},
        {"row": 0, "model": "b", "_error_type": "budget"},
    ]
    summary = Results.from_rows(rows, fields=[], models=["a", "b"], inputs=[]).summary()
    assert summary.loc["b", "calls"] == 0 and summary.loc["b", "not_run"] == 1
    assert np.isnan(summary.loc["b", "valid_pct"]) and np.isnan(summary.loc["b", "latency_p50"])
    assert np.isnan(summary.loc["a", "cost_usd"]) and summary.loc["b", "input_tokens"] is pd.NA
    assert summary.loc["a", "errors_by_type"] == "" and "accuracy" not in summary.columns


# -- saving and loading ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_save_and_load_keep_everything(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    rows = make_rows(seed=2)
    odd = [{"k": [1, None]}, None, float("nan"), ["x", 2.5], "text", 7]
    for cell in rows:  # an object input column: None vs NaN, dicts and lists must survive
        cell["payload"] = odd[cell["row"] % len(odd)]
    inputs = ["text", "gold_label", "payload"]
    meta = {"note": "round trip", "seed": 2}
    res = Results.from_rows(
        rows, fields=FIELDS, models=MODELS, inputs=inputs, schema=SCHEMA, truth="gold_label", meta=meta
    )
    df = res.df
    df.loc[0, "_raw"] = 'ünïcode {"a": [1]}'
    df.at[1, "tags"] = [{"nested": [1, None]}, "mixed"]  # lists of anything survive
    res = Results(
        df, fields=FIELDS, models=MODELS, inputs=inputs, schema=SCHEMA, truth="gold_label", meta=meta
    )
    assert res.df["payload"].dtype == object and res.df["stars"].isna().any()
    path = res.save(tmp_path / f"results{suffix}")
    back = Results.load(path)
    pd.testing.assert_frame_equal(back.df, res.df)
    payload = back.df.loc[back.df["row"] < len(odd), "payload"].tolist()[:: len(MODELS)]
    assert payload[0] == {"k": [1, None]} and payload[1] is None and isinstance(payload[2], float)
    assert np.isnan(payload[2]) and payload[3] == ["x", 2.5] and payload[5] == 7
    assert back.df.at[1, "tags"] == [{"nested": [1, None]}, "mixed"]
    assert (back.fields, back.models, back.inputs) == (FIELDS, MODELS, inputs)
    assert (back.schema, back.truth, back.meta) == (SCHEMA, "gold_label", {"note": "round trip", "seed": 2})
    pd.testing.assert_frame_equal(back.summary(), res.summary())


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_save_and_load_keep_datetime_and_category_inputs(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    df = pd.DataFrame(
        {
            "row": [0, 1],
            "when": pd.to_datetime(["2024-01-01 12:30", None]),
            "kind": pd.Categorical(["a", "b"]),
            "model": ["m", "m"],
        }
    )
    res = Results(df, fields=[], models=["m"], inputs=["when", "kind"])
    back = Results.load(res.save(tmp_path / f"r{suffix}"))
    pd.testing.assert_frame_equal(back.df, res.df)


def test_jsonl_is_a_header_then_one_record_per_cell(tmp_path):
    res = make(n_rows=2)
    lines = res.save(tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["models"] == MODELS and header["dtypes"]["stars"] == "Int64"
    assert len(lines) == 1 + len(res)
    assert json.loads(lines[1])["row"] == 0


def test_save_refuses_other_extensions(tmp_path):
    with pytest.raises(ConfigError, match=r"\.parquet or \.jsonl"):
        make(n_rows=1).save(tmp_path / "r.csv")
    (tmp_path / "x.jsonl").write_text('{"hello": 1}\n')
    with pytest.raises(ConfigError, match=r"not written by Results\.save"):
        Results.load(tmp_path / "x.jsonl")


# -- the rest -------------------------------------------------------------------------------------


@pytest.mark.parametrize("truth", [None, "gold"])
def test_plot_returns_a_figure_with_two_panels(truth):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    res = make(n_rows=10, truth=None)
    fig = res.plot(truth={"label": "gold_label"} if truth else None)
    try:
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        left, right = fig.axes
        assert left.get_xlabel() == "cost (USD)"
        assert ("accuracy" in left.get_ylabel()) == bool(truth)
        assert ("no truth" in left.get_ylabel()) == (not truth)
        assert len(right.patches) == 2 * len(MODELS)  # p50 and p95 bars per model
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_repr_html_len_failed_csv(tmp_path):
    res = make(n_rows=5)
    assert repr(res).startswith("<Results: 15 cells (5 rows × 3 models), ")
    assert "% valid" in repr(res)
    html = res._repr_html_()
    assert "<table" in html and "latency_p95" in html and "accuracy" in html
    failed = res.failed()
    assert len(failed) == (~res.df["_valid"]).sum() and not failed["_valid"].any()
    res.to_csv(tmp_path / "r.csv")
    back = pd.read_csv(tmp_path / "r.csv")
    first = res.df[res.df["_valid"]].index[0]
    assert json.loads(back.loc[first, "tags"]) == res.df.loc[first, "tags"]


def test_merge_keeps_earlier_cells_the_rerun_lacks():
    earlier = tiny({"a": ["x", "y"], "b": ["p", "q"]}, valid={"a": [True, False], "b": [True, True]})
    rerun_rows = [{"row": 1, "text": "t1", "model": "a", "v": "z", "_valid": True}]
    schema = {"type": "object", "properties": {"v": {"type": "string"}}}
    rerun = Results.from_rows(rerun_rows, fields=["v"], models=["a", "b"], inputs=["text"], schema=schema)
    merged = rerun.merge(earlier)
    assert merged.df[["row", "model", "v"]].values.tolist() == [
        [0, "a", "x"],
        [0, "b", "p"],
        [1, "a", "z"],
        [1, "b", "q"],
    ]
    assert merged.df["_valid"].all()

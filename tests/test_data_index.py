"""data= with an index of its own (filtered, shuffled, labelled): the results keep it as an input
column and a truth Series taken from that DataFrame lines up with the right rows."""

from __future__ import annotations

import pandas as pd
import pytest

import nbconnect as nbc

SCHEMA = "sentiment: positive|negative|neutral"
MODELS = ["demo:demo-careful", "demo:demo-fast"]


def go(data: pd.DataFrame) -> nbc.Results:
    return nbc.run(
        "Sentiment of: {text}",
        data=data,
        schema=SCHEMA,
        models=MODELS,
        cache=False,
        progress=False,
        save=False,
    )


@pytest.fixture(scope="module")
def picked() -> pd.DataFrame:
    """Filtered then shuffled: the index is neither 0..n-1 nor in order."""
    reviews = nbc.data.reviews()
    return reviews[reviews["gold_sentiment"] != "neutral"].sample(frac=1, random_state=3)


@pytest.fixture(scope="module")
def res(picked) -> nbc.Results:
    return go(picked)


def test_a_truth_series_lines_up_by_the_datas_own_index(picked, res):
    by_column = res.score(truth="gold_sentiment")  # a column travels with its row: the reference
    by_series = res.score(truth=picked["gold_sentiment"], field="sentiment")
    cols = ["model", "n", "accuracy", "macro_f1"]
    pd.testing.assert_frame_equal(by_series[cols], by_column[cols])
    assert (by_column["n"] == len(picked)).all()
    # the same alignment for versus and custom scorers, which take truth= the same way
    pd.testing.assert_frame_equal(
        res.versus(*MODELS, field="sentiment", truth=picked["gold_sentiment"]),
        res.versus(*MODELS, field="sentiment", truth="gold_sentiment"),
    )
    same = {"sentiment": lambda pred, gold, row: pred == gold}
    by_frame = res.score(
        scorers=same, truth=picked[["gold_sentiment"]].rename(columns={"gold_sentiment": "sentiment"})
    )
    assert by_frame["score"].tolist() == res.score(scorers=same, truth="gold_sentiment")["score"].tolist()


def test_the_index_is_kept_as_an_input_column_beside_the_row_id(picked, res):
    df = res.df
    assert df.columns[:2].tolist() == ["row", "index"]  # row stays the position in data=
    first = df[df["model"] == MODELS[0]]
    assert first["row"].tolist() == list(range(len(picked)))
    assert first["index"].tolist() == picked.index.tolist()
    assert first["text"].tolist() == picked["text"].tolist()


def test_a_named_string_index_keeps_its_name_and_survives_save_and_load(picked, tmp_path):
    labelled = picked.assign(key=[f"r{i:03d}" for i in picked.index]).set_index("key")
    res = go(labelled.iloc[:12])
    assert res.df["key"].iloc[0] == labelled.index[0]
    truth = labelled["gold_sentiment"].iloc[::-1]  # order does not matter, labels do
    expected = res.score(truth="gold_sentiment")["accuracy"].tolist()
    assert res.score(truth=truth, field="sentiment")["accuracy"].tolist() == expected
    res.save(tmp_path / "res.jsonl")
    loaded = nbc.Results.load(tmp_path / "res.jsonl")
    assert loaded.score(truth=truth, field="sentiment")["accuracy"].tolist() == expected


def test_a_truth_indexed_by_row_id_says_so_by_naming_its_index_row(picked, res):
    by_row = picked["gold_sentiment"].reset_index(drop=True).rename_axis("row")
    pd.testing.assert_frame_equal(
        res.score(truth=by_row, field="sentiment"), res.score(truth="gold_sentiment")
    )


def test_a_truth_that_lines_up_with_no_row_is_refused(picked, res):
    stray = pd.Series(["positive"] * 3, index=["a", "b", "c"])
    with pytest.raises(nbc.ConfigError, match="none of data='s index labels") as info:
        res.score(truth=stray, field="sentiment")
    assert "truth=df['gold']" in str(info.value)
    plain = go(nbc.data.reviews().head(6))  # a 0..n-1 index: no column added, truth by row id
    assert "index" not in plain.df.columns
    with pytest.raises(nbc.ConfigError, match="none of the row ids"):
        plain.score(truth=stray, field="sentiment")


def test_an_index_with_repeated_labels_refuses_a_series_but_not_a_column():
    doubled = pd.concat([nbc.data.reviews().head(3)] * 2)  # index 0, 1, 2, 0, 1, 2
    res = go(doubled)
    assert res.score(truth="gold_sentiment")["n"].eq(6).all()
    with pytest.raises(nbc.ConfigError, match="more than once"):
        res.score(truth=doubled["gold_sentiment"].iloc[:3], field="sentiment")


@pytest.mark.parametrize("name", ["sample", "variant"])
def test_an_index_named_like_a_results_column_stays_positional_instead_of_failing_after_the_run(name):
    # keeping it as a column would pay for every call, then be refused when Results is built
    data = nbc.data.reviews().head(4).set_index(pd.Index([7, 3, 5, 1], name=name))
    res = nbc.run("Sentiment: {text}", data=data, schema="sentiment: positive|negative|neutral",
                  models=["demo:demo-fast"], org=nbc.Organization.demo(), repeats=2,
                  progress=False, cache=False, save=False)  # fmt: skip
    assert len(res.df) == 8 and res.df["_valid"].all()

"""Custom scorers and the built-in free-text scorers: per-cell columns, the per-arm table, errors."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

import nbconnect as nbc
from nbconnect._results.results import Results
from nbconnect._results.text import exact_match, normalize, token_f1

SCHEMA = {"type": "object", "properties": {"date": {"type": "string"}, "summary": {"type": "string"}}}


def make(dates_a, dates_b, *, invalid=(), not_run=()):
    rows = []
    for model, dates in (("a", dates_a), ("b", dates_b)):
        for i, d in enumerate(dates):
            cell = {"row": i, "gold": f"2026-01-{i + 1:02d}", "model": model, "date": d, "summary": f"s{i}"}
            cell["_valid"] = (model, i) not in invalid and (model, i) not in not_run
            if (model, i) in not_run:
                cell["_error_type"] = "budget"
            elif (model, i) in invalid:
                cell["_error_type"] = "schema_mismatch"
            rows.append(cell)
    return Results.from_rows(
        rows, fields=["date", "summary"], models=["a", "b"], inputs=["gold"], schema=SCHEMA
    )


def same_day(prediction, truth, row):
    return nbc.Score(prediction[:10] == truth, f"{prediction} vs {truth}")


def test_per_cell_columns_and_wilson_table_match_statsmodels():
    res = make(["2026-01-01", "2026-01-02T09:00", "x", "2026-01-04"], ["2026-01-01"] * 4)
    cells = res.scored({"date": same_day}, truth={"date": "gold"})
    assert cells["score.date"].tolist() == [1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert cells.loc[0, "reason.date"] == "2026-01-01 vs 2026-01-01"
    table = res.score(scorers={"date": same_day}, truth={"date": "gold"}).set_index("model")
    assert table.loc["a", "score"] == 0.75 and table.loc["a", "interval"] == "wilson"
    low, high = proportion_confint(3, 4, method="wilson")
    assert table.loc["a", ["score_ci_low", "score_ci_high"]].tolist() == pytest.approx([low, high])
    assert table.loc["a", "score_se"] == pytest.approx(np.std([1, 1, 0, 1], ddof=1) / 2)


def test_failed_cells_count_as_zero_and_not_run_cells_are_left_out():
    calls = []

    def check(p, t, row):
        calls.append(row["row"])
        return True

    res = make(["d"] * 4, ["d"] * 4, invalid={("a", 1)}, not_run={("a", 2)})
    table = res.score(scorers={"date": check}).set_index("model")
    assert table.loc["a", ["n", "n_failed", "n_not_run"]].tolist() == [3, 1, 1]
    assert table.loc["a", "score"] == pytest.approx(2 / 3)
    # the scorer never sees the failed or the not-run cell: rows 1 and 2 only through model b
    assert sorted(calls) == [0, 0, 1, 2, 3, 3]


def test_a_scorer_that_raises_is_recorded_on_its_cell_and_the_rest_go_on():
    def fragile(p, t, row):
        if row["row"] == 2 and row["model"] == "b":
            raise KeyError("no such key")
        return 0.5

    res = make(["d"] * 4, ["d"] * 4)
    with pytest.warns(UserWarning, match="1 cell"):
        cells = res.scored({"date": fragile})
    bad = cells.loc[(cells["row"] == 2) & (cells["model"] == "b")].iloc[0]
    assert np.isnan(bad["score.date"])
    assert (
        "scorer 'date'" in bad["reason.date"]
        and "row 2" in bad["reason.date"]
        and "KeyError" in bad["reason.date"]
    )
    with pytest.warns(UserWarning):
        table = res.score(scorers={"date": fragile}).set_index("model")
    assert table.loc["b", ["n", "n_errors"]].tolist() == [3, 1]
    assert table.loc["a", "score"] == 0.5


def test_non_binary_scores_get_a_bootstrap_interval_and_bad_returns_are_errors():
    res = make(["d"] * 6, ["d"] * 6)
    table = res.score(scorers={"date": lambda p, t, row: row["row"] / 5}).set_index("model")
    assert table.loc["a", "interval"] == "bootstrap"
    assert table.loc["a", "score_ci_low"] < 0.5 < table.loc["a", "score_ci_high"]
    again = res.score(scorers={"date": lambda p, t, row: row["row"] / 5}).set_index("model")
    assert again.loc["a", "score_ci_low"] == table.loc["a", "score_ci_low"]  # seeded
    with pytest.warns(UserWarning):
        bad = res.scored({"date": lambda p, t, row: "yes"})
    assert bad["score.date"].isna().all() and "nbc.Score" in bad["reason.date"].iloc[0]


def test_reference_free_scorers_get_no_truth_and_names_are_checked():
    seen = []
    res = make(["d"] * 2, ["d"] * 2)
    res.scored({"summary:len": lambda p, t, row: seen.append(t) or len(p) < 5})
    assert seen == [None] * 4
    with pytest.raises(nbc.ConfigError, match="names no field"):
        res.score(scorers={"nope": same_day})
    with pytest.raises(nbc.ConfigError, match="built-in"):
        res.score(scorers={"date": "rouge"})
    with pytest.raises(nbc.ConfigError, match="function"):
        res.score(scorers={"date": 3})


def test_built_in_text_scorers_by_name():
    res = make(["The 2026-01-01!", "2026 01 02", "x", "2026-01-04"], ["a"] * 4)
    cells = res.scored({"date:em": "exact", "date:f1": "token_f1"}, truth={"date": "gold"})
    assert cells["score.date:em"].tolist()[:4] == [1.0, 0.0, 0.0, 1.0]
    # punctuation is dropped, not split on: "2026-01-02" is one token "20260102", unlike "2026 01 02"
    assert cells["score.date:f1"].tolist()[:4] == [1.0, 0.0, 0.0, 1.0]


def test_squad_normalization_and_token_f1():
    assert normalize("The  Eiffel-Tower, an icon!") == "eiffeltower icon"
    assert exact_match("the Eiffel Tower", "Eiffel tower.") is True
    assert exact_match("Tower", ["Eiffel Tower", "tower"]) is True
    # SQuAD's example arithmetic: 2 common tokens, 3 predicted, 4 true -> P 2/3, R 1/2
    assert token_f1("big red dog", "a big dog ran fast") == pytest.approx(
        2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4)
    )
    assert token_f1("dog dog", "dog") == pytest.approx(2 * 0.5 * 1 / 1.5)  # counts, not sets
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0
    assert token_f1("cat", ["dog", "the cat"]) == 1.0


def test_repeats_cluster_the_standard_error_by_row():
    rows = []
    for i in range(4):
        for s in range(3):
            rows.append({"row": i, "sample": s, "model": "a", "date": "d", "summary": "", "_valid": True})
    res = Results.from_rows(rows, fields=["date", "summary"], models=["a"], inputs=[], schema=SCHEMA)
    table = res.score(scorers={"date": lambda p, t, row: row["row"] < 2})
    assert table.loc[0, ["n", "n_rows"]].tolist() == [12, 4]
    x = np.repeat([1.0, 1.0, 0.0, 0.0], 3)
    resid = (x - x.mean()).reshape(4, 3).sum(1)
    assert table.loc[0, "score_se"] == pytest.approx(np.sqrt(4 / 3 * (resid**2).sum() / 144))

"""Arms (variant × model), repeats, Results.versus and chance-corrected agreement, checked
against statsmodels / scipy / scikit-learn / krippendorff on synthetic seeded runs."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from _reference import fast_macro_f1
from scipy import stats as st

from nbconnect._errors import ConfigError
from nbconnect._results.results import Results
from nbconnect._results.stats import SEED

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")
sm_tables = pytest.importorskip("statsmodels.stats.contingency_tables")
sm_multitest = pytest.importorskip("statsmodels.stats.multitest")
sm_api = pytest.importorskip("statsmodels.api")
sklearn_metrics = pytest.importorskip("sklearn.metrics")
krippendorff = pytest.importorskip("krippendorff")

LABELS = ["pos", "neg", "neu"]
SCHEMA = {"type": "object", "properties": {"label": {"type": "string", "enum": LABELS}}}
MODELS = ["demo:a", "demo:b"]
VARIANTS = ["terse", "cot"]
SKILL = {
    ("terse", "demo:a"): 0.55,
    ("terse", "demo:b"): 0.7,
    ("cot", "demo:a"): 0.75,
    ("cot", "demo:b"): 0.72,
}
TOL = 1e-9


def run(seed: int, rows: int = 40, samples: int = 3, variants: bool = True, holes: bool = True) -> Results:
    """Cells for 2 variants × 2 models × ``samples`` repeats. Rows differ in difficulty (so the
    repeats of a row are correlated), a few cells fail and, with ``holes``, a few were not run."""
    rng = random.Random(seed)
    gold = [rng.choice(LABELS) for _ in range(rows)]
    easy = [rng.random() for _ in range(rows)]
    cells = []
    for r in range(rows):
        for v in VARIANTS if variants else ["terse"]:
            for m in MODELS:
                for s in range(samples):
                    cell = {"row": r, "text": f"t{r}", "gold_label": gold[r], "model": m, "_valid": True}
                    if variants:
                        cell["variant"] = v
                    if samples > 1:
                        cell["sample"] = s
                    fate = rng.random()
                    if fate < 0.05:
                        cell.update(_valid=False, _error_type="invalid_json")
                    elif holes and fate < 0.09:
                        cell.update(_valid=False, _error_type="budget")
                    else:
                        right = rng.random() < (SKILL[v, m] + easy[r]) / 2 + 0.1
                        cell["label"] = gold[r] if right else rng.choice([x for x in LABELS if x != gold[r]])
                    cells.append(cell)
    return Results.from_rows(
        cells,
        fields=["label"],
        models=MODELS,
        inputs=["text", "gold_label"],
        schema=SCHEMA,
        truth="gold_label",
    )


def hits_of(res: Results) -> pd.DataFrame:
    """Every cell sent with its arm and correctness (failed = wrong), from df directly."""
    df = res.df
    df = df[~df["_error_type"].isin(["cancelled", "budget", "pending"])].copy()
    df["arm"] = df["variant"] + "|" + df["model"] if "variant" in df else df["model"]
    df["hit"] = (df["_valid"] & (df["label"] == df["gold_label"])).astype(float)
    return df


def test_arms_are_variant_and_model_and_repeats_are_not_new_rows():
    res = run(1)
    assert res.arms == ["terse|demo:a", "terse|demo:b", "cot|demo:a", "cot|demo:b"]
    assert list(res.df.columns[:5]) == ["row", "text", "gold_label", "variant", "model"]
    assert "sample" in res.df.columns and res.df["sample"].dtype == "int64"
    table = res.score().set_index("arm")
    assert list(table.index) == res.arms and set(table["variant"]) == set(VARIANTS)
    cells = hits_of(res)
    for arm, sub in cells.groupby("arm"):
        row = table.loc[arm]
        assert row["n"] == len(sub) and row["n_rows"] == sub["row"].nunique() < row["n"]
        assert row["n_failed"] == (~sub["_valid"]).sum()
        assert row["accuracy"] == pytest.approx(sub["hit"].mean(), abs=1e-12)
        fit = sm_api.OLS(sub["hit"].to_numpy(), np.ones((len(sub), 1))).fit(
            cov_type="cluster", cov_kwds={"groups": sub["row"].to_numpy()}
        )
        assert row["accuracy_se"] == pytest.approx(float(fit.bse[0]), abs=TOL)  # clustered by row
        p, se = row["accuracy"], row["accuracy_se"]
        n_eff = min(max(p * (1 - p) / se**2, row["n_rows"]), row["n"])
        low, high = sm_proportion.proportion_confint(p * n_eff, n_eff, method="wilson")
        assert (row["accuracy_ci_low"], row["accuracy_ci_high"]) == pytest.approx((low, high), abs=TOL)


def test_duplicate_cells_of_an_arm_and_sample_are_refused():
    res = run(2, rows=3)
    twice = pd.concat([res.df, res.df.iloc[:1]], ignore_index=True)
    with pytest.raises(ConfigError, match=r"more than one cell for \(row, variant, model, sample\)"):
        Results(twice, fields=["label"], models=MODELS, inputs=res.inputs, schema=SCHEMA)


def test_macro_f1_with_repeats_resamples_rows_and_pools_their_cells():
    res = run(3, rows=25)
    row = res.score().set_index("arm").loc["cot|demo:b"]
    cells = hits_of(res)
    sub = cells[cells["arm"] == "cot|demo:b"]
    y_true = sub["gold_label"].to_numpy(dtype=object)
    y_pred = np.where(sub["_valid"], sub["label"], "__none__").astype(object)
    by_row = [np.flatnonzero(sub["row"].to_numpy() == r) for r in range(25)]

    labels = sorted(set(y_true) | {x for x in y_pred if x != "__none__"})
    ref = sklearn_metrics.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    assert fast_macro_f1(y_true, y_pred, "__none__") == pytest.approx(ref, abs=1e-12)

    def macro_f1(i):
        take = np.concatenate([by_row[r] for r in i])
        return fast_macro_f1(y_true[take], y_pred[take], "__none__")

    ref = st.bootstrap(
        (np.arange(25),), macro_f1, vectorized=False, n_resamples=2000, method="percentile",
        rng=np.random.default_rng(SEED),
    )  # fmt: skip
    assert row["macro_f1"] == pytest.approx(macro_f1(np.arange(25)), abs=TOL)
    assert row["macro_f1_ci_low"] == pytest.approx(ref.confidence_interval.low, abs=TOL)
    assert row["macro_f1_ci_high"] == pytest.approx(ref.confidence_interval.high, abs=TOL)
    assert row["macro_f1_se"] == pytest.approx(ref.standard_error, abs=TOL)


@pytest.mark.parametrize("seed", [0, 4, 9])
def test_versus_two_arms_equals_statsmodels_mcnemar_and_scipy_paired_bootstrap(seed):
    res = run(seed, rows=60, samples=1)
    out = res.versus("terse|demo:a", "cot|demo:a", field="label")
    assert len(out) == 1
    got = out.iloc[0]
    wide = hits_of(res).pivot(index="row", columns="arm", values="hit").reindex(range(60))
    a, b = wide["terse|demo:a"].to_numpy(), wide["cot|demo:a"].to_numpy()
    both = ~np.isnan(a) & ~np.isnan(b)
    n10, n01 = int(((a == 1) & (b == 0)).sum()), int(((a == 0) & (b == 1)).sum())
    n11, n00 = int(((a == 1) & (b == 1)).sum()), int(((a == 0) & (b == 0)).sum())
    assert (got["n_pairs"], got["a_wins"], got["b_wins"]) == (both.sum(), n10, n01)
    ref_p = sm_tables.mcnemar([[n11, n10], [n01, n00]], exact=True).pvalue
    assert got["p_value"] == pytest.approx(ref_p, abs=TOL) and got["p_holm"] == got["p_value"]
    assert got["difference"] == pytest.approx(np.mean(a[both] - b[both]), abs=1e-12)
    assert got["accuracy_a"] == pytest.approx(a[both].mean(), abs=1e-12)
    d = a - b  # NaN where either was not run: the bootstrap draws all rows, those add nothing
    ref = st.bootstrap(
        (np.arange(60),), lambda i: np.nanmean(d[i]), vectorized=False, n_resamples=2000,
        method="percentile", rng=np.random.default_rng(SEED),
    )  # fmt: skip
    assert (got["ci_low"], got["ci_high"]) == pytest.approx(tuple(ref.confidence_interval), abs=TOL)
    if got["p_value"] >= 0.05 and n10 != n01:  # Connor (1987) on the observed discordant rates
        p_b, p_c = n10 / both.sum(), n01 / both.sum()
        za, zb = st.norm.ppf(0.975), st.norm.ppf(0.8)
        n = (za * np.sqrt(p_b + p_c) + zb * np.sqrt(p_b + p_c - (p_b - p_c) ** 2)) ** 2 / (p_b - p_c) ** 2
        assert got["rows_needed"] == np.ceil(n)
    elif got["p_value"] >= 0.05:
        assert got["rows_needed"] == np.inf
    else:
        assert np.isnan(got["rows_needed"])


def test_versus_every_pair_holm_adjusts_and_says_how_many_rows_would_tell():
    res = run(5, rows=50)
    out = res.versus(field="label")
    assert len(out) == 6 and list(out[["a", "b"]].iloc[0]) == ["terse|demo:a", "terse|demo:b"]
    ref = sm_multitest.multipletests(out["p_value"].to_numpy(), method="holm")[1]
    np.testing.assert_allclose(out["p_holm"].to_numpy(), ref, rtol=0, atol=TOL)
    close = out[out["p_holm"] >= 0.05]
    assert close["rows_needed"].notna().all() and out.loc[out["p_holm"] < 0.05, "rows_needed"].isna().all()
    # with repeats, a row counts once: a "win" is a row where the mean over its repeats is higher
    cells = hits_of(res)
    means = cells.groupby(["row", "arm"])["hit"].mean().unstack()
    first = out.iloc[0]
    d = (means[first["a"]] - means[first["b"]]).dropna()
    assert (
        first["n_pairs"] == len(d) and first["a_wins"] == (d > 0).sum() and first["b_wins"] == (d < 0).sum()
    )
    assert first["p_value"] == pytest.approx(st.binomtest(int((d > 0).sum()), int((d != 0).sum())).pvalue)


def test_versus_names_unknown_arms_and_wants_both():
    res = run(6, rows=5)
    with pytest.raises(ConfigError, match=r"unknown arm 'demo:a'; the arms are: 'terse\|demo:a'"):
        res.versus("demo:a", "cot|demo:a")
    with pytest.raises(ConfigError, match="two arms"):
        res.versus("terse|demo:a")


def test_without_variants_arms_are_models_and_versus_takes_model_names():
    res = run(7, rows=30, samples=1, variants=False)
    assert res.arms == MODELS and "arm" not in res.score().columns
    out = res.versus("demo:a", "demo:b")
    assert out.iloc[0]["n_pairs"] > 0


def test_agreement_pairs_add_kappa_and_krippendorff_alpha_beside_the_share():
    res = run(8, rows=60, samples=1, holes=True)
    matrix = res.agreement("label")
    pairs = res.agreement("label", pairs=True)
    assert list(matrix.columns) == res.arms  # the matrix keeps its shape
    df = res.df
    arm = df["variant"] + "|" + df["model"]
    wide = df.assign(arm=arm, v=df["label"].where(df["_valid"])).pivot(index="row", columns="arm", values="v")
    for _, p in pairs.iloc[:-1].iterrows():
        a, b = wide[p["a"]], wide[p["b"]]
        both = a.notna() & b.notna()
        assert p["n_both"] == both.sum()
        assert p["share"] == pytest.approx(matrix.loc[p["a"], p["b"]], abs=1e-12)
        ref = sklearn_metrics.cohen_kappa_score(a[both].tolist(), b[both].tolist())
        assert p["kappa"] == pytest.approx(ref, abs=TOL)
    codes = wide[res.arms].apply(lambda c: c.map({x: i for i, x in enumerate(LABELS)})).to_numpy(float).T
    ref_alpha = krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")
    last = pairs.iloc[-1]
    assert (last["a"], last["b"]) == ("(all)", "(all)")
    assert last["alpha"] == pytest.approx(ref_alpha, abs=TOL) == pairs.attrs["krippendorff_alpha"]
    with_truth = res.agreement("label", truth="gold_label", pairs=True)
    assert "truth" in set(with_truth["b"])


def test_with_repeats_compare_and_agreement_use_each_rows_most_common_answer():
    res = run(10, rows=20)
    wide = res.compare("label", inputs=False)
    assert list(wide.columns) == res.arms and len(wide) == 20
    df = res.df[res.df["_valid"]].assign(arm=lambda d: d["variant"] + "|" + d["model"])
    for (row, arm), sub in df.groupby(["row", "arm"]):
        counts = sub["label"].value_counts()
        top = counts[counts == counts.max()].index
        assert wide.loc[row, arm] in set(top)
        first_top = next(v for v in sub.sort_values("sample")["label"] if v in set(top))
        assert wide.loc[row, arm] == first_top  # ties: the first sample holding one
    assert res.agreement("label").shape == (4, 4)


def test_summary_gives_the_valid_percentage_an_interval():
    res = run(11, rows=30, samples=1, variants=False)
    s = res.summary()
    for m in MODELS:
        sub = res.df[(res.df["model"] == m) & ~res.df["_error_type"].isin(["budget"])]
        k, n = int(sub["_valid"].sum()), len(sub)
        assert s.loc[m, "calls"] == n
        low, high = sm_proportion.proportion_confint(k, n, method="wilson")
        assert s.loc[m, "valid_pct_ci_low"] == pytest.approx(low * 100, abs=1e-7)
        assert s.loc[m, "valid_pct_ci_high"] == pytest.approx(high * 100, abs=1e-7)
    cols = list(s.columns)
    assert cols[cols.index("valid_pct") + 1 : cols.index("valid_pct") + 4] == [
        "valid_pct_se",
        "valid_pct_ci_low",
        "valid_pct_ci_high",
    ]
    # variants and repeats: several cells per (row, model), clustered by row
    many = run(11, rows=30).summary()
    sub = hits_of(run(11, rows=30))
    sub = sub[sub["model"] == MODELS[0]]
    fit = sm_api.OLS(sub["_valid"].to_numpy(float), np.ones((len(sub), 1))).fit(
        cov_type="cluster", cov_kwds={"groups": sub["row"].to_numpy()}
    )
    assert many.loc[MODELS[0], "valid_pct_se"] == pytest.approx(float(fit.bse[0]) * 100, abs=1e-7)


def test_all_correct_all_wrong_one_row_and_no_discordance():
    cells = []
    for r in range(4):
        for m, label in (("demo:a", "pos"), ("demo:b", "neg")):
            cells.append({"row": r, "gold_label": "pos", "model": m, "_valid": True, "label": label})
    res = Results.from_rows(cells, fields=["label"], models=MODELS, inputs=["gold_label"], schema=SCHEMA)
    table = res.score("gold_label").set_index("model")
    assert table.loc["demo:a", "accuracy"] == 1.0 and table.loc["demo:b", "accuracy"] == 0.0
    ref = sm_proportion.proportion_confint(4, 4, method="wilson")
    assert (table.loc["demo:a", "accuracy_ci_low"], table.loc["demo:a", "accuracy_ci_high"]) == pytest.approx(
        ref
    )
    assert table.loc["demo:a", "macro_f1_ci_low"] == table.loc["demo:a", "macro_f1_ci_high"] == 1.0
    apart = res.versus("demo:a", "demo:b", truth="gold_label").iloc[0]
    assert (apart["difference"], apart["a_wins"], apart["b_wins"]) == (1.0, 4, 0)
    assert apart["p_value"] == pytest.approx(sm_tables.mcnemar([[0, 4], [0, 0]], exact=True).pvalue)
    alike = [dict(c, label="pos") for c in cells]
    res = Results.from_rows(alike, fields=["label"], models=MODELS, inputs=["gold_label"], schema=SCHEMA)
    same = res.versus("demo:a", "demo:b", truth="gold_label").iloc[0]
    assert (
        same["p_value"] == 1.0
        and same["ci_low"] == same["ci_high"] == 0.0
        and same["a_wins"] == same["b_wins"] == 0
        and np.isnan(same["rows_needed"])
    )
    one = Results.from_rows(cells[:2], fields=["label"], models=MODELS, inputs=["gold_label"], schema=SCHEMA)
    row = one.score("gold_label").set_index("model").loc["demo:a"]
    assert row["n"] == 1 and np.isnan(row["accuracy_se"]) and np.isnan(row["macro_f1_ci_low"])
    assert (row["accuracy_ci_low"], row["accuracy_ci_high"]) == pytest.approx(
        sm_proportion.proportion_confint(1, 1, method="wilson")
    )


def test_the_pretty_score_table_shows_figure_and_interval_as_text_and_the_numbers_stay_numeric():
    res = run(12, rows=30)
    table, pretty = res.score(), res.score(pretty=True)
    assert table["accuracy"].dtype == "float64"
    first = table.iloc[0]
    expected = f"{first['accuracy']:.2f} [{first['accuracy_ci_low']:.2f}, {first['accuracy_ci_high']:.2f}]"
    assert pretty.iloc[0]["accuracy"] == expected
    assert list(pretty.columns) == [
        "arm", "variant", "model", "field", "n", "n_failed", "n_not_run", "accuracy", "macro_f1",
    ]  # fmt: skip


def test_variants_and_samples_survive_save_and_load(tmp_path):
    res = run(13, rows=6)
    back = Results.load(res.save(tmp_path / "r.jsonl"))
    assert back.arms == res.arms and back.df["sample"].dtype == "int64"
    pd.testing.assert_frame_equal(back.score(), res.score())


def test_versus_of_arms_that_share_no_row_says_so_with_nan():
    res = run(14, rows=10, samples=1, variants=False, holes=False)
    df = res.df
    df.loc[(df["model"] == "demo:a") & (df["row"] < 5), "_error_type"] = "cancelled"
    df.loc[(df["model"] == "demo:b") & (df["row"] >= 5), "_error_type"] = "budget"
    cut = Results(df, fields=["label"], models=MODELS, inputs=res.inputs, schema=SCHEMA, truth="gold_label")
    out = cut.versus("demo:a", "demo:b").iloc[0]
    assert out["n_pairs"] == 0 and np.isnan(out["difference"]) and np.isnan(out["ci_low"])
    assert np.isnan(out["p_value"]) and np.isnan(out["rows_needed"])


def test_a_cell_without_a_sample_number_is_refused_clearly():
    res = run(15, rows=3)
    df = res.df.astype({"sample": object})
    df.loc[2, "sample"] = None
    with pytest.raises(ConfigError, match="some cells lack a sample number"):
        Results(df, fields=["label"], models=MODELS, inputs=res.inputs, schema=SCHEMA)

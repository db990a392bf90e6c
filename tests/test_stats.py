"""The statistics of nbconnect._results.stats equal their reference libraries' on seeded cases."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from scipy import stats as st

from nbconnect._results import stats

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")
sm_tables = pytest.importorskip("statsmodels.stats.contingency_tables")
sm_multitest = pytest.importorskip("statsmodels.stats.multitest")
sm_api = pytest.importorskip("statsmodels.api")
sklearn_metrics = pytest.importorskip("sklearn.metrics")
krippendorff = pytest.importorskip("krippendorff")

TOL = 1e-9


# -- Wilson ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 17, 100, 1000])
def test_wilson_equals_statsmodels_for_every_count(n):
    k = np.arange(n + 1)  # includes all-wrong (0) and all-right (n)
    low, high = stats.wilson(k, n)
    ref_low, ref_high = sm_proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=0, atol=TOL)
    np.testing.assert_allclose(high, ref_high, rtol=0, atol=TOL)
    assert low[0] == pytest.approx(0, abs=TOL) and high[-1] == pytest.approx(1, abs=TOL)


def test_wilson_at_other_levels_and_effective_counts_equals_statsmodels():
    for k, n, conf in [(3.4, 7.9, 0.9), (0.0, 2.5, 0.99), (12.25, 12.25, 0.8)]:
        got = stats.wilson(k, n, conf)
        ref = sm_proportion.proportion_confint(k, n, alpha=1 - conf, method="wilson")
        np.testing.assert_allclose(got, ref, rtol=0, atol=TOL)
    assert np.isnan(stats.wilson(0, 0)).all()


def test_wilson_clustered_is_plain_wilson_without_repeats_and_wider_with_correlated_repeats():
    assert stats.wilson_clustered(7, 10, 0.1, 10) == pytest.approx(tuple(stats.wilson(7, 10)), abs=TOL)
    # 10 rows × 3 identical repeats: the information of 10 rows, not 30 cells
    hits = np.repeat([1, 1, 1, 0, 1, 0, 1, 1, 0, 1], 3).astype(float)
    rows = np.repeat(np.arange(10), 3)
    same = stats.wilson_clustered(hits.sum(), 30, stats.clustered_se(hits, rows), 10)
    assert same == pytest.approx(tuple(stats.wilson(7, 10)), abs=TOL)
    # repeats that differ within rows: an effective n between the rows and the cells
    hits[[0, 9, 16]] = 1 - hits[[0, 9, 16]]
    se = stats.clustered_se(hits, rows)
    p = hits.mean()
    n_eff = p * (1 - p) / se**2
    assert 10 < n_eff < 30
    ref = sm_proportion.proportion_confint(p * n_eff, n_eff, method="wilson")
    low, high = stats.wilson_clustered(hits.sum(), 30, se, 10)
    assert (low, high) == pytest.approx(ref, abs=TOL)
    plain = stats.wilson(hits.sum(), 30)
    assert low < plain[0] and high > plain[1]


# -- standard errors ------------------------------------------------------------------------------


def test_clustered_se_by_hand():
    x = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    clusters = np.array(["a", "a", "b", "b", "c"])
    # mean 0.6; per-cluster sums of x - mean: a -0.2, b 0.8, c -0.6
    expected = np.sqrt(3 / 2 * (0.04 + 0.64 + 0.36) / 25)
    assert stats.clustered_se(x, clusters) == pytest.approx(expected, abs=1e-15)
    assert stats.clustered_se(x) == pytest.approx(np.std(x, ddof=1) / np.sqrt(5), abs=1e-15)
    # one cell per cluster is the plain standard error
    assert stats.clustered_se(x, np.arange(5)) == pytest.approx(stats.clustered_se(x), abs=1e-15)
    assert np.isnan(stats.clustered_se(x[:1])) and np.isnan(stats.clustered_se(x, np.zeros(5)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clustered_se_equals_statsmodels_cluster_robust_ols(seed):
    """Intercept-only OLS with cov_type="cluster": statsmodels scales by G/(G−1) · (N−1)/(N−K);
    with K = 1 the second factor is 1, so it is exactly Miller's formula."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 25, size=120)
    x = (rng.random(120) < 0.3 + 0.02 * groups).astype(float)
    fit = sm_api.OLS(x, np.ones((len(x), 1))).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert stats.clustered_se(x, groups) == pytest.approx(float(fit.bse[0]), abs=TOL)


# -- bootstrap ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 5, 123])
def test_bootstrap_of_a_mean_equals_scipy_with_the_same_seed(seed):
    x = np.random.default_rng(seed).gamma(2.0, size=73)
    low, high, se = stats.bootstrap_sums(
        np.column_stack([x, np.ones_like(x)]), lambda s: (s[:, 0] / s[:, 1])[:, None], seed=seed
    )
    ref = st.bootstrap((x,), np.mean, n_resamples=2000, method="percentile", rng=np.random.default_rng(seed))
    assert low[0] == pytest.approx(ref.confidence_interval.low, abs=TOL)
    assert high[0] == pytest.approx(ref.confidence_interval.high, abs=TOL)
    assert se[0] == pytest.approx(ref.standard_error, abs=TOL)


def test_bootstrap_resamples_rows_not_cells():
    """Per-row sums of repeats: the reference draws rows and pools their cells."""
    rng = np.random.default_rng(9)
    cells = rng.random((30, 3)) < 0.6  # 30 rows × 3 repeats
    sums = np.column_stack([cells.sum(axis=1), np.full(30, 3.0)])
    low, high, _ = stats.bootstrap_sums(sums, lambda s: (s[:, 0] / s[:, 1])[:, None], seed=4)
    ref = st.bootstrap(
        (np.arange(30),),
        lambda i: cells[i].mean(),
        vectorized=False,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(4),
    )
    assert (low[0], high[0]) == pytest.approx(tuple(ref.confidence_interval), abs=TOL)


def test_bootstrap_of_several_statistics_draws_rows_once_and_handles_one_row():
    x = np.arange(10.0)
    two = stats.bootstrap_sums(np.column_stack([x, x**2, np.ones(10)]), lambda s: s[:, :2] / s[:, 2:], seed=1)
    alone = stats.bootstrap_sums(np.column_stack([x, np.ones(10)]), lambda s: s[:, :1] / s[:, 1:], seed=1)
    assert two[0][0] == alone[0][0] and two[1][0] == alone[1][0]  # same draws for both statistics
    low, high, se = stats.bootstrap_sums(np.array([[1.0, 1.0]]), lambda s: s[:, :1] / s[:, 1:])
    assert np.isnan(low[0]) and np.isnan(high[0]) and np.isnan(se[0])  # n = 1: no interval


def test_bootstrap_leaves_out_resamples_where_the_statistic_is_undefined():
    # 2 of 12 rows carry a value: some resamples draw neither, their ratio is 0/0
    sums = np.zeros((12, 2))
    sums[[0, 5]] = [[3.0, 1.0], [1.0, 1.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low, high, se = stats.bootstrap_sums(sums, lambda s: s[:, :1] / s[:, 1:], seed=2)
    assert 1.0 <= low[0] <= high[0] <= 3.0 and se[0] > 0


# -- paired tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "c"), [(0, 0), (0, 1), (1, 0), (3, 3), (2, 9), (9, 2), (40, 25), (0, 17), (100, 80)]
)
def test_mcnemar_exact_equals_statsmodels(b, c):
    table = np.array([[11, b], [c, 5]])
    ref = sm_tables.mcnemar(table, exact=True).pvalue
    assert stats.mcnemar_exact(b, c) == pytest.approx(ref, abs=TOL)


def test_mcnemar_on_paired_rows_is_decisive_where_an_unpaired_test_is_not():
    # 100 rows: both right on 50, only A on 10, only B on 1: accuracies 0.60 vs 0.51
    paired = stats.mcnemar_exact(10, 1)
    unpaired = st.fisher_exact([[60, 40], [51, 49]]).pvalue
    assert paired < 0.05 < unpaired


@pytest.mark.parametrize(
    "p",
    [
        [0.01, 0.04, 0.03, 0.2],
        [0.05, 0.05, 0.05],  # ties
        [1.0, 0.9, 0.999],
        [0.0001],
        list(np.random.default_rng(3).random(15)),
    ],
)
def test_holm_equals_statsmodels(p):
    ref = sm_multitest.multipletests(p, alpha=0.05, method="holm")[1]
    np.testing.assert_allclose(stats.holm(np.array(p)), ref, rtol=0, atol=TOL)


def test_holm_keeps_nan_in_place():
    out = stats.holm(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], sm_multitest.multipletests([0.01, 0.04], method="holm")[1])
    assert stats.holm(np.array([])).shape == (0,)


def test_rows_for_power_inverts_the_normal_power_of_mcnemar():
    """At Connor's n the normal approximation of the test's power is 0.8 (before rounding up)."""
    for p_b, p_c in [(0.1, 0.05), (0.2, 0.1), (0.03, 0.12), (0.3, 0.29)]:
        n = stats.rows_for_power(p_b, p_c)
        total, gap = p_b + p_c, abs(p_b - p_c)

        def power(rows: float, total: float = total, gap: float = gap) -> float:
            z = (gap * np.sqrt(rows) - st.norm.isf(0.025) * np.sqrt(total)) / np.sqrt(total - gap**2)
            return float(st.norm.cdf(z))

        assert power(n) >= 0.8 > power(n - 1)
    assert stats.rows_for_power(0.1, 0.1) == np.inf  # equal rates: no number of rows tells them apart
    assert np.isnan(stats.rows_for_power(0.0, 0.0))  # no discordant pair: nothing to go on


# -- agreement ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_cohen_kappa_equals_sklearn(seed):
    rng = np.random.default_rng(seed)
    labels = ["pos", "neg", "neu", "mixed"][: 2 + seed % 3]
    a = rng.choice(labels, size=50)
    b = np.where(rng.random(50) < 0.6, a, rng.choice(labels, size=50))
    ref = sklearn_metrics.cohen_kappa_score(a, b)
    assert stats.cohen_kappa(a, b) == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (["x", "y", "x"], ["x", "y", "x"]),  # perfect
        (["x", "y"], ["y", "x"]),  # perfectly opposed
        (["x", "x", "x"], ["y", "y", "y"]),  # each rater one class
        ([True, False, True, True], [True, True, True, False]),
        ([1, 2, 3], [1, 2, 2]),
    ],
)
def test_cohen_kappa_edge_cases_equal_sklearn(a, b):
    assert stats.cohen_kappa(np.array(a, dtype=object), np.array(b, dtype=object)) == pytest.approx(
        sklearn_metrics.cohen_kappa_score(a, b), abs=TOL
    )


def test_cohen_kappa_is_nan_where_sklearn_says_undefined():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about the single label
        assert np.isnan(sklearn_metrics.cohen_kappa_score(["x", "x"], ["x", "x"]))
    assert np.isnan(stats.cohen_kappa(np.array(["x", "x"]), np.array(["x", "x"])))
    assert np.isnan(stats.cohen_kappa(np.array([]), np.array([])))


def test_krippendorff_alpha_on_krippendorffs_own_example():
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 coders × 12 units,
    nominal: alpha = 0.743."""
    nan = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    answers = np.array([[f"label {v}" if v else None for v in r] for r in data], dtype=object)
    present = np.array([[v is not None for v in r] for r in data])
    assert round(stats.krippendorff_alpha(answers, present), 3) == 0.743
    numeric = np.array([[np.nan if v is None else v for v in r] for r in data], dtype=float)
    ref = krippendorff.alpha(reliability_data=numeric, level_of_measurement="nominal")
    assert stats.krippendorff_alpha(answers, present) == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize("seed", range(4))
def test_krippendorff_alpha_equals_the_package_with_missing_answers(seed):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, size=(3, 40)).astype(float)
    codes[1] = np.where(rng.random(40) < 0.7, codes[0], codes[1])
    present = rng.random((3, 40)) > 0.15
    data = np.where(present, codes, np.nan)
    answers = np.array([[["a", "b", "c"][int(v)] for v in row] for row in codes], dtype=object)
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert stats.krippendorff_alpha(answers, present) == pytest.approx(ref, abs=TOL)


def test_krippendorff_alpha_is_nan_with_one_label_or_no_overlap():
    same = np.array([["a", "a"], ["a", "a"]], dtype=object)
    assert np.isnan(stats.krippendorff_alpha(same, np.ones((2, 2), dtype=bool)))
    apart = np.array([[True, False], [False, True]])
    assert np.isnan(stats.krippendorff_alpha(np.array([["a", "b"], ["b", "a"]], dtype=object), apart))


def test_every_pair_of_small_tables_matches_statsmodels_mcnemar():
    for b, c in itertools.product(range(6), repeat=2):
        ref = sm_tables.mcnemar([[0, b], [c, 0]], exact=True).pvalue
        assert stats.mcnemar_exact(b, c) == pytest.approx(ref, abs=TOL)

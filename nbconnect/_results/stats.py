"""The statistics behind error bars and comparisons: pure functions on numpy arrays.

The conventions are the project's statistics notes (shared with the Experiments issue); the
heavy lifting is done by scipy (``binomtest``, ``bootstrap``, ``norm``) and the ``krippendorff``
package. What is written here is either a closed form (Wilson, Holm, Cohen's kappa, the clustered
standard error, Connor's sample size) or the glue that feeds those libraries; every figure is
checked against statsmodels / scikit-learn / scipy in ``tests/test_stats.py``.

Repeats: a row answered several times is one *cluster*. Callers give per-row (per-cluster)
sums, so that bootstraps resample rows and never cells.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "CONFIDENCE",
    "N_RESAMPLES",
    "SEED",
    "bootstrap_sums",
    "clustered_se",
    "cohen_kappa",
    "holm",
    "krippendorff_alpha",
    "mcnemar_exact",
    "rows_for_power",
    "wilson",
    "wilson_clustered",
]

CONFIDENCE = 0.95
#: fixed so that a rerun prints the same interval
SEED = 20240917
N_RESAMPLES = 2000
_ROUND = 12  # decimals kept of a bootstrap interval's ends: far below any figure shown, above float noise
#: resamples per batch: bounds the (batch × rows) weight matrix to a few tens of MB
_BATCH_CELLS = 4_000_000


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use: it takes about a second, and ``import nbconnect``
    should not pay for it before any statistic is asked for."""
    from scipy import stats

    return stats


def _z(confidence: float) -> float:
    return float(_scipy_stats().norm.isf((1 - confidence) / 2))


def wilson(
    k: float | np.ndarray, n: float | np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes in ``n`` trials (arrays broadcast; ``k`` and
    ``n`` may be non-integer effective counts). NaN where ``n`` is 0. Same figures as
    ``statsmodels.stats.proportion.proportion_confint(k, n, method="wilson")``."""
    k, n = np.asarray(k, dtype="float64"), np.asarray(n, dtype="float64")
    z2 = _z(confidence) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z2 / n
        center = (p + z2 / (2 * n)) / denom
        half = np.sqrt(z2) * np.sqrt(p * (1 - p) / n + z2 / (4 * n**2)) / denom
    return center - half, center + half


def clustered_se(x: np.ndarray, clusters: np.ndarray | None = None) -> float:
    """Standard error of ``mean(x)``. Without clusters: ``std(ddof=1) / sqrt(n)``. With
    ``clusters`` (one label per value, e.g. the row of each repeat): Miller (2024) appendix A,
    SE² = C/(C−1) · Σ_c (Σ_{i∈c} (x_i − x̄))² / n², which equals the intercept-only OLS
    cluster-robust variance of statsmodels (its factor (N−1)/(N−K) is 1 for K = 1). NaN with
    fewer than two values or clusters."""
    x = np.asarray(x, dtype="float64")
    n = len(x)
    if n < 2:
        return float("nan")
    if clusters is None:
        return float(np.std(x, ddof=1) / np.sqrt(n))
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    per = np.bincount(codes, weights=x - x.mean())
    c = len(per)
    if c < 2:
        return float("nan")
    return float(np.sqrt(c / (c - 1) * np.sum(per**2) / n**2))


def wilson_clustered(
    k: float, n: int, se: float, n_clusters: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson interval for a proportion ``k / n`` of cells that come in ``n_clusters`` clusters
    (repeats of a row), using the effective sample size p(1−p)/SE² implied by the clustered
    ``se`` (Korn & Graubard's design-effect adjustment), kept between the number of clusters and
    the number of cells. With one cell per cluster it is the plain Wilson interval."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    if n_clusters >= n or not np.isfinite(se) or se <= 0:
        n_eff = float(n if n_clusters >= n else n_clusters)
    else:
        n_eff = float(np.clip(p * (1 - p) / se**2, n_clusters, n))
    low, high = wilson(p * n_eff, n_eff, confidence)
    return float(low), float(high)


def bootstrap_sums(
    sums: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    seed: int = SEED,
    n_resamples: int = N_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile bootstrap over rows (clusters) with ``scipy.stats.bootstrap``.

    ``sums`` is (rows × m): per row, additive quantities (hits, counts per class, absolute errors
    and their count...), summed over the row's repeats. ``statistic`` maps column totals
    (resamples × m) to statistics (resamples × k); the rows are resampled once for all k
    statistics. Returns ``(low, high, standard_error)``, each of length k; NaN with fewer than
    two rows, and where a statistic is undefined in every resample. Resamples where a statistic
    is undefined (no valid cell drawn) are left out of its percentiles.
    """
    sums = np.asarray(sums, dtype="float64")
    rows = len(sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = statistic(sums.sum(axis=0, keepdims=True)).shape[-1]
    if rows < 2:
        nan = np.full(k, np.nan)
        return nan, nan.copy(), nan.copy()

    def on_indices(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        idx = np.atleast_2d(idx)
        b = len(idx)
        offsets = (np.arange(b) * rows)[:, None]
        weights = np.bincount((idx + offsets).ravel(), minlength=b * rows).reshape(b, rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            return statistic(weights @ sums).T  # (k, b): scipy wants resamples on the last axis

    batch = max(1, min(n_resamples, _BATCH_CELLS // rows))
    _st = _scipy_stats()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _st.DegenerateDataWarning)  # handled below
        res = _st.bootstrap(
            (np.arange(rows),),
            on_indices,
            vectorized=True,
            n_resamples=n_resamples,
            batch=batch,
            method="percentile",
            confidence_level=confidence,
            rng=np.random.default_rng(seed),
        )
    low = np.atleast_1d(np.asarray(res.confidence_interval.low, dtype="float64")).copy()
    high = np.atleast_1d(np.asarray(res.confidence_interval.high, dtype="float64")).copy()
    dist = np.atleast_2d(res.bootstrap_distribution)
    se = np.atleast_1d(np.asarray(res.standard_error, dtype="float64")).copy()
    gaps = np.isnan(low) | np.isnan(high) | np.isnan(se)
    for j in np.flatnonzero(gaps):
        defined = dist[j][~np.isnan(dist[j])]
        if len(defined) >= 2:
            alpha = (1 - confidence) / 2
            low[j], high[j] = np.quantile(defined, [alpha, 1 - alpha])
            se[j] = np.std(defined, ddof=1)
    # sums of fractions (a row's mean over repeats) leave float noise: an end that is exactly "no
    # difference" came out as 2.8e-18, and `ci_low > 0` then reads as a significant difference
    return np.round(low, _ROUND), np.round(high, _ROUND), se


def mcnemar_exact(b: int, c: int) -> float:
    """Exact McNemar p-value on the discordant counts (``b``: A right and B wrong, ``c``: the
    reverse): the two-sided binomial test of b in b + c at 0.5; 1.0 when b + c = 0."""
    if b + c == 0:
        return 1.0
    return float(_scipy_stats().binomtest(int(b), int(b + c), 0.5).pvalue)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order (NaN stays NaN): sort ascending,
    multiply the i-th smallest by (m − i + 1), take the running maximum, cap at 1."""
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    vals = p[ok]
    m = len(vals)
    if m == 0:
        return out
    order = np.argsort(vals, kind="stable")
    adjusted = np.minimum(np.maximum.accumulate(vals[order] * (m - np.arange(m))), 1.0)
    back = np.empty(m)
    back[order] = adjusted
    out[ok] = back
    return out


def _codes(*columns: np.ndarray) -> list[np.ndarray]:
    """Integer codes shared by all columns (values compared with ==, hashable)."""
    table: dict[object, int] = {}
    return [np.array([table.setdefault(v, len(table)) for v in col], dtype="int64") for col in columns]


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two raters' labels over the same items, as
    ``sklearn.metrics.cohen_kappa_score`` (unweighted): 1 − Σ off-diagonal observed / Σ
    off-diagonal expected. NaN when no item or when chance agreement is certain."""
    if len(a) == 0:
        return float("nan")
    ca, cb = _codes(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    k = int(max(ca.max(), cb.max())) + 1
    observed = np.bincount(ca * k + cb, minlength=k * k).reshape(k, k).astype("float64")
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    off = ~np.eye(k, dtype=bool)
    disagree_expected = expected[off].sum()
    if disagree_expected == 0:
        return float("nan")
    return float(1 - observed[off].sum() / disagree_expected)


def krippendorff_alpha(answers: np.ndarray, present: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) over raters × items with the ``krippendorff`` package.
    ``answers`` holds hashable labels, ``present`` says which are given (missing answers are
    allowed). NaN when fewer than two distinct labels or no item has two answers."""
    import krippendorff

    answers = np.asarray(answers, dtype=object)
    present = np.asarray(present, dtype=bool)
    given = answers[present]
    if len(given) == 0:
        return float("nan")
    (codes,) = _codes(given)
    data = np.full(answers.shape, np.nan)
    data[present] = codes
    if len(np.unique(codes)) < 2 or not ((~np.isnan(data)).sum(axis=0) >= 2).any():
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def rows_for_power(p_b: float, p_c: float, power: float = 0.8, alpha: float = 0.05) -> float:
    """Rough number of paired rows for a two-sided McNemar test to detect discordant rates
    ``p_b`` vs ``p_c`` (shares of all pairs) with the given power (Connor 1987):
    n = (z_{1−α/2} √(p_b+p_c) + z_{power} √(p_b+p_c − (p_b−p_c)²))² / (p_b−p_c)², rounded up.
    NaN without discordant pairs; inf when p_b = p_c (no number of rows would do)."""
    total, gap = p_b + p_c, p_b - p_c
    if total <= 0:
        return float("nan")
    if gap == 0:
        return float("inf")
    norm = _scipy_stats().norm
    za, zb = float(norm.isf(alpha / 2)), float(norm.ppf(power))
    n = (za * np.sqrt(total) + zb * np.sqrt(max(total - gap**2, 0.0))) ** 2 / gap**2
    return float(np.ceil(n))

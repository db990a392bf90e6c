"""``Results.plot``: cost against accuracy (or valid %) per arm, with 95% interval whiskers and the
cost–accuracy frontier, and latency per arm; from ``summary()`` (plus the interval columns)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["figure", "frontier"]


def frontier(cost: pd.Series, quality: pd.Series) -> list[Any]:
    """The arms no other arm beats on both counts (cheaper or as cheap, and better), by cost:
    what each extra dollar buys. Ties in cost keep the better arm only."""
    order = sorted(cost.index, key=lambda a: (cost[a], -quality[a]))
    best, out = -np.inf, []
    for arm in order:
        if pd.notna(quality[arm]) and quality[arm] > best:
            out.append(arm)
            best = quality[arm]
    return out


def figure(s: pd.DataFrame) -> Any:
    """The two-panel Figure of :meth:`Results.plot` for the summary table ``s``; whiskers from
    ``accuracy_ci_low`` / ``accuracy_ci_high`` (fractions) when ``s`` has them, else from the
    valid % interval."""
    try:
        from matplotlib.figure import Figure

        if threading.current_thread() is threading.main_thread():
            # importing pyplot switches on a notebook's inline display of figures; it is not
            # used to draw, so a background thread (the Playground's) never touches its state
            import matplotlib.pyplot  # noqa: F401
    except ImportError as exc:
        raise ImportError("Results.plot() needs matplotlib: pip install matplotlib") from exc
    use_truth = "accuracy" in s.columns
    quality = s["accuracy"] * 100 if use_truth else s["valid_pct"]
    low, high = _whiskers(s, use_truth)
    # A bare Figure, not pyplot: no global state, safe from the widgets' background thread, and
    # notebooks still display it (and savefig renders it) whatever the backend.
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    cost = s["cost_usd"].fillna(0.0)
    left.errorbar(
        cost,
        quality,
        yerr=[(quality - low).clip(lower=0), (high - quality).clip(lower=0)],
        fmt="o",
        capsize=3,
        label="95% interval",
    )
    best = frontier(cost, quality)
    if len(best) > 1:
        left.plot(cost[best], quality[best], "--", color="grey", linewidth=1, label="cost–accuracy frontier")
    left.legend(fontsize=8, loc="lower right")
    for m in s.index:
        note = " (cost unknown)" if pd.isna(s.loc[m, "cost_usd"]) else ""
        left.annotate(
            f"{m}{note}", (cost[m], quality[m]), textcoords="offset points", xytext=(4, 4), fontsize=8
        )
    left.set_xlabel("cost (USD)")
    left.set_ylabel("accuracy (%)" if use_truth else "valid answers (%) — no truth given")
    left.set_title("cost vs accuracy" if use_truth else "cost vs valid %")
    x = np.arange(len(s))
    right.bar(x - 0.2, s["latency_p50"], width=0.4, label="p50")
    right.bar(x + 0.2, s["latency_p95"], width=0.4, label="p95")
    right.set_xticks(x, list(s.index), rotation=30, ha="right", fontsize=8)
    right.set_ylabel("latency (s)")
    right.set_title("latency per " + str(s.index.name or "model"))
    right.legend()
    return fig


def _whiskers(s: pd.DataFrame, use_truth: bool) -> tuple[pd.Series, pd.Series]:
    """The interval ends in percent: accuracy's when given, else valid %'s, else none (NaN)."""
    if use_truth and {"accuracy_ci_low", "accuracy_ci_high"} <= set(s.columns):
        return s["accuracy_ci_low"] * 100, s["accuracy_ci_high"] * 100
    if not use_truth and {"valid_pct_ci_low", "valid_pct_ci_high"} <= set(s.columns):
        return s["valid_pct_ci_low"], s["valid_pct_ci_high"]
    nothing = pd.Series(np.nan, index=s.index)
    return nothing, nothing

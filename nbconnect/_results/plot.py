"""``Results.plot``: cost against accuracy (or valid %) and latency per model, from ``summary()``."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["figure"]


def figure(s: pd.DataFrame) -> Any:
    """The two-panel Figure of :meth:`Results.plot` for the summary table ``s``."""
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
    # A bare Figure, not pyplot: no global state, safe from the widgets' background thread, and
    # notebooks still display it (and savefig renders it) whatever the backend.
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    cost = s["cost_usd"].fillna(0.0)
    left.scatter(cost, quality)
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
    right.set_title("latency per model")
    right.legend()
    return fig

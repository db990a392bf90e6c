"""The Playground's plot: quality against cost, and latency, per model, drawn from its summary.

Drawn from the summary the widget shows (answered cells only), so the picture and the table agree.
Readable in the cases a plain plot is not: one model (few ticks, a 0–100 % axis, the legend off
the bars), every call failed (no negative cost, a note instead of empty axes), labels that stay
inside the frame, and the notebook's dark theme (transparent background, light ink).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["INK", "figure", "plot_png"]

#: text, axes and grid colours per notebook theme; the background is always transparent
INK = {
    "light": {"text": "#1f1f1f", "grid": "#d0d0d0"},
    "dark": {"text": "#e0e0e0", "grid": "#555555"},
}
BARS = ("#4c8bd6", "#e08a3c")  # p50, p95: readable on white and on JupyterLab's dark grey


def plot_png(summary: pd.DataFrame, *, theme: str = "light") -> str:
    """The plot as a PNG data URL ("" without matplotlib)."""
    try:
        fig = figure(summary, theme=theme)
    except ImportError:
        return ""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, transparent=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def figure(summary: pd.DataFrame, *, theme: str = "light") -> Any:
    """A matplotlib Figure (not pyplot: nothing global, safe on the widgets' background thread)."""
    from matplotlib.figure import Figure

    ink = INK.get(theme, INK["light"])
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    fig.patch.set_alpha(0.0)
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        _style(ax, ink)
    _quality(left, summary, ink)
    _latency(right, summary, ink)
    return fig


def _style(ax: Any, ink: dict[str, str]) -> None:
    ax.set_facecolor("none")
    ax.tick_params(colors=ink["text"], labelsize=8)
    for spine in ax.spines.values():
        spine.set_color(ink["grid"])
    ax.xaxis.label.set_color(ink["text"])
    ax.yaxis.label.set_color(ink["text"])
    ax.grid(True, color=ink["grid"], linewidth=0.5, alpha=0.6)
    ax.set_axisbelow(True)


def _quality(ax: Any, s: pd.DataFrame, ink: dict[str, str]) -> None:
    """Cost (x, from 0) against accuracy or valid % (y, 0–100), each point named inside the frame."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    use_truth = "accuracy" in s.columns and s["accuracy"].notna().any()
    quality = (s["accuracy"] * 100) if use_truth else s["valid_pct"]
    cost = s["cost_usd"].astype(float).fillna(0.0).clip(lower=0.0)
    top = float(cost.max()) * 1.25 if len(cost) and cost.max() > 0 else 0.001
    ax.set_xlim(0.0, top)
    ax.set_ylim(0.0, 109.0)  # the headroom keeps a label above a 100 % point inside the frame
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=2))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"${v:.2g}" if v else "$0"))
    ax.set_xlabel("cost of the answered cells (USD)")
    ax.set_ylabel("accuracy (%)" if use_truth else "valid answers (%)")
    ax.set_title("cost vs accuracy" if use_truth else "cost vs valid % (no truth given)", color=ink["text"])
    shown = quality.notna()
    ax.scatter(cost[shown], quality[shown], color=BARS[0], zorder=3)
    spots: dict[tuple[float, float], list[str]] = {}  # models on the same spot share one label
    for m in s.index[shown]:
        note = " (cost unknown)" if pd.isna(s.loc[m, "cost_usd"]) else ""
        spots.setdefault((float(cost[m]), float(quality[m])), []).append(f"{m}{note}")
    for (x, y), names in spots.items():
        right_half = x > top / 2
        ax.annotate(
            ", ".join(names),
            (x, y),
            textcoords="offset points",
            xytext=(-5 if right_half else 5, -10 if y > 90 else 5),
            ha="right" if right_half else "left",
            fontsize=8,
            color=ink["text"],
            annotation_clip=True,
        )
    if not shown.any():
        _note(ax, "no answers to score yet", ink)


def _latency(ax: Any, s: pd.DataFrame, ink: dict[str, str]) -> None:
    """Latency p50 / p95 bars per model, the legend above the frame (never over a bar)."""
    x = np.arange(len(s))
    p50 = s["latency_p50"].astype(float)
    p95 = s["latency_p95"].astype(float)
    ax.bar(x - 0.2, p50.fillna(0.0), width=0.4, label="p50", color=BARS[0])
    ax.bar(x + 0.2, p95.fillna(0.0), width=0.4, label="p95", color=BARS[1])
    ax.set_xlim(-0.7, len(s) - 0.3)
    many = len(s) > 3
    ax.set_xticks(x, [str(m) for m in s.index], rotation=25 if many else 0, ha="right" if many else "center")
    highest = float(np.nanmax(p95.to_numpy())) if p95.notna().any() else 0.0
    ax.set_ylim(0.0, highest * 1.15 if highest > 0 else 1.0)
    ax.set_ylabel("latency (s)")
    ax.set_title("latency per model", loc="left", color=ink["text"])
    legend = ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False, fontsize=8)
    for text in legend.get_texts():
        text.set_color(ink["text"])
    if not p50.notna().any():
        _note(ax, "no call answered: no latency to show", ink)


def _note(ax: Any, text: str, ink: dict[str, str]) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=ink["text"], fontsize=9)

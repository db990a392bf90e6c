"""The comparison plots as inline SVG text: cost against score (with interval whiskers) and latency.

Pure functions from per-arm figures to an ``<svg>`` string: no matplotlib, no JavaScript, no
network. The report embeds them as they are; a widget can put the same text into its DOM. Colours
come from CSS custom properties with light-theme fallbacks (``--nbc-fg``, ``--nbc-muted``,
``--nbc-border``), so a page that defines them for a dark theme restyles the plots too. Each arm is
a ``<g class="nbc-arm" data-arm=...>`` with a ``<title>`` (the hover text: score with interval,
cost, latency p50/p95, n), so browsers show details on hover without any script.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import arms as _arms
from . import stats

if TYPE_CHECKING:
    from .results import Results

__all__ = ["ArmPoint", "arm_points", "cost_score_svg", "latency_svg", "money", "valid_share"]

#: one colour per arm (Tableau 10): readable on white and on a dark background alike
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7")
STYLE = (
    "<style>.nbc-plot{font:12px system-ui,sans-serif;color:var(--nbc-fg,#1f1f1f)}"
    ".nbc-plot .axis{stroke:var(--nbc-border,#b0b0b0)}.nbc-plot .grid{stroke:var(--nbc-border,#e0e0e0);"
    "stroke-dasharray:2 3}.nbc-plot text{fill:currentColor}.nbc-plot .muted{fill:var(--nbc-muted,#616161)}"
    ".nbc-plot .nbc-arm:hover{opacity:.75}</style>"
)


@dataclass(frozen=True)
class ArmPoint:
    """One arm's figures for the plots; NaN where unknown."""

    arm: str
    score: float  # 0..1: accuracy on the scored field, or the share of valid answers without truth
    low: float  # 95% interval of ``score``
    high: float
    n: int  # cells the score counts
    cost_usd: float
    latency_p50: float
    latency_p95: float


def money(x: float) -> str:
    """US dollars as the widgets write them (js/format.js): two decimals from 0.1 up, three
    significant digits below, "–" when unknown."""
    if x is None or not np.isfinite(x):
        return "–"
    if x == 0:
        return "$0"
    text = f"{abs(x):.2f}" if abs(x) >= 0.1 else np.format_float_positional(float(f"{abs(x):.3g}"), trim="-")
    return f"-${text}" if x < 0 else f"${text}"


def _arm_costs(results: Results) -> pd.DataFrame:
    """Per arm: cost (sum; NaN when no cell knows it) and latency p50 / p95 of the cells sent."""
    df = results.df
    arm = _arms.arm_labels(df)
    ran = ~df["_error_type"].isin(_arms.NOT_RUN)
    out = pd.DataFrame(index=pd.Index(results.arms, name="arm"))
    out["cost_usd"] = df["_cost_usd"].groupby(arm).sum(min_count=1)
    latency = df.loc[ran, "_latency_s"].groupby(arm[ran]).quantile([0.5, 0.95]).unstack()
    for q, name in ((0.5, "latency_p50"), (0.95, "latency_p95")):
        out[name] = latency[q] if len(latency) else np.nan
    return out


def arm_points(results: Results, truth: Any = None, field: str | None = None) -> tuple[list[ArmPoint], str]:
    """The plots' figures per arm, and what the score is (``"accuracy on sentiment"`` or
    ``"valid answers"``). With a truth (given, or ``results.truth``) the score is the accuracy of
    ``field`` (default: the first field scored) with its Wilson interval from :meth:`Results.score`;
    without, the share of valid answers among the cells sent, with its Wilson interval."""
    costs = _arm_costs(results)
    scores = _score_rows(results, truth, field)
    label = "valid answers"
    if scores is not None:
        label = f"accuracy on {scores['field'].iloc[0]}"
        key = "arm" if "arm" in scores.columns else "model"
        table = scores.set_index(key)[["accuracy", "accuracy_ci_low", "accuracy_ci_high", "n"]]
    else:
        table = valid_share(results)
    table = table.reindex(costs.index)
    points = [
        ArmPoint(
            arm=str(arm),
            score=float(table.loc[arm].iloc[0]),
            low=float(table.loc[arm].iloc[1]),
            high=float(table.loc[arm].iloc[2]),
            n=0 if pd.isna(table.loc[arm].iloc[3]) else int(table.loc[arm].iloc[3]),
            cost_usd=float(costs.loc[arm, "cost_usd"]),
            latency_p50=float(costs.loc[arm, "latency_p50"]),
            latency_p95=float(costs.loc[arm, "latency_p95"]),
        )
        for arm in costs.index
    ]
    return points, label


def _score_rows(results: Results, truth: Any, field: str | None) -> pd.DataFrame | None:
    if truth is None and results.truth is None:
        return None
    table = results.score(truth, field=field)
    if not len(table):
        return None
    chosen = field if field is not None else table["field"].iloc[0]
    return table.loc[table["field"] == chosen]


def valid_share(results: Results) -> pd.DataFrame:
    """Per arm (index): ``score`` (share of the cells sent that hold a valid answer), its 95%
    Wilson ``low`` / ``high``, and ``n`` (cells sent)."""
    df = results.df
    arm = _arms.arm_labels(df)
    ran = ~df["_error_type"].isin(_arms.NOT_RUN)
    k = df.loc[ran, "_valid"].groupby(arm[ran]).sum()
    n = ran.groupby(arm).sum()
    k = k.reindex(n.index, fill_value=0)
    low, high = stats.wilson(k.to_numpy(), n.to_numpy())
    share = k / n.where(n > 0)
    return pd.DataFrame({"score": share, "low": low, "high": high, "n": n}, index=n.index)


# -- drawing ------------------------------------------------------------------------------------


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if not np.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x * 100:.1f}%"


def _secs(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:.{1 if x >= 10 else 3}f} s"


def hover_text(p: ArmPoint, label: str) -> str:
    """What hovering an arm shows: score with interval, cost, latency p50/p95, n."""
    interval = f" [{_pct(p.low)}, {_pct(p.high)}]" if np.isfinite(p.low) else ""
    return (
        f"{p.arm}\n{label}: {_pct(p.score)}{interval}\ncost: {money(p.cost_usd)}\n"
        f"latency p50 {_secs(p.latency_p50)} · p95 {_secs(p.latency_p95)}\nn = {p.n}"
    )


def _frame(width: int, height: int, title: str, body: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="nbc-plot" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{STYLE}'
        + "".join(body)
        + "</svg>"
    )


def cost_score_svg(points: Sequence[ArmPoint], label: str, *, width: int = 560, height: int = 340) -> str:
    """Cost (x, USD) against score (y, 0–100%) per arm: a dot with its 95% interval as a whisker.
    Arms whose cost is unknown sit at x = 0 as hollow dots, their label saying so."""
    left, right, top, bottom = 60, 20, 28, 46
    pw, ph = width - left - right, height - top - bottom
    costs = [p.cost_usd for p in points if np.isfinite(p.cost_usd)]
    xticks = _ticks(max(costs, default=0.0) * 1.1)
    x_max = xticks[-1]

    def sx(v: float) -> float:
        return left + (v / x_max if np.isfinite(v) else 0.0) * pw

    def sy(v: float) -> float:
        return top + (1 - min(max(v, 0.0), 1.0)) * ph

    body = [f'<text x="{left}" y="16" font-weight="600">cost vs {escape(label)}</text>']
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = sy(t)
        body.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(
            f'<text class="muted" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{t * 100:.0f}%</text>'
        )
    for t in xticks:
        x = sx(t)
        body.append(f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 4}"/>')
        body.append(
            f'<text class="muted" x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">{money(t)}</text>'
        )
    body.append(f'<line class="axis" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    body.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}"/>')
    body.append(
        f'<text class="muted" x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">cost (USD)</text>'
    )
    for i, p in enumerate(points):
        body.append(_arm_dot(p, label, PALETTE[i % len(PALETTE)], sx(p.cost_usd), sy, left + pw))
    return _frame(width, height, f"cost vs {label} per arm", body)


def _arm_dot(p: ArmPoint, label: str, colour: str, x: float, sy: Any, x_end: float) -> str:
    known = np.isfinite(p.cost_usd)
    parts = [f'<g class="nbc-arm" data-arm="{escape(p.arm)}"><title>{escape(hover_text(p, label))}</title>']
    if np.isfinite(p.low) and np.isfinite(p.high):
        y0, y1 = sy(p.low), sy(p.high)
        parts.append(
            f'<line class="nbc-whisker" x1="{x:.1f}" x2="{x:.1f}" y1="{y0:.1f}" y2="{y1:.1f}" stroke="{colour}" stroke-width="2"/>'
        )
        for y in (y0, y1):
            parts.append(
                f'<line x1="{x - 4:.1f}" x2="{x + 4:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="2"/>'
            )
    if np.isfinite(p.score):
        y = sy(p.score)
        fill = colour if known else "none"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
        )
        note = "" if known else " (cost unknown)"
        anchor, dx = ("end", -8) if x > x_end - 120 else ("start", 8)
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y - 6:.1f}" text-anchor="{anchor}">{escape(p.arm + note)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def latency_svg(points: Sequence[ArmPoint], label: str = "score", *, width: int = 560) -> str:
    """Latency per arm: a bar for p50 and a lighter one for p95, in seconds."""
    label_w, right, top, row_h = 170, 90, 28, 30
    height = top + row_h * max(1, len(points)) + 34
    pw = width - label_w - right
    ticks = _ticks(max([p.latency_p95 for p in points if np.isfinite(p.latency_p95)], default=0.0))
    x_max = ticks[-1]
    body = ['<text x="8" y="16" font-weight="600">latency per arm (p50, p95)</text>']
    base = top + row_h * max(1, len(points))
    for t in ticks:
        x = label_w + t / x_max * pw
        body.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{base}"/>')
        body.append(f'<text class="muted" x="{x:.1f}" y="{base + 14}" text-anchor="middle">{t:g}</text>')
    body.append(
        f'<text class="muted" x="{label_w + pw / 2}" y="{height - 4}" text-anchor="middle">seconds</text>'
    )
    for i, p in enumerate(points):
        y = top + i * row_h
        colour = PALETTE[i % len(PALETTE)]
        short = p.arm if len(p.arm) <= 24 else p.arm[:23] + "…"
        bars = [
            f'<g class="nbc-arm" data-arm="{escape(p.arm)}"><title>{escape(hover_text(p, label))}</title>'
        ]
        bars.append(f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end">{escape(short)}</text>')
        for value, dy, opacity, name in ((p.latency_p50, 4, 1.0, "p50"), (p.latency_p95, 15, 0.45, "p95")):
            w = (value / x_max * pw) if np.isfinite(value) else 0.0
            bars.append(
                f'<rect class="nbc-bar-{name}" x="{label_w}" y="{y + dy}" width="{w:.1f}" height="10" '
                f'fill="{colour}" fill-opacity="{opacity}"/>'
            )
            bars.append(
                f'<text class="muted" x="{label_w + w + 4:.1f}" y="{y + dy + 9}">{name} {_secs(value)}</text>'
            )
        bars.append("</g>")
        body.append("".join(bars))
    return _frame(width, height, "latency per arm", body)

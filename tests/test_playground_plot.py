"""The Playground's plot stays readable: one model, every call failed, labels at the edges, dark theme."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread

from nbconnect._widgets.playground_plot import INK, figure, plot_png


def summary(rows: dict[str, dict]) -> pd.DataFrame:
    base = {"answered": 40, "not_run": 0, "valid_pct": 100.0, "accuracy": 0.9, "latency_p50": 0.4,
            "latency_p95": 0.6, "cost_usd": 0.0012}  # fmt: skip
    return pd.DataFrame([{**base, **r} for r in rows.values()], index=pd.Index(list(rows), name="model"))


def drawn(s: pd.DataFrame, theme: str = "light"):
    fig = figure(s, theme=theme)
    FigureCanvasAgg(fig).draw()
    left, right = fig.axes
    return fig.canvas.get_renderer(), left, right


def overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def tick_labels(ax, renderer, axis: str = "x"):
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_window_extent(renderer) for t in labels if t.get_text() and t.get_visible()]


def test_one_model_ticks_apart_percent_axis_whole_legend_off_the_bars():
    renderer, left, right = drawn(summary({"gpt-4.1-mini": {"accuracy": 1.0}}))
    low, high = left.get_ylim()
    assert low == 0 and high >= 100  # not a 96-104 % window around the one point
    for ax in (left, right):
        boxes = tick_labels(ax, renderer)
        assert all(not overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]), ax.get_title()
    legend = right.get_legend().get_window_extent(renderer)
    for bar in right.patches:
        assert not overlaps(legend, bar.get_window_extent(renderer))


def test_all_calls_failed_no_negative_cost_and_a_note_instead_of_empty_axes():
    failed = {"answered": 40, "valid_pct": 0.0, "accuracy": np.nan, "latency_p50": np.nan, "latency_p95": np.nan,
              "cost_usd": np.nan}  # fmt: skip
    _, left, right = drawn(summary({"a": failed, "b": failed}))
    assert left.get_xlim()[0] >= 0
    assert all(v >= 0 for v in left.get_xticks() if left.get_xlim()[0] <= v <= left.get_xlim()[1])
    assert right.get_ylim()[0] >= 0
    notes = [t.get_text() for t in right.texts]
    assert any("no call answered" in n for n in notes)


def test_point_labels_stay_inside_the_frame():
    s = summary({
        "a-model-with-a-long-name": {"accuracy": 1.0, "cost_usd": 0.05},
        "cheap": {"accuracy": 0.98, "cost_usd": 0.0},
        "mid": {"accuracy": 0.5, "cost_usd": 0.02},
    })  # fmt: skip
    renderer, left, _ = drawn(s)
    frame = left.get_window_extent(renderer)
    assert len(left.texts) == 3
    for label in left.texts:
        box = label.get_window_extent(renderer)
        inside = (
            frame.x0 - 1 <= box.x0
            and box.x1 <= frame.x1 + 1
            and frame.y0 - 1 <= box.y0
            and box.y1 <= frame.y1 + 1
        )
        assert inside, (label.get_text(), box, frame)


def test_dark_theme_transparent_background_and_light_ink():
    s = summary({"a": {}, "b": {"accuracy": 0.5}})
    _, left, right = drawn(s, theme="dark")
    assert left.get_xticklabels()[0].get_color() == INK["dark"]["text"]
    assert left.title.get_color() == right._left_title.get_color() == INK["dark"]["text"]
    png = plot_png(s, theme="dark")
    pixels = imread(io.BytesIO(base64.b64decode(png.split(",", 1)[1])))
    assert pixels.shape[2] == 4
    alpha = pixels[..., 3]
    assert (alpha == 0).mean() > 0.6  # the notebook's background shows through, not a white card
    greys = pixels[(alpha > 0.9) & (np.ptp(pixels[..., :3], axis=2) < 0.05)][:, 0]  # text, ticks, grid
    assert (greys > 0.8).sum() > 200  # light text...
    assert (greys < 0.2).sum() == 0  # ...and nothing in black, which the dark page would swallow

"""``Results.report()`` opened in Chromium with the network cut off: everything still shows.

Every request that is not for the file itself is aborted (and counted: there must be none), then
the score table, the plots (drawn, with a size) and the per-row table are checked on the page.
"""

from __future__ import annotations

import pytest
from lab import artifact, assert_no_page_errors
from playwright_api import expect

import nbconnect as nbc
from nbconnect.data import reviews

pytestmark = [pytest.mark.browser]

MODELS = ["demo:demo-fast", "demo:demo-careful"]


def test_report_renders_offline(page, tmp_path):
    results = nbc.run(
        "Classify this {product} review: {text}",
        data=reviews().head(20),
        schema="sentiment: positive|negative|neutral, confidence: float",
        models=MODELS,
        truth="gold_sentiment",
        cache=False,
        progress=False,
    )
    path = results.report(tmp_path / "report.html", field="sentiment")
    blocked: list[str] = []

    def only_the_file(route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_the_file)
    page.context.set_offline(True)
    page.goto(path.as_uri())

    scores = page.locator("table.scores")
    expect(scores.locator("tbody tr")).to_have_count(len(MODELS))
    table = results.score()
    cells = scores.locator("td.metric-accuracy")
    for i, (_, r) in enumerate(table.iterrows()):
        expect(cells.nth(i)).to_have_text(
            f"{r['accuracy']:.3f} [{r['accuracy_ci_low']:.3f}, {r['accuracy_ci_high']:.3f}]"
        )
    plots = page.locator("svg.nbc-plot")
    expect(plots).to_have_count(2)
    for i in range(2):
        box = plots.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 80, box
    dots = page.locator("svg.nbc-plot g.nbc-arm circle")
    expect(dots).to_have_count(len(MODELS))
    for i in range(len(MODELS)):  # drawn inside the plot area, not collapsed at the origin
        box = dots.nth(i).bounding_box()
        assert box and box["width"] > 4, box
    bars = page.locator("svg.nbc-plot rect.nbc-bar-p95")
    expect(bars).to_have_count(len(MODELS))
    assert all(bars.nth(i).bounding_box()["width"] > 1 for i in range(len(MODELS)))
    rows = page.locator("section.compare tbody tr")
    expect(rows).to_have_count(20)
    differ = page.locator("section.compare tr.differ")
    assert differ.count() > 0
    # the highlight is visible: a disagreeing row's background differs from an agreeing one's
    colour = "e => getComputedStyle(e.querySelector('td')).backgroundColor"
    agree = page.locator("section.compare tbody tr:not(.differ)").first
    assert differ.first.evaluate(colour) != agree.evaluate(colour)
    page.screenshot(path=str(artifact("report-offline.png")), full_page=True)
    assert blocked == [], f"the report tried to load {blocked}"
    assert_no_page_errors(page)

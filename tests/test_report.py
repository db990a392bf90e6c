"""``Results.report``: one self-contained HTML file (no network, no secrets) and the SVG plots in it.

A run against a loopback OpenAI-format server (``FakeProvider``, keyed with a sentinel) and the
offline Demo; the page is read back with ``html.parser`` and checked against ``score()``,
``compare()`` and the recorded settings.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import nbconnect as nbc
from nbconnect._results import svg
from nbconnect._results.report import interval
from nbconnect.data import reviews
from nbconnect.testing import FakeProvider

SENTINEL = "sk-report-SENTINEL-0123456789abcdef"
SCHEMA = "sentiment: positive|negative|neutral, confidence: float"
TEMPLATE = "Classify this {product} review: {text}"
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}
SVG_LEAVES = {"line", "circle", "rect", "path"}  # written as <x .../>: self-closing


class Page(HTMLParser):
    """Checks that tags nest and records elements (tag, attrs, text) for the assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.elements: list[dict] = []
        self.problems: list[str] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": "", "classes": self._classes_above()}
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(tag)
            self._open.append(el)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": "", "classes": self._classes_above()})

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        self._open.pop()

    def handle_data(self, data):
        for el in self._open:
            el["text"] += data

    def _classes_above(self) -> list[str]:
        return [el["attrs"].get("class", "") for el in self._open]

    def find(self, tag: str, cls: str | None = None) -> list[dict]:
        return [
            e
            for e in self.elements
            if e["tag"] == tag and (cls is None or cls in (e["attrs"].get("class") or "").split())
        ]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert not page.problems, page.problems[:5]
    assert page.stack == [], f"unclosed: {page.stack}"
    return page


@pytest.fixture(scope="module")
def results():
    data = reviews().head(24)
    with FakeProvider() as server:
        org = nbc.Organization(persist=False)
        org.add(nbc.Demo())
        org.add(
            nbc.CustomLLM(
                name="fake-llm", endpoint=f"{server.url}/v1", api_key=SENTINEL, json_mode="json_schema"
            )
        )
        return nbc.run(
            TEMPLATE,
            data=data,
            schema=SCHEMA,
            models=["demo:demo-fast", "demo:demo-careful", "fake-llm"],
            org=org,
            truth="gold_sentiment",
            cache=False,
            progress=False,
            temperature=0.2,
            seed=3,
        )


@pytest.fixture(scope="module")
def page_text(results, tmp_path_factory):
    path = results.report(tmp_path_factory.mktemp("report") / "report.html")
    return path.read_text(encoding="utf-8")


def test_the_run_records_its_settings_without_secrets(results, tmp_path):
    run = results.meta["run"]
    assert run["template"] == TEMPLATE
    assert run["models"]["fake-llm"] == {"connection": "fake-llm", "provider": "custom", "model": "fake-llm"}
    assert run["models"]["demo:demo-careful"]["provider"] == "demo"
    assert run["truth"] == "gold_sentiment" and run["rows"] == 24 and run["cells"] == 72
    assert run["options"]["temperature"] == 0.2 and run["options"]["cache"] is False
    assert run["options"]["seed"] == 3
    assert SENTINEL not in json.dumps(run)
    # kept by save/load like the rest of the metadata
    assert nbc.Results.load(results.save(tmp_path / "r.jsonl")).meta["run"] == json.loads(json.dumps(run))


def test_report_parses_and_holds_the_scores(results, page_text):
    page = parse(page_text)
    table = results.score()
    assert len(table) == 3
    rows = [e for e in page.elements if e["tag"] == "tr" and any("scores" in c for c in e["classes"])]
    shown = {r["text"].split("sentiment")[0]: r["text"] for r in rows[1:]}  # arm -> row text
    cells = page.find("td", "metric-accuracy")
    assert len(cells) == 3
    for (_, r), cell in zip(table.iterrows(), cells):
        want = interval(r["accuracy"], r["accuracy_ci_low"], r["accuracy_ci_high"])
        assert re.fullmatch(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]", want)
        assert cell["text"] == want
        assert f"{r['accuracy']:.3f}" in shown[r["model"]]
    f1 = [c["text"] for c in page.find("td", "metric-macro_f1")]
    assert f1 == [
        f"{v:.3f} [{lo:.3f}, {hi:.3f}]"
        for v, lo, hi in table[["macro_f1", "macro_f1_ci_low", "macro_f1_ci_high"]].to_numpy()
    ]
    settings = next(e for e in page.elements if e["attrs"].get("id") == "settings")["text"]
    assert TEMPLATE in settings and "gold_sentiment" in settings and "temperature=0.2" in settings


def test_report_loads_nothing_from_a_network_and_holds_no_secret(page_text):
    page = parse(page_text)
    for e in page.elements:
        for name in ("src", "href", "xlink:href", "action", "poster", "data"):
            value = e["attrs"].get(name)
            assert value is None or not re.match(r"\s*(https?:)?//", value), (e["tag"], name, value)
    assert not re.search(r"url\(|@import", page_text), "CSS must not load anything"
    assert not page.find("script") and not page.find("img") and not page.find("link")
    # the only URLs are SVG namespace names, which load nothing
    assert set(re.findall(r"https?://[^\s\"'<>]+", page_text)) <= {"http://www.w3.org/2000/svg"}
    assert "base64" not in page_text
    assert SENTINEL not in page_text and "SENTINEL" not in page_text


def test_comparison_highlights_exactly_the_rows_where_arms_disagree(results, page_text):
    page = parse(page_text)
    wide = results.compare("sentiment", inputs=False)
    want = {int(row) for row, r in wide.iterrows() if len({v for v in r if v is not None}) > 1}
    assert 0 < len(want) < len(wide)  # the arms disagree on some rows, not all
    section_rows = [
        e
        for e in page.elements
        if e["tag"] == "tr" and "data-row" in e["attrs"] and any("compare" in c for c in e["classes"])
    ]
    sentiment = section_rows[: len(wide)]  # the first comparison section is the first field's
    got = {int(e["attrs"]["data-row"]) for e in sentiment if "differ" in e["attrs"]["class"].split()}
    assert got == want
    # cells that miss the truth are marked wrong; the truth column holds the gold labels
    gold = results.df.drop_duplicates("row").set_index("row")["gold_sentiment"]
    wrong = sum(1 for row, r in wide.iterrows() for v in r if v is not None and v != gold[row])
    first_section = page_text.split('data-field="confidence"')[0]
    assert first_section.count('class="wrong"') == wrong
    assert first_section.count('class="truth"') == len(wide)


def test_plots_draw_one_mark_per_arm_with_hover_details(results, page_text):
    page = parse(page_text)
    svgs = page.find("svg", "nbc-plot")
    assert len(svgs) == 2
    arms = [e["attrs"]["data-arm"] for e in page.find("g", "nbc-arm")]
    assert arms == results.arms * 2
    table = results.score(field="sentiment").set_index("model")
    titles = [e["text"] for e in page.find("g", "nbc-arm")][:3]
    for arm, title in zip(results.arms, titles):
        r = table.loc[arm]
        assert (
            f"{r['accuracy'] * 100:.1f}% [{r['accuracy_ci_low'] * 100:.1f}%, {r['accuracy_ci_high'] * 100:.1f}%]"
            in title
        )
        assert f"n = {int(r['n'])}" in title and "latency p50" in title


def test_svg_places_dots_and_whiskers_on_the_scale():
    points = [
        svg.ArmPoint("a", 0.5, 0.25, 0.75, 10, 0.002, 0.1, 0.2),
        svg.ArmPoint("b", 1.0, 0.9, 1.0, 10, float("nan"), 0.3, 0.9),
    ]
    text = svg.cost_score_svg(points, "accuracy on x", width=560, height=340)
    page = parse(text)
    top, ph = 28, 340 - 28 - 46
    circles = page.find("circle")
    assert [float(c["attrs"]["cy"]) for c in circles] == pytest.approx([top + 0.5 * ph, top], abs=0.06)
    assert circles[0]["attrs"]["fill"] != "none" and circles[1]["attrs"]["fill"] == "none"  # b: cost unknown
    assert float(circles[1]["attrs"]["cx"]) == pytest.approx(60)  # unknown cost sits at x = 0
    whisker = page.find("line", "nbc-whisker")[0]["attrs"]
    assert float(whisker["y1"]) == pytest.approx(top + 0.75 * ph, abs=0.06)
    assert float(whisker["y2"]) == pytest.approx(top + 0.25 * ph, abs=0.06)
    assert "b (cost unknown)" in text
    bars = parse(svg.latency_svg(points))
    widths = [float(r["attrs"]["width"]) for r in bars.find("rect")]
    assert widths == pytest.approx([widths[0] * k for k in (1, 2, 3, 9)], rel=0.01)  # 0.1, 0.2, 0.3, 0.9 s
    assert widths[3] <= 560 - 170 - 90  # the longest bar stays inside the plot


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0, "$0"),
        (1.254, "$1.25"),
        (0.0375, "$0.0375"),
        (0.000042, "$0.000042"),
        (0.00012345, "$0.000123"),
        (float("nan"), "–"),
    ],
)
def test_money_is_written_like_the_widgets(x, text):
    assert svg.money(x) == text


def test_report_without_truth_scores_valid_answers(tmp_path):
    res = nbc.run(
        "Classify: {text}",
        data=reviews().head(10),
        schema=SCHEMA,
        models=["demo:demo-fast"],
        cache=False,
        progress=False,
    )
    text = res.report(tmp_path / "r.html").read_text()
    page = parse(text)
    assert "No ground truth was given" in text and not page.find("td", "metric-accuracy")
    valid = res.df["_valid"].mean()
    title = page.find("g", "nbc-arm")[0]["text"]
    assert f"valid answers: {valid * 100:.1f}%" in title
    assert not page.find("tr", "differ")  # one arm never disagrees with itself


def test_report_limits_the_rows_shown(results, tmp_path):
    text = results.report(tmp_path / "r.html", field="sentiment", max_rows=5).read_text()
    page = parse(text)
    assert len([e for e in page.find("tr") if "data-row" in e["attrs"]]) == 5
    assert "19 more rows not shown" in text and 'data-field="confidence"' not in text
    assert isinstance(results.df, pd.DataFrame) and np.isfinite(results.score()["accuracy"]).all()


def test_report_lists_the_variants_their_models_and_the_repeats(tmp_path):
    res = nbc.run(
        "Classify: {text}",
        data=reviews().head(4),
        schema=SCHEMA,
        models=["demo:demo-fast", "demo:demo-careful"],
        variants={"plain": {}, "warm": {"system": "Be kind.", "temperature": 0.9}},
        arms=[("plain", "demo:demo-fast"), ("warm", "demo:demo-fast"), ("warm", "demo:demo-careful")],
        repeats=2,
        cache=False,
        progress=False,
    )
    page = parse(res.report(tmp_path / "r.html").read_text())
    table = page.find("table", "variants")
    assert len(table) == 1
    rows = [e["text"] for e in page.find("tr") if "Be kind." in e["text"] or "plain" in e["text"]]
    warm = next(r for r in rows if "Be kind." in r)
    assert "temperature=0.9" in warm and "demo:demo-fast, demo:demo-careful" in warm
    plain = next(r for r in rows if r.startswith("plain"))
    assert "demo:demo-careful" not in plain and "temperature" not in plain
    settings = next(e for e in page.elements if e["attrs"].get("id") == "settings")["text"]
    assert "2 samples per row and arm" in settings

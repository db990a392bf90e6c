"""The Playground's interactive plots, judge panel, batch option and versions in a real JupyterLab.

The same notebook as the other Playground tests (Demo + a loopback OpenAI-format server reached
as a Custom LLM, 40 reviews with a ``gold`` column). After a run: hovering an arm of the plot
shows its card (the score with its interval, cost, latency, n: read against the kernel's own
score table), a click narrows the comparison table to that arm and a second click shows every arm
again; a judge run from the panel grades the table and summarises each arm; ticking "run as batch"
prices the run at batch rates and says which connection goes live and why; two versions saved in
the page run on two demo models, and the compare view shows their intervals, the versus table and
the rows two arms disagree on.
"""

from __future__ import annotations

import re
import time

import pytest
from lab import assert_no_page_errors, kernel_json, open_playground, wait_kernel
from playwright_api import Locator, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROWS = 20
MODELS = ["demo:demo-careful", "gpt-4.1-mini"]
PROMPT = "Classify the sentiment of this review: {text}"
#: per arm, from the kernel: the hover card's figures as the score table has them
SCORES = """{r.model: [round(r.accuracy * 100, 1), round(r.accuracy_ci_low * 100, 1), round(r.accuracy_ci_high * 100, 1), int(r.n)]
    for r in pg.results.score({'sentiment': 'gold'}).itertuples()}"""


def opened(page: Page, lab, fake, tmp_path, name: str) -> Locator:
    """Write and open the Playground notebook, run its cells, and return the widget's root."""
    return open_playground(page, lab, fake, tmp_path, name, rows=ROWS, prompt=PROMPT)


def ran(page: Page, lab, fake, tmp_path, name: str) -> Locator:
    """:func:`opened`, then one run of the Playground to its end."""
    root = opened(page, lab, fake, tmp_path, name)
    expect(root.locator("button.pg-run")).to_be_enabled()
    root.locator("button.pg-run").click()
    expect(root.locator(".pg-message")).to_contain_text("done: ", timeout=60_000)
    return root


def columns(root: Locator) -> list[str]:
    return root.locator("table.pg-table thead th[data-model]").evaluate_all(
        "ths => ths.map(th => th.dataset.model)"
    )


def test_hover_an_arm_for_its_figures_and_click_it_to_filter_the_table(lab, page, fake, tmp_path):
    name = "plots.ipynb"
    root = ran(page, lab, fake, tmp_path, name)
    scores = kernel_json(lab, name, SCORES)
    tip = root.locator(".pg-plot-tip")
    expect(tip).to_be_hidden()
    for ref in MODELS:
        acc, low, high, n = scores[ref]
        root.locator(f".pg-plot-cost g.nbc-arm[data-arm='{ref}'] circle").hover()
        expect(tip).to_be_visible()
        expect(tip).to_have_attribute("data-arm", ref)
        card = tip.inner_text()
        assert card.startswith(ref), card
        assert f"accuracy on sentiment: {acc:.1f}% [{low:.1f}%, {high:.1f}%]" in card, (card, scores[ref])
        # the Demo prices its calls; the loopback "gpt-4.1-mini" is a Custom LLM without a price
        cost = r"cost: \$[\d.]+\n" if ref.startswith("demo:") else "cost: –\n"
        assert re.search(cost, card) and re.search(r"latency p50 [\d.]+ s · p95 [\d.]+ s", card), card
        assert card.endswith(f"n = {n}"), card
        # the card sits inside the plots' box, by the pointer
        b, p = tip.bounding_box(), root.locator(".pg-plots").bounding_box()
        assert p["x"] <= b["x"] <= p["x"] + p["width"], (b, p)
    root.locator(".pg-summary").hover()  # away from the plot: the card goes
    expect(tip).to_be_hidden()
    # the latency plot's bars are arms too
    root.locator(f".pg-plot-latency g.nbc-arm[data-arm='{MODELS[1]}'] rect").first.hover()
    expect(tip).to_have_attribute("data-arm", MODELS[1])
    expect(tip).to_contain_text("latency p50 ")

    assert columns(root) == MODELS
    root.locator(f".pg-plot-cost g.nbc-arm[data-arm='{MODELS[1]}'] circle").click()
    expect(root.locator("table.pg-table thead th[data-model]")).to_have_count(1)
    assert columns(root) == [MODELS[1]]
    expect(root.locator("table.pg-table td.pg-cell")).to_have_count(ROWS)
    expect(root.locator(f".pg-plot-cost g.nbc-arm[data-arm='{MODELS[0]}']")).to_have_class(
        re.compile("nbc-arm-dim")
    )
    expect(root.locator(".pg-plot-hint")).to_contain_text(f"only {MODELS[1]}")
    assert kernel_json(lab, name, "pg.core.arm_filter") == MODELS[1]
    # another page of the table keeps the filter; a click on the same arm clears it
    root.locator(f".pg-plot-cost g.nbc-arm[data-arm='{MODELS[1]}'] circle").click()
    expect(root.locator("table.pg-table thead th[data-model]")).to_have_count(len(MODELS))
    assert columns(root) == MODELS
    expect(root.locator(".pg-plot-cost g.nbc-arm-dim")).to_have_count(0)
    # the keyboard does the same: Enter on a focused arm
    root.locator(f".pg-plot-latency g.nbc-arm[data-arm='{MODELS[0]}']").focus()
    expect(tip).to_have_attribute("data-arm", MODELS[0])
    page.keyboard.press("Enter")
    expect(root.locator("table.pg-table thead th[data-model]")).to_have_count(1)
    assert columns(root) == [MODELS[0]]
    page.keyboard.press("Enter")
    expect(root.locator("table.pg-table thead th[data-model]")).to_have_count(len(MODELS))
    assert_no_page_errors(page)


def test_a_judge_from_the_panel_grades_the_results_and_the_batch_option_prices_the_run(
    lab, page, fake, tmp_path
):
    name = "judge.ipynb"
    root = ran(page, lab, fake, tmp_path, name)
    root.locator(".pg-judge > summary").click()
    rubric = root.locator("textarea.pg-judge-rubric")
    rubric.click()
    rubric.press_sequentially("The answer is the sentiment of the review")
    root.locator("select.pg-judge-models").select_option(["demo:demo-careful", "demo:demo-fast"])
    root.locator("select.pg-judge-reference").select_option("gold")
    expect(root.locator("button.pg-judge-run")).to_be_enabled()
    # the rubric is saved after a pause in typing: wait until the kernel has all of it (a click
    # could overtake the last keystrokes, see docs/browser-testing.md)
    deadline = time.monotonic() + 20
    while kernel_json(lab, name, "pg.core.judge_rubric") != "The answer is the sentiment of the review":
        assert time.monotonic() < deadline, "the rubric never reached the kernel"
        time.sleep(0.1)
    root.locator("button.pg-judge-run").click()
    status = root.locator(".pg-judge-status")
    expect(status).to_contain_text("judged: ", timeout=60_000)
    expect(status).to_contain_text("judge cost $")
    state = kernel_json(lab, name, "pg.core.judge")
    assert state["models"] == ["demo:demo-careful", "demo:demo-fast"]
    # the summary: one line per graded arm, the pass share with its interval, as the kernel has it
    lines = root.locator(".pg-judge-arm")
    expect(lines).to_have_count(len(MODELS))
    for i, row in enumerate(state["summary"]):
        text = lines.nth(i).inner_text()
        want = f"{row['arm']}: {row['score'] * 100:.1f}% pass [{row['score_ci_low'] * 100:.1f}%, "
        assert text.startswith(want) and text.endswith(f"n = {row['n']}"), (text, row)
    # the grades in the table: a badge per graded cell, the same as the kernel's majority
    majority = kernel_json(
        lab,
        name,
        "{f'{r}|{m}': g or 'split' for r, m, g, n in "
        "pg.verdicts.join()[['row', 'model', 'judge.majority', 'judge.n_judges']].values if n > 0}",
    )  # two judges that disagree on a cell split it: no majority
    badges = root.locator("table.pg-table td.pg-cell .pg-grade")
    expect(badges).to_have_count(len(majority))
    shown = root.locator("table.pg-table td.pg-cell[data-grade]").evaluate_all(
        "tds => tds.map(td => [td.closest('tr').dataset.row + '|' + td.dataset.model, td.dataset.grade])"
    )
    assert dict(shown) == majority
    assert {"pass", "fail"} <= set(majority.values())  # the Demo's judges do not pass everything

    # -- run as batch: the estimate at batch prices, the saving, and the live connection named ------------
    root.locator(".pg-options > summary").click()
    live = root.locator(".pg-estimate").inner_text()
    root.locator("input.pg-as-batch").check()
    estimate = root.locator(".pg-estimate")
    expect(estimate).to_contain_text("calls as batch, about $")
    expect(estimate).to_contain_text(re.compile(r"\(live \$[\d.]+, saving \$[\d.]+\)"))
    assert live.split(" calls")[0] == estimate.inner_text().split(" calls")[0]  # the same calls
    expect(root.locator(".pg-route[data-model='demo:demo-careful']")).to_have_text("demo:demo-careful: batch")
    expect(root.locator(".pg-route[data-model='gpt-4.1-mini']")).to_contain_text(
        "gpt-4.1-mini: live: Custom LLM has no batch API"
    )
    assert kernel_json(lab, name, "pg.core.as_batch") is True
    assert_no_page_errors(page)


CAREFUL = "Read this review and say whether its sentiment is positive, negative or neutral: {text}"
ARMS = [f"{v}|{m}" for v in ("terse", "careful") for m in ("demo:demo-careful", "demo:demo-fast")]


def test_two_saved_versions_run_on_two_demo_models_with_intervals_and_the_versus_table(
    lab, page, fake, tmp_path
):
    name = "versions.ipynb"
    root = opened(page, lab, fake, tmp_path, name)
    # two demo models: tick demo-fast, untick the loopback server
    page.locator("input.nbc-model-check[aria-label='demo:demo-fast']").check()
    page.locator("input.nbc-model-check[aria-label='gpt-4.1-mini']").uncheck()
    wait_kernel(lab, name, "pg.picker.value", ["demo:demo-careful", "demo:demo-fast"])

    version_name = root.locator("input.pg-version-name")
    version_name.fill("terse")
    root.locator("button.pg-save-version").click()
    expect(root.locator(".pg-version[data-name='terse']")).to_be_visible()
    template = root.locator("textarea.pg-template")
    template.fill(CAREFUL)
    root.locator("textarea.pg-system").fill("You read reviews carefully.")
    wait_kernel(lab, name, "[pg.core.template, pg.core.system]", [CAREFUL, "You read reviews carefully."])
    version_name.fill("careful")
    root.locator("button.pg-save-version").click()
    expect(root.locator(".pg-version")).to_have_count(2)
    expect(root.locator(".pg-version[data-name='careful']")).to_contain_text("system: You read reviews")
    expect(root.locator("input.pg-version-run:checked")).to_have_count(2)
    expect(root.locator("input.pg-arm-check:checked")).to_have_count(4)
    expect(root.locator(".pg-estimate")).to_contain_text(f"{ROWS * 4} calls")
    saved = kernel_json(lab, name, "nbc.Playground(org).versions")  # a new Playground reads them from disk
    assert saved["careful"]["template"] == CAREFUL and saved["terse"]["template"] == PROMPT

    root.locator("button.pg-run").click()
    expect(root.locator(".pg-message")).to_contain_text("done: ", timeout=60_000)
    assert columns(root) == ARMS
    root.locator(".pg-compare > summary").click()
    # the intervals: the score table as results.score(pretty=True) gives it
    pretty = kernel_json(
        lab,
        name,
        "pg.results.score({'sentiment': 'gold'}, field='sentiment', pretty=True)[['arm', 'accuracy']].values.tolist()",
    )
    table = root.locator("table.pg-score-table")
    expect(table.locator("tbody tr")).to_have_count(4)
    shown = table.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => [tr.querySelector('[data-column=arm]').textContent, tr.querySelector('[data-column=accuracy]').textContent])"
    )
    assert shown == pretty, (shown, pretty)
    assert all(re.fullmatch(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]", acc) for _, acc in shown), shown
    # the versus table: every pair of the four arms, differences as results.versus has them
    versus = kernel_json(
        lab,
        name,
        "pg.results.versus(field='sentiment', truth={'sentiment': 'gold'})[['a', 'b', 'difference']].values.tolist()",
    )
    rows = root.locator("table.pg-versus-table tbody tr")
    expect(rows).to_have_count(6)
    got = rows.evaluate_all(
        "trs => trs.map(tr => ['a', 'b', 'difference'].map(c => tr.querySelector(`[data-column=${c}]`).textContent))"
    )
    assert [[a, b] for a, b, _ in got] == [[a, b] for a, b, _ in versus]
    assert [float(d) for *_, d in got] == pytest.approx([d for *_, d in versus], abs=5e-4)
    # the disagreements of two chosen arms
    root.locator("select.pg-pair-a").select_option(ARMS[0])
    root.locator("select.pg-pair-b").select_option(ARMS[3])
    expect(root.locator("select.pg-pair-b")).to_have_value(ARMS[3])
    n, both = kernel_json(
        lab,
        name,
        f"(lambda w, a, b: [int((w[a].notna() & w[b].notna() & (w[a] != w[b])).sum()), int((w[a].notna() & w[b].notna()).sum())])"
        f"(pg.results.compare('sentiment', inputs=False), {ARMS[0]!r}, {ARMS[3]!r})",
    )
    assert n > 0
    expect(root.locator(".pg-disagree-count")).to_have_text(f"{n} of {both} rows both answered differ")
    expect(root.locator("table.pg-disagree tbody tr")).to_have_count(n)
    assert_no_page_errors(page)

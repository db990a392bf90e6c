"""The Playground as a person uses it (issue 18): keys in the text boxes, refusals said by their
field, honest numbers after Stop, a layout that fits a 1,000 px notebook, plots in the theme's ink.

Each test opens the same notebook as test_playground_browser.py (Demo + a loopback OpenAI-format
server reached as a Custom LLM, 40 reviews with a ``gold`` column).
"""

from __future__ import annotations

import re

import pytest
from lab import (
    CELL,
    assert_no_page_errors,
    command,
    kernel_eval,
    kernel_json,
    open_playground,
    shot,
)
from playwright_api import Locator, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROWS = 40
MODELS = ["demo:demo-careful", "gpt-4.1-mini"]


def opened(page: Page, lab, fake, tmp_path, name: str, *, width: int = 1400, concurrency: int = 4) -> Locator:
    """Write and open the Playground notebook, run it, and return the widget's root."""
    root = open_playground(page, lab, fake, tmp_path, name, width=width, rows=ROWS, concurrency=concurrency)
    expect(root).to_be_visible()
    return root


def box(locator: Locator) -> dict:
    b = locator.bounding_box()
    assert b is not None, f"{locator} is not rendered"
    return b


def assert_inside(root: Locator, output: Locator) -> None:
    """Nothing of the widget sticks out of its output area on the right: no section, no table box,
    no summary, no plot (a clipped right third is what issue 18 found at 1,100 px)."""
    right_edge = box(output)["x"] + box(output)["width"] + 1
    for what in (
        ".pg-section",
        ".pg-table-wrap",
        ".pg-summary",
        ".pg-plots svg",
        "button.pg-run",
        ".pg-progress",
    ):
        for i, part in enumerate(root.locator(what).all()):
            b = box(part)
            assert b["x"] + b["width"] <= right_edge, (
                f"{what} #{i} ends at x={b['x'] + b['width']:.0f}, past the output area's {right_edge:.0f}"
            )


def clear(field: Locator) -> None:
    field.click()
    field.press("Control+a")
    field.press("Backspace")


def type_lines(box: Locator, text: str) -> None:
    """Type ``text`` into ``box`` as a person does: Enter between the lines."""
    for i, line in enumerate(text.split("\n")):
        if i:
            box.press("Enter")
        box.press_sequentially(line)


def execution_counts(page: Page) -> list:
    return page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.executionCount ?? null)"
    )


def test_layout_fits_a_1000px_notebook_and_run_sits_above_the_schema(lab, page, fake, tmp_path):
    name = "layout.ipynb"
    root = opened(page, lab, fake, tmp_path, name, width=1100)
    kernel_eval(lab, name, "pg.core.template = 'Classify the sentiment of this review: {text}'")
    expect(root.locator("button.pg-run")).to_be_enabled()
    root.locator("button.pg-run").click()
    expect(root.locator(".pg-summary table tbody tr")).to_have_count(len(MODELS), timeout=60_000)
    expect(root.locator(".pg-plots svg")).to_have_count(2)
    output = page.locator(".jp-OutputArea-output").filter(has=root)
    shot(
        page, "playground-1100px.png", output, full_width=True
    )  # docs/img/playground-after.png in the README

    # Run and its status are on screen with the widget's top, above the schema box
    run = box(root.locator("button.pg-run"))
    schema = box(root.locator("textarea.pg-schema"))
    assert run["y"] < schema["y"], f"Run at y={run['y']:.0f} sits below the schema box (y={schema['y']:.0f})"
    expect(root.locator(".pg-progress-total")).to_be_in_viewport()
    # the long parts (data preview, options) start folded
    expect(root.locator(".pg-preview")).to_be_hidden()
    expect(root.locator("input.pg-max-tokens")).to_be_hidden()

    assert_inside(root, output)
    # narrower still (a side panel open): the table, not the widget, gets a scrollbar
    page.set_viewport_size({"width": 760, "height": 900})
    wrap = root.locator(".pg-table-wrap")
    page.wait_for_function(
        "() => { const e = document.querySelector('.pg-table-wrap'); return e.scrollWidth > e.clientWidth; }"
    )
    assert wrap.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
    assert_inside(root, output)
    # every model column is reachable: scroll the box to its end, the last header is inside it
    wrap.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    last, wb = box(root.locator("table.pg-table thead th").last), box(wrap)
    assert last["x"] + last["width"] <= wb["x"] + wb["width"] + 1
    assert_no_page_errors(page)


def test_typing_with_enter_keeps_the_cell_and_each_refusal_sits_by_its_box(lab, page, fake, tmp_path):
    name = "keys.ipynb"
    root = opened(page, lab, fake, tmp_path, name)
    n_cells = page.locator(CELL).count()
    counts = execution_counts(page)
    root.evaluate("e => { e.dataset.mark = 'first render'; }")  # a re-run of the cell would replace it
    refused_without_prompt(page, lab, name, root)
    several_problems_at_once(page, root)
    two_line_prompt(page, lab, name, root)
    assert root.get_attribute("data-mark") == "first render"
    assert execution_counts(page) == counts and page.locator(CELL).count() == n_cells
    multi_line_schema(lab, name, root)
    assert_no_page_errors(page)
    assert execution_counts(page) == counts and page.locator(CELL).count() == n_cells


def prompt_problem(root: Locator) -> Locator:
    return root.locator(".pg-prompt .pg-problems[data-field='prompt'] li")


def refused_without_prompt(page: Page, lab, name: str, root: Locator) -> None:
    """No prompt yet: said under the prompt box, Run refused (button and pg.run()), nothing sent."""
    template, schema = root.locator("textarea.pg-template"), root.locator("textarea.pg-schema")
    problem = prompt_problem(root)
    expect(problem).to_have_text(re.compile(r"^Write a prompt"))
    assert box(template)["y"] + box(template)["height"] <= box(problem)["y"] < box(schema)["y"]
    expect(root.locator("button.pg-run")).to_be_disabled()
    expect(root.locator(".pg-fix")).to_contain_text("the prompt")
    expect(root.locator(".pg-estimate")).to_have_text("")
    out = kernel_eval(lab, name, "try:\n    pg.run()\nexcept Exception as exc:\n    print('refused:', exc)")
    assert "refused:" in out and "prompt" in out, out
    assert kernel_json(lab, name, "pg.results is None and pg._job is None") is True


def several_problems_at_once(page: Page, root: Locator) -> None:
    """No model ticked and no prompt: both said, each by its cause; fixing one leaves the other."""
    for ref in MODELS:
        page.locator(f"input.nbc-model-check[aria-label='{ref}']").uncheck()
    models_problem = root.locator(".pg-run-section .pg-problems[data-field='models'] li")
    expect(models_problem).to_have_text("Choose at least one model in the list above")
    expect(prompt_problem(root)).to_have_count(1)
    # in the Run bar, right under the model list
    assert box(models_problem)["y"] < box(root.locator("textarea.pg-template"))["y"]
    for ref in MODELS:
        page.locator(f"input.nbc-model-check[aria-label='{ref}']").check()
    expect(models_problem).to_have_count(0)
    expect(prompt_problem(root)).to_have_count(1)


def two_line_prompt(page: Page, lab, name: str, root: Locator) -> None:
    """A prompt with no placeholder is refused; one of two lines typed with Enter is not, and
    Shift+Enter inside the box is a line break, not JupyterLab's "run this cell"."""
    template, run = root.locator("textarea.pg-template"), root.locator("button.pg-run")
    template.click()
    template.press_sequentially("Say something nice")
    expect(prompt_problem(root)).to_contain_text("no {column} placeholder")
    expect(run).to_be_disabled()
    clear(template)
    prompt = "Classify the sentiment of this review.\nReview: {text}"
    type_lines(template, prompt)
    expect(template).to_have_value(prompt)
    expect(prompt_problem(root)).to_have_count(0)
    expect(root.locator(".pg-estimate")).to_contain_text(f"{ROWS * len(MODELS)} calls")
    assert kernel_json(lab, name, "pg.core.template") == prompt
    template.press("Shift+Enter")
    template.press_sequentially("Answer in JSON.")
    expect(template).to_have_value(prompt + "\nAnswer in JSON.")
    expect(run).to_be_enabled()


def multi_line_schema(lab, name: str, root: Locator) -> None:
    """A schema typed over two lines; its error by the box with the line and a caret that lines
    up; a field named like a data column refused there too; each message goes with its fix."""
    schema, run = root.locator("textarea.pg-schema"), root.locator("button.pg-run")
    status, excerpt = root.locator(".pg-schema-status"), root.locator(".pg-schema-status pre.pg-excerpt")
    clear(schema)
    type_lines(schema, "sentiment: positive|negative|neutral,\nconfidence: flaot")
    expect(status).to_contain_text("line 2, column 13")
    source, caret = excerpt.inner_text().split("\n")[:2]
    assert source[caret.index("^") :].startswith("flaot"), (source, caret)
    mono = "e => getComputedStyle(e).fontFamily"
    assert excerpt.evaluate(mono) == schema.evaluate(mono)  # the caret lines up because both are monospace
    expect(run).to_be_disabled()
    expect(root.locator(".pg-estimate")).to_have_text("")  # no estimate for an invalid schema
    for _ in "flaot":
        schema.press("Backspace")
    schema.press_sequentially("float")
    expect(status).to_have_text("✓ 2 field(s)")
    expect(excerpt).to_have_count(0)
    expect(run).to_be_enabled()
    text = kernel_json(lab, name, "pg.core.schema_text")
    assert text == "sentiment: positive|negative|neutral,\nconfidence: float"
    type_lines(schema, ",\ntext: str")
    expect(status).to_contain_text("'text' has the name of a data column")
    expect(status).to_have_class(re.compile("pg-error"))
    expect(run).to_be_disabled()
    for _ in ",\ntext: str":
        schema.press("Backspace")
    expect(status).to_have_text("✓ 2 field(s)")
    expect(run).to_be_enabled()


#: the plot's ink (an arm's label and an axis label) and the theme's text colour, as the browser computes them
INK = """svg => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--jp-ui-font-color1)';
    svg.closest('.pg-root').append(probe);
    const want = getComputedStyle(probe).color;
    probe.remove();
    const fill = (sel) => getComputedStyle(svg.querySelector(sel)).fill;
    return { arm: fill('g.nbc-arm text'), axis: fill('text.muted'), want, background: getComputedStyle(svg).backgroundColor };
}"""


def brightness(rgb: str) -> int:
    return sum(int(v) for v in re.findall(r"\d+", rgb)[:3])


def test_a_stopped_run_counts_answered_and_not_run_and_the_plots_follow_the_theme(lab, page, fake, tmp_path):
    name = "stopped.ipynb"
    fake.latency = 0.5
    try:
        root = opened(page, lab, fake, tmp_path, name, concurrency=2)
        run_and_stop(page, lab, name, root)
    finally:
        fake.latency = 0.0
    summary_counts_what_was_not_run(page, lab, name, root)
    plot_follows_the_theme(page, root)
    assert_no_page_errors(page)


def run_and_stop(page: Page, lab, name: str, root: Locator) -> None:
    """Run against the slow loopback server, Stop with some cells done: progress says so."""
    kernel_eval(lab, name, "pg.core.template = 'Classify the sentiment of: {text}'")
    run, stop = root.locator("button.pg-run"), root.locator("button.pg-stop")
    expect(run).to_be_enabled()
    run.click()
    total = root.locator(".pg-progress-total")
    page.wait_for_function(
        "() => +document.querySelector('.pg-progress-total').dataset.done >= 6", timeout=30_000
    )
    stop.click()
    expect(total).to_have_attribute("data-stopped", "stopped", timeout=20_000)
    expect(total).to_contain_text(re.compile(r" · stopped · \d+ not run$"))
    expect(total).not_to_contain_text("finished")
    expect(run).to_be_enabled()
    expect(root.locator(".pg-message")).to_contain_text("not run (stopped)")


#: per model, from the kernel's Results: [answered, not run, accuracy over the answered or None]
COUNTS = """{m: [int((~g._error_type.isin(NR)).sum()), int(g._error_type.isin(NR).sum()),
     (lambda a: None if a.empty else float((a._valid & (a.sentiment == a.gold)).mean()))(g[~g._error_type.isin(NR)])]
     for m, g in pg.results.df.groupby('model')}""".replace("NR", "['cancelled', 'budget', 'pending']")


def summary_counts_what_was_not_run(page: Page, lab, name: str, root: Locator) -> None:
    """The summary scores what was answered and counts what was not (they add up to the rows)."""
    truth = kernel_json(lab, name, COUNTS)
    summary = root.locator(".pg-summary table")
    expect(summary.locator("thead th")).to_contain_text(
        ["model", "answered", "not run", "valid %", "accuracy"]
    )
    assert sum(t[1] for t in truth.values()) > 0, truth
    # in the table the cells never sent say "not run", and none is marked wrong
    table = root.locator("table.pg-table")
    expect(table.locator("td.pg-cell.pg-not-run")).to_have_count(sum(t[1] for t in truth.values()))
    expect(table.locator("td.pg-not-run.pg-wrong")).to_have_count(0)
    expect(table.locator("td.pg-not-run").first).to_have_text("not run")
    for ref, (answered, unrun, accuracy) in truth.items():
        row = summary.locator("tbody tr").filter(has=page.locator("td[data-column='model']", has_text=ref))
        expect(row.locator("td[data-column='answered']")).to_have_text(str(answered))
        expect(row.locator("td[data-column='not_run']")).to_have_text(str(unrun))
        assert answered + unrun == ROWS
        shown = row.locator("td[data-column='accuracy']").inner_text()
        if accuracy is None:
            assert shown in ("", "–"), shown
        else:
            assert float(shown) == pytest.approx(accuracy, abs=0.005), (ref, shown, accuracy)


def plot_follows_the_theme(page: Page, root: Locator) -> None:
    """The SVG plots on a transparent ground, in the theme's text colour: dark ink on JupyterLab
    Light, light ink on JupyterLab Dark, restyled in place (the same SVG, no redraw)."""
    plot = root.locator(".pg-plot-cost svg")
    expect(plot).to_be_visible()
    light = plot.evaluate(INK)
    assert light["arm"] == light["want"] and brightness(light["arm"]) < 300, light
    assert light["background"] in ("rgba(0, 0, 0, 0)", "transparent"), light
    before = root.locator(".pg-plot-cost").inner_html()
    try:
        command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.pg-plot-cost svg g.nbc-arm text')).fill !== "
            + repr(light["arm"])
        )
        dark = plot.evaluate(INK)
        assert dark["arm"] == dark["want"] and brightness(dark["arm"]) > 450, dark
        assert brightness(dark["axis"]) > brightness(light["axis"]), (light, dark)
        assert root.locator(".pg-plot-cost").inner_html() == before  # restyled, not redrawn
        shot(page, "playground-dark.png", root.locator(".pg-results"))
    finally:
        command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})

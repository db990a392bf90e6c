"""The Playground in a real JupyterLab driven by headless Chromium (issue 6).

Two connections: the offline Demo and a loopback OpenAI-format server (``FakeProvider``, in this
test process, with added latency) reached by the kernel as a Custom LLM. The test types a
template, runs 80 calls while another cell executes, reads the results, then stops a slower run.
Screenshots of the widget before and after a run go to the artifacts (``playground-after.png`` is
the one ``docs/img`` and the README show).
"""

from __future__ import annotations

import re
import time

import pytest
from lab import assert_no_page_errors, command, kernel_json, open_and_run, progress_counts, shot
from playwright_api import Locator, Page, expect

from notebooks import playground_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MODELS = ["demo:demo-careful", "gpt-4.1-mini"]
ROWS = 40
CALLS = ROWS * len(MODELS)
PREFIX = "Classify the sentiment of this review: "


FAKE = {"latency": 0.3}  # the options of the conftest's `fake` server


# -- page helpers --------------------------------------------------------------------------------


def widget(page: Page) -> Locator:
    """The whole Playground (picker + core): the output area that holds it."""
    return page.locator(".jp-OutputArea-output").filter(has=page.locator(".pg-root"))


def run_new_cell(page: Page, source: str) -> None:
    """Insert a code cell below the last one, put ``source`` in it and run it (returns after its reply)."""
    page.evaluate(
        """() => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            nb.activeCellIndex = nb.widgets.length - 1;
            nb.mode = 'command';
        }"""
    )
    command(page, "notebook:insert-cell-below")
    page.evaluate(
        "src => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.setSource(src)",
        source,
    )
    command(page, "notebook:run-cell")


def colour_is(locator: Locator, variable: str) -> bool:
    """Whether the element's text colour is the theme colour ``var(variable)``."""
    return locator.evaluate(
        """(el, v) => { const probe = document.createElement('span'); probe.style.color = `var(${v})`;
                        el.parentElement.append(probe); const want = getComputedStyle(probe).color;
                        probe.remove(); return getComputedStyle(el).color === want; }""",
        variable,
    )


def kernel_stamps(server, name: str) -> list[list]:
    return kernel_json(server, name, "stamps")


# -- the test --------------------------------------------------------------------------------------


def test_playground_template_run_compare_and_stop(lab, page, fake, tmp_path):
    name = "playground.ipynb"
    fake.latency = 0.3
    playground_notebook(
        lab.root_dir / name, tmp_path / "store" / "connections.json", f"{fake.url}/v1", rows=ROWS
    )
    open_and_run(page, lab, name)
    root = page.locator(".pg-root")
    expect(root).to_be_visible()
    for ref in MODELS:  # the models given from Python are ticked in the picker
        expect(page.locator(f"input.nbc-model-check[aria-label='{ref}']")).to_be_checked()
    columns = kernel_json(lab, name, "list(df.columns)")
    assert "text" in columns and "gold" in columns
    expect(root.locator(".pg-schema-status")).to_have_text("✓ 2 field(s)")
    n_cells = page.locator(".jp-NotebookPanel .jp-Cell").count()

    # -- a template with an unknown column: a red chip listing the columns ------------------------
    template = root.locator("textarea.pg-template")
    template.click()
    template.press_sequentially(PREFIX + "{title}")
    missing = root.locator(".pg-chip-missing[data-name='title']")
    expect(missing).to_be_visible()
    expect(missing).to_have_text("{title} missing — columns: " + ", ".join(columns))
    expect(root.locator(".pg-chip-ok")).to_have_count(0)
    assert colour_is(missing, "--nbc-error"), "the missing-column chip is not red"
    # typing letters in the widget fired no notebook shortcuts (a / b insert cells, ...)
    assert page.locator(".jp-NotebookPanel .jp-Cell").count() == n_cells

    # fix it: drop "{title}", then insert the right column with one click
    for _ in "{title}":
        template.press("Backspace")
    expect(root.locator(".pg-chip")).to_have_count(0)
    root.locator("button.pg-insert[data-column='text']").click()
    expect(template).to_have_value(PREFIX + "{text}")
    ok = root.locator(".pg-chip-ok[data-name='text']")
    expect(ok).to_have_text("{text}")
    assert colour_is(ok, "--nbc-ok"), "the found-column chip is not green"
    expect(root.locator(".pg-chip-missing")).to_have_count(0)
    expect(root.locator(".pg-estimate")).to_contain_text(f"{CALLS} calls")  # the kernel has the template
    assert kernel_json(lab, name, "pg.core.template") == PREFIX + "{text}"
    shot(page, "playground-before.png", widget(page))

    # -- run; another cell executes while the run is in flight ------------------------------------
    t_run = time.time()
    root.locator("button.pg-run").click()
    expect(root.locator(".pg-progress-total")).to_have_attribute("data-total", str(CALLS))
    expect(root.locator("button.pg-stop")).to_be_enabled()
    run_new_cell(page, 'print("alive", 6 * 7, time.time())')
    alive = page.locator(".jp-OutputArea-output").filter(has_text="alive 42")
    expect(alive).to_be_visible()
    done, total = progress_counts(page)
    assert done < total == CALLS, f"the run had finished ({done}/{total}) before the other cell's output"
    t_alive = float(alive.inner_text().split()[-1])
    # pg.results is available during the run: what finished so far, the rest pending
    snapshot = kernel_json(lab, name, "pg.results.df['_error_type'].fillna('ok').value_counts().to_dict()")
    assert snapshot.get("pending", 0) > 0, snapshot

    # -- progress finishes; the side-by-side table shows both models ------------------------------
    total_el = root.locator(".pg-progress-total")
    expect(total_el).to_have_attribute("data-done", str(CALLS), timeout=60_000)
    expect(root.locator(".pg-message")).to_have_text(f"done: {CALLS} valid of {CALLS} cells", timeout=30_000)
    expect(root.locator("button.pg-run")).to_be_enabled()
    expect(root.locator("button.pg-stop")).to_be_disabled()
    for ref in MODELS:
        expect(root.locator(f".pg-progress-model[data-model='{ref}'] .pg-progress-text")).to_contain_text(
            f"{ROWS}/{ROWS}"
        )
    run_end = [t for t, what, value in kernel_stamps(lab, name) if what == "running" and value is False]
    assert run_end and t_run < t_alive < run_end[-1], "the other cell did not run while the run was in flight"

    table = root.locator("table.pg-table")
    expect(table.locator("thead th")).to_have_text(["row", "input", "truth", *MODELS])
    expect(table.locator("tbody tr")).to_have_count(ROWS)
    expect(table.locator("td.pg-cell")).to_have_count(CALLS)
    expect(table.locator("td.pg-cell.pg-valid")).to_have_count(CALLS)
    expect(root.locator(".pg-page")).to_have_text(f"page 1 of 1 ({ROWS} rows)")
    kernel_table = kernel_json(lab, name, "pg.core.table")
    assert kernel_table["field"] == "sentiment"
    rights = sum(c.get("right") is True for r in kernel_table["rows"] for c in r["cells"].values())
    differ = sum(r["differ"] for r in kernel_table["rows"])
    expect(table.locator("td.pg-right")).to_have_count(rights)
    expect(table.locator("td.pg-wrong")).to_have_count(CALLS - rights)
    expect(table.locator("tr.pg-differ")).to_have_count(differ)
    assert 0 < differ < ROWS  # the two models disagree on some rows, not on all
    first = kernel_table["rows"][0]
    row0 = table.locator("tbody tr").first
    for ref in MODELS:
        expect(row0.locator(f"td.pg-cell[data-model='{ref}']")).to_have_text(first["cells"][ref]["value"])
    # the input shown is the column the template uses
    expect(row0.locator("td.pg-input-cell")).to_have_text(kernel_json(lab, name, "df['text'][0]")[:200])
    summary = root.locator(".pg-summary table")
    expect(summary.locator("tbody tr")).to_have_count(len(MODELS))
    expect(summary.locator("tbody tr td:first-child")).to_have_text(MODELS)
    expect(root.locator(".pg-plots svg g.nbc-arm")).to_have_count(2 * len(MODELS))  # cost and latency plots
    # the run and its results (the editors above are in the "before" picture)
    shot(page, "playground-after.png", root.locator(".pg-run-section"), root.locator(".pg-results"))

    # -- compare another field -------------------------------------------------------------------------
    root.locator("select.pg-field").select_option("confidence")
    conf = kernel_json(
        lab,
        name,
        "{m: g.sort_values('row')['confidence'].tolist() for m, g in pg.results.df.groupby('model')}",
    )
    for ref in MODELS:  # the first row now shows numbers (JS formats 1.0 as "1": compare as floats)
        cell = row0.locator(f"td.pg-cell[data-model='{ref}']")
        expect(cell).not_to_have_text(first["cells"][ref]["value"])
        assert float(cell.inner_text()) == pytest.approx(conf[ref][0])
    expect(root.locator("select.pg-field")).to_have_value("confidence")
    assert kernel_json(lab, name, "pg.core.table['field']") == "confidence"

    # -- a click on a cell shows its raw output and timing -----------------------------------------------
    row0 = table.locator("tbody tr").first
    row0.locator("td.pg-cell[data-model='gpt-4.1-mini']").click()
    detail = root.locator("pre.pg-cell-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text(re.compile(r"^latency \d+\.\d{3} s · attempts 1 · "))
    latency = float(re.match(r"latency (\S+) s", detail.inner_text()).group(1))
    assert 0.3 <= latency < 5  # at least the fake's added latency
    expect(detail).to_contain_text('"sentiment"')  # the raw JSON answer

    # -- a second, slower run: Stop keeps the finished cells -----------------------------------------------
    fake.latency = 1.5  # the kernel's next calls to the loopback server are slow
    root.locator("select.pg-field").select_option("sentiment")
    requests_before = fake.count("/chat/completions")
    root.locator("button.pg-run").click()
    expect(root.locator(".pg-message")).to_have_text(f"running {CALLS} calls…")
    # Stop once some cells are done and the slow server holds calls (1.5 s each) in flight
    page.wait_for_function(  # the new run's progress (not the last one's), with some cells done
        """() => { const e = document.querySelector('.pg-progress-total');
                   const done = +e.dataset.done, total = +e.dataset.total;
                   return total > 0 && done > 0 && done < total && !e.textContent.includes('finished'); }""",
        timeout=10_000,
    )
    deadline = time.monotonic() + 10
    while fake.count("/chat/completions") == requests_before and time.monotonic() < deadline:
        time.sleep(0.02)
    done_before_stop, _ = progress_counts(page)
    t_stop = time.time()
    root.locator("button.pg-stop").click()
    expect(root.locator(".pg-message")).to_contain_text("(stopped)", timeout=20_000)
    expect(root.locator("button.pg-run")).to_be_enabled()

    df = kernel_json(
        lab,
        name,
        "(lambda d: d.astype(object).where(d.notna(), None).to_dict('records'))"
        "(pg.results.df[['row', 'model', '_valid', '_error_type', 'sentiment']])",
    )
    assert len(df) == CALLS
    kept = [c for c in df if c["_valid"]]
    cancelled = [c for c in df if c["_error_type"] == "cancelled"]
    assert kept and cancelled, f"{len(kept)} kept, {len(cancelled)} cancelled"
    assert len(kept) + len(cancelled) == CALLS, {c["_error_type"] for c in df}  # nothing else, nothing lost
    assert all(c["sentiment"] in {"positive", "negative", "neutral"} for c in kept)
    assert len(kept) >= done_before_stop
    done_after, _ = progress_counts(page)
    assert done_after == len(kept)
    # calls in flight at Stop were cancelled, not waited for: the fake saw more than were kept
    gpt_kept = sum(c["model"] == "gpt-4.1-mini" for c in kept)
    assert fake.count("/chat/completions") - requests_before > gpt_kept
    stamps = kernel_stamps(lab, name)
    finished = [t for t, what, _ in stamps if what == "finished" and t > t_stop]
    idle = [t for t, what, value in stamps if what == "running" and value is False and t > t_stop]
    assert finished and idle
    assert finished[0] - t_stop < 1.0, f"the run ended {finished[0] - t_stop:.2f}s after Stop"
    assert idle[0] - t_stop < 5.0, f"the widget was ready again {idle[0] - t_stop:.2f}s after Stop"

    # the table shows the cancelled cells as failed, with the reason on hover
    expect(table.locator("td.pg-cell.pg-valid")).to_have_count(len(kept))
    bad = table.locator("td.pg-cell.pg-invalid").first
    expect(bad).to_have_attribute("title", "cancelled before it finished")
    assert_no_page_errors(page)
    assert page.locator(".jp-NotebookPanel .jp-Cell").count() == n_cells + 1

"""The three widgets beyond JupyterLab: Jupyter Notebook 7, Voila and marimo (issue 17).

Each front end gets one page load of one notebook showing a ConnectionsPanel, a ModelPicker and a
Playground over the offline Demo and a loopback OpenAI-format server (``FakeProvider`` in this
process, reached by the kernel as a Custom LLM). On each: the widgets render Python's state, a
run completes (custom messages both ways: Run, progress, the table), a cell's details arrive on
click, and a slower second run is stopped with Stop, keeping the finished cells. The JupyterLab
tests (test_playground_browser.py) go deeper; these check the same flow works everywhere.
"""

from __future__ import annotations

import time

import pytest
from lab import artifact, assert_no_page_errors, open_notebook, progress_counts, run_all_cells
from playwright_api import Page, expect

from nbconnect.testing import FakeProvider
from notebooks import marimo_notebook, playground_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MODELS = ["demo:demo-careful", "gpt-4.1-mini"]
ROWS = 12
CALLS = ROWS * len(MODELS)
PROMPT = "Classify the sentiment of this review: {text}"
#: thrown by Notebook 7.6's shortcuts settings plugin (notebook_core.js, pluginChanged) as the page
#: loads, also for a notebook with one `print(1)` cell and no widget: Notebook's, not ours
NOTEBOOK7_OWN = ("Cannot read properties of undefined (reading 'schema')",)


FAKE = {"latency": 0.05}  # the options of the conftest's `fake` server


def exercise(page: Page, fake: FakeProvider, name: str, known_errors: tuple[str, ...] = ()) -> None:
    """The flow every front end must carry: render, a full run, a cell's details, a stopped run."""
    fake.latency = 0.05
    # -- rendered from Python's state ------------------------------------------------------------
    panel = page.locator(".nbc-panel")
    expect(panel).to_be_visible(timeout=60_000)
    expect(panel.locator(".nbc-conn-name").filter(has_text="gpt-4.1-mini")).to_have_count(
        1
    )  # a closed section
    pickers = page.locator(".nbc-picker")
    expect(pickers).to_have_count(2)  # the standalone one and the Playground's
    for ref in MODELS:  # ticked from Python in the Playground's picker
        expect(pickers.nth(1).locator(f"input.nbc-model-check[aria-label='{ref}']")).to_be_checked()
    root = page.locator(".pg-root")
    expect(root.locator("textarea.pg-template")).to_have_value(PROMPT)
    expect(root.locator(".pg-schema-status")).to_have_text("✓ 2 field(s)")
    expect(root.locator(".pg-estimate")).to_contain_text(f"{CALLS} calls")
    # every view's first message was answered (js/_shared.js messageCheck), so none shows the note
    # that says this front end does not carry messages
    expect(page.locator(".nbc-frontend-slot[data-answered='true']")).to_have_count(4)
    expect(page.locator(".nbc-frontend-note")).to_have_count(0)

    # -- a run to the end ------------------------------------------------------------------------------
    root.locator("button.pg-run").click()
    total = root.locator(".pg-progress-total")
    expect(total).to_have_attribute("data-done", str(CALLS), timeout=60_000)
    expect(root.locator(".pg-message")).to_have_text(f"done: {CALLS} valid of {CALLS} cells", timeout=30_000)
    table = root.locator("table.pg-table")
    expect(table.locator("tbody tr")).to_have_count(ROWS)
    expect(table.locator("td.pg-cell.pg-valid")).to_have_count(CALLS)
    assert fake.count("/chat/completions") >= ROWS  # the kernel reached the loopback server
    table.locator("tbody tr").first.locator("td.pg-cell[data-model='gpt-4.1-mini']").click()
    expect(root.locator("pre.pg-cell-detail")).to_contain_text("latency")
    page.screenshot(path=str(artifact(f"frontend-{name}.png")), full_page=True)

    # -- a slower run, stopped -----------------------------------------------------------------------
    fake.latency = 1.0
    before = fake.count("/chat/completions")
    root.locator("button.pg-run").click()
    expect(root.locator(".pg-message")).to_have_text(f"running {CALLS} calls…")
    page.wait_for_function(  # the new run's progress, with some cells done and some not
        """() => { const e = document.querySelector('.pg-progress-total') ||
                     [...document.querySelectorAll('*')].map(x => x.shadowRoot)
                       .filter(Boolean).map(r => r.querySelector('.pg-progress-total')).find(Boolean);
                   const done = +e.dataset.done, total = +e.dataset.total;
                   return total > 0 && done > 0 && done < total && !e.textContent.includes('finished'); }""",
        timeout=30_000,
    )
    deadline = time.monotonic() + 10
    while fake.count("/chat/completions") == before and time.monotonic() < deadline:
        time.sleep(0.02)  # the slow server holds calls in flight
    root.locator("button.pg-stop").click()
    expect(root.locator(".pg-message")).to_contain_text("(stopped)", timeout=20_000)
    expect(root.locator("button.pg-run")).to_be_enabled()
    done, total_calls = progress_counts(page)
    assert 0 < done < total_calls == CALLS
    kept = table.locator("td.pg-cell.pg-valid")
    expect(kept).to_have_count(done)
    expect(table.locator("td.pg-cell.pg-invalid").first).to_have_attribute(
        "title", "cancelled before it finished"
    )
    assert_no_page_errors(page, known_errors)


def test_notebook7(notebook7, page, fake, tmp_path):
    name = "widgets.ipynb"
    store = tmp_path / "store" / "connections.json"
    playground_notebook(
        notebook7.root_dir / name, store, f"{fake.url}/v1", rows=ROWS, prompt=PROMPT, panels=True
    )
    open_notebook(page, notebook7, name)
    run_all_cells(page)
    exercise(page, fake, "notebook7", NOTEBOOK7_OWN)


def test_voila(voila, page, fake, tmp_path):
    name = "widgets.ipynb"
    store = tmp_path / "store" / "connections.json"
    playground_notebook(voila.root_dir / name, store, f"{fake.url}/v1", rows=ROWS, prompt=PROMPT, panels=True)
    page.goto(voila.url(f"/voila/render/{name}"))  # Voila runs the notebook as the page loads
    exercise(page, fake, "voila")


def test_marimo(marimo, page, fake, tmp_path):
    name = "widgets.py"
    store = tmp_path / "store" / "connections.json"
    marimo_notebook(marimo.root_dir / name, store, f"{fake.url}/v1", rows=ROWS, prompt=PROMPT)
    page.goto(f"{marimo.base_url}/?file={name}")  # marimo runs the notebook as the page opens
    exercise(page, fake, "marimo")

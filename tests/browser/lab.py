"""Helpers for driving JupyterLab 4 with Playwright and for reading the kernel's state.

Used by ``conftest.py`` and the browser tests. Selectors verified on JupyterLab 4.6.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # playwright is imported lazily: without it the tests skip with a reason
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("WIDGET_TEST_ARTIFACTS") or REPO / "artifacts")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

CELL = ".jp-NotebookPanel .jp-Notebook .jp-Cell"
KERNEL_IDLE = ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def find_chromium() -> str | None:
    """The Chromium to drive: ``$CHROMIUM_PATH`` if set (and only that), else Debian's or one on PATH."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


# -- JupyterLab UI ---------------------------------------------------------------------------


def open_notebook(page: Page, server: Any, name: str, timeout: float = 60_000) -> None:
    """Open ``name`` (relative to the server's root dir) in a fresh workspace and wait for an idle kernel.

    JupyterLab and Notebook 7 alike (both built from JupyterLab's parts, both with ``window.jupyterapp``).
    """
    lab = getattr(server, "kind", "lab") == "lab"
    # ?reset: no tabs restored from an earlier test's workspace (hidden tabs would match selectors)
    page.goto(server.url(f"/lab/tree/{name}?reset" if lab else f"/notebooks/{name}"))
    page.locator(CELL).first.wait_for(timeout=timeout)
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            return !!k && k.status === 'idle' && k.connectionStatus === 'connected';
        }""",
        timeout=timeout,
    )
    if lab:  # Notebook 7 shows the kernel's state elsewhere; the check above is the one that counts
        page.locator(KERNEL_IDLE).wait_for(timeout=timeout)


def command(page: Page, command_id: str, args: dict | None = None) -> Any:
    """Execute a JupyterLab command (needs ``--expose-app-in-browser``); resolves when it has finished."""
    return page.evaluate(
        "([id, args]) => window.jupyterapp.commands.execute(id, args).then(() => null)",
        [command_id, args or {}],
    )


def run_all_cells(page: Page) -> None:
    """Run every cell; returns after each cell's execute_reply (JupyterLab 4 has no default shortcut)."""
    command(page, "notebook:run-all-cells")


def open_and_run(page: Page, server: Any, name: str, *, wide: bool = False) -> None:
    """Open ``name``, run every cell and fail on any cell's traceback. ``wide``: fold the left
    side panel first, so the notebook gets the window's whole width."""
    open_notebook(page, server, name)
    if wide:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page)
    assert_no_cell_errors(page)


def open_playground(page: Page, lab: Any, fake: Any, tmp_path: Path, name: str, *, width: int = 1400,
                    **notebook: Any) -> Locator:  # fmt: skip
    """Write the Playground notebook (``notebooks.playground_notebook``, its connections stored
    under ``tmp_path``, the Custom LLM at ``fake``; ``notebook`` its options), open it in a window
    ``width`` pixels wide with the side panel folded, run it, and return the widget's root."""
    from notebooks import playground_notebook

    page.set_viewport_size({"width": width, "height": 900})
    store = tmp_path / "store" / "connections.json"
    playground_notebook(lab.root_dir / name, store, f"{fake.url}/v1", **notebook)
    open_and_run(page, lab, name, wide=True)
    return page.locator(".pg-root")


def assert_no_cell_errors(page: Page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, "a notebook cell failed:\n" + "\n".join(tracebacks)


def assert_no_page_errors(page: Page, known: tuple[str, ...] = ()) -> None:
    """No uncaught exception in the page (a widget view that threw while rendering or handling an event).

    ``known``: exact messages the front end itself throws on a page without any widget (each
    such entry says where it was seen), so they are not ours to fix.
    """
    errors = [
        line
        for line in getattr(page, "console_log", [])
        if line.startswith("pageerror:") and line.removeprefix("pageerror: ") not in known
    ]
    assert not errors, "uncaught errors in the page:\n" + "\n".join(errors)


def save_notebook(page: Page) -> None:
    """Save the current notebook with ``docmanager:save`` and wait until the tab is clean."""
    from playwright.sync_api import expect

    command(page, "docmanager:save")
    expect(page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0)


def shot(
    page: Page, name: str, first: Locator, last: Locator | None = None, *, full_width: bool = False
) -> Path:
    """Screenshot from the top of ``first`` to the bottom of ``last`` (default: ``first`` alone);
    ``full_width``: the window's whole width (what a reader of the README sees of the notebook).

    The notebook scrolls inside a fixed-height panel, so a widget taller than the window would be
    cut off: the window is made tall enough for the whole region while the picture is taken.
    """
    last = last or first
    size = page.viewport_size
    top, bottom = first.bounding_box(), last.bounding_box()
    height = bottom["y"] + bottom["height"] - top["y"]
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 400)})
    try:
        first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        top, bottom = first.bounding_box(), last.bounding_box()
        clip = {
            "x": min(top["x"], bottom["x"]),
            "y": top["y"],
            "width": max(top["x"] + top["width"], bottom["x"] + bottom["width"]) - min(top["x"], bottom["x"]),
            "height": bottom["y"] + bottom["height"] - top["y"],
        }
        if full_width:
            clip.update(x=0, width=size["width"])
        page.screenshot(path=str(artifact(name)), clip=clip, animations="disabled")
    finally:
        page.set_viewport_size(size)
    return artifact(name)


# -- the widgets' parts ------------------------------------------------------------------------


def panel_section(page: Page, provider: str) -> Locator:
    """A provider's section of the ConnectionsPanel."""
    return page.locator(f".nbc-panel section.nbc-provider[data-provider='{provider}']")


def press(sec: Locator, verb: str) -> None:
    """Click a panel section form's Test / Save button (accessible name: "Test OpenAI connection")."""
    title = sec.get_attribute("aria-label")
    sec.locator("form.nbc-form").get_by_role("button", name=f"{verb} {title} connection", exact=True).click()


def progress_counts(page: Page) -> tuple[int, int]:
    """The Playground's progress line: cells done, cells in all."""
    total = page.locator(".pg-progress-total")
    return int(total.get_attribute("data-done")), int(total.get_attribute("data-total"))


# -- kernel side -----------------------------------------------------------------------------


def kernel_eval(server: Any, notebook: str, code: str, timeout: float = 30) -> str:
    """Run ``code`` in the kernel JupyterLab started for ``notebook`` and return its stdout.

    A second client on the same kernel (through its connection file in the server's private
    runtime dir): reads Python-side state without going through the UI.
    """
    from jupyter_client import BlockingKernelClient

    sessions = [s for s in server.api("/api/sessions") if s["path"].endswith(notebook)]
    assert sessions, f"no kernel session for {notebook}"
    cf = Path(server.env["JUPYTER_RUNTIME_DIR"], f"kernel-{sessions[0]['kernel']['id']}.json")
    kc = BlockingKernelClient(connection_file=str(cf))
    kc.load_connection_file()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        out: list[str] = []

        def on_output(msg: dict) -> None:
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))

        reply = kc.execute_interactive(code, timeout=timeout, output_hook=on_output, store_history=False)
        assert reply["content"]["status"] == "ok", "".join(out)
        return "".join(out)
    finally:
        kc.stop_channels()


def kernel_json(server: Any, notebook: str, expression: str, timeout: float = 30) -> Any:
    """The JSON value of a Python ``expression`` evaluated in the notebook's kernel (others as ``str``)."""
    marker = "@@KERNEL_JSON@@"
    code = f"import json as _j\nprint({marker!r} + _j.dumps({expression}, default=str))"
    out = kernel_eval(server, notebook, code, timeout)
    return json.loads(out.split(marker, 1)[1])


def wait_kernel(server: Any, notebook: str, expression: str, expected: Any, timeout: float = 20) -> None:
    """Poll the kernel until ``expression`` equals ``expected`` (browser → kernel sync is async)."""
    deadline = time.monotonic() + timeout
    while True:
        got = kernel_json(server, notebook, expression)
        if got == expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert got == expected, f"kernel: {expression} = {got!r}, expected {expected!r}"

"""ConnectionsPanel and ModelPicker in a real JupyterLab driven by headless Chromium (issue 5).

A loopback OpenAI-format server (``FakeProvider``) runs in this test process; the notebook's
kernel reaches it by URL. Keys are typed into the widgets, never written into a notebook.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from lab import (
    artifact,
    assert_no_page_errors,
    command,
    kernel_json,
    open_and_run,
    panel_section,
    press,
    save_notebook,
    wait_kernel,
)
from playwright_api import Locator, Page, expect

import nbconnect as nbc
from notebooks import connections_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GOOD = "sk-good-0123456789abcdefXYZ1"
BAD = "sk-bad-0123456789abcdefXYZ2"
UNSENT = "sk-typed-but-never-sent-XYZ3"  # typed into a form, no button pressed
CUSTOM_MODEL = "gpt-4.1-mini"


FAKE = {"api_keys": {GOOD}}  # the options of the conftest's `fake` server


@pytest.fixture(scope="module")
def openai_model_count(fake) -> int:
    """What the engine itself reports for the good key: the panel must show the same number."""
    check = nbc.OpenAI(api_key=GOOD, base_url=f"{fake.url}/v1").verify()
    assert check.ok, check.message
    return len(check.models)


# -- page helpers --------------------------------------------------------------------------------


def open_section(page: Page, provider: str, *, keyboard: bool = False) -> Locator:
    sec = panel_section(page, provider)
    summary = sec.locator("summary.nbc-summary-line")
    if keyboard:  # the sections are <details>: Enter on the focused summary opens them
        summary.focus()
        page.keyboard.press("Enter")
    else:
        summary.click()
    expect(sec.locator("details.nbc-details")).to_have_attribute("open", "")
    return sec


def open_more_options(sec: Locator) -> None:
    more = sec.locator("details.nbc-more")
    more.locator("summary").click()
    expect(more).to_have_attribute("open", "")


def field_input(sec: Locator, title: str, label: str) -> Locator:
    # the inputs are labelled "<provider title> <field label>" (aria-label) and by a <label for=...>
    return sec.get_by_label(f"{title} {label}", exact=True)


def status(sec: Locator) -> Locator:
    return sec.locator(".nbc-status")


def all_input_values(page: Page) -> list[str]:
    return page.evaluate("() => Array.from(document.querySelectorAll('input, textarea')).map(e => e.value)")


def assert_no_secret_in_page(page: Page, *secrets: str) -> None:
    html = page.content()
    values = all_input_values(page)
    for secret in secrets:
        assert secret not in html, "a secret is in the page's DOM"
        assert not any(secret in v for v in values), "a secret was left in an input field"


def start(page: Page, server, tmp_path: Path, name: str, *, picker: bool = False, store: Path | None = None):
    store = store or tmp_path / "store" / "connections.json"
    connections_notebook(server.root_dir / name, store, picker=picker)
    open_and_run(page, server, name)
    expect(page.locator(".nbc-panel")).to_be_visible()
    if picker:
        expect(page.locator(".nbc-picker")).to_be_visible()
    return store


# -- tests -----------------------------------------------------------------------------------------


def test_openai_key_test_ok_then_wrong_key_is_actionable(lab, page, fake, openai_model_count, tmp_path):
    name = "openai_test.ipynb"
    start(page, lab, tmp_path, name)
    n_cells = page.locator(".jp-NotebookPanel .jp-Cell").count()

    sec = open_section(page, "openai", keyboard=True)
    expect(sec.locator(".nbc-summary")).to_have_text("not set up")
    open_more_options(sec)
    field_input(sec, "OpenAI", "Base URL").fill(f"{fake.url}/v1")
    key = field_input(sec, "OpenAI", "API key")
    expect(key).to_have_attribute("type", "password")
    key.fill(GOOD)
    press(sec, "Test")
    expect(key).to_have_value("")  # sent once, then the field is cleared
    expect(status(sec)).to_have_attribute("data-state", "ok")
    expect(status(sec)).to_have_text(f"OK · {openai_model_count} models")
    expect(sec.locator(".nbc-field-api_key .nbc-secret-hint")).to_contain_text("sk-…XYZ1")

    # a wrong key, typed with real key events: the error names the field and says where to get a key
    key.click()
    key.press_sequentially(BAD)
    press(sec, "Test")
    expect(status(sec)).to_have_attribute("data-state", "error")
    expect(status(sec)).to_have_text("Test failed: see API key.")
    error = sec.locator(".nbc-field-api_key .nbc-field-error")
    expect(error).to_contain_text("platform.openai.com/api-keys")
    expect(error).to_contain_text("sk-…XYZ2")  # which key was refused, masked
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_have_value("")
    artifact_shot(sec, "connections-panel-wrong-key.png")

    # typing letters into the widget must not have fired notebook shortcuts (a/b insert cells...)
    assert page.locator(".jp-NotebookPanel .jp-Cell").count() == n_cells
    assert_no_secret_in_page(page, GOOD, BAD)
    assert_no_page_errors(page)

    # kernel side: Test does not add the connection; nothing the widget sent or holds has a key
    assert kernel_json(lab, name, "len(org)") == 0
    state = json.dumps(kernel_json(lab, name, "[panel.get_state(), panel.sent]"), ensure_ascii=False)
    assert GOOD not in state and BAD not in state
    assert "sk-…XYZ2" in state  # the refusal did reach the browser, masked

    # last, so that everything above is checked either way: the help links must look like links
    link = sec.locator("a.nbc-docs").first
    looks = link.evaluate(
        "a => { const s = getComputedStyle(a), p = getComputedStyle(a.parentElement);"
        " return s.color !== p.color || s.textDecorationLine.includes('underline'); }"
    )
    # JupyterLab's `.jp-ThemedContainer a {color: unset}` must not make the help links look like text
    assert looks, "help links are styled like the surrounding text"


def test_custom_llm_and_model_picker(lab, page, fake, openai_model_count, tmp_path):
    name = "custom_picker.ipynb"
    # an OpenAI connection saved beforehand (by the test process, so no key is in the notebook)
    store = tmp_path / "store" / "connections.json"
    nbc.Organization(path=store).add(nbc.OpenAI(api_key=GOOD, base_url=f"{fake.url}/v1"))
    start(page, lab, tmp_path, name, picker=True, store=store)

    openai = open_section(page, "openai")
    expect(openai.locator(".nbc-summary")).to_have_text("key sk-…XYZ1 · saved in the store")
    expect(openai.locator("li.nbc-conn[data-name='openai'] .nbc-source")).to_have_text("saved in the store")

    # add a Custom LLM: the loopback server's OpenAI-format endpoint and one of its models
    custom = open_section(page, "custom")
    field_input(custom, "Custom LLM", "Name (model id)").fill(CUSTOM_MODEL)
    field_input(custom, "Custom LLM", "Endpoint").fill(f"{fake.url}/v1")
    field_input(custom, "Custom LLM", "API key").fill(GOOD)
    press(custom, "Test")
    expect(status(custom)).to_have_attribute("data-state", "ok")
    expect(status(custom)).to_contain_text("OK · ")
    press(custom, "Save")
    expect(status(custom)).to_have_text(f"Saved '{CUSTOM_MODEL}' to the store · key sk-…XYZ1")
    conn = custom.locator(f"li.nbc-conn[data-name='{CUSTOM_MODEL}']")
    expect(conn).to_be_visible()
    expect(conn.locator(".nbc-fact-endpoint")).to_have_text(f"endpoint: {fake.url}/v1")
    expect(custom.locator("form.nbc-form")).to_be_hidden()
    wait_kernel(lab, name, "sorted(c.name for c in org)", sorted([CUSTOM_MODEL, "openai"]))
    assert CUSTOM_MODEL in store.read_text()  # persisted in the store file
    artifact_shot(page.locator(".nbc-panel"), "connections-panel.png")

    # the picker refreshed on the new connection; Verify turns both groups "verified"
    picker = page.locator(".nbc-picker")
    group = picker.locator(f"fieldset.nbc-group[data-connection='{CUSTOM_MODEL}']")
    expect(group).to_be_visible()
    # its Test just passed and the panel recorded it with the Save (issue 18: no "not verified" then)
    expect(group.locator(".nbc-group-status")).to_have_text("verified")
    picker.get_by_role("button", name="Verify all connections").click()
    expect(picker.locator(".nbc-picker-status")).to_have_text("Checked 2: all OK")
    for conn_name in ("openai", CUSTOM_MODEL):
        g = picker.locator(f"fieldset.nbc-group[data-connection='{conn_name}']")
        expect(g).to_have_attribute("data-status", "ok")
    # verified OpenAI offers the live list (catalog order); the custom connection is one model
    expect(picker.locator("fieldset.nbc-group[data-connection='openai'] .nbc-model")).to_have_count(
        openai_model_count
    )

    first, second = "openai:gpt-4.1-mini", CUSTOM_MODEL
    picker.get_by_role("checkbox", name=first, exact=True).check()
    picker.get_by_role("checkbox", name=second, exact=True).check()
    expect(picker.locator(".nbc-count")).to_have_text("2 selected")
    wait_kernel(lab, name, "picker.value", [first, second])  # in the order chosen

    # search hides rows without unselecting them
    picker.get_by_role("searchbox", name="Search models").fill("custom")
    expect(picker.locator(".nbc-model:visible")).to_have_count(1)
    wait_kernel(lab, name, "[picker.query, picker.value]", ["custom", [first, second]])
    picker.get_by_role("searchbox", name="Search models").fill("")
    artifact_shot(picker, "model-picker.png")

    # both widgets take their colours from JupyterLab's theme variables, light and dark
    assert_follows_theme(page, "JupyterLab Light", light=True)
    try:
        assert_follows_theme(page, "JupyterLab Dark", light=False)
        artifact_shot(page.locator(".nbc-panel"), "connections-panel-dark.png")
        artifact_shot(picker, "model-picker-dark.png")
    finally:  # the theme is a user setting of the shared server: put it back
        command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})
    assert_no_page_errors(page)


def test_saved_notebook_with_widget_state_has_no_secret(
    lab_savestate, page, fake, openai_model_count, tmp_path
):
    server, name = lab_savestate, "save_state.ipynb"
    store = start(page, server, tmp_path, name, picker=True)

    # a good key: Test, then Save (the typed key is kept in the view's memory for Save)
    openai = open_section(page, "openai")
    open_more_options(openai)
    field_input(openai, "OpenAI", "Base URL").fill(f"{fake.url}/v1")
    field_input(openai, "OpenAI", "API key").fill(GOOD)
    press(openai, "Test")
    expect(status(openai)).to_have_text(f"OK · {openai_model_count} models")
    press(openai, "Save")
    expect(status(openai)).to_have_text("Saved 'openai' to the store · key sk-…XYZ1")
    # a wrong key sent with Test; a third key typed and never sent
    custom = open_section(page, "custom")
    field_input(custom, "Custom LLM", "Name (model id)").fill(CUSTOM_MODEL)
    field_input(custom, "Custom LLM", "Endpoint").fill(f"{fake.url}/v1")
    field_input(custom, "Custom LLM", "API key").fill(BAD)
    press(custom, "Test")
    expect(status(custom)).to_have_attribute("data-state", "error")
    gemini = open_section(page, "gemini")
    field_input(gemini, "Gemini", "API key").fill(UNSENT)
    page.locator(".nbc-picker").get_by_role("checkbox", name="openai:gpt-4.1-mini", exact=True).check()
    wait_kernel(server, name, "picker.value", ["openai:gpt-4.1-mini"])

    # the kernel got the good key (compared by hash: the key is not printed anywhere)
    digest = hashlib.sha256(GOOD.encode()).hexdigest()
    assert (
        kernel_json(
            server, name, "__import__('hashlib').sha256(org['openai'].secret('api_key').encode()).hexdigest()"
        )
        == digest
    )
    state = json.dumps(kernel_json(server, name, "[panel.get_state(), picker.get_state()]"))
    for secret in (GOOD, BAD, UNSENT):
        assert secret not in state, "a secret is in a widget's get_state()"

    save_notebook(page)  # docmanager:save, with "Save Widget State Automatically" on
    path = server.root_dir / name
    text = path.read_text()
    nb = json.loads(text)
    widget_state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    saved = [m["state"] for m in widget_state.values() if m["model_name"] == "AnyModel"]
    # the setting really was on: both widgets' synced state is in the file
    assert any("providers" in s for s in saved) and any(
        s.get("value") == ["openai:gpt-4.1-mini"] for s in saved
    )
    for secret in (GOOD, BAD, UNSENT):
        assert secret not in text, "a secret was saved into the notebook"
    assert UNSENT not in server.log_tail(10**7) and BAD not in server.log_tail(10**7)
    assert GOOD in store.read_text()  # the store (0600) is the one place the key is kept
    assert store.stat().st_mode & 0o077 == 0
    assert_no_secret_in_page(page, GOOD, BAD)  # the unsent key is still in its field, as typed
    assert_no_page_errors(page)


THEME_COLORS = """el => {
    const probe = document.createElement("div");
    probe.style.background = "var(--jp-layout-color1)";
    probe.style.color = "var(--jp-ui-font-color1)";
    document.body.append(probe);
    const want = [getComputedStyle(probe).backgroundColor, getComputedStyle(probe).color];
    probe.remove();
    const style = getComputedStyle(el);
    return {want, got: [style.backgroundColor, style.color]};
}"""


def assert_follows_theme(page: Page, theme: str, light: bool) -> None:
    command(page, "apputils:change-theme", {"theme": theme})
    page.wait_for_selector(f"body[data-jp-theme-light='{str(light).lower()}']", state="attached")
    for root in (".nbc-panel", ".nbc-picker"):
        # the theme's stylesheet swaps asynchronously: poll until the colours match
        page.wait_for_function(
            f"() => {{ const r = ({THEME_COLORS})(document.querySelector('{root}'));"
            " return r.want[0] === r.got[0] && r.want[1] === r.got[1]; }"
        )


def artifact_shot(locator: Locator, name: str) -> None:
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(artifact(name)))

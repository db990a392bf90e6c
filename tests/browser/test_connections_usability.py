"""The ConnectionsPanel as a person uses it (issue 18): a Save after a failed Test shows as failing,
a network failure blames no field, the Custom LLM form flags every field at once in the form's
words, errors go as their field is fixed, and a provider's header shows that it opens.

The kernel's HTTPS proxy points at a closed port on this machine, so OpenAI's default endpoint is
unreachable the same way everywhere (with or without internet) and nothing leaves the machine.
"""

from __future__ import annotations

import socket

import pytest
from lab import assert_no_page_errors, kernel_json, open_and_run, panel_section, press, shot
from playwright_api import Locator, Page, expect

from notebooks import write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "sk-usab-0123456789abcdefXYZ9"
REMOTE = "http://gpu-box.example:8000/v1"  # plain http to another host: refused without the opt-in

# what the summary's ::before (the disclosure chevron) looks like: drawn at all, and its turn
CHEVRON = """s => { const b = getComputedStyle(s, '::before');
    return {content: b.content, width: parseFloat(b.width) || 0, transform: b.transform}; }"""


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens there


def open_panel(page: Page, lab, tmp_path, name: str) -> Locator:
    proxy = f"http://127.0.0.1:{closed_port()}"
    cell = f"""
import os
os.environ["HTTPS_PROXY"] = os.environ["https_proxy"] = {proxy!r}  # api.openai.com: unreachable
import nbconnect as nbc

org = nbc.Organization(path={str(tmp_path / "store" / "connections.json")!r})
panel = nbc.ConnectionsPanel(org)
panel
"""
    write_notebook(lab.root_dir / name, [cell], title="nbconnect panel usability")
    open_and_run(page, lab, name)
    panel = page.locator(".nbc-panel")
    expect(panel).to_be_visible()
    return panel


def settled(sec: Locator) -> Locator:
    """The section's status line once Python has answered (no longer "checking…" / "saving…")."""
    line = sec.locator(".nbc-status")
    expect(line).not_to_have_attribute("data-state", "busy")
    expect(line).not_to_have_text("")
    return line


def test_unreachable_default_endpoint_then_save_shows_failing(lab, page, tmp_path):
    name = "panel_failed_save.ipynb"
    open_panel(page, lab, tmp_path, name)
    sec = panel_section(page, "openai")
    summary = sec.locator("summary.nbc-summary-line")

    # the header shows it opens: a chevron, turned once open
    closed = summary.evaluate(CHEVRON)
    assert closed["content"] not in ("none", "normal") and closed["width"] > 0, closed
    summary.click()
    expect(sec.locator("details.nbc-details")).to_have_attribute("open", "")
    opened = summary.evaluate(CHEVRON)
    assert opened["transform"] != closed["transform"], (closed, opened)

    sec.get_by_label("OpenAI API key", exact=True).fill(KEY)
    press(sec, "Test")
    line = settled(sec)
    shot(page, "connections-network-test.png", sec)
    # a network failure is no field's fault: the status says what failed; no field is outlined
    expect(line).to_have_attribute("data-state", "error")
    expect(line).to_contain_text("Test failed: cannot reach api.openai.com")
    expect(line).not_to_contain_text("see Base URL")
    expect(sec.locator("[aria-invalid='true']")).to_have_count(0)
    expect(sec.locator(".nbc-field-base_url .nbc-field-error")).to_have_text("")
    expect(sec.locator("details.nbc-more")).not_to_have_attribute("open", "")

    # saved anyway: the Save says the Test failed, and the list keeps saying so
    press(sec, "Save")
    expect(sec.locator("form.nbc-form")).to_be_hidden()  # saved (before and after the fix)
    shot(page, "connections-failed-save.png", sec)
    expect(line).to_contain_text("Saved 'openai' to the store, but its Test failed: ")
    expect(line).to_have_attribute("data-state", "error")
    row = sec.locator("li.nbc-conn[data-name='openai']")
    expect(row.locator(".nbc-conn-status")).to_have_attribute("data-status", "failing")
    expect(row.locator(".nbc-conn-status")).to_contain_text("failing: ")
    expect(row.locator(".nbc-conn-status")).to_contain_text("cannot reach api.openai.com")
    expect(sec.locator(".nbc-summary")).to_contain_text("failing")
    assert kernel_json(lab, name, "org.state('openai')") == "failing"
    assert_no_page_errors(page)


def test_custom_llm_flags_every_field_at_once_and_each_clears_when_fixed(lab, page, tmp_path):
    name = "panel_custom_errors.ipynb"
    panel = open_panel(page, lab, tmp_path, name)
    sec = panel_section(page, "custom")
    sec.locator("summary.nbc-summary-line").click()
    endpoint = sec.get_by_label("Custom LLM Endpoint", exact=True)
    model = sec.get_by_label("Custom LLM Name (model id)", exact=True)
    endpoint.fill(REMOTE)
    sec.get_by_label("Custom LLM API key", exact=True).fill("two words")
    press(sec, "Save")
    settled(sec)
    shot(page, "connections-custom-errors.png", panel)
    errors = {f: sec.locator(f".nbc-field-{f} .nbc-field-error") for f in ("name", "endpoint", "api_key")}
    # all three at once, each by its field, in the form's words
    expect(errors["name"]).to_have_text("required")
    expect(errors["endpoint"]).to_contain_text("tick “Allow plain http to other hosts” under More options")
    expect(errors["endpoint"]).not_to_contain_text("allow_insecure_http")
    expect(errors["api_key"]).to_contain_text("API key has a line break or space inside")
    expect(sec.locator("[aria-invalid='true']")).to_have_count(3)
    opt_in = sec.get_by_label("Custom LLM Allow plain http to other hosts", exact=True)
    expect(opt_in).to_be_visible()  # More options opened on the checkbox the message names

    # fixing a field takes its error away, before any button is pressed
    model.press_sequentially("llama3")
    expect(errors["name"]).to_have_text("")
    expect(model).not_to_have_attribute("aria-invalid", "true")
    expect(errors["endpoint"]).not_to_have_text("")  # not edited yet: still flagged
    opt_in.check()
    endpoint.press("End")
    endpoint.press_sequentially(" ")
    endpoint.press("Backspace")
    expect(errors["endpoint"]).to_have_text("")
    sec.get_by_label("Custom LLM API key", exact=True).press_sequentially(KEY)
    expect(errors["api_key"]).to_have_text("")
    expect(sec.locator(".nbc-status")).to_have_text("")  # nothing left to point at
    press(sec, "Save")  # as the message said: with the box ticked, the remote http endpoint is taken
    expect(sec.locator(".nbc-status")).to_have_text("Saved 'llama3' to the store · key sk-…XYZ9")
    assert kernel_json(lab, name, "[org['llama3'].endpoint, org['llama3'].allow_insecure_http]") == [
        REMOTE,
        True,
    ]
    assert_no_page_errors(page)

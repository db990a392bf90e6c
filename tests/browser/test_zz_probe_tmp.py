from test_connections_browser import start, open_section, fake  # noqa
from lab import command
def test_probe(lab, page, fake, tmp_path):
    start(page, lab, tmp_path, "probe.ipynb", picker=True)
    sec = open_section(page, "openai")
    link = sec.locator("a.nbc-docs").first
    print("LINK", link.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.textDecorationLine, getComputedStyle(e.parentElement).color] }"))
    print("RULES", link.evaluate("""e => { const out=[]; for (const sh of document.styleSheets) { let rules; try { rules = sh.cssRules } catch { continue } for (const r of rules) { if (r.selectorText && e.matches(r.selectorText) && r.style.color) out.push(r.selectorText + ' => ' + r.style.color) } } return out }"""))
    command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    page.wait_for_selector("body[data-jp-theme-light='false']")
    page.wait_for_timeout(500)
    print("DARK", page.locator(".nbc-panel").evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color, getComputedStyle(document.body).getPropertyValue('--jp-layout-color1'), getComputedStyle(document.body).getPropertyValue('--jp-ui-font-color1')]"))
    print("DARKP", page.locator(".nbc-picker").evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"))
    page.locator(".nbc-panel").screenshot(path="/tmp/nbc-bt-dark.png")
    page.locator(".nbc-picker").screenshot(path="/tmp/nbc-bt-dark-picker.png")
    command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})

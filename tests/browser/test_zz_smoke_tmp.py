import time
from lab import open_notebook, run_all_cells, kernel_json, save_notebook, command
from notebooks import write_notebook
from playwright.sync_api import expect

CELL = r'''
import anywidget, traitlets, os
class W(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const b = document.createElement("button"); b.className = "zz-btn"; b.textContent = "go";
      b.onclick = () => { model.set("n", model.get("n") + 1); model.save_changes(); };
      el.append(b);
    }
    export default { render };
    """
    n = traitlets.Int(0).tag(sync=True)
w = W(); w
'''

def test_smoke(lab, page):
    t = time.monotonic()
    write_notebook(lab.root_dir / "smoke.ipynb", [CELL])
    open_notebook(page, lab, "smoke.ipynb")
    run_all_cells(page)
    page.locator(".zz-btn").click()
    page.locator(".zz-btn").click()
    import time as _t
    for _ in range(50):
        if kernel_json(lab, "smoke.ipynb", "w.n") == 2: break
        _t.sleep(0.1)
    assert kernel_json(lab, "smoke.ipynb", "[w.n, os.environ['NBCONNECT_HOME'], os.environ['HOME']]")[0] == 2
    print(kernel_json(lab, "smoke.ipynb", "[w.n, os.environ['NBCONNECT_HOME'], os.environ['HOME']]"))
    print("took", time.monotonic() - t)

def test_smoke_save(lab_savestate, page):
    write_notebook(lab_savestate.root_dir / "smoke.ipynb", [CELL])
    open_notebook(page, lab_savestate, "smoke.ipynb")
    run_all_cells(page)
    page.locator(".zz-btn").click()
    save_notebook(page)
    print((lab_savestate.root_dir / "smoke.ipynb").read_text()[-800:])

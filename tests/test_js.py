"""The front end without a browser: node's test runner over tests/js, and the bundles anywidget loads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nbconnect._widgets import assets
from nbconnect._widgets.assets import BundleError, esm_text

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ["connections.js", "model_picker.js", "playground.js"]


def node() -> str:
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is missing under CI=true: .ci/run installs Debian's nodejs")
        pytest.skip("node is not installed (apt-get install nodejs); the JS unit tests need it")
    return found


def test_js_unit_tests_pass():
    done = subprocess.run(
        [node(), "--test", "--test-reporter=tap", "tests/js"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout


def test_every_js_file_parses():
    """A cheap lint: a syntax error in any module fails here, not in a user's browser."""
    for path in sorted((ROOT / "js").glob("*.js")) + sorted((ROOT / "tests" / "js").glob("*.mjs")):
        done = subprocess.run([node(), "--check", str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{path.name}: {done.stderr}"


@pytest.mark.parametrize("entry", VIEWS)
def test_bundle_is_one_module_with_a_render(entry, tmp_path):
    """What anywidget gets: one string, no relative import left, whose default export renders."""
    text = esm_text(entry)
    assert 'from "./' not in text
    bundle = tmp_path / "bundle.mjs"
    bundle.write_text(text, encoding="utf-8")
    probe = f"import({json.dumps(bundle.as_uri())}).then((m) => console.log(typeof m.default.render))"
    done = subprocess.run(
        [node(), "--input-type=module", "-e", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "function"


def test_bundle_scopes_modules_and_keeps_import_names(tmp_path, monkeypatch):
    (tmp_path / "a.js").write_text("const secret = 1;\nexport function one() { return secret; }\n")
    (tmp_path / "b.js").write_text(
        'import { one as uno } from "./a.js";\nconst secret = 2;\nexport const two = () => uno() + secret;\n'
    )
    (tmp_path / "main.js").write_text(
        'import { two } from "./b.js";\nimport { one } from "./a.js";\nexport default { v: two() * 10 + one() };\n'
    )
    monkeypatch.setattr(assets, "asset", lambda name: tmp_path / name)
    text = esm_text("main.js")
    assert text.count("const secret = 1") == 1  # a.js inlined once although imported twice
    bundle = tmp_path / "out.mjs"
    bundle.write_text(text)
    probe = f"import({json.dumps(bundle.as_uri())}).then((m) => console.log(m.default.v))"
    done = subprocess.run(
        [node(), "--input-type=module", "-e", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "31"  # (1 + 2) * 10 + 1: each module saw its own `secret`


@pytest.mark.parametrize(
    ("main", "dep", "words"),
    [
        ('import two from "./dep.js";\n', "export const two = 2;\n", "main.js:1: only `import {"),
        ('import { three } from "./dep.js";\n', "export const two = 2;\n", "does not export"),
        (
            'import { two } from "./dep.js";\n',
            "const two = 2;\nexport { two };\n",
            "exports only declarations",
        ),
        (
            'import { two } from "./dep.js";\n',
            'import { x } from "./main.js";\nexport const two = 2;\n',
            "cycle",
        ),
    ],
)
def test_bundle_refuses_what_it_cannot_inline(tmp_path, monkeypatch, main, dep, words):
    (tmp_path / "main.js").write_text(main + "export default {};\n")
    (tmp_path / "dep.js").write_text(dep)
    monkeypatch.setattr(assets, "asset", lambda name: tmp_path / name)
    with pytest.raises(BundleError, match=words.replace("`", "`").replace("{", r"\{")):
        esm_text("main.js")


def test_hot_reload_watches_every_imported_module_and_rebuilds(tmp_path, monkeypatch):
    """ANYWIDGET_HMR=1: an edit to a module the view imports (not only the entry) reaches live widgets."""
    import anywidget._file_contents as fc

    watchers: list[FakeWatch] = []

    class FakeWatch:  # anywidget's FileContents without the watchfiles thread
        def __init__(self, path: Path) -> None:
            self.path, self.callbacks = Path(path), []
            self.changed = self
            watchers.append(self)

        def connect(self, callback) -> None:
            self.callbacks.append(callback)

    (tmp_path / "lib.js").write_text("export const word = 'old';\n")
    (tmp_path / "view.js").write_text('import { word } from "./lib.js";\nexport default { word };\n')
    monkeypatch.setattr(assets, "asset", lambda name: tmp_path / name)
    monkeypatch.setattr(fc, "FileContents", FakeWatch)
    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    live = assets.bundle("view.js")
    assert isinstance(live, fc.VirtualFileContents) and "'old'" in str(live)
    assert {w.path.name for w in watchers} == {"view.js", "lib.js"}
    (tmp_path / "lib.js").write_text("export const word = 'new';\n")
    for callback in next(w for w in watchers if w.path.name == "lib.js").callbacks:
        callback("")
    assert "'new'" in str(live) and "'old'" not in str(live)
    (tmp_path / "lib.js").write_text("export { word };\n")  # a broken edit keeps the last good text
    for callback in next(w for w in watchers if w.path.name == "lib.js").callbacks:
        callback("")
    assert "'new'" in str(live)

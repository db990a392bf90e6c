"""The committed notebooks are generated, clean and safe to publish.

``notebooks/build.py`` writes them; these tests fail when one was edited or saved by hand (outputs,
widget state, a key pasted into a cell) or when the script and the files disagree. Running them
is ``pytest --nbval-lax notebooks/``; this file only checks what is committed.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PACKAGED = REPO / "nbconnect" / "data" / "playground.ipynb"
ALL = [*NOTEBOOKS, PACKAGED]

# What a provider credential looks like (OpenAI / Anthropic keys, Google API keys, PEM private keys,
# Azure-style 32-hex keys in a key-ish assignment).
KEY_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"""(?i)(api_key|auth_token|credentials)\s*=\s*["'][0-9a-f]{32}["']"""),
]


def _load_build():
    spec = importlib.util.spec_from_file_location(
        "nbconnect_notebooks_build", REPO / "notebooks" / "build.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(paths):
    return [str(p.relative_to(REPO)) for p in paths]


def test_the_four_tutorials_exist():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01-connect.ipynb",
        "02-playground.ipynb",
        "03-compare-models.ipynb",
        "04-custom-llm.ipynb",
    ]


def test_build_script_regenerates_every_notebook_byte_for_byte():
    written = _load_build().render()
    assert sorted(written) == sorted(ALL), "a notebook exists that build.py does not write (or the reverse)"
    stale = [str(p.relative_to(REPO)) for p, text in written.items() if p.read_bytes() != text.encode()]
    assert not stale, f"edit notebooks/build.py, then run `python notebooks/build.py`; stale: {stale}"


def test_packaged_playground_is_the_tutorial_one():
    assert PACKAGED.read_bytes() == (REPO / "notebooks" / "02-playground.ipynb").read_bytes()


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_no_outputs_and_no_widget_state(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata, "saved widget state: clear it (build.py never writes it)"
    for cell in nb.cells:
        assert "widgets" not in cell.metadata
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {cell.id} has outputs"
            assert cell.execution_count is None, f"cell {cell.id} has an execution count"
    assert "application/vnd.jupyter.widget-state+json" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_no_string_that_looks_like_a_key(path):
    text = path.read_text(encoding="utf-8")
    # also look inside the JSON strings, where escapes could hide a pattern
    sources = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    for pattern in KEY_PATTERNS:
        for haystack in (text, sources):
            hit = pattern.search(haystack)
            assert hit is None, f"{path.name}: {hit.group(0)[:12]}… looks like a credential"


def _code(cell_source: str) -> ast.Module:
    # IPython syntax (%magics, !shell) is not Python: blank those lines before parsing.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in cell_source.splitlines()]
    return ast.parse("\n".join(lines))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebooks_never_open_the_users_own_store(path):
    """Every Organization a notebook makes is the demo one, in memory, or at an explicit path."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(_code(cell.source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "Organization":
                keywords = {k.arg: k.value for k in node.keywords}
                in_memory = (
                    isinstance(keywords.get("persist"), ast.Constant) and not keywords["persist"].value
                )
                assert node.args or "path" in keywords or in_memory, (
                    f"{path.name} cell {cell.id}: nbc.Organization() would open the user's own store"
                )

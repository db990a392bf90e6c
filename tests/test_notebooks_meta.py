"""The committed notebooks are generated from their scripts, clean and safe to publish.

Each tutorial's source is the jupytext percent script ``notebooks/NN-name.py``; ``notebooks/regenerate.py``
writes the ``.ipynb`` from it, runs it, and keeps the outputs of the ``# NBVAL_CHECK_OUTPUT`` cells only,
which nbval then compares on every test run. These tests fail when a notebook no longer matches its
script (edited by hand, or the script changed without regenerating), when outputs, widget state or a
key were saved into one, or when a checked output holds something that changes from run to run.
Running the notebooks is ``pytest notebooks/``; this file only checks what is committed.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbval.plugin import find_comment_markers

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
SCRIPTS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.py"))
PACKAGED = REPO / "nbconnect" / "data" / "playground.ipynb"
ALL = [*NOTEBOOKS, PACKAGED]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# What a provider credential looks like (OpenAI / Anthropic keys, Google API keys, PEM private keys,
# Azure-style 32-hex keys in a key-ish assignment).
KEY_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"""(?i)(api_key|auth_token|credentials)\s*=\s*["'][0-9a-f]{32}["']"""),
]
# What differs between two runs of the same notebook: a checked output holding one fails every other run.
VOLATILE = {
    "a memory address": re.compile(r"\bat 0x[0-9a-fA-F]{6,}"),
    "a loopback port": re.compile(r"127\.0\.0\.1:\d{2,5}"),
    "a temporary path": re.compile(r"/tmp/|nbconnect-(tutorial|compare|regenerate|nbval)-"),
    "a timestamp": re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"),
    "a latency": re.compile(r"latency|_wait_s|call/s"),
}


def _ids(paths):
    return [str(p.relative_to(REPO)) for p in paths]


def _regenerate_command(name: str) -> str:
    return f"edit notebooks/{name}.py, then run `.venv/bin/python notebooks/regenerate.py {name}`"


def _checked(cell) -> bool:
    """Whether nbval itself reads the cell as ``# NBVAL_CHECK_OUTPUT`` (its own parser, not ours)."""
    return cell.cell_type == "code" and ("check", True) in set(find_comment_markers(cell.source))


def test_the_four_tutorials_exist_each_with_its_script():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01-connect.ipynb",
        "02-playground.ipynb",
        "03-compare-models.ipynb",
        "04-custom-llm.ipynb",
        "05-experiments.ipynb",
        "06-scorers-and-judges.ipynb",
        "07-images.ipynb",
        "08-label-studio.ipynb",
        "09-batch.ipynb",
    ]
    assert [p.stem for p in SCRIPTS] == [p.stem for p in NOTEBOOKS], "one notebooks/NN-name.py per notebook"


@pytest.mark.parametrize("script", SCRIPTS, ids=_ids(SCRIPTS))
def test_each_notebook_has_exactly_the_cells_of_its_script(script):
    """jupytext reads the script in memory; the committed notebook must hold the same cells, in order."""
    wanted = [(c.cell_type, c.source) for c in jupytext.read(script, fmt="py:percent").cells]
    stored = [
        (c.cell_type, c.source) for c in nbformat.read(script.with_suffix(".ipynb"), as_version=4).cells
    ]
    fix = _regenerate_command(script.stem)
    assert len(stored) == len(wanted), (
        f"{script.stem}.ipynb has {len(stored)} cells, the script {len(wanted)}: {fix}"
    )
    for i, (want, have) in enumerate(zip(wanted, stored)):
        assert have == want, f"{script.stem}.ipynb cell {i} differs from {script.name}: {fix}"


def test_packaged_playground_is_the_tutorial_one():
    assert PACKAGED.read_bytes() == (REPO / "notebooks" / "02-playground.ipynb").read_bytes(), (
        _regenerate_command("02-playground")
    )


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_outputs_only_where_nbval_checks_them_and_no_widget_state(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    fix = _regenerate_command(path.stem if path != PACKAGED else "02-playground")
    assert "widgets" not in nb.metadata, f"saved widget state: {fix}"
    for cell in nb.cells:
        assert "widgets" not in cell.metadata
        if cell.cell_type != "code":
            continue
        if _checked(cell):
            # nbval compares nothing for a cell that looks unrun (no execution count) or has no outputs
            assert cell.outputs, f"cell {cell.id} is checked but stores no output: {fix}"
            assert cell.execution_count is not None, f"cell {cell.id} is checked but looks unrun: {fix}"
            for output in cell.outputs:
                assert output.output_type != "error", f"cell {cell.id} stored an error: {fix}"
                assert WIDGET_VIEW not in output.get("data", {}), (
                    f"cell {cell.id}: a widget cannot be checked"
                )
        else:
            assert cell.outputs == [], f"cell {cell.id} has outputs but nbval does not check them: {fix}"
            assert cell.execution_count is None, f"cell {cell.id} has an execution count: {fix}"
    assert "application/vnd.jupyter.widget-state+json" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_tutorial_checks_some_printed_numbers(path):
    nb = nbformat.read(path, as_version=4)
    assert any(_checked(c) for c in nb.cells), f"{path.name}: mark the cells with the numbers readers rely on"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_checked_outputs_hold_nothing_that_changes_between_runs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in filter(_checked, nb.cells):
        for output in cell.outputs:
            texts = [output.get("text", ""), *output.get("data", {}).values()]
            text = "\n".join(t if isinstance(t, str) else json.dumps(t) for t in texts)
            for what, pattern in VOLATILE.items():
                hit = pattern.search(text)
                assert hit is None, (
                    f"{path.name} cell {cell.id} prints {what} ({hit.group(0)!r}): leave it out"
                )


@pytest.mark.parametrize("path", [*ALL, *SCRIPTS], ids=_ids([*ALL, *SCRIPTS]))
def test_no_string_that_looks_like_a_key(path):
    text = path.read_text(encoding="utf-8")
    haystacks = [text]
    if path.suffix == ".ipynb":  # also look inside the JSON strings, where escapes could hide a pattern
        cells = json.loads(text)["cells"]
        haystacks.append("\n".join("".join(c["source"]) for c in cells))
        haystacks.append(json.dumps([c.get("outputs", []) for c in cells], ensure_ascii=False))
    for pattern in KEY_PATTERNS:
        for haystack in haystacks:
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

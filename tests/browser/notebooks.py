"""Build the notebooks the browser tests open (one per test, written into the server's root dir).

No notebook built here contains a secret: keys are typed into the widgets, or sit in a store file
the test prepared.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write_notebook(path: Path, cells: list[str], title: str | None = None) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = ([new_markdown_cell(f"# {title}")] if title else []) + [
        new_code_cell(c.strip()) for c in cells
    ]
    nbformat.write(nb, str(path))
    return path


def connections_notebook(path: Path, store: Path, *, picker: bool = False) -> Path:
    """An Organization over ``store`` with its ConnectionsPanel (and optionally a ModelPicker)."""
    cells = [
        f"""
import nbconnect as nbc

org = nbc.Organization(path={str(store)!r})
panel = nbc.ConnectionsPanel(org)
panel
""",
    ]
    if picker:
        cells.append(
            """
picker = nbc.ModelPicker(org)
picker
"""
        )
    return write_notebook(path, cells, title="nbconnect browser test")

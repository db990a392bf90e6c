"""Write the tutorial notebooks from their jupytext sources: ``python notebooks/regenerate.py [NAME ...]``.

Each tutorial is a percent-format script, ``notebooks/NN-name.py`` (``# %%`` code cells, ``# %% [markdown]``
text cells): edit that, never the ``.ipynb``. This script reads each script with jupytext, gives the cells
fixed ids, runs the notebook top to bottom offline (the same hermetic kernel environment as the nbval run),
and keeps the outputs (and execution counts) of the cells marked ``# NBVAL_CHECK_OUTPUT`` only: those are the numbers nbval
compares on every test run. Every other cell is stored without outputs, so no widget views, timings or
paths end up in the repository. ``02-playground`` is also written to ``nbconnect/data/playground.ipynb``,
the notebook ``nbconnect demo`` opens.

``tests/test_notebooks_meta.py`` fails when a ``.ipynb`` no longer matches its script's cells.
When the Demo's answers change on purpose, this script is the one-liner that refreshes the stored outputs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: the jupytext sources, one per tutorial
SOURCES = sorted(HERE.glob("[0-9][0-9]-*.py"))
#: extra places a tutorial is written to, besides notebooks/<name>.ipynb
COPIES = {"02-playground": [REPO / "nbconnect" / "data" / "playground.ipynb"]}
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

_PROVIDER_PREFIXES = ("OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "AZURE_", "NBCONNECT_")

__all__ = ["SOURCES", "is_checked", "kernel_environ", "main", "notebook_from_script"]


def kernel_environ(base: Mapping[str, str], home: str) -> dict[str, str]:
    """The environment a notebook's kernel runs in: no provider keys, a private store, cache and TMPDIR.

    Without keys the cells that use real providers skip themselves; the private dirs keep a run from
    reading or writing the developer's saved connections.
    """
    env = {name: value for name, value in base.items() if not name.startswith(_PROVIDER_PREFIXES)}
    env["NBCONNECT_HOME"] = os.path.join(home, "store")
    env["XDG_CACHE_HOME"] = os.path.join(home, "cache")
    env["TMPDIR"] = home  # the notebooks' own temporary folders
    return env


def is_checked(cell) -> bool:
    """True for a code cell whose outputs nbval compares (marked ``# NBVAL_CHECK_OUTPUT``)."""
    return cell.cell_type == "code" and any(line.strip() == CHECK_MARKER for line in cell.source.splitlines())


def notebook_from_script(script: Path):
    """The notebook jupytext reads from ``script``, with fixed cell ids and no jupytext metadata."""
    import jupytext

    nb = jupytext.read(script, fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{script.stem}-{i:02d}"  # stable ids: a regeneration changes only what changed
        cell.metadata = {}  # jupytext's blank-line bookkeeping is not part of the notebook
    return nb


def _execute(nb, name: str) -> None:
    from nbclient import NotebookClient

    home = tempfile.mkdtemp(prefix="nbconnect-regenerate-")
    try:
        client = NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
        )
        client.execute(env=kernel_environ(os.environ, home))
    except Exception as exc:
        raise SystemExit(f"{name}: a cell failed while regenerating; fix {name}.py first.\n{exc}") from exc
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _keep_checked_outputs(nb, name: str) -> None:
    """Outputs only where nbval compares them, and no widget state.

    A checked cell keeps its execution count: nbval skips the comparison for a cell that looks unrun.
    The counts are the same on every regeneration (the cells run once each, in order).
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata = {}
        if not is_checked(cell):
            cell.execution_count = None
            cell.outputs = []
            continue
        for output in cell.outputs:
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                raise SystemExit(f"{name} cell {cell.id}: a widget's output cannot be checked by nbval")


def _write(nb, path: Path) -> None:
    import nbformat

    nbformat.validate(nb)
    text = nbformat.writes(nb)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {path.relative_to(REPO)}")


def main(argv: list[str]) -> int:
    wanted = {Path(arg).stem for arg in argv}
    unknown = wanted - {s.stem for s in SOURCES}
    if unknown:
        print(
            f"no such notebook script: {sorted(unknown)}; known: {[s.stem for s in SOURCES]}", file=sys.stderr
        )
        return 2
    for script in SOURCES:
        if wanted and script.stem not in wanted:
            continue
        nb = notebook_from_script(script)
        _execute(nb, script.stem)
        _keep_checked_outputs(nb, script.stem)
        for path in [HERE / f"{script.stem}.ipynb", *COPIES.get(script.stem, [])]:
            _write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Build the notebooks the browser tests open (one per test, written into the server's root dir).

No notebook built here contains a secret: keys are typed into the widgets, or sit in a store file
the test prepared.
"""

from __future__ import annotations

import textwrap
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


# short reviews with hand-set labels, used when ``nbconnect.data.reviews()`` is not available
INLINE_REVIEWS: list[tuple[str, str]] = [
    ("Great sound and the battery lasts all week.", "positive"),
    ("Stopped working after two days. Waste of money.", "negative"),
    ("It does the job. Nothing special.", "neutral"),
    ("Love it, fast delivery and sturdy build.", "positive"),
    ("The screen is dim and the fan is noisy.", "negative"),
    ("Comfortable, but the strap feels cheap.", "neutral"),
    ("Excellent value, I would recommend it to anyone.", "positive"),
    ("Arrived broken and support never answered.", "negative"),
    ("Average quality for an average price.", "neutral"),
    ("Perfect fit and the colour is lovely.", "positive"),
    ("Terrible battery, dead by lunchtime.", "negative"),
    ("Works as described.", "neutral"),
    ("Best purchase this year, works great.", "positive"),
    ("Too small and the buttons stick.", "negative"),
    ("Fine for the kids, not for me.", "neutral"),
    ("Amazing picture quality, very happy.", "positive"),
    ("Cheap plastic that cracked in a week.", "negative"),
    ("Some good, some bad; mixed feelings.", "neutral"),
    ("Reliable and quiet, exactly what I wanted.", "positive"),
    ("Awful smell and it leaks.", "negative"),
    ("Okay, though delivery took a while.", "neutral"),
    ("Fantastic keyboard, typing is a joy.", "positive"),
    ("Disappointed: the zip broke on day one.", "negative"),
    ("Looks nice; too early to say more.", "neutral"),
    ("Superb service and a great price.", "positive"),
    ("Useless instructions and missing screws.", "negative"),
    ("Does what a kettle does.", "neutral"),
    ("Delighted with the camera, sharp photos.", "positive"),
    ("Overpriced and slow.", "negative"),
    ("Decent, but I expected a bit more.", "neutral"),
    ("Wonderful blender, smoothies in seconds.", "positive"),
    ("The charger died and took the cable with it.", "negative"),
    ("Neither good nor bad.", "neutral"),
    ("Nice design, very comfortable to wear.", "positive"),
    ("Returned it: poor quality and bad fit.", "negative"),
    ("Standard mouse, standard price.", "neutral"),
    ("Pleased with the sturdy frame.", "positive"),
    ("Horrible noise when it spins.", "negative"),
    ("It is a chair. It holds me up.", "neutral"),
    ("Fast, light and the battery is great.", "positive"),
]


def _have_reviews() -> bool:
    try:
        from nbconnect.data import reviews  # noqa: F401
    except ImportError:
        return False
    return True


def playground_cells(
    store: Path,
    endpoint: str,
    *,
    rows: int = 40,
    concurrency: int = 4,
    prompt: str | None = None,
    panels: bool = False,
) -> list[str]:
    """The code of :func:`playground_notebook`, one string per cell, without the displays.

    Defines ``org``, ``df``, ``pg`` (and ``panel``, ``picker`` with ``panels``), ``stamps``.
    """
    if _have_reviews():
        data = f"""
from nbconnect.data import reviews

df = reviews().head({rows}).rename(columns={{"gold_sentiment": "gold"}})[["review_id", "product", "text", "gold"]]
"""
    else:
        data = f"""
import pandas as pd

_reviews = {INLINE_REVIEWS[:rows]!r}
df = pd.DataFrame([{{"review_id": f"r{{i:03d}}", "text": t, "gold": g}} for i, (t, g) in enumerate(_reviews, 1)])
"""
    setup = f"""
import time

import nbconnect as nbc

org = nbc.Organization(path={str(store)!r})
org.add(nbc.Demo())
org.add(nbc.CustomLLM(name="gpt-4.1-mini", endpoint={endpoint!r}, json_mode="json_schema"))
"""
    if panels:
        setup += "panel = nbc.ConnectionsPanel(org)\npicker = nbc.ModelPicker(org)\n"
    playground = f"""
pg = nbc.Playground(
    org,
    data=df,
    prompt={prompt!r},
    schema="sentiment: positive|negative|neutral, confidence: float",
    models=["demo:demo-careful", "gpt-4.1-mini"],
    truth="gold",
    cache=False,
)
pg.core.concurrency = {concurrency}  # calls in flight: keeps a run going for a few seconds

stamps = []  # [time.time(), what, value]
pg.core.observe(lambda ch: stamps.append([time.time(), "running", ch["new"]]), names=["running"])
pg.core.observe(
    lambda ch: stamps.append([time.time(), "finished", True]) if ch["new"].get("finished") else None,
    names=["progress"],
)
"""
    return [setup, data, playground]


def playground_notebook(
    path: Path,
    store: Path,
    endpoint: str,
    *,
    rows: int = 40,
    concurrency: int = 4,
    prompt: str | None = None,
    panels: bool = False,
) -> Path:
    """A Playground over the Demo connection and a loopback OpenAI-format server at ``endpoint``.

    Data: ``rows`` short reviews with a ``gold`` sentiment column (``nbconnect.data.reviews()``
    when it exists, else :data:`INLINE_REVIEWS`). ``stamps`` records, with ``time.time()``, every
    change of ``pg.core.running`` and each progress update that says the run finished, so a test
    can compare kernel-side times with its own. ``prompt`` sets the template; ``panels`` shows a
    ConnectionsPanel and a ModelPicker of the same organization above the Playground.
    """
    setup, data, playground = playground_cells(
        store, endpoint, rows=rows, concurrency=concurrency, prompt=prompt, panels=panels
    )
    cells = [setup, *(["panel", "picker"] if panels else []), data, playground + "pg\n"]
    return write_notebook(path, cells, title="nbconnect Playground browser test")


def marimo_notebook(path: Path, store: Path, endpoint: str, **kwargs) -> Path:
    """The same widgets as ``playground_notebook(..., panels=True)`` as a marimo app (a .py file).

    marimo shows anywidget widgets through ``mo.ui.anywidget``; the Playground is an ipywidgets
    box of two anywidgets (its model picker and its core), so each is wrapped on its own.
    """
    code = "\n".join(playground_cells(store, endpoint, panels=True, **kwargs))
    code += """
import marimo as mo

mo.vstack([mo.ui.anywidget(w) for w in (panel, picker, pg.picker, pg.core)])
"""
    body = textwrap.indent(textwrap.dedent(code).strip(), "    ")
    path.write_text(
        "import marimo\n\napp = marimo.App()\n\n\n@app.cell\ndef _():\n"
        f'{body}\n    return\n\n\nif __name__ == "__main__":\n    app.run()\n'
    )
    return path

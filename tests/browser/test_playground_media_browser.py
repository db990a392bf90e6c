"""The Playground with an image column in a real JupyterLab (issue 14): thumbnails, not payloads.

The data is five shipped shape images plus a sentinel: a noisy PNG written for this test, whose
base64 could not appear anywhere by chance. The data preview and, after a Demo run, the comparison
table must show each image as a small PNG that Python drew (at most 48 px), never the file itself;
the chip and the insert button offer ``{image:image}``; and the notebook saved with "Save Widget
State Automatically" on holds the thumbnails but no base64 of any original file.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from lab import assert_no_page_errors, open_and_run, save_notebook
from playwright_api import Locator, expect

import nbconnect as nbc
from nbconnect.data._png import encode_png
from notebooks import write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHIPPED = 5  # shapes().head(SHIPPED), then the sentinel
ROWS = SHIPPED + 1
MODEL = "demo:demo-careful"
THUMB = 48  # the Playground's thumbnail size (nbconnect._engine.media_preview.THUMB)


def sentinel_png(path: Path) -> bytes:
    """A 96x96 PNG of seeded noise (so its deflate stream, and its base64, is long and unique)."""
    rng = random.Random(14)
    pixels = [
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(96)] for _ in range(96)
    ]
    data = encode_png(pixels)
    path.write_bytes(data)
    return data


def media_notebook(path: Path, sentinel: Path) -> Path:
    cells = [
        """
import pandas as pd

import nbconnect as nbc

org = nbc.Organization.demo()
""",
        f"""
df = nbc.data.shapes().head({SHIPPED})
df = pd.concat(
    [df, pd.DataFrame([{{"image": {str(sentinel)!r}, "gold_shape": "square", "gold_colour": "red"}}])],
    ignore_index=True,
)
""",
        f"""
pg = nbc.Playground(
    org,
    data=df,
    prompt="Which shape is this? {{image:image}}",
    schema="shape: circle|square|triangle",
    models=[{MODEL!r}],
    truth="gold_shape",
    cache=False,
)
pg
""",
    ]
    return write_notebook(path, cells, title="nbconnect Playground with images")


def b64_pieces(data: bytes) -> list[str]:
    """Stretches of a file's base64 (start, middle, end; 40 characters each): any copy of the file
    in a data URL or a JSON string contains them, whatever it was cut or wrapped to."""
    text = base64.b64encode(data).decode()
    middle = len(text) // 2
    return [text[:40], text[middle : middle + 40], text[-44:-4]]


def assert_thumbnails(images: Locator, count: int, originals: list[bytes]) -> list[str]:
    """``count`` loaded <img> thumbnails, each a PNG data URL of at most THUMB px, none a file's own
    bytes; returns their sources."""
    expect(images).to_have_count(count)
    sources = []
    for img in images.all():
        expect(img).to_be_visible()
        img.evaluate("el => el.complete || new Promise(r => el.addEventListener('load', r, {once: true}))")
        src = img.get_attribute("src")
        assert src.startswith("data:image/png;base64,"), src[:60]
        width, height = img.evaluate("el => [el.naturalWidth, el.naturalHeight]")
        assert 0 < width <= THUMB and 0 < height <= THUMB, (width, height)  # decoded, and downscaled
        payload = src.partition(",")[2]
        for data in originals:
            assert payload != base64.b64encode(data).decode(), "a thumbnail is the original file"
            assert not any(piece in payload for piece in b64_pieces(data))
        sources.append(src)
    return sources


def test_media_columns_show_as_thumbnails_never_the_payload(lab_savestate, page, tmp_path):
    server, name = lab_savestate, "playground_media.ipynb"
    sentinel = server.root_dir / "sentinel.png"
    sentinel_bytes = sentinel_png(sentinel)
    shipped = [Path(p).read_bytes() for p in nbc.data.shapes()["image"].head(SHIPPED)]
    originals = [*shipped, sentinel_bytes]
    media_notebook(server.root_dir / name, sentinel)
    open_and_run(page, server, name)
    root = page.locator(".pg-root")
    expect(root).to_be_visible()

    # -- the media placeholder: a chip and an insert button that say {image:image} -------------------
    expect(root.locator(".pg-chip-ok[data-name='image']")).to_have_text("{image:image}")
    insert = root.locator("button.pg-insert[data-column='image']")
    expect(insert).to_have_text("image:image")
    expect(insert).to_have_attribute("aria-label", "Insert {image:image}")
    expect(root.locator("button.pg-insert[data-column='gold_shape']")).to_have_text("gold_shape")

    # -- the data preview (folded): a thumbnail per row, the path beside it --------------------------
    root.locator("details.pg-data > summary").click()
    preview = root.locator(".pg-preview")
    previews = assert_thumbnails(preview.locator("td.pg-media-cell img.pg-thumb"), ROWS, originals)
    expect(preview.locator("td.pg-media-cell img.pg-thumb").last).to_have_attribute("alt", str(sentinel))
    expect(preview.locator("td.pg-media-cell span").last).to_have_text(str(sentinel))

    # -- a Demo run: the comparison table's input cells are thumbnails too ----------------------------
    root.locator("button.pg-run").click()
    expect(root.locator(".pg-message")).to_have_text(f"done: {ROWS} valid of {ROWS} cells", timeout=60_000)
    table = root.locator("table.pg-table")
    expect(table.locator("tbody tr")).to_have_count(ROWS)
    expect(table.locator("td.pg-cell.pg-valid")).to_have_count(ROWS)
    in_table = assert_thumbnails(table.locator("td.pg-input-cell img.pg-thumb"), ROWS, originals)
    assert in_table == previews  # the same picture of each row in both places
    expect(table.locator("td.pg-input-cell").last).to_have_attribute("title", str(sentinel))

    # -- the saved notebook: the widget state is in it, the original files are not -------------------
    save_notebook(page)
    text = (server.root_dir / name).read_text()
    state = json.loads(text)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    saved = json.dumps([m["state"] for m in state.values() if m["model_name"] == "AnyModel"])
    assert previews[-1] in saved, "the widget state was not saved, so the check below would prove nothing"
    for data in originals:
        for piece in b64_pieces(data):
            assert piece not in text, "base64 of an original image is in the saved notebook"
    assert_no_page_errors(page)

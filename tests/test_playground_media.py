"""The Playground with image columns: labels instead of payloads, small thumbnails, media chips."""

from __future__ import annotations

import base64
import io
import json

import pytest

import nbconnect as nbc
from nbconnect._widgets.playground import Playground
from nbconnect._widgets.playground_view import table_page
from nbconnect.data._png import encode_png


def _state(pg: Playground) -> str:
    return json.dumps(pg.core.get_state(), default=str)


def test_preview_labels_media_and_the_state_holds_no_payload():
    sentinel = encode_png([[(7, 8, 9)] * 30 for _ in range(30)])
    b64 = base64.b64encode(sentinel).decode()
    shapes = nbc.data.shapes().head(3)
    data = shapes.assign(raw=[sentinel, f"data:image/png;base64,{b64}", sentinel])
    pg = Playground(
        nbc.Organization.demo(),
        data=data,
        prompt="See {image:image}",
        schema="shape: circle|square|triangle",
        cache=False,
    )
    assert pg.core.media_columns == {"image": "image", "raw": "image"}
    assert pg.core.variables == [{"name": "image", "ok": True, "kind": "image"}]
    first = pg.core.preview[0]
    assert first["raw"].startswith("<bytes sha256:") and pg.core.preview[1]["raw"].startswith(
        "<data URL sha256:"
    )
    assert first["image"] == shapes["image"][0]  # a path stays a path
    state = _state(pg)
    assert b64[:40] not in state and b64[-40:] not in state
    # Pillow makes the thumbnails (a dev dependency here; optional for users)
    Image = pytest.importorskip("PIL.Image")
    thumb = pg.core.thumbs[0]["image"]
    image = Image.open(io.BytesIO(base64.b64decode(thumb.partition(",")[2])))
    assert max(image.size) <= 48 and image.getpixel((24, 24))[:3] != (255, 255, 255)  # the shape shows
    assert "raw" in pg.core.thumbs[0]  # bytes get a thumbnail too: a new small PNG, not the payload


def test_the_comparison_table_shows_thumbnails_for_an_image_input():
    pytest.importorskip("PIL")
    shapes = nbc.data.shapes().head(2)
    res = nbc.run(
        "{image:image}",
        data=shapes,
        schema="shape: circle|square|triangle",
        models=["demo:demo-careful"],
        cache=False,
        progress=False,
    )
    page = table_page(res, "shape", 0, truth="gold_shape")
    assert all(r["thumb"].startswith("data:image/png;base64,") for r in page["rows"])
    text = nbc.run(
        "{text}",
        data=["a", "b"],
        schema="shape: circle|square",
        models=["demo:demo-careful"],
        cache=False,
        progress=False,
    )
    assert all(r["thumb"] is None for r in table_page(text, "shape", 0)["rows"])

"""The pieces of media support: placeholders, header sniffing, token rules, catalog facts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect._catalog.catalog import catalog
from nbconnect._catalog.tokens import document_tokens, image_tokens
from nbconnect._engine.media import MediaStore
from nbconnect._engine.template import Template
from nbconnect._wire.media import Media, Text, image_size, pdf_pages, sniff_mime
from nbconnect.data._png import decode_png, encode_png
from nbconnect.data.make_media import minimal_pdf

PNG = encode_png([[(255, 0, 0), (0, 255, 0), (0, 0, 255)], [(9, 9, 9), (1, 2, 3), (250, 250, 250)]])


def test_media_placeholders_parse_render_and_keep_their_order():
    t = Template.parse("Compare {image:before} with {image:after}.\nNotes: {notes} {document:scan}")
    assert t.names == ["before", "after", "notes", "scan"]
    assert t.media == {"before": "image", "after": "image", "scan": "document"}
    row = {"before": "a.png", "after": "b.png", "notes": "n1", "scan": "s.pdf"}
    assert t.render(row) == "Compare  with .\nNotes: n1 "  # the text view: media add nothing
    got = t.render_parts(row, lambda col, kind: f"<{kind}:{row[col]}>")
    assert got == (
        Text("Compare "),
        "<image:a.png>",
        Text(" with "),
        "<image:b.png>",
        Text(".\nNotes: n1 "),
        "<document:s.pdf>",
    )
    assert Template.parse("{image}").media == {}  # a column called "image" is still plain text
    with pytest.raises(nbc.TemplateError, match=r"\{image:column\}"):
        Template.parse("{photo:big}")
    with pytest.raises(nbc.TemplateError, match="format spec"):
        Template.parse("{image!r:photo}")


def test_png_codec_round_trips_and_headers_give_the_size():
    assert decode_png(PNG) == [
        [(255, 0, 0), (0, 255, 0), (0, 0, 255)],
        [(9, 9, 9), (1, 2, 3), (250, 250, 250)],
    ]
    assert image_size(PNG) == (3, 2) and sniff_mime(PNG) == "image/png"
    PIL = pytest.importorskip("PIL.Image")
    for fmt, mime in (("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")):
        buf = io.BytesIO()
        PIL.new("RGB", (37, 21), (10, 20, 30)).save(buf, format=fmt)
        data = buf.getvalue()
        assert sniff_mime(data) == mime
        assert image_size(data) == PIL.open(io.BytesIO(data)).size == (37, 21), fmt
    # Pillow decodes our PNGs too: the shipped images are ordinary files
    assert PIL.open(io.BytesIO(PNG)).getpixel((2, 1)) == (250, 250, 250)


def test_pdf_pages_and_the_minimal_pdf_is_a_real_pdf():
    pdf = minimal_pdf(["Invoice 7", "Total: (3.00)"])
    assert sniff_mime(pdf) == "application/pdf" and pdf_pages(pdf) == 1
    offset = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[offset:].startswith(b"xref")  # the cross-reference table is where the trailer says
    try:
        import pypdf
    except ImportError:
        return
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "Total: (3.00)" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("rule", "size", "tokens"),
    [
        ("openai_tiles", (1024, 1024), 765),  # OpenAI's worked examples
        ("openai_tiles", (2048, 4096), 1105),
        ("openai_tiles", (100, 100), 255),
        ("anthropic_area", (1000, 1000), 1334),  # Anthropic's table: ~1334 tokens
        ("anthropic_area", (200, 200), 54),
        ("gemini_tiles", (384, 384), 258),
        ("gemini_tiles", (1024, 1024), 1032),
    ],
)
def test_image_tokens_follow_each_providers_published_rule(rule, size, tokens):
    assert image_tokens(rule, *size) == tokens


def test_document_tokens_per_page_and_estimates_count_media():
    assert document_tokens("gemini_tiles", 3) == 774
    store = MediaStore()
    media = store.get(PNG, "image", "row 0, column 'p'")
    assert isinstance(media, Media) and (media.width, media.height) == (3, 2)
    text = nbc.estimate("Hi {t}", data=[{"t": "x"}], schema="a: str", models=["demo:demo-careful"])
    both = nbc.estimate(
        "Hi {t}{image:p}", data=[{"t": "x", "p": PNG}], schema="a: str", models=["demo:demo-careful"]
    )
    assert both.df["input_tokens"].iloc[0] - text.df["input_tokens"].iloc[0] == image_tokens(
        "openai_tiles", 3, 2
    )


def test_the_catalog_says_who_takes_what():
    assert set(catalog.get("anthropic", "claude-haiku-4-5").media) == {"image", "document"}
    assert catalog.get("demo", "demo-echo").media == ()
    assert catalog.get("demo", "demo-fast").media == ("image",)
    assert catalog.limits("anthropic").max_image_bytes == 5 * 1024 * 1024
    assert catalog.limits("openai").document_urls is False and catalog.limits("gemini").document_urls
    assert catalog.limits("azure_openai") == catalog.limits("openai")  # same base models and rules
    assert all(catalog.limits(p).source for p in ("openai", "anthropic", "gemini", "vertex"))
    try:
        info = catalog.add("custom", "llava", media=["image"])
        assert info.media == ("image",) and catalog.get("custom", "llava").media == ("image",)
    finally:
        catalog.reset()


def test_the_shipped_media_are_what_the_generator_draws(tmp_path):
    from nbconnect.data import make_media

    make_media.main(tmp_path)
    shipped = Path(make_media.HERE)
    drawn = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(drawn) == 36 + 20 + 6 + 3
    for rel in drawn:
        assert (shipped / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel
    assert len(nbc.data.shapes()) == 36 and len(nbc.data.digits()) == 20 and len(nbc.data.documents()) == 6
    assert all(Path(p).is_file() for p in nbc.data.shapes()["image"])

"""Images and PDFs end to end: one run over the shipped images on the OpenAI-, Anthropic- and
Google-format fakes and on the Demo; every bad-media case refused before any request; no base64
anywhere a person or a file can see (a sentinel image whose base64 is searched for)."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect._wire.media import Media
from nbconnect.data._png import encode_png
from nbconnect.data.make_media import minimal_pdf

SCHEMA = "shape: circle|square|triangle, colour: red|green|blue|yellow|purple|orange"
PROMPT = "Look at the picture. {image:image} Which shape and colour is it?"
FAKE_MODELS = [
    "openai:gpt-4.1-mini",
    "anthropic:claude-haiku-4-5",
    "gemini:gemini-2.5-flash",
    "vertex:gemini-2.5-flash",
]


@pytest.fixture
def org(server):
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key="sk-test-0123456789", base_url=f"{server.url}/v1"))
    org.add(nbc.Anthropic(api_key="sk-ant-test-0123456789", base_url=server.url))
    org.add(nbc.Gemini(api_key="AIza-test-0123456789", base_url=server.url))
    org.add(nbc.VertexAI(credentials=server.service_account(project_id="proj"), base_url=server.url))
    return org


def run(org, data, models=FAKE_MODELS, prompt=PROMPT, schema=SCHEMA, **kw):
    kw.setdefault("cache", False)
    return nbc.run(prompt, data=data, schema=schema, models=list(models), org=org, progress=False, **kw)


def test_the_same_run_classifies_the_shipped_images_on_every_wire(server, org):
    data = nbc.data.shapes().head(8)
    res = run(org, data)
    df = res.df
    assert len(df) == 8 * 4 and df["_valid"].all(), df["_error"].dropna().tolist()
    # each wire sent the images as its own kind of part (not text), one request per cell
    bodies = {r.path: r.json for r in server.requests if r.method == "POST"}
    sent = " ".join(str(b) for b in bodies.values())
    assert "'type': 'image_url'" in sent and "'type': 'image'" in sent and "'inlineData'" in sent
    assert server.count(":generateContent") == 16 and server.count("/messages") == 8
    # the fake answers from the image's bytes: the same answer for a row on every wire
    per_row = df.groupby("row")[["shape", "colour"]].nunique()
    assert (per_row == 1).all().all()
    assert df.groupby("row")["shape"].first().nunique() > 1  # and different images differ
    # the table shows the path, as given
    assert set(df["image"]) == set(data["image"])


def demo(prompt, data, schema, *models):
    return nbc.run(prompt, data=data, schema=schema, models=list(models), cache=False, progress=False).df


def test_the_demo_sees_the_shipped_images_and_reads_the_pdfs():
    shapes = nbc.data.shapes()
    df = demo(PROMPT, shapes, SCHEMA, "demo:demo-careful", "demo:demo-fast")
    right = (df["shape"] == df["gold_shape"]) & (df["colour"] == df["gold_colour"])
    by_model = right.groupby(df["model"]).mean()
    assert by_model["demo:demo-careful"] > 0.85  # it reads the pixels...
    assert by_model["demo:demo-careful"] > by_model["demo:demo-fast"]  # ...better than the fast one
    assert by_model["demo:demo-careful"] < 1.0 or by_model["demo:demo-fast"] < 1.0  # nobody is perfect
    digits = demo("Which digit? {image:image}", nbc.data.digits(), "digit: int", "demo:demo-careful")
    assert (digits["digit"].astype(str) == digits["gold_digit"]).mean() > 0.85
    docs = demo(
        "{document:document} What is this document, and its total?",
        nbc.data.documents(),
        "kind: invoice|receipt|letter, total: float",
        "demo:demo-careful",
    )
    assert (docs["kind"] == docs["gold_kind"]).mean() >= 5 / 6
    read = (docs["total"] - docs["gold_total"]).abs().lt(0.01)
    assert read.mean() >= 3 / 6  # it reads "Total: 31.00" out of the PDF's text, most of the time
    # deterministic: a second run gives the same answers
    again = demo(PROMPT, shapes, SCHEMA, "demo:demo-careful")
    assert again["shape"].tolist() == df[df["model"] == "demo:demo-careful"]["shape"].tolist()


# -- refused before any request --------------------------------------------------------------------
def _png(colour=(200, 30, 30), side=8) -> bytes:
    return encode_png([[colour] * side for _ in range(side)])


@pytest.mark.parametrize(
    ("cell", "models", "words"),
    [
        ("missing.png", FAKE_MODELS[:1], ["row 1, column 'image'", "file not found", "'missing.png'"]),
        ("http://example.com/a.png", FAKE_MODELS[:1], ["row 1", "http:// URL", "https"]),
        ("ftp://example.com/a.png", FAKE_MODELS[:1], ["ftp:// URL"]),
        (
            b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20,
            ["anthropic:claude-haiku-4-5"],
            None,
        ),  # accepted type: no error
        (b"BM" + b"\x00" * 60, FAKE_MODELS[:1], ["row 1", "image/bmp", "does not take"]),
        (b"not an image at all", FAKE_MODELS[:1], ["row 1", "not an image"]),
        ("DIR", FAKE_MODELS[:1], ["row 1", "cannot read"]),
        (None, FAKE_MODELS[:1], ["row 1, column 'image' is empty"]),
        (12, FAKE_MODELS[:1], ["row 1", "holds a int"]),
        ("data:image/png,abc", FAKE_MODELS[:1], ["not base64"]),
        (_png(), ["demo:demo-echo"], ["'demo:demo-echo' does not take images", "demo-careful"]),
        (_png(), ["gemini:gemini-2.5-flash"], None),
    ],
)
def test_bad_media_fails_before_any_request(server, org, tmp_path, cell, models, words):
    if cell == "DIR":
        cell = str(tmp_path)
    data = [{"image": _png()}, {"image": cell}]
    if words is None:  # the control: a good cell runs
        assert run(org, data, models=models).df["_valid"].all()
        return
    with pytest.raises(nbc.ConfigError) as err:
        run(org, data, models=models)
    for word in words:
        assert word in str(err.value)
    assert len(server.requests) == 0


def test_limits_url_support_and_types_per_provider(server, org, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(_png(side=8) + b"\x00" * (6 * 1024 * 1024))  # 6 MB: over Anthropic's 5 MB
    with pytest.raises(
        nbc.ConfigError, match=r"row 0, column 'image'.*big.png is 6.0 MB.*up to 5.0 MB.*resize="
    ):
        run(org, [{"image": str(big)}], models=["anthropic:claude-haiku-4-5"])
    pdf = "https://example.com/a.pdf"
    with pytest.raises(nbc.ConfigError, match=r"cannot fetch a PDF document from a URL.*download"):
        run(org, [{"doc": pdf}], models=["openai:gpt-4.1-mini"], prompt="{document:doc}")
    with pytest.raises(
        nbc.ConfigError, match=r"scan\.bmp is image/bmp, which 'openai:gpt-4.1-mini' does not take"
    ):
        run(org, [{"image": "https://example.com/scan.bmp"}], models=["openai:gpt-4.1-mini"])
    with pytest.raises(nbc.ConfigError, match="not a PDF"):
        run(org, [{"doc": _png()}], models=["openai:gpt-4.1-mini"], prompt="Read {document:doc}")
    with pytest.raises(nbc.ConfigError, match="does not take PDF documents"):
        nbc.run("{document:d}", data=[{"d": minimal_pdf(["x"])}], schema="a: str", models=["demo:demo-fast"])
    with pytest.raises(nbc.ConfigError, match="system prompt"):
        run(org, [{"image": _png()}], system="See {image:image}")
    assert len(server.requests) == 0
    # an https URL is passed through to a provider that fetches it (the fake does not fetch)
    assert (
        run(org, [{"image": "https://example.com/cat.png"}], models=["anthropic:claude-haiku-4-5"])
        .df["_valid"]
        .all()
    )
    sent = server.requests[-1].json["messages"][0]["content"]
    assert {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}} in sent


def test_resize_is_opt_in(server, org, tmp_path):
    pytest.importorskip("PIL")
    wide = tmp_path / "wide.png"
    wide.write_bytes(encode_png([[(0, 0, 255)] * 9000 for _ in range(2)]))  # wider than Anthropic's 8000 px
    with pytest.raises(nbc.ConfigError, match=r"9000x2 pixels.*resize=8000"):
        run(org, [{"image": str(wide)}], models=["anthropic:claude-haiku-4-5"])
    assert (
        run(org, [{"image": str(wide)}], models=["anthropic:claude-haiku-4-5"], resize=1568)
        .df["_valid"]
        .all()
    )
    content = server.requests[-1].json["messages"][0]["content"]
    source = next(b for b in content if b["type"] == "image")["source"]
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(base64.b64decode(source["data"]))).size[0] == 1568


# -- nothing heavy leaks ---------------------------------------------------------------------------
def test_no_base64_in_results_raw_logs_errors_or_saved_files(server, org, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    sentinel = _png(colour=(1, 2, 3), side=40)
    b64 = base64.b64encode(sentinel).decode()
    needles = [b64[:40], b64[-40:]]
    path = tmp_path / "sentinel.png"
    path.write_bytes(sentinel)
    data = [{"image": str(path)}, {"image": sentinel}, {"image": f"data:image/png;base64,{b64}"}]
    cache = tmp_path / "cache.sqlite"
    res = run(org, data, models=[*FAKE_MODELS, "demo:demo-careful"], cache=str(cache))
    assert res.df["_valid"].all()
    labels = res.df.drop_duplicates("row")["image"].tolist()
    assert labels[0] == str(path)
    assert labels[1].startswith("<bytes sha256:") and labels[2].startswith("<data URL sha256:")
    with pytest.raises(nbc.ConfigError) as err:  # an error about a media cell names it, not its bytes
        run(org, [{"image": sentinel}], models=["demo:demo-echo"])
    places = {
        "dataframe": res.df.to_csv(),
        "_raw": " ".join(res.df["_raw"].astype(str)),
        "repr": repr(res) + res._repr_html_(),
        "summary": res.summary().to_string(),
        "logs": caplog.text,
        "error": str(err.value) + repr(err.value),
        "cache": cache.read_bytes().decode("latin-1"),
        "saved results": res.save(tmp_path / "r.jsonl").read_text(),
        "estimate": repr(nbc.estimate(PROMPT, data=data, schema=SCHEMA, models=["demo:demo-careful"])),
    }
    for where, text in places.items():
        for needle in needles:
            assert needle not in text, where
    assert any(needles[0] in str(r.json) for r in server.requests)  # the one place it belongs


def test_each_file_is_read_and_encoded_once_per_run(server, org, tmp_path, monkeypatch):
    path = tmp_path / "one.png"
    path.write_bytes(_png())
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    from nbconnect._engine.plan import make_plan

    data = [{"image": str(path)}] * 5 + [{"image": path.read_bytes()}]
    reads.clear()
    plan = make_plan(PROMPT, data=data, schema=SCHEMA, models=FAKE_MODELS, org=org)
    assert reads == [path]  # one read for five rows, four models
    media = [p for c in plan.cells for p in c.parts if isinstance(p, Media)]
    assert len(media) == 24
    assert len({id(m.b64) for m in media}) == 1  # one encoding shared by every cell (bytes too)


def test_a_prompt_over_the_request_limit_is_refused(server, org, tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(_png() + b"\x00" * (4 * 1024 * 1024))  # 4 MB: under Anthropic's 5 MB per image
    cols = [f"p{i}" for i in range(7)]  # ...but seven of them exceed its 32 MB per request
    data = [
        {"text": "ok", **dict.fromkeys(cols, str(photo))},
        {"text": "ok", **dict.fromkeys(cols, str(photo))},
    ]
    prompt = "".join(f"{{image:{c}}}" for c in cols)
    with pytest.raises(
        nbc.ConfigError, match=r"row 0: its images and PDFs come to 37\.\d MB.*up to 32\.0 MB"
    ):
        run(org, data, models=["anthropic:claude-haiku-4-5"], prompt=prompt)
    assert len(server.requests) == 0
    res = run(org, data[:1], models=["gemini:gemini-2.5-flash"], prompt=prompt)
    assert res.df["_valid"].all(), res.df[["_error", "_error_type"]].to_dict("records")  # 100 MB


def test_variants_with_and_without_images_and_repeats(server, org):
    # a variant may add the image: only its requests carry it, each repeat with its own seed, and
    # only the models it is paired with must take images
    data = nbc.data.shapes().head(3)
    variants = {"text": {"template": "Guess a shape and colour for the file {image}."}, "look": {}}
    res = run(org, data, models=["openai:gpt-4.1-mini"], variants=variants, repeats=2)
    df = res.df
    assert len(df) == 3 * 2 * 2 and df["_valid"].all(), df["_error"].dropna().tolist()
    bodies = [r.json for r in server.requests if r.path.endswith("/chat/completions")]
    assert len(bodies) == 12 and sorted(b["seed"] for b in bodies) == [0] * 6 + [1] * 6
    with_image = [b for b in bodies if isinstance(b["messages"][-1]["content"], list)]
    assert len(with_image) == 6
    assert all(any(p["type"] == "image_url" for p in b["messages"][-1]["content"]) for b in with_image)
    assert set(df["image"]) == set(data["image"])  # the table shows the path for every variant
    arms = [("text", "demo:demo-echo"), ("look", "demo:demo-careful")]  # demo-echo takes no images
    ok = nbc.run(PROMPT, data=data, schema=SCHEMA, models=["demo:demo-echo", "demo:demo-careful"],
                 variants=variants, arms=arms, cache=False, progress=False)  # fmt: skip
    assert len(ok.df) == 6
    with pytest.raises(nbc.ConfigError, match=r"demo-echo.*does not take images"):
        nbc.run(PROMPT, data=data, schema=SCHEMA, models=["demo:demo-echo"], variants=variants,
                cache=False, progress=False)  # fmt: skip

"""Requests with an image and a PDF equal what the official SDKs send, for every provider.

Our parts come from a real :class:`MediaStore` (a PNG and a PDF read from disk) through the
adapter's ``prepare``; the SDK's come from the documented way to send media with that SDK: the
openai and anthropic SDKs take content-part dicts (``image_url`` / ``file``; ``image`` /
``document`` blocks), google-genai builds its parts itself (``Part.from_bytes``, ``Part.from_uri``).
Only the messages / contents are compared here: the rest of each body is pinned by the text-only
parity tests.
"""

from __future__ import annotations

import base64
import json

import anthropic
import httpx
import httpx2
import openai
import pytest
from google import genai
from google.genai import types as genai_types
from google.oauth2 import credentials as oauth2_credentials
from pydantic import BaseModel

import nbconnect as nbc
from nbconnect._engine.media import MediaStore
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.lookup import adapter_for
from nbconnect._wire.media import Text
from nbconnect.data._png import encode_png
from nbconnect.data.make_media import minimal_pdf
from nbconnect.testing import FakeProvider

KEY = "sk-media-parity-0123456789abcdef"
URL = "https://example.com/photos/cat.png"


class Label(BaseModel):
    label: str


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("media")
    png = encode_png([[(10, 200, 30)] * 6 for _ in range(4)])
    pdf = minimal_pdf(["Invoice 1", "Total: 12.00"])
    (root / "leaf.png").write_bytes(png)
    (root / "bill.pdf").write_bytes(pdf)
    store = MediaStore()
    image = store.get(str(root / "leaf.png"), "image", "row 0, column 'photo'")
    doc = store.get(str(root / "bill.pdf"), "document", "row 0, column 'scan'")
    url = store.get(URL, "image", "row 0, column 'link'")
    return {"png": png, "pdf": pdf, "image": image, "doc": doc, "url": url, "pdf_name": "bill.pdf"}


def _call(model: str, files: dict) -> Call:
    parts = (Text("Classify "), files["image"], Text(" and "), files["doc"], Text(" also "), files["url"])
    return Call(model=model, user="Classify  and  also ", schema=as_schema(Label), parts=parts)


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# -- OpenAI format --------------------------------------------------------------------------------
def _openai_parts(files: dict) -> list[dict]:
    """The openai SDK's documented content parts (images-vision and pdf-files guides)."""
    return [
        {"type": "text", "text": "Classify "},
        {"type": "image_url", "image_url": {"url": _data_url("image/png", files["png"])}},
        {"type": "text", "text": " and "},
        {
            "type": "file",
            "file": {"filename": "bill.pdf", "file_data": _data_url("application/pdf", files["pdf"])},
        },
        {"type": "text", "text": " also "},
        {"type": "image_url", "image_url": {"url": URL}},
    ]


def _openai_sdk(provider: str, seen: list) -> tuple[object, object, str]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        message = {"role": "assistant", "content": '{"label": "x"}', "refusal": None}
        return httpx.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
            },
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    if provider == "azure_openai":
        conn = nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint="https://res.openai.azure.com/", api_key=KEY)
        sdk = openai.AsyncAzureOpenAI(
            api_key=KEY,
            azure_endpoint="https://res.openai.azure.com",
            api_version="2024-10-21",
            http_client=http,
        )
        return conn, sdk, "gpt4o-prod"
    if provider == "azure_foundry":
        conn = nbc.AzureAIFoundry(
            model="gpt-4.1", api_key=KEY, endpoint="https://r.services.ai.azure.com/openai/v1/"
        )
        sdk = openai.AsyncOpenAI(
            api_key=KEY, base_url="https://r.services.ai.azure.com/openai/v1", http_client=http
        )
        return conn, sdk, "gpt-4.1"
    if provider == "custom":
        conn = nbc.CustomLLM(
            name="llava", endpoint="http://127.0.0.1:8000/v1", api_key=KEY, json_mode="json_schema"
        )
        sdk = openai.AsyncOpenAI(api_key=KEY, base_url="http://127.0.0.1:8000/v1", http_client=http)
        return conn, sdk, "llava"
    return nbc.OpenAI(api_key=KEY), openai.AsyncOpenAI(api_key=KEY, http_client=http), "gpt-4.1-mini"


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["openai", "azure_openai", "azure_foundry", "custom", "demo"])
async def test_openai_format_media_parts_match_the_sdk(files, provider):
    seen: list[httpx.Request] = []
    if provider == "demo":  # the Demo speaks the same wire: its request is what the SDK would send
        conn, sdk, model = (
            nbc.Demo(),
            openai.AsyncOpenAI(api_key="x", http_client=_openai_sdk("openai", seen)[1]._client),
            "demo-careful",
        )
    else:
        conn, sdk, model = _openai_sdk(provider, seen)
    await sdk.chat.completions.parse(
        model=model, messages=[{"role": "user", "content": _openai_parts(files)}], response_format=Label
    )
    ours = adapter_for(conn).prepare(_call(model, files), "json_schema_strict")
    theirs = json.loads(seen[0].content)
    assert ours.body["messages"] == theirs["messages"]
    assert ours.media == (files["image"], files["doc"], files["url"])
    if provider in ("openai", "azure_openai"):  # the whole body, as in the text-only parity tests
        theirs.pop("stream")
        assert ours.body == theirs


# -- Anthropic ------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_anthropic_image_and_document_blocks_match_the_sdk(files):
    seen: list[httpx2.Request] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-haiku-4-5",
                "content": [{"type": "text", "text": '{"label": "x"}'}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        )

    b64 = base64.b64encode
    content = [
        {"type": "text", "text": "Classify "},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": b64(files["png"]).decode()},
        },
        {"type": "text", "text": " and "},
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": b64(files["pdf"]).decode()},
        },
        {"type": "text", "text": " also "},
        {"type": "image", "source": {"type": "url", "url": URL}},
    ]
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(capture)) as http:
        client = anthropic.AsyncAnthropic(api_key=KEY, base_url="https://api.anthropic.com", http_client=http)
        await client.messages.parse(
            model="claude-haiku-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": content}],
            output_format=Label,
        )
    ours = adapter_for(nbc.Anthropic(api_key=KEY)).prepare(_call("claude-haiku-4-5", files), "output_config")
    theirs = json.loads(seen[0].content)
    assert ours.body["messages"] == theirs["messages"]
    assert ours.body["messages"][0]["content"][1]["type"] == "image"  # never an image sent as text


# -- Gemini and Vertex ------------------------------------------------------------------------------
def _genai_parts(files: dict) -> list:
    return [
        genai_types.Part.from_text(text="Classify "),
        genai_types.Part.from_bytes(data=files["png"], mime_type="image/png"),
        genai_types.Part.from_text(text=" and "),
        genai_types.Part.from_bytes(data=files["pdf"], mime_type="application/pdf"),
        genai_types.Part.from_text(text=" also "),
        genai_types.Part.from_uri(file_uri=URL, mime_type="image/png"),
    ]


async def _genai_contents(client_kwargs: dict, files: dict) -> list:
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        candidate = {"content": {"role": "model", "parts": [{"text": "{}"}]}, "finishReason": "STOP"}
        return httpx.Response(200, json={"candidates": [candidate]})

    transport = httpx.MockTransport(capture)
    with httpx.Client(transport=transport) as sync_http:
        async with httpx.AsyncClient(transport=transport) as async_http:
            options = {"httpx_client": sync_http, "httpx_async_client": async_http}
            client = genai.Client(http_options=options, **client_kwargs)
            await client.aio.models.generate_content(
                model="gemini-2.5-flash",
                contents=[genai_types.Content(role="user", parts=_genai_parts(files))],
                config=genai_types.GenerateContentConfig(
                    response_mime_type="application/json", response_json_schema=Label.model_json_schema()
                ),
            )
    return json.loads(seen[0].content)["contents"]


def _decoded(contents: list) -> list:
    """``contents`` with each inlineData payload decoded. The one difference from the SDK: genai
    serialises bytes in the URL-safe base64 alphabet (pydantic's bytes-as-base64), nbconnect in the
    standard one that Google's REST examples use (and every other wire shares); proto JSON accepts
    both, so the bytes are what must agree."""
    out = json.loads(json.dumps(contents))
    for part in out[0]["parts"]:
        if "inlineData" in part:
            text = part["inlineData"]["data"].replace("+", "-").replace("/", "_")
            part["inlineData"]["data"] = base64.urlsafe_b64decode(text)
    return out


@pytest.mark.anyio
async def test_gemini_inline_and_file_data_match_the_sdk(files):
    ours = adapter_for(nbc.Gemini(api_key=KEY)).prepare(
        _call("gemini-2.5-flash", files), "response_json_schema"
    )
    theirs = await _genai_contents({"api_key": KEY}, files)
    assert _decoded(ours.body["contents"]) == _decoded(theirs)
    assert theirs[0]["parts"][3]["inlineData"]["data"] == base64.urlsafe_b64encode(files["pdf"]).decode()
    assert ours.body["contents"][0]["parts"][1] == {
        "inlineData": {"data": base64.b64encode(files["png"]).decode(), "mime_type": "image/png"}
    }


@pytest.mark.anyio
async def test_vertex_inline_and_file_data_match_the_sdk(files):
    with FakeProvider() as server:
        key = server.service_account(project_id="proj")
    creds = oauth2_credentials.Credentials(token="ya29.parity")
    theirs = await _genai_contents(
        {"vertexai": True, "project": "proj", "location": "us-central1", "credentials": creds}, files
    )
    conn = nbc.VertexAI(credentials=key, location="us-central1")
    ours = adapter_for(conn).prepare(_call("gemini-2.5-flash", files), "response_json_schema")
    assert _decoded(ours.body["contents"]) == _decoded(theirs)


def test_the_cache_key_uses_the_content_hash_not_the_bytes(files):
    from nbconnect._engine.cache import cache_key

    prepared = adapter_for(nbc.Anthropic(api_key=KEY)).prepare(
        _call("claude-haiku-4-5", files), "output_config"
    )
    key = cache_key("anthropic", prepared)
    # the same content read again (a new Media) keys the same; different bytes key differently
    store = MediaStore()
    again = store.get(files["png"], "image", "row 1, column 'photo'")
    call = _call("claude-haiku-4-5", files)
    swapped = Call(
        model=call.model, user=call.user, schema=call.schema, parts=(call.parts[0], again, *call.parts[2:])
    )
    assert (
        cache_key("anthropic", adapter_for(nbc.Anthropic(api_key=KEY)).prepare(swapped, "output_config"))
        == key
    )
    other = store.get(encode_png([[(0, 0, 0)] * 6 for _ in range(4)]), "image", "row 2, column 'photo'")
    changed = Call(
        model=call.model, user=call.user, schema=call.schema, parts=(call.parts[0], other, *call.parts[2:])
    )
    assert (
        cache_key("anthropic", adapter_for(nbc.Anthropic(api_key=KEY)).prepare(changed, "output_config"))
        != key
    )
    # and what is hashed holds the hash, not the payload: a key costs no base64 walk per retry
    import hashlib

    body = json.dumps(prepared.body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for m in prepared.media:
        if m.b64:
            body = body.replace(m.b64, m.ref)
    assert files["image"].b64 not in body and files["image"].ref in body
    expected = hashlib.sha256(f"anthropic\n{prepared.method} {prepared.url}\n{body}".encode()).hexdigest()
    assert key == expected

"""The Google generateContent adapter (Gemini API and Vertex AI): URLs, auth, parsing, errors, fallback."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from _mock import answering

import nbconnect as nbc
from nbconnect import _errors as E
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call, remembered_modes
from nbconnect._wire.google import GoogleAdapter
from nbconnect._wire.lookup import adapter_for
from nbconnect._wire.vertex import VertexAdapter
from nbconnect.testing import FakeProvider, Fault, answer_for
from nbconnect.testing._oauth import TokenEndpoint, new_rsa_key, service_account_info

KEY = "AIzaSyWIRE-SENTINEL-abcdefghijklmnopqrs"
SCHEMA = as_schema("label: positive|negative, score: float")
CALL = Call(model="gemini-2.5-flash", user="I love it", schema=SCHEMA, system="Classify.")


@pytest.fixture(autouse=True)
def _forget_modes():
    remembered_modes().clear()
    yield
    remembered_modes().clear()


@pytest.fixture(scope="module")
def rsa_key():
    return new_rsa_key()


def _start_token_server(rsa_key) -> TokenEndpoint:
    """The /token of a FakeProvider of its own, checking real JWT grants signed with ``rsa_key``
    (stop it with ``.provider.stop()``)."""
    pem, public = rsa_key
    server = FakeProvider().start().oauth
    server.public_key, server.pem = public, pem
    return server


@pytest.fixture(scope="module")
def token_server(rsa_key):
    """A loopback token endpoint checking real JWT grants (shared: tests look at their own tokens)."""
    server = _start_token_server(rsa_key)
    yield server
    server.provider.stop()


def vertex(server: TokenEndpoint, **kw) -> nbc.VertexAI:
    extra = kw.pop("key_extra", {})
    return nbc.VertexAI(credentials=service_account_info(server.pem, server.token_uri, **extra), **kw)


def answer(parts: list[dict] | None, *, finish: str = "STOP", **extra) -> dict:
    candidate: dict = {"finishReason": finish, "index": 0}
    if parts is not None:
        candidate["content"] = {"role": "model", "parts": parts}
    candidate.update(extra.pop("candidate", {}))
    return {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": 40,
            "candidatesTokenCount": 15,
            "thoughtsTokenCount": 25,
            "cachedContentTokenCount": 8,
            "totalTokenCount": 80,
        },
        "modelVersion": "gemini-2.5-flash-001",
        "responseId": "resp-123",
        **extra,
    }


def google_error(
    status: int, state: str, msg: str, *details: dict, headers: dict | None = None
) -> httpx.Response:
    body = {"error": {"code": status, "message": msg, "status": state, "details": list(details)}}
    return httpx.Response(status, json=body, headers=headers)


def info(reason: str, **metadata) -> dict:
    return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "metadata": metadata}


def quota(quota_id: str) -> dict:
    return {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": quota_id}]}


def retry(delay: str) -> dict:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}


def adapter_answering(*responses: httpx.Response, conn: nbc.Connection | None = None):
    return answering(conn or nbc.Gemini(api_key=KEY), *responses)


# -- requests ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_gemini_request_shape():
    adapter, seen = adapter_answering(
        httpx.Response(200, json=answer([{"text": '{"label":"positive","score":1}'}]))
    )
    assert isinstance(adapter, GoogleAdapter)
    await adapter.complete(
        Call(model="gemini-2.5-flash", user="hi", schema=SCHEMA, temperature=0, max_tokens=99)
    )
    request = seen[0]
    assert (
        str(request.url)
        == "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent"
    )
    assert request.headers["x-goog-api-key"] == KEY and "authorization" not in request.headers
    body = json.loads(request.content)
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    assert "systemInstruction" not in body
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"]["properties"].keys() == {"label", "score"}
    assert (config["maxOutputTokens"], config["temperature"]) == (99, 0)
    assert "responseSchema" not in config


@pytest.mark.parametrize(
    ("location", "model", "url"),
    [
        ("us-central1", "gemini-2.5-flash", "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/"
         "nbconnect-test/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"),
        ("global", "gemini-2.5-pro", "https://aiplatform.googleapis.com/v1beta1/projects/nbconnect-test/"
         "locations/global/publishers/google/models/gemini-2.5-pro:generateContent"),
        ("eu", "gemini-2.5-pro", "https://aiplatform.eu.rep.googleapis.com/v1beta1/projects/nbconnect-test/"
         "locations/eu/publishers/google/models/gemini-2.5-pro:generateContent"),
        ("global", "acme/model-x", "https://aiplatform.googleapis.com/v1beta1/projects/nbconnect-test/"
         "locations/global/publishers/acme/models/model-x:generateContent"),
    ],
)  # fmt: skip
def test_vertex_urls(token_server, location, model, url):
    adapter = VertexAdapter(vertex(token_server, location=location))
    assert adapter.prepare(Call(model=model, user="x", schema=SCHEMA), "response_json_schema").url == url


def test_vertex_location_cannot_change_the_host(token_server):
    # refused where the connection is made, before anything could be sent
    with pytest.raises(ValueError, match="location"):
        vertex(token_server, location="evil.example/x?")


def test_vertex_base_url_overrides_the_host(token_server):
    adapter = VertexAdapter(
        vertex(token_server, base_url="http://127.0.0.1:9", project="p2", location="asia-east1")
    )
    prepared = adapter.prepare(CALL, "response_json_schema")
    assert prepared.url == (
        "http://127.0.0.1:9/v1beta1/projects/p2/locations/asia-east1/publishers/google/models/"
        "gemini-2.5-flash:generateContent"
    )
    assert prepared.headers == {}  # the token is added only when sending: cache keys never hold one


@pytest.mark.anyio
async def test_vertex_sends_a_minted_token_once_per_hour_and_the_quota_project(token_server):
    conn = vertex(token_server, key_extra={"quota_project_id": "billing-proj"})  # a key no other test uses
    adapter, seen = adapter_answering(
        httpx.Response(200, json=answer([{"text": '{"label":"positive","score":1}'}])), conn=conn
    )
    before = token_server.token_requests
    first = await adapter.complete(CALL)
    await adapter_for(conn, client=adapter.client).complete(CALL)  # another adapter, same key
    assert first.valid
    assert token_server.token_requests == before + 1  # one grant, shared
    assert token_server.seen[-1].claims["iss"] == conn.hint  # a real signed JWT grant was checked
    token = token_server.issued[-1]
    assert all(r.headers["authorization"] == f"Bearer {token}" for r in seen)
    assert all(r.headers["x-goog-user-project"] == "billing-proj" for r in seen)
    assert "x-goog-api-key" not in seen[0].headers


@pytest.mark.anyio
async def test_vertex_refused_key_is_an_authentication_error_on_the_credentials_field(rsa_key):
    server = _start_token_server(rsa_key)
    server.mode = "invalid_grant"
    adapter, seen = adapter_answering(httpx.Response(200, json={"publisherModels": []}), conn=vertex(server))
    try:
        result = await adapter.verify()
    finally:
        server.provider.stop()
    assert not result.ok and result.error_type == "authentication" and result.field == "credentials"
    assert "Vertex AI connection 'vertex'" in result.message and "new JSON key" in result.message
    assert seen == []  # nothing was sent to Vertex without a token


# -- parsing ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_normal_answer_skips_thoughts_and_counts_them_as_output():
    parts = [
        {"text": "Let me think about the sentiment...", "thought": True},
        {"text": '{"label": "positive", '},
        {"text": '"score": 0.9}'},
    ]
    adapter, _ = adapter_answering(httpx.Response(200, json=answer(parts)))
    reply = await adapter.complete(CALL)
    assert reply.valid and reply.value == {"label": "positive", "score": 0.9}
    assert reply.raw == '{"label": "positive", "score": 0.9}'
    assert (reply.input_tokens, reply.output_tokens, reply.cached_tokens) == (40, 15 + 25, 8)
    assert (reply.model, reply.request_id) == ("gemini-2.5-flash-001", "resp-123")
    assert reply.enforcement == "response_json_schema" and reply.finish_reason == "STOP"
    assert reply.reasoning_tokens == 25
    # gemini-2.5-flash: $0.30 in, $0.03 cached in, $2.50 out (thoughts included) per million tokens;
    # promptTokenCount already includes the 8 cached tokens
    assert reply.cost_usd == pytest.approx((32 * 0.3 + 8 * 0.03 + 40 * 2.5) / 1e6)


SAFETY_RATINGS = [
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("payload", "error_type", "needle"),
    [
        (answer([{"text": '{"label": "pos'}], finish="MAX_TOKENS"), "truncated", "MAX_TOKENS"),
        (answer([{"text": "hmm", "thought": True}], finish="MAX_TOKENS"), "truncated", "thinking"),
        (
            answer(None, finish="SAFETY", candidate={"safetyRatings": SAFETY_RATINGS}),
            "refusal",
            "DANGEROUS_CONTENT",
        ),
        (answer(None, finish="RECITATION"), "refusal", "RECITATION"),
        (answer(None, finish="PROHIBITED_CONTENT"), "refusal", "PROHIBITED_CONTENT"),
        (answer(None, finish="SPII"), "refusal", "SPII"),
        (answer(None, finish="BLOCKLIST"), "refusal", "BLOCKLIST"),
        (
            {
                "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": SAFETY_RATINGS},
                "modelVersion": "g",
            },
            "refusal",
            "prompt was blocked (SAFETY)",
        ),
        (
            {"promptFeedback": {"blockReason": "OTHER", "blockReasonMessage": "policy"}},
            "refusal",
            "OTHER: policy",
        ),
        (answer([{"text": "The sentiment is positive."}]), "invalid_json", "not JSON"),
        (answer([{"text": '{"label": "great", "score": 0.9}'}]), "schema_mismatch", "label"),
        (answer([{"text": '{"label": "positive"}'}]), "schema_mismatch", "score"),
        (answer([{"text": "thinking only", "thought": True}]), "empty", "no text"),
        ({"candidates": [], "usageMetadata": {}}, "empty", "no candidates"),
    ],
)
async def test_model_failures_come_back_in_the_reply(payload, error_type, needle):
    adapter, _ = adapter_answering(httpx.Response(200, json=payload))
    reply = await adapter.complete(CALL)
    assert not reply.valid
    assert reply.error_type == error_type
    assert needle in reply.error
    if error_type == "refusal":
        assert reply.refusal and needle in reply.refusal


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "cls", "retryable", "retry_after"),
    [
        (
            google_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                         info("API_KEY_INVALID", service="generativelanguage.googleapis.com")),
            E.AuthenticationError, False, None,
        ),
        (google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument."), E.BadRequestError, False, None),
        (google_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers"),
         E.PermissionDeniedError, False, None),
        (google_error(404, "NOT_FOUND", "models/gemini-9 is not found for API version v1"), E.NotFoundError, False, None),
        (
            google_error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota",
                         quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier"), retry("37s")),
            E.RateLimitError, True, 37.0,
        ),
        (
            google_error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota",
                         quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier"), retry("20s")),
            E.QuotaExceededError, False, 20.0,
        ),
        (google_error(429, "RESOURCE_EXHAUSTED", "Resource exhausted", headers={"retry-after": "3"}),
         E.RateLimitError, True, 3.0),
        (google_error(500, "INTERNAL", "An internal error has occurred."), E.ServerError, True, None),
        (google_error(503, "UNAVAILABLE", "The model is overloaded."), E.OverloadedError, True, None),
        (google_error(504, "DEADLINE_EXCEEDED", "Deadline exceeded"), E.ServerError, True, None),
    ],
)  # fmt: skip
async def test_gemini_http_errors_map_to_the_hierarchy(response, cls, retryable, retry_after):
    adapter, seen = adapter_answering(response)
    with pytest.raises(cls) as caught:
        await adapter.complete(CALL)
    err = caught.value
    assert type(err) is cls
    assert (err.retryable, err.retry_after, err.status) == (retryable, retry_after, response.status_code)
    assert "[Gemini connection 'gemini'] HTTP" in str(err)
    assert KEY not in str(err)
    assert len(seen) == 1


@pytest.mark.anyio
async def test_gemini_bad_key_is_an_authentication_error_on_the_api_key_field():
    bad = google_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                       info("API_KEY_INVALID"))  # fmt: skip
    adapter, _ = adapter_answering(bad)
    result = await adapter.verify()
    assert not result.ok and result.field == "api_key" and result.error_type == "authentication"
    assert "aistudio.google.com/apikey" in result.message and "AIza…pqrs" in result.message


@pytest.mark.anyio
async def test_vertex_errors_say_what_to_fix(token_server):
    conn = vertex(token_server, location="us-central1")
    disabled = google_error(
        403, "PERMISSION_DENIED", "Vertex AI API has not been used in project 42 before or it is disabled.",
        info("SERVICE_DISABLED", activationUrl="https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=42"),
    )  # fmt: skip
    adapter, _ = adapter_answering(disabled, conn=conn)
    with pytest.raises(E.PermissionDeniedError, match="enable the Vertex AI API") as caught:
        await adapter.complete(CALL)
    assert "overview?project=42" in str(caught.value) and "Vertex AI connection 'vertex'" in str(caught.value)

    denied = google_error(403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied")
    adapter, _ = adapter_answering(denied, conn=conn)
    with pytest.raises(E.PermissionDeniedError, match=r"roles/aiplatform\.user"):
        await adapter.complete(CALL)

    adapter, _ = adapter_answering(
        google_error(401, "UNAUTHENTICATED", "Request had invalid credentials."), conn=conn
    )
    with pytest.raises(E.AuthenticationError, match="new JSON key"):
        await adapter.complete(CALL)

    missing = google_error(404, "NOT_FOUND", "Publisher Model `gemini-9` was not found")
    adapter, _ = adapter_answering(missing, conn=conn)
    with pytest.raises(E.NotFoundError, match="location 'us-central1' of project 'nbconnect-test'"):
        await adapter.complete(CALL)

    wrapped = httpx.Response(
        429, json=[{"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}]
    )
    adapter, _ = adapter_answering(wrapped, conn=conn)
    with pytest.raises(E.RateLimitError, match="Resource exhausted"):
        await adapter.complete(CALL)


@pytest.mark.anyio
async def test_json_schema_rejection_falls_back_to_response_schema_and_is_remembered():
    rejection = google_error(
        400, "INVALID_ARGUMENT",
        "Invalid JSON payload received. Unknown name \"responseJsonSchema\" at 'generation_config': Cannot find field.",
    )  # fmt: skip
    ok = httpx.Response(200, json=answer([{"text": '{"label": "positive", "score": 1}'}]))
    adapter, seen = adapter_answering(rejection, ok)
    first = await adapter.complete(CALL)
    assert first.valid and first.enforcement == "response_schema"
    configs = [json.loads(r.content)["generationConfig"] for r in seen]
    assert "responseJsonSchema" in configs[0] and "responseSchema" not in configs[0]
    assert "responseSchema" in configs[1] and "responseJsonSchema" not in configs[1]
    assert configs[1]["responseSchema"]["type"] == "OBJECT"
    await adapter.complete(CALL)
    assert "responseSchema" in json.loads(seen[2].content)["generationConfig"] and len(seen) == 3


@pytest.mark.anyio
async def test_a_rejected_legacy_schema_is_raised():
    rejection = google_error(400, "INVALID_ARGUMENT", "Invalid value at 'generation_config.response_schema'")
    adapter, seen = adapter_answering(rejection)
    with pytest.raises(E.SchemaRejectedError, match="response_schema"):
        await adapter.complete(CALL)
    assert len(seen) == 2


# -- models and verification --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_gemini_list_models_pages_and_keeps_structured_chat_models():
    gen = ["generateContent", "countTokens"]
    page1 = {
        "models": [
            {"name": "models/gemini-2.5-flash", "supportedGenerationMethods": gen},
            {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
            {"name": "models/gemini-embedding-001", "supportedGenerationMethods": ["embedContent"]},
        ],
        "nextPageToken": "tok/2",
    }
    page2 = {
        "models": [
            {"name": "models/gemini-2.5-pro", "supportedGenerationMethods": gen},
            {"name": "models/gemini-2.5-flash-preview-tts", "supportedGenerationMethods": gen},
            {"name": "models/gemma-3-27b-it", "supportedGenerationMethods": gen},
        ]
    }
    adapter, seen = adapter_answering(httpx.Response(200, json=page1), httpx.Response(200, json=page2))
    result = await adapter.verify()
    assert result.ok and result.models == ["gemini-2.5-flash", "gemini-2.5-pro"]
    assert [r.url.path for r in seen] == ["/v1/models", "/v1/models"]
    assert dict(seen[0].url.params) == {"pageSize": "1000"}
    assert dict(seen[1].url.params) == {"pageSize": "1000", "pageToken": "tok/2"}


@pytest.mark.anyio
async def test_vertex_list_models_filters_to_gemini(token_server):
    listing = {
        "publisherModels": [
            {"name": "publishers/google/models/gemini-2.5-flash", "versionId": "001"},
            {"name": "publishers/google/models/imagen-4.0-generate-001"},
            {"name": "publishers/google/models/gemini-2.0-flash-lite"},
            {"name": "publishers/google/models/text-embedding-005"},
        ]
    }
    adapter, seen = adapter_answering(
        httpx.Response(200, json=listing), conn=vertex(token_server, location="global")
    )
    assert await adapter.list_models() == ["gemini-2.5-flash", "gemini-2.0-flash-lite"]
    assert str(seen[0].url) == "https://aiplatform.googleapis.com/v1beta1/publishers/google/models"
    assert seen[0].headers["authorization"].startswith("Bearer ya29.")


# -- against the loopback fake provider ----------------------------------------------------------------


FAKE_MODELS = {
    "gemini": ["gemini-2.5-flash", "text-embedding-004", "gemini-2.5-pro"],
    "vertex": ["gemini-2.5-flash", "imagen-3.0-generate-002", "gemini-2.5-pro"],
}


@pytest.fixture
def server():
    with FakeProvider(api_keys={KEY}, models=FAKE_MODELS) as fake:
        yield fake


@pytest.mark.anyio
async def test_gemini_complete_against_the_loopback_provider(server):
    adapter = adapter_for(nbc.Gemini(api_key=KEY, base_url=server.url))
    async with adapter:
        reply = await adapter.complete(CALL)
    assert reply.valid, reply.error
    sent = server.requests[-1]
    assert (sent.path, sent.family) == ("/v1/models/gemini-2.5-flash:generateContent", "gemini")
    assert sent.headers["x-goog-api-key"] == KEY
    assert reply.value == answer_for(sent.json["generationConfig"]["responseJsonSchema"], CALL.user)
    assert reply.enforcement == "response_json_schema" and reply.input_tokens and reply.output_tokens


@pytest.mark.anyio
async def test_gemini_verify_against_the_loopback_provider(server):
    ok = await nbc.Gemini(api_key=KEY, base_url=server.url).averify()
    assert ok.ok and ok.models == ["gemini-2.5-flash", "gemini-2.5-pro"]  # the embedding model is left out

    bad = await nbc.Gemini(api_key="AIzaSyWRONG-0000000000000000000000000", base_url=server.url).averify()
    assert not bad.ok and bad.field == "api_key" and bad.error_type == "authentication"
    assert "HTTP 400" in bad.message and "aistudio.google.com/apikey" in bad.message
    assert "WRONG-0000" not in bad.message


@pytest.mark.anyio
async def test_vertex_complete_and_verify_against_the_loopback_provider(token_server):
    with FakeProvider(models=FAKE_MODELS) as fake:
        conn = vertex(token_server, location="us-central1", project="p1", base_url=fake.url)
        adapter = adapter_for(conn)
        async with adapter:
            reply = await adapter.complete(CALL)
        assert reply.valid, reply.error
        sent = fake.requests[-1]
        assert sent.family == "vertex"
        assert sent.path == (
            "/v1beta1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
        )
        assert sent.headers["authorization"] == f"Bearer {token_server.issued[-1]}"
        assert reply.value == answer_for(sent.json["generationConfig"]["responseJsonSchema"], CALL.user)

        result = await conn.averify()
        assert result.ok and result.models == ["gemini-2.5-flash", "gemini-2.5-pro"]  # no imagen

        fake.api_keys = {"some-other-token"}  # Vertex no longer accepts our token
        refused = await conn.averify()
        assert not refused.ok and refused.error_type == "authentication" and refused.field == "credentials"
        assert "HTTP 401" in refused.message and token_server.issued[-1] not in refused.message


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "cls", "retry_after"),
    [
        (Fault("quota"), E.QuotaExceededError, None),
        (Fault("rate_limit", retry_after=3), E.RateLimitError, 3.0),
        (Fault("overloaded"), E.OverloadedError, None),
        (Fault("server_error", status=504), E.ServerError, None),
    ],
)
async def test_gemini_loopback_errors(server, fault, cls, retry_after):
    server.script(":generateContent", [fault])
    async with adapter_for(nbc.Gemini(api_key=KEY, base_url=server.url)) as adapter:
        with pytest.raises(cls) as caught:
            await adapter.complete(CALL)
    assert type(caught.value) is cls and caught.value.retry_after == retry_after


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        (Fault("truncated"), "truncated"),
        (Fault("refusal"), "refusal"),
        (Fault("refusal", prompt=True), "refusal"),
        (Fault("broken_json"), "schema_mismatch"),
    ],
)
async def test_gemini_loopback_model_failures(server, fault, error_type):
    server.script(":generateContent", [fault])
    async with adapter_for(nbc.Gemini(api_key=KEY, base_url=server.url)) as adapter:
        reply = await adapter.complete(CALL)
    assert not reply.valid and reply.error_type == error_type


# -- Vertex: verify checks the project; a rejected token is replaced once -------------------------------


def _fresh_vertex(rsa_key, fake: FakeProvider, **kw) -> tuple[TokenEndpoint, nbc.VertexAI]:
    """A token endpoint of its own (so its mints are this test's) and a key no other test uses."""
    server = _start_token_server(rsa_key)
    extra = {"client_id": uuid.uuid4().hex}
    kw.setdefault("project", "p1")
    return server, vertex(server, location="us-central1", base_url=fake.url, key_extra=extra, **kw)


COUNT_PATH = (
    "/v1beta1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash:countTokens"
)
GENERATE_PATH = COUNT_PATH.replace(":countTokens", ":generateContent")
DISABLED = Fault(
    "status",
    status=403,
    type="PERMISSION_DENIED",
    message="Vertex AI API has not been used in project p1 before or it is disabled.",
    details=[info("SERVICE_DISABLED", activationUrl="https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=p1")],
)  # fmt: skip
UNAUTHENTICATED = Fault(
    "status", status=401, type="UNAUTHENTICATED", message="Request had invalid authentication credentials."
)


@pytest.mark.anyio
async def test_vertex_verify_counts_tokens_in_the_project(rsa_key):
    with FakeProvider(
        models={"vertex": ["imagen-3.0-generate-002", "gemini-1.0-pro", "gemini-2.5-flash"]}
    ) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        try:
            result = await conn.averify()
        finally:
            server.provider.stop()
    assert result.ok, result.message
    assert result.models == ["gemini-1.0-pro", "gemini-2.5-flash"]
    listing, count = fake.requests
    assert listing.path == "/v1beta1/publishers/google/models"
    # the probe is a model the catalog knows (a retired one the listing still names could 404)
    assert (count.method, count.path) == ("POST", COUNT_PATH)
    assert count.json == {"contents": [{"role": "user", "parts": [{"text": "ping"}]}]}
    assert count.headers["authorization"] == f"Bearer {server.issued[-1]}" and server.token_requests == 1


@pytest.mark.anyio
async def test_vertex_verify_probes_the_default_model_when_the_listing_has_none(rsa_key):
    with FakeProvider(models={"vertex": []}) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        try:
            result = await conn.averify()
        finally:
            server.provider.stop()
    assert result.ok and result.models == []
    assert fake.requests[-1].path == COUNT_PATH


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "needles"),
    [
        (DISABLED, ["enable the Vertex AI API", "overview?project=p1"]),
        (
            Fault("status", status=403, type="PERMISSION_DENIED",
                  message="Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist).",
                  details=[info("IAM_PERMISSION_DENIED", permission="aiplatform.endpoints.predict")]),
            ["'Vertex AI User' role", "roles/aiplatform.user", "project 'p1'", "project id is right"],
        ),
    ],
)  # fmt: skip
async def test_vertex_verify_fails_on_the_project_field_when_the_project_refuses(rsa_key, fault, needles):
    with FakeProvider(models=FAKE_MODELS) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        fake.script(":countTokens", [fault])
        try:
            result = await conn.averify()
        finally:
            server.provider.stop()
    assert not result.ok and result.field == "project" and result.error_type == "permission"
    assert "HTTP 403" in result.message and "Vertex AI connection 'vertex'" in result.message
    for needle in needles:
        assert needle in result.message
    assert fake.count(":countTokens") == 1 and server.issued[-1] not in result.message


@pytest.mark.anyio
async def test_vertex_verify_keeps_other_failures_on_their_own_fields(rsa_key):
    with FakeProvider(models=FAKE_MODELS) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        fake.script("/publishers/google/models", [DISABLED])  # the listing itself (token's project)
        try:
            listing = await conn.averify()
            fake.script(":countTokens", [UNAUTHENTICATED, UNAUTHENTICATED])
            token = await conn.averify()
        finally:
            server.provider.stop()
    assert not listing.ok and listing.field == "credentials" and fake.count(":countTokens") == 2
    assert not token.ok and token.field == "credentials" and token.error_type == "authentication"


@pytest.mark.anyio
async def test_vertex_401_gets_one_fresh_token_and_a_retry(rsa_key):
    with FakeProvider(models=FAKE_MODELS) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        try:
            async with adapter_for(conn) as adapter:
                await adapter.complete(CALL)  # the token is now cached
                fake.reset()
                fake.script(":generateContent", [UNAUTHENTICATED])
                reply = await adapter.complete(CALL)
        finally:
            server.provider.stop()
    assert reply.valid, reply.error
    assert server.token_requests == 2 and len(server.issued) == 2
    rejected, retried = fake.requests
    assert rejected.path == retried.path == GENERATE_PATH
    assert rejected.headers["authorization"] == f"Bearer {server.issued[0]}"
    assert retried.headers["authorization"] == f"Bearer {server.issued[1]}"


@pytest.mark.anyio
async def test_vertex_401_on_the_first_call_mints_twice_then_succeeds(rsa_key):
    with FakeProvider(models=FAKE_MODELS) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        fake.script(":generateContent", [UNAUTHENTICATED])
        try:
            async with adapter_for(conn) as adapter:
                reply = await adapter.complete(CALL)
        finally:
            server.provider.stop()
    assert reply.valid, reply.error
    assert server.token_requests == 2 and fake.count(":generateContent") == 2


@pytest.mark.anyio
async def test_vertex_second_401_is_an_authentication_error(rsa_key):
    with FakeProvider(models=FAKE_MODELS) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        fake.script(":generateContent", [UNAUTHENTICATED, UNAUTHENTICATED])
        try:
            async with adapter_for(conn) as adapter:
                with pytest.raises(E.AuthenticationError, match="new JSON key") as caught:
                    await adapter.complete(CALL)
        finally:
            server.provider.stop()
    assert caught.value.status == 401 and caught.value.__context__ is None
    assert fake.count(":generateContent") == 2 and server.token_requests == 2
    assert all(token not in str(caught.value) for token in server.issued)


@pytest.mark.anyio
async def test_concurrent_401s_with_one_token_share_one_refresh(rsa_key):
    with FakeProvider(models=FAKE_MODELS) as fake:
        server, conn = _fresh_vertex(rsa_key, fake)
        try:
            async with adapter_for(conn) as adapter:
                await adapter.complete(CALL)
                fake.reset()
                fake.script(":generateContent", [UNAUTHENTICATED] * 10)
                replies = await asyncio.gather(*(adapter.complete(CALL) for _ in range(10)))
        finally:
            server.provider.stop()
    assert all(r.valid for r in replies)
    assert server.token_requests == 2 and fake.count(":generateContent") == 20
    retried = {r.headers["authorization"] for r in fake.requests if r.fault is None}
    assert retried == {f"Bearer {server.issued[1]}"}


@pytest.mark.anyio
async def test_a_gemini_401_is_not_retried():
    adapter, seen = adapter_answering(
        google_error(401, "UNAUTHENTICATED", "Request had invalid credentials.")
    )
    with pytest.raises(E.AuthenticationError, match="aistudio"):
        await adapter.complete(CALL)
    assert len(seen) == 1

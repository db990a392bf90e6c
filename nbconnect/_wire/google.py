"""The Google generateContent wire: a shared base, with the Gemini API (API key) and Vertex AI
(service-account token) as its two subclasses.

Paths and headers follow what the official ``google-genai`` SDK sends (checked by the parity
tests): Gemini on ``/v1/`` with ``x-goog-api-key``; Vertex on ``/v1beta1/`` with
``Authorization: Bearer <token>`` and ``x-goog-user-project`` when the key names a quota project.
Vertex tokens come from one :class:`TokenSource` per service-account key, shared by every
adapter in the process, and are added just before sending, so a prepared request (a cache key)
never holds one. A token Vertex rejects (401) is dropped and the request sent once more with a
new one, as google-auth's ``AuthorizedSession`` does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from abc import abstractmethod
from typing import Any
from urllib.parse import quote

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .._schema.schema import Adapted, Schema, for_gemini, for_gemini_legacy
from .adapter import REFUSAL, TRUNCATED, Adapter, Call, Prepared, Reply
from .batch.google import GeminiBatch, VertexBatch
from .google_auth import TokenSource
from .media import Media
from .messages import about_schema, cut_off, rate_limited

__all__ = ["GeminiAdapter", "GoogleAdapter", "VertexAdapter"]

GEMINI_BASE = "https://generativelanguage.googleapis.com"
GEMINI_API_VERSION = "v1"  # google-genai 3.6.1's default for the Gemini API (older SDKs used v1beta)
VERTEX_API_VERSION = "v1beta1"  # what google-genai 3.6.1 sends for Vertex AI (v1 is the stable surface)
JSON_SCHEMA = "response_json_schema"
LEGACY_SCHEMA = "response_schema"
_LOCATION = re.compile(r"[a-z][a-z0-9-]{0,62}")

# finishReason / blockReason values meaning the provider withheld the answer.
_REFUSALS = {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"}
# generateContent models that cannot answer in structured text.
_NOT_STRUCTURED = ("embedding", "tts", "image", "audio", "live")
# Besides a schema, a complaint about the JSON mode itself is about the structured-output part.
_SCHEMA_PARTS = ("response_mime_type", "responsemimetype")
PROBE_MODEL = "gemini-2.5-flash"  # what verify() counts tokens with when the listing names none
#: thinkingBudget per reasoning effort (Gemini 2.5 Flash takes 0-24576, Pro 128-32768)
THINKING_BUDGET = {"low": 1024, "medium": 8192, "high": 24576}
_PING = {"contents": [{"role": "user", "parts": [{"text": "ping"}]}]}

# Keyed by a digest of the whole key file: a replaced key (or a changed quota project or token
# endpoint) for the same account gets a fresh source instead of the old one's cached token.
_SOURCES: dict[str, TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def token_source(key_json: str) -> TokenSource:
    """The process-wide token source for a service-account key (one per key, so one refresh at a time)."""
    key = hashlib.sha256(key_json.encode()).hexdigest()
    with _SOURCES_LOCK:
        source = _SOURCES.get(key)
        if source is None:
            source = _SOURCES[key] = TokenSource(key_json)
        return source


class GoogleAdapter(Adapter):
    """What the Gemini API and Vertex AI share: the generateContent body, its parsing, error
    mapping and the paginated model listing. Subclasses say where it lives and how it is authorized."""

    family = "google"

    @abstractmethod
    def model_url(self, model: str, verb: str = "generateContent") -> str: ...

    # -- enforcement -----------------------------------------------------------------------
    def modes(self, model: str) -> list[str]:
        return [JSON_SCHEMA, LEGACY_SCHEMA]

    def adapt_schema(self, schema: Schema, mode: str) -> Adapted:
        return for_gemini_legacy(schema.json) if mode == LEGACY_SCHEMA else for_gemini(schema.json)

    def is_rejection(self, err: E.ProviderError, call: Call, mode: str) -> bool:
        return mode == JSON_SCHEMA and isinstance(err, E.SchemaRejectedError)

    # -- request / response ------------------------------------------------------------------
    def reasoning(self, call: Call) -> dict[str, Any]:
        # Gemini 2.5 takes a thinking token budget (thinkingLevel is Gemini 3's)
        if call.reasoning_effort is None:
            return {}
        return {"thinkingConfig": {"thinkingBudget": THINKING_BUDGET[call.reasoning_effort]}}

    def prepare(self, call: Call, mode: str) -> Prepared:
        config: dict[str, Any] = {"responseMimeType": "application/json"}
        config["responseSchema" if mode == LEGACY_SCHEMA else "responseJsonSchema"] = self.adapt(
            call.schema, mode
        ).schema
        thinking = self.reasoning(call)
        if call.max_tokens is not None:  # on thinking models maxOutputTokens covers the thinking too
            budget = thinking["thinkingConfig"]["thinkingBudget"] if thinking else 0
            config["maxOutputTokens"] = call.max_tokens + budget
        if call.temperature is not None:
            config["temperature"] = call.temperature
        if call.seed is not None:
            config["seed"] = call.seed
        config.update(thinking)
        body: dict[str, Any] = {"contents": [{"role": "user", "parts": self.user_parts(call)}]}
        if call.system:  # google-genai sends the system instruction as a user-role Content
            body["systemInstruction"] = {"role": "user", "parts": [{"text": call.system}]}
        body["generationConfig"] = config
        return Prepared("POST", self.model_url(call.model), body, self.headers(), mode, call.media)

    def user_parts(self, call: Call) -> list[dict[str, Any]]:
        content = self.user_content(call)
        return [{"text": content}] if isinstance(content, str) else content

    def text_part(self, text: str) -> dict[str, Any]:
        return {"text": text}

    def media_part(self, media: Media) -> dict[str, Any]:
        """``inlineData`` with the base64 bytes, or ``fileData`` for an https URL the API fetches:
        exactly what google-genai 3.6.1's ``Part.from_bytes`` / ``Part.from_uri`` send, which keeps
        the inner field names in snake_case (``mime_type``, ``file_uri``; proto JSON accepts both)."""
        if media.url is not None:
            return {"fileData": {"file_uri": media.url, "mime_type": media.mime}}
        return {"inlineData": {"data": media.b64, "mime_type": media.mime}}

    def parse(self, call: Call, mode: str, body: Any, headers: httpx.Headers) -> Reply:
        body = body if isinstance(body, dict) else {}
        reply = Reply(model=body.get("modelVersion"), request_id=body.get("responseId"))
        usage = body.get("usageMetadata") or {}
        reply.input_tokens = usage.get("promptTokenCount")
        answer, thoughts = usage.get("candidatesTokenCount"), usage.get("thoughtsTokenCount")
        if answer is not None or thoughts is not None:  # thinking tokens are billed as output
            reply.output_tokens = (answer or 0) + (thoughts or 0)
        reply.cached_tokens = usage.get("cachedContentTokenCount")  # included in promptTokenCount
        reply.reasoning_tokens = thoughts
        candidates = body.get("candidates") or []
        if not candidates:
            feedback = body.get("promptFeedback") or {}
            reason = feedback.get("blockReason")
            if reason:
                said = f": {feedback['blockReasonMessage']}" if feedback.get("blockReasonMessage") else ""
                reply.finish_reason = reason
                reply.refusal = f"the prompt was blocked ({reason}{said})"
                reply.error_type, reply.errors = REFUSAL, [reply.refusal]
            else:
                reply.error_type, reply.errors = "empty", ["the answer has no candidates"]
            return reply
        candidate = candidates[0]
        reply.finish_reason = candidate.get("finishReason")
        parts = (candidate.get("content") or {}).get("parts") or []
        reply.raw = "".join(
            p["text"]
            for p in parts
            if isinstance(p, dict) and not p.get("thought") and isinstance(p.get("text"), str)
        )
        if reply.finish_reason == "MAX_TOKENS":
            note = " (on thinking models it also covers the thinking)"
            reply.error_type, reply.errors = TRUNCATED, [cut_off("finishReason=MAX_TOKENS", note)]
        elif reply.finish_reason in _REFUSALS:
            blocked = [
                str(r.get("category", "")).removeprefix("HARM_CATEGORY_")
                for r in candidate.get("safetyRatings") or []
                if isinstance(r, dict) and r.get("blocked")
            ]
            why = candidate.get("finishMessage") or ", ".join(blocked)
            reply.refusal = f"the answer was withheld ({reply.finish_reason}{': ' + why if why else ''})"
            reply.error_type, reply.errors = REFUSAL, [reply.refusal]
        return reply

    def error(self, resp: httpx.Response) -> E.ProviderError:
        body, err = self.error_parts(resp)
        message = str(err.get("message") or resp.reason_phrase or "request failed")
        details = [d for d in err.get("details") or [] if isinstance(d, dict)]
        infos = [d for d in details if str(d.get("@type", "")).endswith("ErrorInfo")]
        reasons = {str(d.get("reason")) for d in infos if d.get("reason")}
        metadata: dict[str, Any] = {}
        for d in infos:
            metadata.update(d.get("metadata") or {})
        quota_ids = [
            str(v.get("quotaId", ""))
            for d in details
            if str(d.get("@type", "")).endswith("QuotaFailure")
            for v in d.get("violations") or []
            if isinstance(v, dict)
        ]
        status = resp.status_code
        code = next(iter(sorted(reasons)), None) or (str(err["status"]) if err.get("status") else None)
        cls: type[E.ProviderError] | None = None
        if status == 400 and ("API_KEY_INVALID" in reasons or "api key not valid" in message.lower()):
            cls, message = E.AuthenticationError, self.key_rejected(message)
        elif status in (400, 422) and about_schema(message, *_SCHEMA_PARTS):
            cls = E.SchemaRejectedError
            message = f"{message}; the response schema or JSON mode was not accepted"
        elif status == 401:
            cls, message = E.AuthenticationError, self.key_rejected(message)
        elif status == 403:
            message = self.denied(message, reasons, str(metadata.get("activationUrl") or ""))
        elif status == 404:
            message = (
                f"{message}; the model is not offered{self.where()} or its id is wrong: "
                "connection.list_models() shows the models this connection can use"
            )
        elif status == 429 and any("perday" in q.lower() for q in quota_ids):
            cls = E.QuotaExceededError
            message = (
                f"{message}; the daily quota ({', '.join(q for q in quota_ids if q)}) is used up and resets "
                "at midnight Pacific time: wait, or raise the quota / enable billing"
            )
        elif status == 429:
            message = rate_limited(message)
        elif status >= 500:
            message = f"Google failed on its side ({err.get('status') or status}): {message}; try again later"
        return self.http_error(resp, message, cls=cls, body=body, code=code)

    def where(self) -> str:
        """Where a model was looked for, for a 404's message ("" when the id says it all)."""
        return ""

    @abstractmethod
    def denied(self, message: str, reasons: set[str], activate: str) -> str:
        """A 403's message; ``activate`` is the console link Google sent to enable the API, if any."""

    # -- models and verification ------------------------------------------------------------------
    @abstractmethod
    def listing(self) -> tuple[str, str, str]:
        """The model listing's URL, the field holding its models, and the prefix of their names."""

    def listed(self, model: dict[str, Any]) -> bool:
        """Whether a listed model can serve generateContent."""
        return True

    async def list_models(self) -> list[str]:
        url, field, prefix = self.listing()

        def page_url(token: str | None) -> str:
            return url + (
                ("&" if "?" in url else "?") + f"pageToken={quote(token, safe='')}" if token else ""
            )

        ids: list[str] = []
        async for page in self.pages(page_url, lambda page: page.get("nextPageToken")):
            for m in page.get(field) or []:
                if isinstance(m, dict) and m.get("name") and self.listed(m):
                    ids.append(str(m["name"]).removeprefix(prefix))
        return [i for i in ids if "gemini" in i and not any(w in i for w in _NOT_STRUCTURED)]

    async def check(self) -> list[str]:
        return await self.list_models()  # listing models proves the key (or the token)


class GeminiAdapter(GoogleAdapter):
    """The Gemini API: ``/v1/`` with the key in ``x-goog-api-key``."""

    batch_class = GeminiBatch

    def base_url(self) -> str:
        return (self.conn.base_url or GEMINI_BASE).rstrip("/")

    def model_url(self, model: str, verb: str = "generateContent") -> str:
        path = model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"
        return f"{self.base_url()}/{GEMINI_API_VERSION}/{path}:{verb}"

    def headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.conn.secret("api_key") or ""}

    @property
    def key_subject(self) -> str:
        return f"the API key ({self.conn.hint or 'none given'})"

    def denied(self, message: str, reasons: set[str], activate: str) -> str:
        if "SERVICE_DISABLED" in reasons:
            url = (
                activate or "https://console.cloud.google.com/apis/library/generativelanguage.googleapis.com"
            )
            return f"{message}; enable the Generative Language API for the key's project at {url}"
        return (
            f"{message}; the key may not call the Gemini API: check its API restrictions in Google AI Studio"
        )

    def listing(self) -> tuple[str, str, str]:
        return f"{self.base_url()}/{GEMINI_API_VERSION}/models?pageSize=1000", "models", "models/"

    def listed(self, model: dict[str, Any]) -> bool:
        return "generateContent" in (model.get("supportedGenerationMethods") or [])


class VertexAdapter(GoogleAdapter):
    """Vertex AI: ``/v1beta1/`` on the location's host, with a service-account access token."""

    batch_class = VertexBatch  # runs live until a Cloud Storage bucket can be given

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: str | None = None  # the last access token sent, scrubbed from messages

    # -- where and how ---------------------------------------------------------------------
    def base_url(self) -> str:
        conn = self.conn
        if conn.base_url:
            return conn.base_url.rstrip("/")
        if not _LOCATION.fullmatch(conn.location or ""):
            # the location becomes part of the host name: never let it point the token elsewhere
            raise E.ConfigError(
                f"location {conn.location!r} is not a Google Cloud location such as 'us-central1' or 'global'"
            )
        if conn.location == "global":
            return "https://aiplatform.googleapis.com"
        if conn.location in ("us", "eu"):  # multi-region endpoints
            return f"https://aiplatform.{conn.location}.rep.googleapis.com"
        return f"https://{conn.location}-aiplatform.googleapis.com"

    def model_url(self, model: str, verb: str = "generateContent") -> str:
        if model.startswith(("projects/", "publishers/")):
            path = model
        elif "/" in model:  # "publisher/id", as google-genai accepts it
            publisher, _, name = model.partition("/")
            path = f"publishers/{publisher}/models/{name}"
        else:
            path = f"publishers/google/models/{model}"
        if not path.startswith("projects/"):
            path = f"projects/{self.conn.project}/locations/{self.conn.location}/{path}"
        return f"{self.base_url()}/{VERTEX_API_VERSION}/{path}:{verb}"

    def headers(self) -> dict[str, str]:
        return {}  # the Bearer token is added by authorize(), just before sending

    def _source(self) -> TokenSource:
        return token_source(self.conn.secret("credentials") or "{}")

    async def authorize(self, prepared: Prepared) -> Prepared:
        """``prepared`` with Vertex's access token (and quota project) in its headers."""
        if "Authorization" in prepared.headers:  # already done by request()
            return prepared
        try:
            source = self._source()
            token = await source.token()
        except E.ConfigError as err:  # a key google-auth cannot load (its message never quotes the key)
            raise E.AuthenticationError(str(err), **self._context()) from None
        except E.ProviderError as err:
            err.provider, err.connection = self._context()["provider"], self.conn.name
            raise
        self._token = token
        headers = {**prepared.headers, "Authorization": f"Bearer {token}"}
        if source.quota_project:
            headers["x-goog-user-project"] = source.quota_project
        return dataclasses.replace(prepared, headers=headers)

    async def request(self, prepared: Prepared) -> tuple[httpx.Response, float]:
        sent = await self.authorize(prepared)  # a key the token endpoint refuses raises here, once
        try:
            return await super().request(sent)
        except E.AuthenticationError as err:
            if err.status != 401:
                raise
        # Vertex rejected a token before its expiry (revoked, or the key's account changed):
        # drop it, unless a concurrent caller already replaced it, and try once with a new one.
        self._source().invalidate(sent.headers["Authorization"].removeprefix("Bearer "))
        return await super().request(await self.authorize(prepared))

    def secret_values(self) -> list[str]:
        return [*super().secret_values(), *([self._token] if self._token else [])]

    # -- messages --------------------------------------------------------------------------
    @property
    def key_subject(self) -> str:
        return f"the access token of {self.conn.hint}"

    def where(self) -> str:
        return f" in location {self.conn.location!r} of project {self.conn.project!r}"

    def denied(self, message: str, reasons: set[str], activate: str) -> str:
        if "SERVICE_DISABLED" in reasons:
            url = (
                activate
                or f"https://console.cloud.google.com/apis/library/aiplatform.googleapis.com?project={self.conn.project}"
            )
            return f"{message}; enable the Vertex AI API (aiplatform.googleapis.com) for the project at {url}, then retry"
        return (
            f"{message}; grant the service account {self.conn.hint} the 'Vertex AI User' role "
            f"(roles/aiplatform.user) on project {self.conn.project!r}, and check that the project "
            "id is right"
        )

    # -- models and verification ------------------------------------------------------------------
    def listing(self) -> tuple[str, str, str]:
        return (
            f"{self.base_url()}/v1beta1/publishers/google/models",
            "publisherModels",
            "publishers/google/models/",
        )

    async def check(self) -> list[str]:
        # Vertex's listing is not project-scoped: countTokens (free) then proves the project exists,
        # has the Vertex AI API enabled and lets the service account call models in the location.
        models = await self.list_models()
        known = {m.id for m in catalog.models(self.conn.provider)}
        model = next((m for m in models if m in known), models[0] if models else PROBE_MODEL)
        try:
            await self.request(Prepared("POST", self.model_url(model, "countTokens"), _PING, {}))
        except E.PermissionDeniedError as err:
            err.field = "project"  # type: ignore[attr-defined]  # read by field_for()
            raise
        return models

    def field_for(self, err: E.ProviderError) -> str | None:
        return getattr(err, "field", None) or super().field_for(err)

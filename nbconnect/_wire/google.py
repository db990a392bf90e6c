"""The Google generateContent wire: a shared base, with the Gemini API (API key) and Vertex AI
(service-account token) as its two subclasses.

Paths and headers follow what the official ``google-genai`` SDK sends (checked by the parity
tests): Gemini on ``/v1/`` with ``x-goog-api-key``; Vertex on ``/v1beta1/`` with
``Authorization: Bearer <token>`` and ``x-goog-user-project`` when the key names a quota project.
Vertex AI's adapter (its tokens, hosts and messages) is in :mod:`.vertex`.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any
from urllib.parse import quote

import httpx

from .. import _errors as E
from .._schema.schema import Adapted, Schema, for_gemini, for_gemini_legacy
from .adapter import Adapter, Call, Prepared, Reply
from .batch.google import GeminiBatch
from .call import REFUSAL, TRUNCATED
from .media import Media
from .messages import about_schema, cut_off, rate_limited

__all__ = ["GeminiAdapter", "GoogleAdapter"]

GEMINI_BASE = "https://generativelanguage.googleapis.com"
GEMINI_API_VERSION = "v1"  # google-genai 3.6.1's default for the Gemini API (older SDKs used v1beta)
JSON_SCHEMA = "response_json_schema"
LEGACY_SCHEMA = "response_schema"

# finishReason / blockReason values meaning the provider withheld the answer.
_REFUSALS = {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"}
# generateContent models that cannot answer in structured text.
_NOT_STRUCTURED = ("embedding", "tts", "image", "audio", "live")
# Besides a schema, a complaint about the JSON mode itself is about the structured-output part.
_SCHEMA_PARTS = ("response_mime_type", "responsemimetype")
PROBE_MODEL = "gemini-2.5-flash"  # what verify() counts tokens with when the listing names none
#: thinkingBudget per reasoning effort (Gemini 2.5 Flash takes 0-24576, Pro 128-32768)
THINKING_BUDGET = {"low": 1024, "medium": 8192, "high": 24576}


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

    @classmethod
    def output_limit(cls, call: Call) -> int | None:
        # on thinking models maxOutputTokens covers the thinking too, so the budget comes on top
        if call.max_tokens is None:
            return None
        return call.max_tokens + (THINKING_BUDGET[call.reasoning_effort] if call.reasoning_effort else 0)

    def prepare(self, call: Call, mode: str) -> Prepared:
        config: dict[str, Any] = {"responseMimeType": "application/json"}
        config["responseSchema" if mode == LEGACY_SCHEMA else "responseJsonSchema"] = self.adapt(
            call.schema, mode
        ).schema
        thinking = self.reasoning(call)
        limit = self.output_limit(call)
        if limit is not None:
            config["maxOutputTokens"] = limit
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

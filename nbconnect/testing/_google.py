"""The fake's Google wires: the Gemini API and Vertex AI (same bodies, different auth and extras)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from .._schema.leaves import as_number
from .._schema.openapi import openapi_to_json_schema
from . import _wire as w
from ._statuses import GOOGLE_STATUS
from ._wire import ErrorSpec, Exchange, Reply, Wire

__all__ = ["GeminiWire", "VertexWire"]

_SAFETY = [
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
]
_GEMINI_QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
)


def _has_key(node: Any, name: str) -> bool:
    if isinstance(node, Mapping):
        return name in node or any(_has_key(v, name) for v in node.values())
    if isinstance(node, list):
        return any(_has_key(v, name) for v in node)
    return False


def _retry_info(delay: float) -> dict[str, str]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{delay:g}s"}


class GeminiWire(Wire):
    family = "gemini"
    service = "generativelanguage.googleapis.com"
    content_type = "application/json; charset=UTF-8"

    def ids(self) -> dict[str, str]:
        return {
            "vary": "Origin, X-Origin, Referer",
            "server": "scaffolding on HTTPServer2",
            "server-timing": f"gfet4t7; dur={w.IDS.randint(200, 1500)}",
        }

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return headers.get("x-goog-api-key") or query.get("key")

    def error_body(self, err: ErrorSpec, ids: Mapping[str, str]) -> dict:
        body: dict[str, Any] = {
            "code": err.status,
            "message": err.message or "Error.",
            "status": err.type or err.code or GOOGLE_STATUS.get(err.status, "UNKNOWN"),
        }
        if err.details:
            body["details"] = list(err.details)
        return {"error": body}

    def _error_info(self, reason: str, **metadata: str) -> dict[str, Any]:
        return {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": {"service": self.service, **metadata},
        }

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return self.error(
                403,
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        message = "API key not valid. Please pass a valid API key."
        details = [
            self._error_info("API_KEY_INVALID"),
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            },
        ]
        return self.error(400, message, details=details)

    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        """A generateContent exchange; a countTokens request (same body) gets its answer here."""
        if not isinstance(body, Mapping):
            return self.error(400, "Invalid JSON payload received. Unexpected token.")
        contents = body.get("contents")
        if isinstance(contents, Mapping):
            contents = [contents]
        if not contents:
            request = "CountTokensRequest" if path.endswith(":countTokens") else "GenerateContentRequest"
            return self.error(400, f"* {request}.contents: contents is not specified\n")
        config = body.get("generationConfig") or body.get("generation_config") or {}
        json_schema = config.get("responseJsonSchema", config.get("response_json_schema"))
        api_schema = config.get("responseSchema", config.get("response_schema"))
        if (
            api_schema is not None
            and self.family == "gemini"
            and _has_key(api_schema, "additionalProperties")
        ):
            return self.error(
                400,
                'Invalid JSON payload received. Unknown name "additionalProperties" at '
                "'generation_config.response_schema': Cannot find field.",
            )
        schema = json_schema if json_schema is not None else openapi_to_json_schema(api_schema)
        turns = [c for c in contents if isinstance(c, Mapping)]
        bad = w.media_problem(turns, "parts")
        if bad:
            return self.error(400, bad)
        user = w.last_text(w.user_turns(turns, default_role="user"), "parts")
        system = body.get("systemInstruction") or body.get("system_instruction") or {}
        system_text = w.text_of(system.get("parts")) if isinstance(system, Mapping) else str(system)
        prompt = "\n".join([system_text, *(w.text_of(c.get("parts")) for c in turns)])
        limit = as_number(config.get("maxOutputTokens", config.get("max_output_tokens")))
        exchange = Exchange(self.family, str(path_model), schema, user, prompt, limit)
        return self.count_tokens(exchange) if path.endswith(":countTokens") else exchange

    def count_tokens(self, ex: Exchange) -> Reply:
        """countTokens' answer: the prompt's size as generateContent would bill it."""
        total = w.usage_counts(ex, "", False).prompt
        body: dict[str, Any] = {"totalTokens": total}
        if self.family == "vertex":
            body["totalBillableCharacters"] = len("".join(ex.prompt_text.split()))
        body["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": total}]
        return self.ok(body)

    def extras(self, body: dict, candidate: dict | None) -> None:
        """Vertex adds createTime, avgLogprobs and trafficType."""

    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        _, text = w.answer_content(ex, kind, opts)
        candidate: dict[str, Any] | None = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "finishReason": "MAX_TOKENS" if kind == "truncated" else "STOP",
            "index": 0,
        }
        body: dict[str, Any] = {}
        if kind in ("refusal", "content_filter"):
            text = ""
            if opts.get("prompt"):
                candidate = None
                body["promptFeedback"] = {"blockReason": "SAFETY", "safetyRatings": _SAFETY}
            else:
                candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": _SAFETY}
        if candidate is not None:
            body["candidates"] = [candidate]
        body["usageMetadata"] = self.usage_block(
            w.usage_counts(ex, text, kind == "truncated"), candidate is not None
        )
        body["modelVersion"] = ex.model
        body["responseId"] = w.b58(22)
        self.extras(body, candidate)
        return self.ok(body)

    def usage_block(self, u: w.Usage, answered: bool) -> dict[str, Any]:
        """``usageMetadata``; a prompt blocked before any candidate bills no candidate tokens."""
        usage: dict[str, Any] = {"promptTokenCount": u.prompt}  # includes the cached tokens
        if u.cached:
            usage["cachedContentTokenCount"] = u.cached
        if answered:
            usage["candidatesTokenCount"] = u.completion - u.reasoning  # thoughts are counted apart
            if u.reasoning:
                usage["thoughtsTokenCount"] = u.reasoning
        usage["totalTokenCount"] = u.prompt + (u.completion if answered else 0)
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": u.prompt}]
        return usage

    def _retry_details(self, delay: float | None, model: str, daily: bool) -> list:
        period = "PerDay" if daily else "PerMinute"
        details: list[dict[str, Any]] = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": f"{self.service}/generate_content_free_tier_requests",
                        "quotaId": f"GenerateRequests{period}PerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": model},
                        "quotaValue": "15",
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                    }
                ],
            },
        ]
        if delay is not None:
            details.append(_retry_info(delay))
        return details

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        return self.fault_error(
            429, opts, _GEMINI_QUOTA, details=self._retry_details(delay, ex_model, daily=False)
        )

    def quota(self, opts: Mapping) -> Reply:
        return self.fault_error(
            429, opts, _GEMINI_QUOTA, details=self._retry_details(None, "gemini", daily=True)
        )

    def overloaded(self, opts: Mapping) -> Reply:
        return self.fault_error(503, opts, "The model is overloaded. Please try again later.")

    def server_error(self, status: int, opts: Mapping) -> Reply:
        message = (
            "An internal error has occurred. Please retry or "
            "report in https://developers.generativeai.google/guide/troubleshooting"
        )
        return self.fault_error(status, opts, message)

    # -- models ----------------------------------------------------------------------------------
    list_field = "models"  # the key of the list in a models page

    def list_item(self, model_id: str) -> dict:
        """One model as a models page lists it."""
        embedding = "embedding" in model_id
        return {
            "name": f"models/{model_id}",
            "version": "001",
            "displayName": model_id.replace("-", " ").title(),
            "description": f"Fake {model_id}",
            "inputTokenLimit": 2048 if embedding else 1048576,
            "outputTokenLimit": 1 if embedding else 65536,
            "supportedGenerationMethods": ["embedContent"]
            if embedding
            else ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
            **(
                {}
                if embedding
                else {"temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": True}
            ),
        }

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        size = int(as_number(query.get("pageSize"), 50)) or 50
        start = int(as_number(query.get("pageToken"), 0) or 0)
        body: dict[str, Any] = {self.list_field: [self.list_item(m) for m in ids[start : start + size]]}
        if start + size < len(ids):
            body["nextPageToken"] = str(start + size)
        return self.ok(body)

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(
                404,
                f"models/{model_id} is not found for API version v1beta, or is not "
                "supported for generateContent.",
            )
        return self.ok(self.list_item(model_id))


class VertexWire(GeminiWire):
    family = "vertex"
    service = "aiplatform.googleapis.com"

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return w.bearer(headers)

    def auth_error(self, key: str | None) -> Reply:
        missing = key is None
        message = (
            f"Request {'is missing required authentication credential' if missing else 'had invalid authentication credentials'}. "
            "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
            "See https://developers.google.com/identity/sign-in/web/devconsole-project."
        )
        reason = "CREDENTIALS_MISSING" if missing else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
        method = "google.cloud.aiplatform.v1.PredictionService.GenerateContent"
        return self.error(401, message, details=[self._error_info(reason, method=method)])

    def extras(self, body: dict, candidate: dict | None) -> None:
        body["createTime"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body["usageMetadata"]["trafficType"] = "ON_DEMAND"
        if candidate is not None and "content" in candidate:
            candidate["avgLogprobs"] = -0.0123

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        message = (
            "Resource exhausted. Please try again later. Please refer to "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
        )
        return self.fault_error(429, opts, message, details=None if delay is None else [_retry_info(delay)])

    list_field = "publisherModels"

    def list_item(self, model_id: str) -> dict:
        return {
            "name": f"publishers/google/models/{model_id}",
            "versionId": "001",
            "openSourceCategory": "PROPRIETARY",
            "launchStage": "GA",
            "publisherModelTemplate": f"projects/{{project}}/locations/{{location}}/publishers/google/models/{model_id}@001",
        }

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(404, f"Publisher Model `publishers/google/models/{model_id}` not found.")
        return self.ok(
            {"name": f"publishers/google/models/{model_id}", "versionId": "001", "launchStage": "GA"}
        )

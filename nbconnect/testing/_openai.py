"""The fake's OpenAI format: OpenAI and compatible servers, and its Azure OpenAI / Foundry flavour."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from .._schema.leaves import as_number
from . import _wire as w
from ._statuses import OPENAI_MESSAGES
from ._wire import ErrorSpec, Exchange, Reply, Wire

__all__ = ["AzureWire", "OpenAIWire"]

_QUOTA = "You exceeded your current quota, please check your plan and billing details."


class OpenAIWire(Wire):
    family = "openai"
    quota_message = (
        f"{_QUOTA} For more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors."
    )

    # -- plumbing --------------------------------------------------------------------------------
    def ids(self) -> dict[str, str]:
        return {
            "x-request-id": f"req_{w.hex_digits(32)}",
            "openai-version": "2020-10-01",
            "openai-processing-ms": str(w.IDS.randint(120, 900)),
        }

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return w.bearer(headers) or headers.get("api-key")

    def error_body(self, err: ErrorSpec, ids: Mapping[str, str]) -> dict:
        type = err.type
        if type is None:
            status = err.status
            type = (
                "server_error" if status >= 500 else "requests" if status == 429 else "invalid_request_error"
            )
        message = err.message or OPENAI_MESSAGES.get(err.status, "Error.")
        return {"error": {"message": message, "type": type, "param": err.param, "code": err.code}}

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return self.error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). "
                "You can obtain an API key from https://platform.openai.com/account/api-keys.",
            )
        return self.error(
            401,
            f"Incorrect API key provided: {w.mask(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )

    def _missing(self, param: str) -> Reply:
        return self.error(
            400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
        )

    # -- requests --------------------------------------------------------------------------------
    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        if not isinstance(body, Mapping):
            return self.error(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self._missing("messages")
        model = body.get("model") or path_model
        if not model:
            return self.error(400, "You must provide a model parameter.")
        bad = w.media_problem(messages, "content")
        if bad:
            return self.error(400, bad, param="messages", code="invalid_value")
        prompt = "\n".join(w.text_of(m.get("content")) for m in messages if isinstance(m, Mapping))
        user = w.last_text(w.user_turns(messages), "content")
        fmt = body.get("response_format")
        ftype = fmt.get("type") if isinstance(fmt, Mapping) else None
        schema = None
        if ftype == "json_schema":
            wrapper = fmt.get("json_schema")
            if not isinstance(wrapper, Mapping):
                return self._missing("response_format.json_schema")
            if not wrapper.get("name"):
                return self._missing("response_format.json_schema.name")
            schema = wrapper.get("schema")
        elif ftype == "json_object":
            schema = fmt.get("schema")  # llama.cpp-style; plain OpenAI JSON mode has none
            if schema is None and "json" not in prompt.lower():
                return self.error(
                    400,
                    "'messages' must contain the word 'json' in some form, to use "
                    "'response_format' of type 'json_object'.",
                    param="messages",
                )
        elif ftype not in (None, "text"):
            return self.error(
                400,
                f"Invalid value: '{ftype}'. Supported values are: 'json_object', 'json_schema', and 'text'.",
                param="response_format.type",
                code="invalid_value",
            )
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        return Exchange(self.family, str(model), schema, user, prompt, as_number(limit))

    # -- answers ---------------------------------------------------------------------------------
    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        if kind == "content_filter" and opts.get("prompt"):
            return self.prompt_filtered()
        _, text = w.answer_content(ex, kind, opts)
        content: str | None = text
        refusal = None
        finish = {"truncated": "length", "content_filter": "content_filter"}.get(kind, "stop")
        if kind == "refusal":
            content, refusal = None, opts.get("message") or "I'm sorry, but I can't help with that request."
        elif kind == "content_filter":
            content = None
        usage = w.usage_counts(ex, content or refusal, kind == "truncated")
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
            "logprobs": None,
            "finish_reason": finish,
        }
        body: dict[str, Any] = {
            "id": f"chatcmpl-{w.b58(29)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": ex.model,
            "choices": [choice],
            "usage": self.usage_block(usage),
            "service_tier": "default",
            "system_fingerprint": f"fp_{w.hex_digits(10)}",
        }
        self.decorate(body, choice, kind)
        return self.ok(body)

    def usage_block(self, u: w.Usage) -> dict[str, Any]:
        """The ``usage`` of a chat completion."""
        return {
            "prompt_tokens": u.prompt,
            "completion_tokens": u.completion,
            "total_tokens": u.prompt + u.completion,
            "prompt_tokens_details": {"cached_tokens": u.cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": u.reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def decorate(self, body: dict, choice: dict, kind: str) -> None:
        """Azure adds content-filter annotations; plain OpenAI does not."""

    def prompt_filtered(self) -> Reply:
        return self.error(
            400,
            "The response was filtered due to the prompt triggering the content management "
            "policy. Please modify your prompt and retry.",
            param="prompt",
            code="content_filter",
        )

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        headers = {
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": f"{int((delay or 1) * 1000)}ms",
        }
        headers.update(w.retry_headers(opts))
        message = (
            f"Rate limit reached for {ex_model} in organization org-fake on requests per min (RPM): "
            f"Limit 500, Used 500, Requested 1. Please try again in {int((delay or 1) * 1000)}ms. "
            "Visit https://platform.openai.com/account/rate-limits to learn more."
        )
        return self.fault_error(
            429, opts, message, type="requests", code="rate_limit_exceeded", headers=headers
        )

    def quota(self, opts: Mapping) -> Reply:
        return self.fault_error(
            429, opts, self.quota_message, type="insufficient_quota", code="insufficient_quota"
        )

    def overloaded(self, opts: Mapping) -> Reply:
        return self.fault_error(503, opts, OPENAI_MESSAGES[503])

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.fault_error(status, opts, OPENAI_MESSAGES.get(status, OPENAI_MESSAGES[500]))

    # -- models ----------------------------------------------------------------------------------
    def model_object(self, model_id: str, index: int, azure_classic: bool = False) -> dict:
        return {
            "id": model_id,
            "object": "model",
            "created": 1686935002 + index * 86400,
            "owned_by": "system",
        }

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        data = [self.model_object(m, i, path.startswith("/openai/")) for i, m in enumerate(ids)]
        return self.ok({"object": "list", "data": data})

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(
                404, f"The model '{model_id}' does not exist", code="model_not_found", param="model"
            )
        return self.ok(self.model_object(model_id, ids.index(model_id)))


_FILTER_CATEGORIES = ("hate", "self_harm", "sexual", "violence")


class AzureWire(OpenAIWire):
    """Azure OpenAI / Foundry: OpenAI bodies plus filter annotations; errors as {code, message}."""

    family = "azure"
    quota_message = _QUOTA

    def ids(self) -> dict[str, str]:
        rid = w.random_uuid()
        return {"apim-request-id": rid, "x-request-id": rid, "x-ms-region": "East US"}

    def error_body(self, err: ErrorSpec, ids: Mapping[str, str]) -> dict:
        body: dict[str, Any] = {
            "code": err.code if err.code is not None else str(err.status),
            "message": err.message or OPENAI_MESSAGES.get(err.status, "Error."),
        }
        if err.param is not None:
            body["param"] = err.param
        if err.type is not None:
            body["type"] = err.type
        if err.details is not None:
            body["innererror"] = err.details
        return {"error": body}

    def auth_error(self, key: str | None) -> Reply:
        return self.error(
            401,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
            "to provide a valid key for an active subscription and use a correct regional API "
            "endpoint for your resource.",
        )

    def decorate(self, body: dict, choice: dict, kind: str) -> None:
        safe = {c: {"filtered": False, "severity": "safe"} for c in _FILTER_CATEGORIES}
        body.pop("service_tier", None)
        body["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": safe}]
        filtered = dict(safe)
        if kind == "content_filter":
            filtered["violence"] = {"filtered": True, "severity": "high"}
        choice["content_filter_results"] = filtered

    def prompt_filtered(self) -> Reply:
        result = {
            c: {"filtered": c == "violence", "severity": "high" if c == "violence" else "safe"}
            for c in _FILTER_CATEGORIES
        }
        return self.error(
            400,
            "The response was filtered due to the prompt triggering Azure OpenAI's content "
            "management policy. Please modify your prompt and retry. To learn more about our "
            "content filtering policies please read our documentation: "
            "https://go.microsoft.com/fwlink/?linkid=2198766",
            param="prompt",
            code="content_filter",
            details={"code": "ResponsibleAIPolicyViolation", "content_filter_result": result},
        )

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        seconds = 1 if delay is None else delay
        headers = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-remaining-tokens": "0"}
        if delay is not None and "retry_after_ms" not in opts:
            headers["retry-after-ms"] = str(int(seconds * 1000))  # Azure sends both
        headers.update(w.retry_headers(opts))
        message = (
            "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have "
            "exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after "
            f"{math.ceil(seconds)} second. Please go here: https://aka.ms/oai/quotaincrease if you would like "
            "to further increase the default rate limit."
        )
        return self.fault_error(429, opts, message, headers=headers)

    def overloaded(self, opts: Mapping) -> Reply:
        message = "The service is temporarily unable to process your request. Please try again later."
        return self.fault_error(503, opts, message, code="ServiceUnavailable")

    def server_error(self, status: int, opts: Mapping) -> Reply:
        message = (
            "The server had an error processing your request. Sorry about that! You can retry your request."
        )
        return self.fault_error(status, opts, message, code="InternalServerError")

    def model_object(self, model_id: str, index: int, azure_classic: bool = False) -> dict:
        if not azure_classic:
            return super().model_object(model_id, index)
        return {
            "id": model_id,
            "object": "model",
            "status": "succeeded",
            "capabilities": {
                "chat_completion": True,
                "completion": False,
                "embeddings": False,
                "fine_tune": False,
                "inference": True,
            },
            "lifecycle_status": "generally-available",
            "created_at": 1700000000 + index * 86400,
        }

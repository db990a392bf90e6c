"""The Anthropic Messages wire: ``POST /v1/messages`` with ``output_config.format`` or a forced tool.

Headers follow what the official ``anthropic`` SDK sends (checked by the parity tests): the key as
``Authorization: Bearer`` and ``anthropic-version`` pinned below. Models the catalog marks
``native: false`` start with the forced tool; a 400 saying a model cannot do ``output_config``
moves that model to the forced tool, and the base class remembers it. ``temperature`` is not sent:
that API version (and the SDK speaking it) has no sampling parameters.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .._schema.schema import Adapted, Schema, for_anthropic
from .adapter import Adapter, Call, Prepared, Reply
from .batch.anthropic import AnthropicBatch
from .call import REFUSAL, TRUNCATED
from .media import IMAGE, Media
from .messages import about_schema, cut_off, rate_limited, refused

__all__ = ["ANTHROPIC_VERSION", "AnthropicAdapter"]

ANTHROPIC_BASE = "https://api.anthropic.com"
# What anthropic 2.14.0 sends (``anthropic._constants.ANTHROPIC_API_VERSION``); older SDKs sent 2023-06-01.
ANTHROPIC_VERSION = "2026-10-21"
DEFAULT_MAX_TOKENS = 1024  # the API requires max_tokens; this fits any reasonable structured answer
OUTPUT_CONFIG = "output_config"
FORCED_TOOL = "forced_tool"
_BILLING = "https://console.anthropic.com/settings/billing"
#: extended thinking's token budget per reasoning effort (the API's minimum is 1024); the budget
#: comes on top of max_tokens, which stays the answer's allowance (thinking counts toward max_tokens)
THINKING_BUDGET = {"low": 1024, "medium": 4096, "high": 16384}
# An invalid_request_error naming a schema, or one of these, is about the structured-output part.
_SCHEMA_PARTS = ("output_config", "output_format")


class AnthropicAdapter(Adapter):
    family = "anthropic"
    batch_class = AnthropicBatch

    # -- where and how ---------------------------------------------------------------------
    def base_url(self) -> str:
        return (self.conn.base_url or ANTHROPIC_BASE).rstrip("/")

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.conn.secret('api_key') or ''}",
            "anthropic-version": ANTHROPIC_VERSION,
        }

    # -- enforcement -----------------------------------------------------------------------
    def modes(self, model: str) -> list[str]:
        info = catalog.get(self.conn.provider, model)
        if info is not None and not info.native:
            return [FORCED_TOOL, OUTPUT_CONFIG]
        return [OUTPUT_CONFIG, FORCED_TOOL]

    def call_modes(self, call: Call) -> list[str]:
        # Extended thinking does not allow tool_choice to force a tool, so a call that thinks uses
        # output_config only: no forced-tool fallback (models that need it are refused up front).
        modes = self.modes(call.model)
        return [m for m in modes if m != FORCED_TOOL] if call.reasoning_effort else modes

    @classmethod
    def reasoning_refusal(cls, info: Any) -> str | None:
        if info.reasoning and not info.native:
            return (
                "it answers in JSON through a forced tool, which Anthropic does not allow with "
                "extended thinking"
            )
        return super().reasoning_refusal(info)

    def reasoning(self, call: Call) -> dict[str, Any]:
        if call.reasoning_effort is None:
            return {}
        return {"thinking": {"type": "enabled", "budget_tokens": THINKING_BUDGET[call.reasoning_effort]}}

    def adapt_schema(self, schema: Schema, mode: str) -> Adapted:
        # Strict tools and output_config share one schema subset, so both modes get the same rewrite.
        return for_anthropic(schema.json)

    def is_rejection(self, err: E.ProviderError, call: Call, mode: str) -> bool:
        # Only output_config falls back: a rejected tool schema would fail output_config the same way
        # (or with a less useful "model does not support" message), so that error is the one to show.
        return mode == OUTPUT_CONFIG and isinstance(err, E.SchemaRejectedError)

    # -- request / response ------------------------------------------------------------------
    @classmethod
    def output_limit(cls, call: Call) -> int:
        # the API requires max_tokens; thinking counts toward it, so its budget comes on top of the
        # answer's allowance (and budget_tokens must be below max_tokens)
        answer = call.max_tokens if call.max_tokens is not None else DEFAULT_MAX_TOKENS
        return answer + (THINKING_BUDGET[call.reasoning_effort] if call.reasoning_effort else 0)

    def prepare(self, call: Call, mode: str) -> Prepared:
        thinking = self.reasoning(call)
        body: dict[str, Any] = {
            "model": call.model,
            "max_tokens": self.output_limit(call),
            "messages": [{"role": "user", "content": self.user_content(call)}],
            **thinking,
        }
        if call.system:
            body["system"] = call.system
        # No temperature: the Messages API version pinned above has no sampling parameters (the
        # anthropic SDK that sends it dropped temperature/top_p/top_k), so call.temperature is not
        # sent; nor is call.seed (the API takes none: repeats differ by the cache key only).
        schema = self.adapt(call.schema, mode).schema
        if mode == FORCED_TOOL:
            name = call.schema.name  # already [A-Za-z0-9_-]{1,64}, which tool names require
            body["tools"] = [
                {
                    "name": name,
                    "description": schema.get("description")
                    or "Record the answer. Call this tool exactly once with the complete answer.",
                    "input_schema": schema,
                }
            ]
            body["tool_choice"] = {"type": "tool", "name": name, "disable_parallel_tool_use": True}
        else:
            body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return Prepared("POST", f"{self.base_url()}/v1/messages", body, self.headers(), mode, call.media)

    def media_part(self, media: Media) -> dict[str, Any]:
        """An ``image`` or ``document`` block with a base64 source, or a url source for an https
        URL (Anthropic fetches it), as the anthropic SDK's ``ImageBlockParam`` /
        ``DocumentBlockParam`` types say. Never an image sent as text."""
        block = "image" if media.kind == IMAGE else "document"
        if media.url is not None:
            return {"type": block, "source": {"type": "url", "url": media.url}}
        source = {"type": "base64", "media_type": media.mime, "data": media.b64}
        return {"type": block, "source": source}

    def parse(self, call: Call, mode: str, body: Any, headers: httpx.Headers) -> Reply:
        body = body if isinstance(body, dict) else {}
        reply = Reply(model=body.get("model"), request_id=headers.get("request-id") or body.get("id"))
        usage = body.get("usage") or {}
        # input_tokens counts only uncached input; report the whole prompt as the other providers do.
        parts = [
            usage.get(k) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        ]
        reply.input_tokens = sum(p for p in parts if isinstance(p, int)) if parts[0] is not None else None
        reply.output_tokens = usage.get("output_tokens")
        reply.cached_tokens = usage.get("cache_read_input_tokens")
        reply.cache_write_tokens = usage.get("cache_creation_input_tokens")
        # thinking tokens are a read-only breakdown of output_tokens, which stays the billed total
        details = usage.get("output_tokens_details")
        reply.reasoning_tokens = details.get("thinking_tokens") if isinstance(details, dict) else None
        reply.finish_reason = body.get("stop_reason")
        blocks = [b for b in body.get("content") or [] if isinstance(b, dict)]
        text = "".join(str(b.get("text") or "") for b in blocks if b.get("type") == "text")
        tool = next((b for b in blocks if b.get("type") == "tool_use"), None)
        reply.raw = text
        if tool is not None and mode == FORCED_TOOL:
            reply.raw = json.dumps(tool.get("input"), ensure_ascii=False)
        stop = reply.finish_reason
        if stop == "refusal":
            details = body.get("stop_details") or {}
            reply.refusal = text.strip() or details.get("explanation") or details.get("category") or "refused"
            reply.error_type, reply.errors = REFUSAL, [refused(reply.refusal)]
        elif stop == "max_tokens":
            reply.error_type, reply.errors = TRUNCATED, [cut_off("stop_reason=max_tokens")]
        elif stop == "model_context_window_exceeded":
            reply.error_type = TRUNCATED
            reply.errors = ["the answer was cut off: the model's context window is full; shorten the prompt"]
        elif tool is not None and mode == FORCED_TOOL:
            reply.value = tool.get("input")  # already an object: no JSON text to parse
        return reply

    def error(self, resp: httpx.Response) -> E.ProviderError:
        body, err = self.error_parts(resp)
        kind = str(err.get("type") or "")
        message = str(err.get("message") or resp.reason_phrase or "request failed")
        status = resp.status_code
        cls: type[E.ProviderError] | None = None
        if kind == "authentication_error" or status == 401:
            cls, message = E.AuthenticationError, self.key_rejected(message)
        elif kind == "permission_error" or status == 403:
            cls = E.PermissionDeniedError
            message = (
                f"{message}; this key may not use this model or feature: check the workspace's model "
                f"access and limits in the Anthropic console"
            )
        elif kind == "not_found_error" or status == 404:
            cls = E.NotFoundError
            message = (
                f"{message}; check the model id (connection.list_models() shows the ones this key can use)"
            )
        elif kind == "billing_error" or status == 402 or "credit balance" in message.lower():
            # the API says "Your credit balance is too low" as a 400 invalid_request_error
            cls = E.QuotaExceededError
            message = f"{message}; the account is out of credit: add credit at {_BILLING}"
        elif kind == "invalid_request_error" and about_schema(message, *_SCHEMA_PARTS):
            cls = E.SchemaRejectedError
            message = f"{message}; the response schema or the way nbconnect asked for JSON was not accepted"
        elif kind == "rate_limit_error" or status == 429:
            cls, message = E.RateLimitError, rate_limited(message)
        elif kind == "overloaded_error" or status == 529:
            cls = E.OverloadedError
            message = f"Anthropic is overloaded: {message}; nbconnect retries with backoff, or try later"
        elif kind == "timeout_error":
            cls = E.RequestTimeout
            message = f"Anthropic timed out on its side: {message}; try again, or ask for a shorter answer"
        elif kind == "api_error" or status >= 500:
            message = f"Anthropic failed on its side: {message}; try again later"
        rid = resp.headers.get("request-id") or (body.get("request_id") if isinstance(body, dict) else None)
        return self.http_error(resp, message, cls=cls, body=body, code=kind or None, request_id=rid)

    # -- models and verification ------------------------------------------------------------------
    async def list_models(self) -> list[str]:
        def url(after: str | None) -> str:
            query = "?limit=1000" + (f"&after_id={quote(after, safe='')}" if after else "")
            return f"{self.base_url()}/v1/models{query}"

        ids: list[str] = []
        async for page in self.pages(url, lambda page: page.get("last_id") if page.get("has_more") else None):
            ids += [str(m["id"]) for m in page.get("data") or [] if isinstance(m, dict) and m.get("id")]
        return ids

    async def check(self) -> list[str]:
        return await self.list_models()

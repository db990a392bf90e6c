"""The fake's Anthropic Messages API: structured output, forced tools, refusals, model pages."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from typing import Any

from .._schema.leaves import as_number
from . import _wire as w
from ._statuses import ANTHROPIC_TYPES
from ._wire import ErrorSpec, Exchange, Reply, Wire

__all__ = ["AnthropicWire"]


class AnthropicWire(Wire):
    family = "anthropic"

    def ids(self) -> dict[str, str]:
        return {"request-id": f"req_011C{w.b58(20)}", "anthropic-organization-id": w.random_uuid()}

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return headers.get("x-api-key") or w.bearer(headers)

    def error_body(self, err: ErrorSpec, ids: Mapping[str, str]) -> dict:
        fallback = "api_error" if err.status >= 500 else "invalid_request_error"
        err_type = err.type or err.code or ANTHROPIC_TYPES.get(err.status, fallback)
        return {
            "type": "error",
            "error": {"type": err_type, "message": err.message or "Error"},
            "request_id": ids["request-id"],
        }

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return self.error(401, "x-api-key header is required")
        return self.error(401, "invalid x-api-key")

    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        if "anthropic-version" not in headers:
            return self.error(400, "anthropic-version: header is required")
        if not isinstance(body, Mapping):
            return self.error(400, "There was an error parsing the body of your request")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return self.error(400, f"{name}: Field required")
        users = w.user_turns(body["messages"] if isinstance(body["messages"], list) else [])
        bad = w.media_problem(users, "content")
        if bad:
            return self.error(400, f"messages.0.content: {bad}")
        user = w.last_text(users, "content")
        prompt = "\n".join([w.text_of(body.get("system")), *(w.text_of(m.get("content")) for m in users)])
        schema, tool = None, None
        fmt = (body.get("output_config") or {}).get("format") or body.get("output_format")
        if fmt is not None:
            if not isinstance(fmt, Mapping) or fmt.get("type") != "json_schema":
                return self.error(400, "output_config.format.type: Input should be 'json_schema'")
            if "schema" not in fmt:
                return self.error(400, "output_config.format.schema: Field required")
            schema = fmt["schema"]
        tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
        choice = body.get("tool_choice") or {"type": "auto"}
        forced = choice.get("type") in ("any", "tool")
        if forced and (body.get("thinking") or {}).get("type") in ("enabled", "adaptive"):
            return self.error(400, "Thinking may not be enabled when tool_choice forces tool use.")
        if tools and choice.get("type") != "none" and (forced or fmt is None):
            named = [t for t in tools if t.get("name") == choice.get("name")]
            if choice.get("type") == "tool" and not named:
                return self.error(400, f"tool_choice: tool '{choice.get('name')}' not found in 'tools'")
            picked = named[0] if named else tools[0]
            schema, tool = picked.get("input_schema"), str(picked.get("name"))
        limit = as_number(body.get("max_tokens"))
        return Exchange(self.family, str(body["model"]), schema, user, prompt, limit, tool)

    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        value, text = w.answer_content(ex, kind, opts)
        stop = "tool_use" if ex.tool else "end_turn"
        extra: dict[str, Any] = {}
        if kind in ("refusal", "content_filter"):
            content: list = []
            stop, text = "refusal", ""
            extra["stop_details"] = {
                "type": "refusal",
                "category": opts.get("category"),
                "explanation": opts.get("message") or "This request was declined.",
            }
        elif ex.tool:
            tool_input = {} if kind == "truncated" else value if value is not None else json.loads(text)
            content = [
                {"type": "tool_use", "id": f"toolu_01{w.b58(22)}", "name": ex.tool, "input": tool_input}
            ]
        else:
            content = [{"type": "text", "text": text}]
        if kind == "truncated":
            stop = "max_tokens"
        usage = w.usage_counts(ex, text, kind == "truncated")
        body = {
            "id": f"msg_01{w.b58(22)}",
            "type": "message",
            "role": "assistant",
            "model": ex.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            **extra,
            "usage": self.usage_block(usage),
        }
        return self.ok(body)

    def usage_block(self, u: w.Usage) -> dict[str, Any]:
        """A message's ``usage`` (``input_tokens`` excludes the tokens read from the cache;
        ``output_tokens`` includes the thinking)."""
        usage: dict[str, Any] = {
            "input_tokens": u.prompt - u.cached,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": u.cached,
            "output_tokens": u.completion,
            "service_tier": "standard",
        }
        if u.reasoning:
            usage["output_tokens_details"] = {"thinking_tokens": u.reasoning}
        return usage

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        reset = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=delay or 1)
        headers = {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **w.retry_headers(opts),
        }
        message = (
            "This request would exceed the rate limit for your organization of 50 requests per minute. "
            "For details, refer to: https://docs.claude.com/en/api/rate-limits."
        )
        return self.fault_error(429, opts, message, headers=headers)

    def quota(self, opts: Mapping) -> Reply:
        message = (
            "Your credit balance is too low to access the Anthropic "
            "API. Please go to Plans & Billing to upgrade or purchase credits."
        )
        return self.fault_error(400, opts, message)

    def overloaded(self, opts: Mapping) -> Reply:
        return self.fault_error(529, opts, "Overloaded")

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.fault_error(status, opts, "Internal server error")

    def _model(self, model_id: str, index: int) -> dict:
        created = _dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(days=30 * index)
        return {
            "type": "model",
            "id": model_id,
            "display_name": model_id.replace("-", " ").title(),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        limit = int(as_number(query.get("limit"), 20))
        start = ids.index(query["after_id"]) + 1 if query.get("after_id") in ids else 0
        end = ids.index(query["before_id"]) if query.get("before_id") in ids else len(ids)
        page = ids[start:end][:limit]
        return self.ok(
            {
                "data": [self._model(m, ids.index(m)) for m in page],
                "has_more": start + len(page) < end,
                "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None,
            }
        )

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(404, f"model: {model_id}")
        return self.ok(self._model(model_id, ids.index(model_id)))

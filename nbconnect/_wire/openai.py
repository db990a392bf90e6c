"""The OpenAI chat-completions wire: OpenAI, Azure OpenAI, Azure AI Foundry, custom servers, Demo."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .._schema.schema import Adapted, Schema, for_openai_strict
from .adapter import REFUSAL, TRUNCATED, Adapter, Call, Prepared, Reply, remembered_modes, schema_instruction
from .http import error_for_status

__all__ = ["OpenAIAdapter"]

OPENAI_BASE = "https://api.openai.com/v1"
FOUNDRY_MODELS_VERSION = "2024-05-01-preview"
CONTENT_FILTER = "content_filter"

# /v1/models lists embeddings, audio and image models too; keep what can chat in JSON.
_NOT_CHAT = (
    "embedding",
    "whisper",
    "tts",
    "dall-e",
    "davinci",
    "babbage",
    "moderation",
    "audio",
    "realtime",
    "image",
    "transcribe",
    "search",
    "sora",
    "computer-use",
)

_FIXES = {
    "openai": "copy a key from https://platform.openai.com/api-keys",
    "azure_openai": "use Key 1 or Key 2 from the resource's 'Keys and Endpoint' page, with that resource's endpoint",
    "azure_foundry": "use the Key shown with the deployment's Target URI in Azure AI Foundry",
    "custom": "check the server's --api-key setting or the gateway's token",
}


class OpenAIAdapter(Adapter):
    family = "openai"

    # -- where and how ---------------------------------------------------------------------
    def base_url(self) -> str:
        conn = self.conn
        if conn.provider == "openai":
            return conn.base_url or OPENAI_BASE
        if conn.provider == "azure_openai":
            return f"{conn.endpoint}/openai/deployments/{conn.deployment}"
        if conn.provider == "demo":
            return "https://demo.nbconnect.invalid/v1"
        return conn.endpoint  # custom (ends in /v1), foundry (route base)

    def _query(self) -> str:
        conn = self.conn
        if conn.provider == "azure_openai":
            return f"?api-version={conn.api_version}"
        if conn.provider == "azure_foundry" and conn.route != "v1":
            default = FOUNDRY_MODELS_VERSION if conn.route == "models" else "2024-10-21"
            return f"?api-version={conn.api_version or default}"
        return ""

    def headers(self) -> dict[str, str]:
        conn = self.conn
        if conn.provider in ("azure_openai", "azure_foundry"):
            return {"api-key": conn.secret("api_key") or ""}
        headers: dict[str, str] = {}
        key = conn.secret("api_key") if "api_key" in conn.secret_fields else None
        token = conn.secret("auth_token") if "auth_token" in conn.secret_fields else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
            if token:
                headers["X-Auth-Token"] = token
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        if conn.provider == "openai":
            if conn.organization:
                headers["OpenAI-Organization"] = conn.organization
            if conn.project:
                headers["OpenAI-Project"] = conn.project
        return headers

    def transport(self) -> httpx.AsyncBaseTransport | None:
        if self.conn.provider == "demo":
            from .demo import DemoTransport

            return DemoTransport(self.conn)
        return None

    # -- enforcement -----------------------------------------------------------------------
    def modes(self, model: str) -> list[str]:
        if self.conn.provider == "custom":
            mode = self.conn.json_mode
            if mode == "auto":
                return ["json_schema_strict", "json_object_schema", "json_object"]
            return {"json_schema": ["json_schema_strict"]}.get(mode, [mode])
        info = catalog.get(self.conn.provider, model)
        if info is not None and not info.native:  # known not to take a JSON schema: don't ask first
            return ["json_object", "json_schema_strict"]
        return ["json_schema_strict", "json_object"]

    def adapt_schema(self, schema: Schema, mode: str) -> Adapted:
        if mode == "json_schema_strict" and self.conn.provider != "custom":
            return for_openai_strict(
                schema.json, azure=self.conn.provider in ("azure_openai", "azure_foundry")
            )
        # Local grammar engines take the schema as written; strictness rewrites would only lose meaning.
        return Adapted(schema=schema.json, changes=[])

    def is_rejection(self, err: E.ProviderError, call: Call, mode: str) -> bool:
        if isinstance(err, E.SchemaRejectedError):
            return True
        # Some OpenAI-compatible servers answer an unknown response_format with a 404, 422 or even a
        # 500. While probing (nothing remembered yet) those mean "try the next form".
        probing = self.conn.provider == "custom" and self.memory_key(call) not in remembered_modes()
        return probing and err.status in (400, 404, 415, 422, 500, 501)

    # -- request / response ------------------------------------------------------------------
    def prepare(self, call: Call, mode: str) -> Prepared:
        system = call.system or ""
        if mode in ("json_object", "prompt_only"):
            system = f"{system}\n\n{schema_instruction(call.schema)}".strip()
        messages: list[dict[str, str]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": call.user})
        body: dict[str, Any] = {"model": call.model, "messages": messages}
        if call.temperature is not None:
            body["temperature"] = call.temperature
        if call.max_tokens is not None:
            # Reasoning models reject the legacy max_tokens; local servers often know only it.
            legacy = self.conn.provider == "custom" or (
                self.conn.provider == "azure_foundry" and self.conn.route == "models"
            )
            body["max_tokens" if legacy else "max_completion_tokens"] = call.max_tokens
        if mode == "json_schema_strict":
            adapted = self.adapt(call.schema, mode)
            body["response_format"] = {
                "type": "json_schema",
                # strict only where the schema was made to meet strict mode's rules: a gateway in front
                # of a local server may pass the request on to a provider that checks them
                "json_schema": {
                    "name": call.schema.name,
                    "strict": self.conn.provider != "custom",
                    "schema": adapted.schema,
                },
            }
        elif mode == "json_object_schema":
            body["response_format"] = {"type": "json_object", "schema": call.schema.json}
        elif mode == "json_object":
            body["response_format"] = {"type": "json_object"}
            if self.conn.provider == "demo":  # the offline Demo reads the schema here, not from the prompt
                body["response_format"]["schema"] = call.schema.json
        url = f"{self.base_url()}/chat/completions{self._query()}"
        return Prepared("POST", url, body, self.headers(), mode)

    def parse(self, call: Call, mode: str, body: Any, headers: httpx.Headers) -> Reply:
        # Compatible servers vary: read every field defensively, never assume a shape.
        body = body if isinstance(body, dict) else {}
        reply = Reply(
            model=_text_or_none(body.get("model")),
            request_id=headers.get("x-request-id") or headers.get("apim-request-id"),
        )
        usage = _dict(body.get("usage"))
        reply.input_tokens = _int_or_none(usage.get("prompt_tokens"))
        reply.output_tokens = _int_or_none(usage.get("completion_tokens"))
        reply.cached_tokens = _int_or_none(_dict(usage.get("prompt_tokens_details")).get("cached_tokens"))
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            reply.error_type, reply.errors = "empty", ["the answer has no choices"]
            return reply
        choice = choices[0]
        message = _dict(choice.get("message"))
        reply.finish_reason = _text_or_none(choice.get("finish_reason"))
        content = message.get("content")
        if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        reply.raw = content if isinstance(content, str) else ("" if content is None else json.dumps(content))
        if message.get("refusal"):
            reply.refusal = message["refusal"]
            reply.error_type, reply.errors = REFUSAL, [f"the model refused: {reply.refusal}"]
        elif reply.finish_reason == "length":
            reply.error_type = TRUNCATED
            reply.errors = [
                "the answer was cut off at the token limit (finish_reason=length); raise max_tokens"
            ]
        elif reply.finish_reason == CONTENT_FILTER:
            reply.error_type, reply.errors = (
                CONTENT_FILTER,
                ["the provider's content filter withheld the answer"],
            )
        return reply

    def error(self, resp: httpx.Response) -> E.ProviderError:
        body, err = self.error_parts(resp)
        if not err and isinstance(body, dict):  # vLLM-style {"object": "error", "message": ...}
            err = body
        message = str(err.get("message") or err.get("detail") or resp.reason_phrase or "request failed")
        code = str(err.get("code") or "") or None
        kind = str(err.get("type") or "")
        param = str(err.get("param") or "")
        status = resp.status_code
        cls: type[E.ProviderError] | None = None
        text = f"{message} {param}".lower()
        if status == 429 and "insufficient_quota" in (code or "", kind):
            cls, message = E.QuotaExceededError, f"{message} (out of credit: add billing or raise the limit)"
        elif status in (400, 422) and code == CONTENT_FILTER:
            message = f"Azure's content filter blocked the prompt: {message}"
        elif status in (400, 422) and any(
            w in text
            for w in ("response_format", "json_schema", "json_object", "structured output", "schema")
        ):
            cls = E.SchemaRejectedError
        elif status == 401:
            fix = _FIXES.get(self.conn.provider, "check the key")
            message = f"the key ({self.conn.hint or 'none given'}) was not accepted: {message.rstrip('. ')}. Fix: {fix}"
        elif status == 404:
            message = self._not_found(message, code)
        return error_for_status(
            status,
            message,
            cls=cls,
            headers=resp.headers,
            body=body,
            code=code,
            request_id=resp.headers.get("x-request-id"),
            **self._context(),
        )

    def _not_found(self, message: str, code: str | None) -> str:
        conn = self.conn
        if conn.provider == "azure_openai":
            return (
                f"deployment {conn.deployment!r} was not found at {conn.endpoint} ({message}); check the "
                "deployment name (not the model name) in the Azure portal, and that the endpoint is its resource"
            )
        if conn.provider == "azure_foundry":
            return f"model {conn.model!r} or the route was not found ({message}); paste the Target URI and model name again"
        return f"{message}; see which models this connection serves with org.models() or connection.list_models()"

    # -- models and verification ------------------------------------------------------------------
    async def list_models(self) -> list[str]:
        if self.conn.single_model and self.conn.provider != "custom":
            return [self.conn.name]
        resp, _ = await self.request(
            Prepared("GET", f"{self.base_url()}/models{self._query()}", None, self.headers())
        )
        data = self.json_body(resp, self._context()).get("data") or []
        ids = [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")]
        if self.conn.provider == "openai":
            ids = [
                i
                for i in ids
                if i.startswith(("gpt-", "o1", "o3", "o4", "chatgpt-")) and not any(w in i for w in _NOT_CHAT)
            ]
        return ids

    async def check(self) -> list[str]:
        conn = self.conn
        if conn.provider in ("azure_openai", "azure_foundry"):
            # No key-only way to list deployments: a one-token call proves key, endpoint and deployment.
            body = {"model": conn.name, "messages": [{"role": "user", "content": "ping"}]}
            body[
                "max_tokens"
                if conn.provider == "azure_foundry" and conn.route == "models"
                else "max_completion_tokens"
            ] = 1
            await self.request(
                Prepared("POST", f"{self.base_url()}/chat/completions{self._query()}", body, self.headers())
            )
            return [conn.name]
        models = await self.list_models()
        if conn.provider == "custom":
            if conn.name not in models:
                served = ", ".join(models[:10]) or "none"
                raise E.NotFoundError(
                    f"the server does not serve a model named {conn.name!r}; it serves: {served}. "
                    "The connection name must equal the server's model id",
                    **self._context(),
                )
            await self._probe_json_mode()
        return models

    async def _probe_json_mode(self) -> None:
        """The seed makes JSON mode a requirement for custom servers: prove it with one tiny call."""
        from .._schema.schema import as_schema

        call = Call(
            model=self.conn.name, user='Reply with {"ok": true}.', schema=as_schema("ok: bool"), max_tokens=20
        )
        try:
            reply = await self.complete(call)
        except E.ProviderError as err:
            raise E.SchemaRejectedError(
                f"the server rejected every JSON mode nbconnect tried ({', '.join(self.modes(call.model))}): {err.message}. "
                "It must accept response_format json_schema or json_object",
                status=err.status,
                **self._context(),
            ) from None
        if reply.error_type in (TRUNCATED, "invalid_json", "empty"):
            raise E.SchemaRejectedError(
                f"the server answered, but not with JSON in mode {reply.enforcement} ({reply.error}); "
                "set json_mode to another value or enable JSON mode on the server",
                **self._context(),
            )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None

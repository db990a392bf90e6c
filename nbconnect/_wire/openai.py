"""The OpenAI chat-completions wire: a shared base, and one small subclass per provider speaking it.

OpenAI itself, Azure OpenAI, Azure AI Foundry and custom OpenAI-compatible servers differ only in
where they live, how the key travels, which strict-schema rules apply and a few messages; each
subclass says just that. The Demo's subclass lives with its in-process transport (``demo.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .._schema.schema import Adapted, Schema, as_schema, for_openai_strict
from .adapter import REFUSAL, TRUNCATED, Adapter, Call, Prepared, Reply, remembered_modes, schema_instruction
from .batch.openai import AzureOpenAIBatch, OpenAIBatch
from .media import IMAGE, Media
from .messages import about_schema, cut_off, refused

__all__ = [
    "AzureAIFoundryAdapter",
    "AzureOpenAIAdapter",
    "CustomLLMAdapter",
    "OpenAIAdapter",
    "OpenAIChatAdapter",
]

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


class OpenAIChatAdapter(Adapter):
    """What every server speaking OpenAI's chat completions shares. Subclasses say where it lives
    (``base_url``, ``query``), how the key travels (``headers``) and what differs in the body."""

    family = "openai"
    strict_schema: ClassVar[bool] = True
    """Rewrite the schema to strict mode's rules and send it with ``strict: true``."""
    azure_schema: ClassVar[bool] = False
    """Apply Azure's extra strict-mode restrictions to the rewrite."""

    # -- where and how ---------------------------------------------------------------------
    def query(self) -> str:
        """The query string every request carries (Azure's ``api-version``); "" for none."""
        return ""

    @property
    def legacy_max_tokens(self) -> bool:
        """Send ``max_tokens`` instead of ``max_completion_tokens``: reasoning models reject the
        legacy name, but local servers and Azure's model-inference route often know only it."""
        return False

    def headers(self) -> dict[str, str]:
        key = self.conn.secret("api_key")
        return {"Authorization": f"Bearer {key}"} if key else {}

    def chat_url(self) -> str:
        return f"{self.base_url()}/chat/completions{self.query()}"

    # -- enforcement -----------------------------------------------------------------------
    def modes(self, model: str) -> list[str]:
        info = catalog.get(self.conn.provider, model)
        if info is not None and not info.native:  # known not to take a JSON schema: don't ask first
            return ["json_object", "json_schema_strict"]
        return ["json_schema_strict", "json_object"]

    def adapt_schema(self, schema: Schema, mode: str) -> Adapted:
        if mode == "json_schema_strict" and self.strict_schema:
            return for_openai_strict(schema.json, azure=self.azure_schema)
        return Adapted(schema=schema.json, changes=[])

    # -- request / response ------------------------------------------------------------------
    def reasoning(self, call: Call) -> dict[str, Any]:
        # chat completions take the effort as is ("low" / "medium" / "high"), reasoning models only
        return {} if call.reasoning_effort is None else {"reasoning_effort": call.reasoning_effort}

    def prepare(self, call: Call, mode: str) -> Prepared:
        system = call.system or ""
        if mode in ("json_object", "prompt_only"):
            system = f"{system}\n\n{schema_instruction(call.schema)}".strip()
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": self.user_content(call)})
        body: dict[str, Any] = {"model": call.model, "messages": messages}
        if call.temperature is not None:
            body["temperature"] = call.temperature
        if call.max_tokens is not None:
            body["max_tokens" if self.legacy_max_tokens else "max_completion_tokens"] = call.max_tokens
        if call.seed is not None:
            body["seed"] = call.seed
        body.update(self.reasoning(call))
        if mode == "json_schema_strict":
            adapted = self.adapt(call.schema, mode)
            body["response_format"] = {
                "type": "json_schema",
                # strict only where the schema was made to meet strict mode's rules: a gateway in front
                # of a local server may pass the request on to a provider that checks them
                "json_schema": {
                    "name": call.schema.name,
                    "strict": self.strict_schema,
                    "schema": adapted.schema,
                },
            }
        elif mode == "json_object_schema":
            body["response_format"] = {"type": "json_object", "schema": call.schema.json}
        elif mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        return Prepared("POST", self.chat_url(), body, self.headers(), mode, call.media)

    def media_part(self, media: Media) -> dict[str, Any]:
        """An ``image_url`` part (a data URL for bytes, an https URL passed through for the provider
        to fetch) or, for a PDF, a ``file`` part with the file as a data URL, as the openai SDK's
        ``ChatCompletionContentPartImageParam`` / ``File`` types say."""
        if media.kind == IMAGE:
            return {"type": "image_url", "image_url": {"url": media.url or media.data_url}}
        return {"type": "file", "file": {"filename": media.filename, "file_data": media.data_url}}

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
        reply.reasoning_tokens = _int_or_none(
            _dict(usage.get("completion_tokens_details")).get("reasoning_tokens")
        )  # both are parts of prompt_tokens / completion_tokens, not additions
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
            reply.error_type, reply.errors = REFUSAL, [refused(reply.refusal)]
        elif reply.finish_reason == "length":
            reply.error_type, reply.errors = TRUNCATED, [cut_off("finish_reason=length")]
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
        text = f"{message} {param}"
        if status == 429 and "insufficient_quota" in (code or "", kind):
            cls, message = E.QuotaExceededError, f"{message} (out of credit: add billing or raise the limit)"
        elif status in (400, 422) and code == CONTENT_FILTER:
            message = f"Azure's content filter blocked the prompt: {message}"
        elif status in (400, 422) and about_schema(text, "response_format", "json_object"):
            cls = E.SchemaRejectedError
        elif status == 401:
            message = self.key_rejected(message)
        elif status == 404:
            message = self.not_found(message)
        return self.http_error(
            resp, message, cls=cls, body=body, code=code, request_id=resp.headers.get("x-request-id")
        )

    def not_found(self, message: str) -> str:
        """A 404's message, saying what to check on this kind of server."""
        return f"{message}; see which models this connection serves with org.models() or connection.list_models()"

    # -- models and verification ------------------------------------------------------------------
    def chat_model(self, model_id: str) -> bool:
        """Whether a listed model can answer in JSON (``/v1/models`` lists embeddings, audio...)."""
        return True

    async def list_models(self) -> list[str]:
        resp, _ = await self.request(
            Prepared("GET", f"{self.base_url()}/models{self.query()}", None, self.headers())
        )
        data = self.json_body(resp, self._context()).get("data") or []
        ids = [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")]
        return [i for i in ids if self.chat_model(i)]

    async def check(self) -> list[str]:
        return await self.list_models()


class OpenAIAdapter(OpenAIChatAdapter):
    """The OpenAI platform (or a gateway at ``base_url``)."""

    batch_class = OpenAIBatch

    def base_url(self) -> str:
        return self.conn.base_url or OPENAI_BASE

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.conn.organization:
            headers["OpenAI-Organization"] = self.conn.organization
        if self.conn.project:
            headers["OpenAI-Project"] = self.conn.project
        return headers

    def chat_model(self, model_id: str) -> bool:
        return model_id.startswith(("gpt-", "o1", "o3", "o4", "chatgpt-")) and not any(
            w in model_id for w in _NOT_CHAT
        )


class _AzureAdapter(OpenAIChatAdapter):
    """Azure's two OpenAI-format services: the key in ``api-key``, Azure's strict-schema subset, and
    one model per connection (no key-only way to list deployments)."""

    azure_schema: ClassVar[bool] = True

    def headers(self) -> dict[str, str]:
        return {"api-key": self.conn.secret("api_key") or ""}

    async def list_models(self) -> list[str]:
        return [self.conn.name]

    async def check(self) -> list[str]:
        # A one-token call proves key, endpoint and deployment at once.
        body: dict[str, Any] = {"model": self.conn.name, "messages": [{"role": "user", "content": "ping"}]}
        body["max_tokens" if self.legacy_max_tokens else "max_completion_tokens"] = 1
        await self.request(Prepared("POST", self.chat_url(), body, self.headers()))
        return [self.conn.name]


class AzureOpenAIAdapter(_AzureAdapter):
    """One Azure OpenAI deployment: ``{endpoint}/openai/deployments/{deployment}?api-version=...``."""

    batch_class = AzureOpenAIBatch  # on a Global-Batch / Data Zone Batch deployment only

    def base_url(self) -> str:
        return f"{self.conn.endpoint}/openai/deployments/{self.conn.deployment}"

    def query(self) -> str:
        return f"?api-version={self.conn.api_version}"

    def not_found(self, message: str) -> str:
        conn = self.conn
        return (
            f"deployment {conn.deployment!r} was not found at {conn.endpoint} ({message}); check the "
            "deployment name (not the model name) in the Azure portal, and that the endpoint is its resource"
        )


@dataclass(frozen=True)
class _FoundryRoute:
    api_version: str | None  # the default api-version; None: the route takes none (OpenAI v1)
    legacy_max_tokens: bool


# The three URL shapes a Foundry deployment hands out (see _connections.urls.parse_foundry).
_FOUNDRY_ROUTES = {
    "models": _FoundryRoute(FOUNDRY_MODELS_VERSION, legacy_max_tokens=True),  # Azure AI model inference
    "v1": _FoundryRoute(None, legacy_max_tokens=False),  # the OpenAI v1 surface
    "deployments": _FoundryRoute("2024-10-21", legacy_max_tokens=False),  # classic Azure OpenAI path
}


class AzureAIFoundryAdapter(_AzureAdapter):
    """One model deployed in Azure AI Foundry, on whichever route its Target URI names."""

    @property
    def route(self) -> _FoundryRoute:
        return _FOUNDRY_ROUTES[self.conn.route]

    def base_url(self) -> str:
        return self.conn.endpoint  # already the route's base (normalised by the connection)

    def query(self) -> str:
        default = self.route.api_version
        return "" if default is None else f"?api-version={self.conn.api_version or default}"

    @property
    def legacy_max_tokens(self) -> bool:
        return self.route.legacy_max_tokens

    def not_found(self, message: str) -> str:
        return (
            f"model {self.conn.model!r} or the route was not found ({message}); paste the Target URI and "
            "model name again"
        )


class CustomLLMAdapter(OpenAIChatAdapter):
    """A self-hosted or third-party OpenAI-compatible server. The schema goes as written (local
    grammar engines take it as is; strict rewrites would only lose meaning), without ``strict``: a
    gateway in front may pass the request on to a provider that checks strict mode's rules."""

    strict_schema: ClassVar[bool] = False

    def base_url(self) -> str:
        return self.conn.endpoint  # ends in /v1

    @property
    def legacy_max_tokens(self) -> bool:
        return True

    def headers(self) -> dict[str, str]:
        key, token = self.conn.secret("api_key"), self.conn.secret("auth_token")
        if key:
            return {"Authorization": f"Bearer {key}", **({"X-Auth-Token": token} if token else {})}
        return {"Authorization": f"Bearer {token}"} if token else {}

    def modes(self, model: str) -> list[str]:
        mode = self.conn.json_mode
        if mode == "auto":
            return ["json_schema_strict", "json_object_schema", "json_object"]
        return {"json_schema": ["json_schema_strict"]}.get(mode, [mode])

    def is_rejection(self, err: E.ProviderError, call: Call, mode: str) -> bool:
        if isinstance(err, E.SchemaRejectedError):
            return True
        # Some OpenAI-compatible servers answer an unknown response_format with a 404, 422 or even a
        # 500. While probing (nothing remembered yet) those mean "try the next form".
        probing = self.memory_key(call) not in remembered_modes()
        return probing and err.status in (400, 404, 415, 422, 500, 501)

    async def check(self) -> list[str]:
        models = await self.list_models()
        if self.conn.name not in models:
            served = ", ".join(models[:10]) or "none"
            raise E.NotFoundError(
                f"the server does not serve a model named {self.conn.name!r}; it serves: {served}. "
                "The connection name must equal the server's model id",
                **self._context(),
            )
        await self._probe_json_mode()
        return models

    async def _probe_json_mode(self) -> None:
        """The seed makes JSON mode a requirement for custom servers: prove it with one tiny call."""
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

"""Custom connections: a self-hosted or third-party server speaking OpenAI's chat-completions format."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from .._wire.openai import CustomLLMAdapter
from .common import HTTP_OPT_IN, EndpointMixin, OptionalApiKey

__all__ = ["CustomLLM"]


class CustomLLM(EndpointMixin):
    """A self-hosted or third-party server speaking the OpenAI chat-completions format."""

    provider = "custom"
    title = "Custom LLM"
    adapter_class = CustomLLMAdapter
    secret_fields = ("api_key", "auth_token")
    name_field = "name"  # a field of its own (not NamedByField's property)
    single_model = True
    key_fix = "check the server's --api-key setting or the gateway's token"
    help_text = (
        "A server speaking OpenAI's chat-completions format (Ollama, vLLM, sglang, a gateway). The name "
        "must equal the model id the server lists; the endpoint is the base URL ending in /v1. Key and "
        "token are optional."
    )
    links = (
        ("OpenAI-compatible Ollama", "https://ollama.com/blog/openai-compatibility"),
        ("Chat completions format", "https://platform.openai.com/docs/api-reference/chat/create"),
    )

    name: str = Field(min_length=1, description="Model id exactly as the server reports it in /v1/models.")
    endpoint: str = Field(description="OpenAI-format base URL ending in /v1, e.g. http://localhost:11434/v1.")
    api_key: OptionalApiKey | None = Field(
        default=None, description="Optional key, sent as 'Authorization: Bearer'."
    )
    auth_token: OptionalApiKey | None = Field(
        default=None,
        description="Optional server-level token for a gateway in front of the server; sent as "
        "'Authorization: Bearer' when there is no api_key, else as 'X-Auth-Token'.",
    )
    json_mode: Literal["auto", "json_schema", "json_object_schema", "json_object"] = Field(
        default="auto",
        description="How to ask for JSON: 'auto' probes once and remembers what the server accepts.",
    )
    allow_insecure_http: bool = HTTP_OPT_IN

    @classmethod
    def normalise(cls, data: dict[str, Any], url: str) -> dict[str, Any]:
        path = urlsplit(url).path
        if not path.endswith("/v1"):
            fixed = url
            for tail in ("/chat/completions", "/models"):
                if fixed.endswith(tail):
                    fixed = fixed[: -len(tail)]
            if not fixed.endswith("/v1"):
                fixed += "/v1"
            raise ValueError(
                f"endpoint must be the OpenAI-format base URL ending in /v1; did you mean {fixed}?"
            )
        return data

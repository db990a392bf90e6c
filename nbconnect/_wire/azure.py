"""Azure's two services on the OpenAI chat-completions wire: Azure OpenAI (one deployment) and
Azure AI Foundry (one deployed model, on whichever of its three routes the Target URI names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .adapter import Prepared
from .batch.openai import AzureOpenAIBatch
from .openai import OpenAIChatAdapter

__all__ = ["AzureAIFoundryAdapter", "AzureOpenAIAdapter"]

FOUNDRY_MODELS_VERSION = "2024-05-01-preview"


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

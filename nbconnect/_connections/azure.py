"""Azure connections: Azure OpenAI (one per deployment) and Azure AI Foundry (one per deployed model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field

from .._wire.openai import AzureAIFoundryAdapter, AzureOpenAIAdapter
from .base import EnvVars
from .common import HTTP_OPT_IN, ApiKey, EndpointMixin, NamedByField
from .urls import AzureTarget, parse_azure_openai, parse_foundry

__all__ = ["AzureAIFoundry", "AzureOpenAI"]

_PORTAL = "https://ai.azure.com/"
_LEARN = "https://learn.microsoft.com/en-us/azure/"


class _AzureDeployment(NamedByField, EndpointMixin):
    """What both Azure connections share: one deployed model each, its endpoint and key found in the
    Azure AI Foundry portal, and a pasted URL that may carry the api-version as well."""

    key_url = _PORTAL
    parse_target: ClassVar[Callable[[str], AzureTarget]]
    """Reads a pasted portal URL (``parse_azure_openai`` or ``parse_foundry``)."""

    @classmethod
    def normalise(cls, data: dict[str, Any], url: str) -> dict[str, Any]:
        target = cls.parse_target(url)
        cls.take_target(data, target)
        if target.api_version and not data.get("api_version"):
            data["api_version"] = target.api_version  # an explicit api_version wins over the URL's
        return data

    @classmethod
    def take_target(cls, data: dict[str, Any], target: AzureTarget) -> None:
        """Fill ``data`` from what the pasted URL names (its endpoint first), refusing contradictions."""
        raise NotImplementedError


class AzureOpenAI(_AzureDeployment):
    """One Azure OpenAI deployment (one model). Many per organization, one per deployment."""

    provider = "azure_openai"
    title = "Azure OpenAI"
    adapter_class = AzureOpenAIAdapter
    parse_target = staticmethod(parse_azure_openai)
    name_field = "deployment"
    # The SDK has no variable for the deployment; AZURE_OPENAI_DEPLOYMENT is the common convention.
    env_vars: ClassVar[EnvVars] = {
        "api_key": ("AZURE_OPENAI_API_KEY",),
        "endpoint": ("AZURE_OPENAI_ENDPOINT",),
        "deployment": ("AZURE_OPENAI_DEPLOYMENT",),
        "api_version": ("OPENAI_API_VERSION",),
    }
    env_required = ("api_key", "endpoint")
    key_fix = "use Key 1 or Key 2 from the resource's 'Keys and Endpoint' page, with that resource's endpoint"
    help_text = (
        "One connection per deployment; each deployment serves one model. The deployment name, "
        "endpoint (target URI) and key are in the deployment's Details section in the Azure AI "
        "Foundry portal. Add one connection per model you deploy."
    )
    links = (
        ("Create a resource and deploy a model", _LEARN + "ai-services/openai/how-to/create-resource"),
        ("Azure AI Foundry portal", _PORTAL),
    )

    deployment: str = Field(min_length=1, description="Deployment name (not the underlying model name).")
    endpoint: str = Field(description="Resource URL or the deployment's Target URI from the portal.")
    api_key: ApiKey = Field(description="Key 1 or Key 2 of the Azure OpenAI resource.")
    api_version: str = Field(default="2024-10-21", description="Azure OpenAI api-version (2024-10-21 is GA).")
    allow_insecure_http: bool = HTTP_OPT_IN

    @classmethod
    def take_target(cls, data: dict[str, Any], target: AzureTarget) -> None:
        data["endpoint"] = target.endpoint
        if target.deployment:
            given = data.get("deployment")
            if given and given != target.deployment:
                raise ValueError(
                    f"deployment {given!r} differs from the deployment in the endpoint URL "
                    f"({target.deployment!r}); use one of them, or paste the resource URL {target.endpoint}"
                )
            data["deployment"] = target.deployment


class AzureAIFoundry(_AzureDeployment):
    """One model deployed in Azure AI Foundry. Many per organization, one per model."""

    provider = "azure_foundry"
    title = "Azure AI Foundry"
    adapter_class = AzureAIFoundryAdapter
    parse_target = staticmethod(parse_foundry)
    name_field = "model"
    env_vars: ClassVar[EnvVars] = {
        "endpoint": ("AZURE_AI_CHAT_ENDPOINT",),
        "api_key": ("AZURE_AI_CHAT_KEY",),
        "model": ("AZURE_AI_CHAT_MODEL",),
    }
    env_required = ("endpoint", "api_key", "model")
    key_fix = "use the Key shown with the deployment's Target URI in Azure AI Foundry"
    help_text = (
        "One connection per deployed model. On the deployed model's Details page, under Endpoint: "
        "the Target URI, the Key, and the model name."
    )
    links = (
        ("Deploy from the model catalog", _LEARN + "ai-foundry/how-to/model-catalog-overview"),
        ("Where to find these values", _PORTAL),
    )

    model: str = Field(min_length=1, description="Model (deployment) name shown with the endpoint.")
    endpoint: str = Field(description="Target URI from the deployment's Details page.")
    api_key: ApiKey = Field(description="Key from the deployment's Details page.")
    api_version: str | None = Field(
        default=None, description="api-version; chosen from the route when unset."
    )
    allow_insecure_http: bool = HTTP_OPT_IN

    @classmethod
    def take_target(cls, data: dict[str, Any], target: AzureTarget) -> None:
        # the classic route keeps the deployment in the base URL: /chat/completions lives under it
        classic = target.route == "deployments"
        suffix = f"/openai/deployments/{target.deployment}" if classic else ""
        data["endpoint"] = target.endpoint + suffix

    @property
    def route(self) -> str:
        """``models`` (Azure AI model inference), ``v1`` (OpenAI v1) or ``deployments`` (classic)."""
        return parse_foundry(self.endpoint).route

"""Azure connections: Azure OpenAI (one per deployment) and Azure AI Foundry (one per deployed model)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from .._wire.openai import AzureAIFoundryAdapter, AzureOpenAIAdapter
from .common import HTTP_OPT_IN, ApiKey, EndpointMixin, NamedByField
from .urls import parse_azure_openai, parse_foundry

__all__ = ["AzureAIFoundry", "AzureOpenAI"]

_PORTAL = "https://ai.azure.com/"


class AzureOpenAI(NamedByField, EndpointMixin):
    """One Azure OpenAI deployment (one model). Many per organization, one per deployment."""

    provider: ClassVar[str] = "azure_openai"
    title: ClassVar[str] = "Azure OpenAI"
    adapter_class: ClassVar[type[AzureOpenAIAdapter]] = AzureOpenAIAdapter
    name_field: ClassVar[str] = "deployment"
    # The SDK has no variable for the deployment; AZURE_OPENAI_DEPLOYMENT is the common convention.
    env_vars: ClassVar[dict[str, tuple[str, ...]]] = {
        "api_key": ("AZURE_OPENAI_API_KEY",),
        "endpoint": ("AZURE_OPENAI_ENDPOINT",),
        "deployment": ("AZURE_OPENAI_DEPLOYMENT",),
        "api_version": ("OPENAI_API_VERSION",),
    }
    env_required: ClassVar[tuple[str, ...]] = ("api_key", "endpoint")
    key_url: ClassVar[str] = _PORTAL
    key_fix: ClassVar[str] = (
        "use Key 1 or Key 2 from the resource's 'Keys and Endpoint' page, with that resource's endpoint"
    )
    help_text: ClassVar[str] = (
        "One connection per deployment; each deployment serves one model. The deployment name, "
        "endpoint (target URI) and key are in the deployment's Details section in the Azure AI "
        "Foundry portal. Add one connection per model you deploy."
    )
    links: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "Create a resource and deploy a model",
            "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/create-resource",
        ),
        ("Azure AI Foundry portal", _PORTAL),
    )

    deployment: str = Field(min_length=1, description="Deployment name (not the underlying model name).")
    endpoint: str = Field(description="Resource URL or the deployment's Target URI from the portal.")
    api_key: ApiKey = Field(description="Key 1 or Key 2 of the Azure OpenAI resource.")
    api_version: str = Field(default="2024-10-21", description="Azure OpenAI api-version (2024-10-21 is GA).")
    allow_insecure_http: bool = HTTP_OPT_IN

    @classmethod
    def normalise(cls, data: dict[str, Any], url: str) -> dict[str, Any]:
        target = parse_azure_openai(url)
        data["endpoint"] = target.endpoint
        if target.deployment:
            given = data.get("deployment")
            if given and given != target.deployment:
                raise ValueError(
                    f"deployment {given!r} differs from the deployment in the endpoint URL "
                    f"({target.deployment!r}); use one of them, or paste the resource URL {target.endpoint}"
                )
            data["deployment"] = target.deployment
        if target.api_version and not data.get("api_version"):
            data["api_version"] = target.api_version
        return data


class AzureAIFoundry(NamedByField, EndpointMixin):
    """One model deployed in Azure AI Foundry. Many per organization, one per model."""

    provider: ClassVar[str] = "azure_foundry"
    title: ClassVar[str] = "Azure AI Foundry"
    adapter_class: ClassVar[type[AzureAIFoundryAdapter]] = AzureAIFoundryAdapter
    name_field: ClassVar[str] = "model"
    env_vars: ClassVar[dict[str, tuple[str, ...]]] = {
        "endpoint": ("AZURE_AI_CHAT_ENDPOINT",),
        "api_key": ("AZURE_AI_CHAT_KEY",),
        "model": ("AZURE_AI_CHAT_MODEL",),
    }
    env_required: ClassVar[tuple[str, ...]] = ("endpoint", "api_key", "model")
    key_url: ClassVar[str] = _PORTAL
    key_fix: ClassVar[str] = "use the Key shown with the deployment's Target URI in Azure AI Foundry"
    help_text: ClassVar[str] = (
        "One connection per deployed model. On the deployed model's Details page, under Endpoint: "
        "the Target URI, the Key, and the model name."
    )
    links: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "Deploy from the model catalog",
            "https://learn.microsoft.com/en-us/azure/ai-foundry/how-to/model-catalog-overview",
        ),
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
    def normalise(cls, data: dict[str, Any], url: str) -> dict[str, Any]:
        target = parse_foundry(url)
        base = target.endpoint
        if target.route == "deployments":
            base = f"{target.endpoint}/openai/deployments/{target.deployment}"
        data["endpoint"] = base
        if target.api_version and not data.get("api_version"):
            data["api_version"] = target.api_version
        return data

    @property
    def route(self) -> str:
        """``models`` (Azure AI model inference), ``v1`` (OpenAI v1) or ``deployments`` (classic)."""
        return parse_foundry(self.endpoint).route

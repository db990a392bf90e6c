"""The seven provider connections (and the offline Demo), with the fields each provider needs."""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from .base import Connection
from .urls import check_url, parse_azure_openai, parse_foundry
from .vertex_key import load_service_account

__all__ = [
    "Anthropic",
    "AzureAIFoundry",
    "AzureOpenAI",
    "CustomLLM",
    "Demo",
    "Gemini",
    "OpenAI",
    "VertexAI",
]

_HTTP_OPT_IN = Field(
    default=False,
    description="Allow plain http:// to a host that is not this machine (the key travels unencrypted).",
)


class _BaseUrlMixin(Connection):
    base_url: str | None = Field(
        default=None, description="Override the API base URL (gateway, proxy, tests)."
    )
    allow_insecure_http: bool = _HTTP_OPT_IN

    @model_validator(mode="after")
    def _check_base_url(self):
        if self.base_url is not None:
            object.__setattr__(
                self,
                "base_url",
                check_url(self.base_url, field="base_url", allow_insecure_http=self.allow_insecure_http),
            )
        return self


class _OnePerOrg(_BaseUrlMixin):
    """A provider an organization holds once: its connection is named after the provider."""

    one_per_org: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return self.provider


class OpenAI(_OnePerOrg):
    """OpenAI platform key. One per organization."""

    provider: ClassVar[str] = "openai"
    title: ClassVar[str] = "OpenAI"
    wire: ClassVar[str] = "openai"
    docs_url: ClassVar[str] = "https://platform.openai.com/api-keys"

    api_key: SecretStr = Field(description="API key from platform.openai.com/api-keys (starts with sk-).")
    organization: str | None = Field(default=None, description="Optional OpenAI-Organization header.")
    project: str | None = Field(default=None, description="Optional OpenAI-Project header.")


class Gemini(_OnePerOrg):
    """Google AI Studio (Gemini API) key. One per organization."""

    provider: ClassVar[str] = "gemini"
    title: ClassVar[str] = "Gemini"
    wire: ClassVar[str] = "google"
    docs_url: ClassVar[str] = "https://ai.google.dev/gemini-api/docs/api-key"

    api_key: SecretStr = Field(description="Gemini API key from Google AI Studio (starts with AIza).")


class Anthropic(_OnePerOrg):
    """Anthropic API key. One per organization."""

    provider: ClassVar[str] = "anthropic"
    title: ClassVar[str] = "Anthropic"
    wire: ClassVar[str] = "anthropic"
    docs_url: ClassVar[str] = "https://console.anthropic.com/settings/keys"

    api_key: SecretStr = Field(description="API key from the Anthropic console (starts with sk-ant-).")


class VertexAI(_OnePerOrg):
    """Google Cloud Vertex AI through a service-account key. One per organization."""

    provider: ClassVar[str] = "vertex"
    title: ClassVar[str] = "Vertex AI"
    wire: ClassVar[str] = "google"
    secret_fields: ClassVar[tuple[str, ...]] = ("credentials",)
    docs_url: ClassVar[str] = "https://cloud.google.com/iam/docs/keys-create-delete"

    credentials: SecretStr = Field(
        description="Service-account key: the JSON text, a dict, or the path of the .json file."
    )
    project: str | None = Field(default=None, description="Project id; defaults to the key's project_id.")
    location: str = Field(
        default="global",
        pattern=r"^[a-z][a-z0-9-]{0,62}$",  # it becomes part of the API host name
        description="Region such as us-central1, or 'global'.",
    )

    @field_validator("credentials", mode="before")
    @classmethod
    def _load_key(cls, value: Any) -> str:
        return load_service_account(value)

    @model_validator(mode="after")
    def _default_project(self):
        if not self.project:
            import json

            project = json.loads(self.credentials.get_secret_value()).get("project_id")
            if not project:
                raise ValueError("the key has no project_id; pass project='my-gcp-project'")
            object.__setattr__(self, "project", project)
        return self

    @property
    def hint(self) -> str:
        import json

        email = json.loads(self.credentials.get_secret_value()).get("client_email", "")
        return email  # the account e-mail is not secret and tells keys apart better than 4 characters


class AzureOpenAI(Connection):
    """One Azure OpenAI deployment (one model). Many per organization, one per deployment."""

    provider: ClassVar[str] = "azure_openai"
    title: ClassVar[str] = "Azure OpenAI"
    wire: ClassVar[str] = "openai"
    single_model: ClassVar[bool] = True
    docs_url: ClassVar[str] = "https://ai.azure.com/"

    deployment: str = Field(min_length=1, description="Deployment name (not the underlying model name).")
    endpoint: str = Field(description="Resource URL or the deployment's Target URI from the portal.")
    api_key: SecretStr = Field(description="Key 1 or Key 2 of the Azure OpenAI resource.")
    api_version: str = Field(default="2024-10-21", description="Azure OpenAI api-version (2024-10-21 is GA).")
    allow_insecure_http: bool = _HTTP_OPT_IN

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            return data
        data = dict(data)
        url = check_url(data["endpoint"], allow_insecure_http=bool(data.get("allow_insecure_http")))
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

    @property
    def name(self) -> str:
        return self.deployment


class AzureAIFoundry(Connection):
    """One model deployed in Azure AI Foundry. Many per organization, one per model."""

    provider: ClassVar[str] = "azure_foundry"
    title: ClassVar[str] = "Azure AI Foundry"
    wire: ClassVar[str] = "openai"
    single_model: ClassVar[bool] = True
    docs_url: ClassVar[str] = "https://ai.azure.com/"

    model: str = Field(min_length=1, description="Model (deployment) name shown with the endpoint.")
    endpoint: str = Field(description="Target URI from the deployment's Details page.")
    api_key: SecretStr = Field(description="Key from the deployment's Details page.")
    api_version: str | None = Field(
        default=None, description="api-version; chosen from the route when unset."
    )
    allow_insecure_http: bool = _HTTP_OPT_IN

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            return data
        data = dict(data)
        url = check_url(data["endpoint"], allow_insecure_http=bool(data.get("allow_insecure_http")))
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

    @property
    def name(self) -> str:
        return self.model


class CustomLLM(Connection):
    """A self-hosted or third-party server speaking the OpenAI chat-completions format."""

    provider: ClassVar[str] = "custom"
    title: ClassVar[str] = "Custom LLM"
    wire: ClassVar[str] = "openai"
    single_model: ClassVar[bool] = True
    secret_fields: ClassVar[tuple[str, ...]] = ("api_key", "auth_token")
    docs_url: ClassVar[str] = "https://platform.openai.com/docs/api-reference/chat/create"

    name: str = Field(min_length=1, description="Model id exactly as the server reports it in /v1/models.")
    endpoint: str = Field(description="OpenAI-format base URL ending in /v1, e.g. http://localhost:11434/v1.")
    api_key: SecretStr | None = Field(
        default=None, description="Optional key, sent as 'Authorization: Bearer'."
    )
    auth_token: SecretStr | None = Field(
        default=None,
        description="Optional server-level token for a gateway in front of the server; sent as "
        "'Authorization: Bearer' when there is no api_key, else as 'X-Auth-Token'.",
    )
    json_mode: Literal["auto", "json_schema", "json_object_schema", "json_object"] = Field(
        default="auto",
        description="How to ask for JSON: 'auto' probes once and remembers what the server accepts.",
    )
    allow_insecure_http: bool = _HTTP_OPT_IN

    @model_validator(mode="before")
    @classmethod
    def _check_endpoint(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            return data
        data = dict(data)
        url = check_url(data["endpoint"], allow_insecure_http=bool(data.get("allow_insecure_http")))
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
        data["endpoint"] = url
        return data


class Demo(Connection):
    """A built-in, offline stand-in provider. No key, no network: answers are made up locally."""

    provider: ClassVar[str] = "demo"
    title: ClassVar[str] = "Demo (offline)"
    wire: ClassVar[str] = "openai"
    one_per_org: ClassVar[bool] = True
    secret_fields: ClassVar[tuple[str, ...]] = ()
    docs_url: ClassVar[str] = ""

    latency: float = Field(default=0.05, ge=0, le=10, description="Simulated seconds per answer (mean).")
    seed: int = Field(default=0, description="Changes which answers the fast model breaks.")

    @property
    def name(self) -> str:
        return self.provider


PROVIDERS: dict[str, type[Connection]] = {
    cls.provider: cls
    for cls in (OpenAI, Gemini, VertexAI, Anthropic, AzureOpenAI, AzureAIFoundry, CustomLLM, Demo)
}

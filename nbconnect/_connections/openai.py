"""OpenAI platform connections: one key per organization."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .._wire.openai import OpenAIAdapter
from .base import EnvVars
from .common import ApiKey, OnePerOrg

__all__ = ["OpenAI"]


class OpenAI(OnePerOrg):
    """OpenAI platform key. One per organization."""

    provider = "openai"
    title = "OpenAI"
    adapter_class = OpenAIAdapter
    env_vars: ClassVar[EnvVars] = {
        "api_key": ("OPENAI_API_KEY",),
        "base_url": ("OPENAI_BASE_URL",),
        "organization": ("OPENAI_ORG_ID",),
        "project": ("OPENAI_PROJECT_ID",),
    }
    env_required = ("api_key",)
    key_url = "https://platform.openai.com/api-keys"
    key_fix = f"copy a key from {key_url}"
    help_text = "One OpenAI key per organization. Find or create it on the API keys page."
    links = (("API keys page", key_url),)

    api_key: ApiKey = Field(description="API key from platform.openai.com/api-keys (starts with sk-).")
    organization: str | None = Field(default=None, description="Optional OpenAI-Organization header.")
    project: str | None = Field(default=None, description="Optional OpenAI-Project header.")

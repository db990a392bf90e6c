"""Anthropic connections: one key per organization."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .._wire.anthropic import AnthropicAdapter
from .base import EnvVars
from .common import ApiKey, OnePerOrg

__all__ = ["Anthropic"]


class Anthropic(OnePerOrg):
    """Anthropic API key. One per organization."""

    provider = "anthropic"
    title = "Anthropic"
    adapter_class = AnthropicAdapter
    env_vars: ClassVar[EnvVars] = {
        "api_key": ("ANTHROPIC_API_KEY",),
        "base_url": ("ANTHROPIC_BASE_URL",),
    }
    env_required = ("api_key",)
    key_url = "https://console.anthropic.com/settings/keys"
    key_fix = f"create a key at {key_url} and update the Anthropic connection"
    help_text = "One Anthropic key per organization, from the API keys page of the Anthropic console."
    links = (
        ("Anthropic console keys", key_url),
        ("Accessing the API", "https://docs.anthropic.com/en/api/getting-started#accessing-the-api"),
    )

    api_key: ApiKey = Field(description="API key from the Anthropic console (starts with sk-ant-).")

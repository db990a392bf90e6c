"""Anthropic connections: one key per organization."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .._wire.anthropic import AnthropicAdapter
from .common import ApiKey, OnePerOrg

__all__ = ["Anthropic"]


class Anthropic(OnePerOrg):
    """Anthropic API key. One per organization."""

    provider: ClassVar[str] = "anthropic"
    title: ClassVar[str] = "Anthropic"
    adapter_class: ClassVar[type[AnthropicAdapter]] = AnthropicAdapter
    env_vars: ClassVar[dict[str, tuple[str, ...]]] = {
        "api_key": ("ANTHROPIC_API_KEY",),
        "base_url": ("ANTHROPIC_BASE_URL",),
    }
    env_required: ClassVar[tuple[str, ...]] = ("api_key",)
    key_url: ClassVar[str] = "https://console.anthropic.com/settings/keys"
    key_fix: ClassVar[str] = f"create a key at {key_url} and update the Anthropic connection"
    help_text: ClassVar[str] = (
        "One Anthropic key per organization, from the API keys page of the Anthropic console."
    )
    links: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Anthropic console keys", key_url),
        ("Accessing the API", "https://docs.anthropic.com/en/api/getting-started#accessing-the-api"),
    )

    api_key: ApiKey = Field(description="API key from the Anthropic console (starts with sk-ant-).")

"""Gemini API (Google AI Studio) connections: one key per organization."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .._wire.google import GeminiAdapter
from .common import ApiKey, OnePerOrg

__all__ = ["Gemini"]


class Gemini(OnePerOrg):
    """Google AI Studio (Gemini API) key. One per organization."""

    provider: ClassVar[str] = "gemini"
    title: ClassVar[str] = "Gemini"
    adapter_class: ClassVar[type[GeminiAdapter]] = GeminiAdapter
    # google-genai reads GOOGLE_API_KEY first, then GEMINI_API_KEY
    env_vars: ClassVar[dict[str, tuple[str, ...]]] = {"api_key": ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env_required: ClassVar[tuple[str, ...]] = ("api_key",)
    key_url: ClassVar[str] = "https://aistudio.google.com/apikey"
    key_fix: ClassVar[str] = f"create a key at {key_url} and update the Gemini connection"
    help_text: ClassVar[str] = "One Gemini key per organization, created in Google AI Studio."
    links: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Get a Gemini API key", "https://ai.google.dev/gemini-api/docs/api-key"),
    )

    api_key: ApiKey = Field(description="Gemini API key from Google AI Studio (starts with AIza).")

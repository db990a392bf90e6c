"""Gemini API (Google AI Studio) connections: one key per organization."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .._wire.google import GeminiAdapter
from .base import EnvVars
from .common import ApiKey, OnePerOrg

__all__ = ["Gemini"]


class Gemini(OnePerOrg):
    """Google AI Studio (Gemini API) key. One per organization."""

    provider = "gemini"
    title = "Gemini"
    adapter_class = GeminiAdapter
    # google-genai reads GOOGLE_API_KEY first, then GEMINI_API_KEY
    env_vars: ClassVar[EnvVars] = {"api_key": ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env_required = ("api_key",)
    key_url = "https://aistudio.google.com/apikey"
    key_fix = f"create a key at {key_url} and update the Gemini connection"
    help_text = "One Gemini key per organization, created in Google AI Studio."
    links = (("Get a Gemini API key", "https://ai.google.dev/gemini-api/docs/api-key"),)

    api_key: ApiKey = Field(description="Gemini API key from Google AI Studio (starts with AIza).")

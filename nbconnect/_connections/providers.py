"""The registry of provider connection classes, one module each (the order is the panel's order)."""

from __future__ import annotations

from .anthropic import Anthropic
from .azure import AzureAIFoundry, AzureOpenAI
from .base import Connection
from .custom import CustomLLM
from .demo import Demo
from .gemini import Gemini
from .openai import OpenAI
from .vertex import VertexAI

__all__ = [
    "PROVIDERS",
    "Anthropic",
    "AzureAIFoundry",
    "AzureOpenAI",
    "CustomLLM",
    "Demo",
    "Gemini",
    "OpenAI",
    "VertexAI",
]

PROVIDERS: dict[str, type[Connection]] = {
    cls.provider: cls
    for cls in (OpenAI, Gemini, VertexAI, Anthropic, AzureOpenAI, AzureAIFoundry, CustomLLM, Demo)
}

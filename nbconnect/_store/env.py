"""Connections found in environment variables, the ones the official SDKs read."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from pydantic import ValidationError

from .._connections.base import Connection
from .._connections.providers import Anthropic, AzureAIFoundry, AzureOpenAI, Gemini, OpenAI, VertexAI

__all__ = ["ENV_VARIABLES", "connections_from_env"]

Env = Mapping[str, str]


def _openai(env: Env) -> Connection | None:
    if not env.get("OPENAI_API_KEY"):
        return None
    return OpenAI(
        api_key=env["OPENAI_API_KEY"],
        base_url=env.get("OPENAI_BASE_URL") or None,
        organization=env.get("OPENAI_ORG_ID") or None,
        project=env.get("OPENAI_PROJECT_ID") or None,
    )


def _anthropic(env: Env) -> Connection | None:
    if not env.get("ANTHROPIC_API_KEY"):
        return None
    return Anthropic(api_key=env["ANTHROPIC_API_KEY"], base_url=env.get("ANTHROPIC_BASE_URL") or None)


def _gemini(env: Env) -> Connection | None:
    key = env.get("GOOGLE_API_KEY") or env.get("GEMINI_API_KEY")  # google-genai: GOOGLE_API_KEY wins
    return Gemini(api_key=key) if key else None


def _vertex(env: Env) -> Connection | None:
    path = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not path:
        return None
    return VertexAI(
        credentials=path,
        project=env.get("GOOGLE_CLOUD_PROJECT") or env.get("GCLOUD_PROJECT") or None,
        location=env.get("GOOGLE_CLOUD_LOCATION") or "global",
    )


def _azure(env: Env) -> Connection | None:
    # The SDK has no variable for the deployment; AZURE_OPENAI_DEPLOYMENT is the common convention.
    if not (env.get("AZURE_OPENAI_API_KEY") and env.get("AZURE_OPENAI_ENDPOINT")):
        return None
    fields = {"endpoint": env["AZURE_OPENAI_ENDPOINT"], "api_key": env["AZURE_OPENAI_API_KEY"]}
    if env.get("AZURE_OPENAI_DEPLOYMENT"):
        fields["deployment"] = env["AZURE_OPENAI_DEPLOYMENT"]
    if env.get("OPENAI_API_VERSION"):
        fields["api_version"] = env["OPENAI_API_VERSION"]
    return AzureOpenAI(**fields)


def _foundry(env: Env) -> Connection | None:
    names = ("AZURE_AI_CHAT_ENDPOINT", "AZURE_AI_CHAT_KEY", "AZURE_AI_CHAT_MODEL")
    if not all(env.get(n) for n in names):
        return None
    return AzureAIFoundry(endpoint=env[names[0]], api_key=env[names[1]], model=env[names[2]])


ENV_VARIABLES: dict[str, tuple[str, ...]] = {
    "OpenAI": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"),
    "Anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
    "Gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "Vertex AI": ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"),
    "Azure OpenAI": (
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_DEPLOYMENT",
        "OPENAI_API_VERSION",
    ),
    "Azure AI Foundry": ("AZURE_AI_CHAT_ENDPOINT", "AZURE_AI_CHAT_KEY", "AZURE_AI_CHAT_MODEL"),
}
"""Which variables each provider is discovered from (documentation and the panel's help text)."""

_FINDERS: tuple[tuple[str, Callable[[Env], Connection | None]], ...] = (
    ("OpenAI", _openai),
    ("Anthropic", _anthropic),
    ("Gemini", _gemini),
    ("Vertex AI", _vertex),
    ("Azure OpenAI", _azure),
    ("Azure AI Foundry", _foundry),
)


def connections_from_env(environ: Env | None = None) -> tuple[list[Connection], dict[str, str]]:
    """Connections the environment describes, and a problem message per provider whose variables
    are set but unusable (the message names the variables, never their values)."""
    env = os.environ if environ is None else environ
    found: list[Connection] = []
    problems: dict[str, str] = {}
    for title, finder in _FINDERS:
        try:
            conn = finder(env)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()
            )
            problems[title] = f"{', '.join(ENV_VARIABLES[title])} are set but not usable: {reasons}"
            continue
        if conn is not None:
            conn._source = "environment"
            found.append(conn)
    return found, problems

"""nbconnect: connect LLM providers in Jupyter and compare their structured outputs in pandas.

The public surface is what ``__all__`` lists; everything in ``_modules`` is private.
"""

from __future__ import annotations

from . import data
from ._catalog.catalog import Catalog, ModelInfo, catalog
from ._connections.base import Connection
from ._connections.providers import (
    Anthropic,
    AzureAIFoundry,
    AzureOpenAI,
    CustomLLM,
    Demo,
    Gemini,
    OpenAI,
    VertexAI,
)
from ._engine.api import arun, estimate, resume, run, start
from ._engine.judge import judge
from ._engine.plan import Estimate
from ._engine.runner import Job
from ._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    NbconnectError,
    NetworkError,
    NotFoundError,
    OrganizationRuleError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    RequestTimeout,
    SchemaError,
    SchemaRejectedError,
    ServerError,
    StoreError,
    TemplateError,
    UnknownModelError,
)
from ._results.history import runs
from ._results.results import Results
from ._results.scorers import Score
from ._store.org import EnvReport, Organization
from ._version import __version__
from ._widgets.panel import ConnectionsPanel
from ._widgets.picker import ModelPicker
from ._widgets.playground import Playground
from ._wire.adapter import Verification


def __getattr__(name: str) -> object:
    # nbc.labelstudio loads on first use: it is light, but keeping `import nbconnect` to what every
    # user needs is cheaper still (label-studio-sdk itself is only imported when a function runs)
    if name == "labelstudio":
        import importlib

        return importlib.import_module(".labelstudio", __name__)
    raise AttributeError(f"module 'nbconnect' has no attribute {name!r}")


__all__ = [
    "Anthropic",
    "AuthenticationError",
    "AzureAIFoundry",
    "AzureOpenAI",
    "BadRequestError",
    "Catalog",
    "ConfigError",
    "Connection",
    "ConnectionsPanel",
    "CustomLLM",
    "Demo",
    "EnvReport",
    "Estimate",
    "Gemini",
    "Job",
    "ModelInfo",
    "ModelPicker",
    "NbconnectError",
    "NetworkError",
    "NotFoundError",
    "OpenAI",
    "Organization",
    "OrganizationRuleError",
    "OverloadedError",
    "PermissionDeniedError",
    "Playground",
    "ProviderError",
    "QuotaExceededError",
    "RateLimitError",
    "RequestTimeout",
    "Results",
    "SchemaError",
    "SchemaRejectedError",
    "Score",
    "ServerError",
    "StoreError",
    "TemplateError",
    "UnknownModelError",
    "Verification",
    "VertexAI",
    "__version__",
    "arun",
    "catalog",
    "data",
    "estimate",
    "judge",
    "labelstudio",
    "resume",
    "run",
    "runs",
    "start",
]

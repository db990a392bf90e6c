"""Which provider family and action a request is for, from its method, path and headers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ._batch import BATCH_PATH

__all__ = ["Route", "route_of"]


@dataclass(frozen=True)
class Route:
    family: str  # "openai" | "azure" | "anthropic" | "gemini" | "vertex" | "oauth" | "storage"
    action: str  # "generate" | "count" (Google countTokens) | "list" | "get" | "token" | "batch" | "upload" | "storage"
    model: str | None = None


_VERTEX_GENERATE = re.compile(
    r"/v1(?:beta1)?/projects/[^/]+/locations/[^/]+/publishers/[^/]+/models/([^/:]+):(generateContent|countTokens)"
)
_VERTEX_BATCH = re.compile(
    r"/v1(?:beta1)?/projects/[^/]+/locations/[^/]+/batchPredictionJobs(?:/[^/:]+(?::cancel)?)?"
)
_STORAGE = re.compile(r"/(?:upload/|download/)?storage/v1/b/.+")
_VERTEX_MODELS = re.compile(r"/v1(?:beta1)?/publishers/[^/]+/models(?:/([^/:]+))?")
_GEMINI_GENERATE = re.compile(
    r"/v1(?:beta|alpha)?/(?:models|tunedModels)/([^/:]+):(generateContent|countTokens)"
)
_GOOGLE_ACTIONS = {"generateContent": "generate", "countTokens": "count"}
_GOOGLE_MODELS = re.compile(r"/v1(beta|alpha)?/models(?:/([^/:]+))?")
_ANTHROPIC_MODELS = re.compile(r"(?:/.*)?/v1/models(?:/([^/]+))?")
_OPENAI_MODELS = re.compile(r"(?:/.*)?/models(?:/([^/]+))?")


def route_of(method: str, path: str, headers: Mapping[str, str], query: Mapping[str, str]) -> Route | None:
    """The route of a request, or None for a URL no provider serves (the caller answers 404)."""
    path = path.rstrip("/") or "/"
    azure = "azure" if path.startswith(("/openai/", "/models/")) else "openai"
    if _STORAGE.fullmatch(path):  # before the batch paths: an object may be named …/files
        return Route("storage", "storage")
    if _VERTEX_BATCH.fullmatch(path):
        return Route("vertex", "batch")
    if BATCH_PATH.fullmatch(path):  # files and batches: the batch desk (``_batch``)
        # the bytes of a resumable upload go to its upload URL, which is their authorization
        action = "upload" if "upload_id" in query else "batch"
        return Route(_batch_family(path, headers, azure), action)
    if method == "POST":
        if path == "/token":  # Google's OAuth2 token endpoint (service-account grants)
            return Route("oauth", "token")
        if m := _VERTEX_GENERATE.fullmatch(path):
            return Route("vertex", _GOOGLE_ACTIONS[m[2]], m[1])
        if m := _GEMINI_GENERATE.fullmatch(path):
            return Route("gemini", _GOOGLE_ACTIONS[m[2]], m[1])
        if path.endswith("/v1/messages"):
            return Route("anthropic", "generate")
        if path.endswith("/chat/completions"):
            deployment = re.search(r"/deployments/([^/]+)/", path)
            return Route(azure, "generate", deployment[1] if deployment else None)
        return None
    if method != "GET":
        return None
    if m := _VERTEX_MODELS.fullmatch(path):
        return Route("vertex", "get" if m[1] else "list", m[1])
    # GET /v1/models is shared by OpenAI, Anthropic and Gemini: tell them apart by their headers.
    google = "x-goog-api-key" in headers or any(k in query for k in ("key", "pageSize", "pageToken"))
    anthropic = "anthropic-version" in headers or "x-api-key" in headers
    m = _GOOGLE_MODELS.fullmatch(path)
    if m and (google or m[1]):
        return Route("gemini", "get" if m[2] else "list", m[2])
    if anthropic and (m := _ANTHROPIC_MODELS.fullmatch(path)):
        return Route("anthropic", "get" if m[1] else "list", m[1])
    if m := _OPENAI_MODELS.fullmatch(path):
        return Route(azure, "get" if m[1] else "list", m[1])
    return None


def _batch_family(path: str, headers: Mapping[str, str], azure: str) -> str:
    if "/messages/batches" in path:
        return "anthropic"
    google = (
        "x-goog-api-key" in headers
        or "batchGenerateContent" in path
        or path.startswith(("/v1beta/", "/download/", "/upload/"))
    )
    return "gemini" if google else azure

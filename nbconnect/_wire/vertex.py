"""Vertex AI on the Google generateContent wire: the location's host, a service-account token.

Tokens come from one :class:`TokenSource` per service-account key, shared by every adapter in
the process, and are added just before sending, so a prepared request (a cache key) never holds
one. A token Vertex rejects (401) is dropped and the request sent once more with a new one, as
google-auth's ``AuthorizedSession`` does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from typing import Any

import httpx

from .. import _errors as E
from .._catalog.catalog import catalog
from .adapter import Prepared
from .batch.gcs import GCS_ROOT, is_storage_url, storage_error
from .batch.vertex import VertexBatch
from .google import PROBE_MODEL, GoogleAdapter
from .google_auth import TokenSource

__all__ = ["VertexAdapter", "token_source"]

VERTEX_API_VERSION = "v1beta1"  # what google-genai 3.6.1 sends for Vertex AI (v1 is the stable surface)
_LOCATION = re.compile(r"[a-z][a-z0-9-]{0,62}")
# countTokens body verify() sends: free, and it proves the project can call models in the location
_PING = {"contents": [{"role": "user", "parts": [{"text": "ping"}]}]}

# Keyed by a digest of the whole key file: a replaced key (or a changed quota project or token
# endpoint) for the same account gets a fresh source instead of the old one's cached token.
_SOURCES: dict[str, TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def token_source(key_json: str) -> TokenSource:
    """The process-wide token source for a service-account key (one per key, so one refresh at a time)."""
    key = hashlib.sha256(key_json.encode()).hexdigest()
    with _SOURCES_LOCK:
        source = _SOURCES.get(key)
        if source is None:
            source = _SOURCES[key] = TokenSource(key_json)
        return source


class VertexAdapter(GoogleAdapter):
    """Vertex AI: ``/v1beta1/`` on the location's host, with a service-account access token."""

    batch_class = VertexBatch  # through the connection's batch_bucket; live without one

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: str | None = None  # the last access token sent, scrubbed from messages

    # -- where and how ---------------------------------------------------------------------
    def base_url(self) -> str:
        conn = self.conn
        if conn.base_url:
            return conn.base_url.rstrip("/")
        if not _LOCATION.fullmatch(conn.location or ""):
            # the location becomes part of the host name: never let it point the token elsewhere
            raise E.ConfigError(
                f"location {conn.location!r} is not a Google Cloud location such as 'us-central1' or 'global'"
            )
        if conn.location == "global":
            return "https://aiplatform.googleapis.com"
        if conn.location in ("us", "eu"):  # multi-region endpoints
            return f"https://aiplatform.{conn.location}.rep.googleapis.com"
        return f"https://{conn.location}-aiplatform.googleapis.com"

    def api_url(self, path: str) -> str:
        """``path`` (``projects/…``) under the API version google-genai uses for Vertex AI."""
        return f"{self.base_url()}/{VERTEX_API_VERSION}/{path}"

    @staticmethod
    def model_path(model: str) -> str:
        """The model's resource name as google-genai's ``t_model`` writes it: a bare id is
        ``publishers/google/models/{id}``, ``publisher/id`` names the publisher, full names stay."""
        if model.startswith(("projects/", "publishers/")):
            return model
        if "/" in model:
            publisher, _, name = model.partition("/")
            return f"publishers/{publisher}/models/{name}"
        return f"publishers/google/models/{model}"

    def model_url(self, model: str, verb: str = "generateContent") -> str:
        path = self.model_path(model)
        if not path.startswith("projects/"):
            path = f"projects/{self.conn.project}/locations/{self.conn.location}/{path}"
        return f"{self.api_url(path)}:{verb}"

    def headers(self) -> dict[str, str]:
        return {}  # the Bearer token is added by authorize(), just before sending

    def _source(self) -> TokenSource:
        return token_source(self.conn.secret("credentials") or "{}")

    async def authorize(self, prepared: Prepared) -> Prepared:
        """``prepared`` with Vertex's access token (and quota project) in its headers."""
        if "Authorization" in prepared.headers:  # already done by request()
            return prepared
        try:
            source = self._source()
            token = await source.token()
        except E.ConfigError as err:  # a key google-auth cannot load (its message never quotes the key)
            raise E.AuthenticationError(str(err), **self._context()) from None
        except E.ProviderError as err:
            err.provider, err.connection = self._context()["provider"], self.conn.name
            raise
        self._token = token
        headers = {**prepared.headers, "Authorization": f"Bearer {token}"}
        if source.quota_project:
            headers["x-goog-user-project"] = source.quota_project
        return dataclasses.replace(prepared, headers=headers)

    async def request(self, prepared: Prepared) -> tuple[httpx.Response, float]:
        sent = await self.authorize(prepared)  # a key the token endpoint refuses raises here, once
        try:
            return await super().request(sent)
        except E.AuthenticationError as err:
            if err.status != 401:
                raise
        # Vertex rejected a token before its expiry (revoked, or the key's account changed):
        # drop it, unless a concurrent caller already replaced it, and try once with a new one.
        self._source().invalidate(sent.headers["Authorization"].removeprefix("Bearer "))
        return await super().request(await self.authorize(prepared))

    def secret_values(self) -> list[str]:
        return [*super().secret_values(), *([self._token] if self._token else [])]

    # -- messages --------------------------------------------------------------------------
    def error(self, resp: httpx.Response) -> E.ProviderError:
        # a batch's Cloud Storage refusals name the bucket and its role, not a model or Vertex's role
        if resp.status_code in (403, 404) and is_storage_url(
            resp.request.url, self.conn.storage_url or GCS_ROOT
        ):
            return storage_error(self, resp, self.conn.hint)
        return super().error(resp)

    @property
    def key_subject(self) -> str:
        return f"the access token of {self.conn.hint}"

    def where(self) -> str:
        return f" in location {self.conn.location!r} of project {self.conn.project!r}"

    def denied(self, message: str, reasons: set[str], activate: str) -> str:
        if "SERVICE_DISABLED" in reasons:
            url = (
                activate
                or f"https://console.cloud.google.com/apis/library/aiplatform.googleapis.com?project={self.conn.project}"
            )
            return f"{message}; enable the Vertex AI API (aiplatform.googleapis.com) for the project at {url}, then retry"
        return (
            f"{message}; grant the service account {self.conn.hint} the 'Vertex AI User' role "
            f"(roles/aiplatform.user) on project {self.conn.project!r}, and check that the project "
            "id is right"
        )

    # -- models and verification ------------------------------------------------------------------
    def listing(self) -> tuple[str, str, str]:
        return (
            f"{self.base_url()}/v1beta1/publishers/google/models",
            "publisherModels",
            "publishers/google/models/",
        )

    async def check(self) -> list[str]:
        # Vertex's listing is not project-scoped: countTokens (free) then proves the project exists,
        # has the Vertex AI API enabled and lets the service account call models in the location.
        models = await self.list_models()
        known = {m.id for m in catalog.models(self.conn.provider)}
        model = next((m for m in models if m in known), models[0] if models else PROBE_MODEL)
        try:
            await self.request(Prepared("POST", self.model_url(model, "countTokens"), _PING, {}))
        except E.PermissionDeniedError as err:
            err.field = "project"  # type: ignore[attr-defined]  # read by field_for()
            raise
        return models

    def field_for(self, err: E.ProviderError) -> str | None:
        return getattr(err, "field", None) or super().field_for(err)

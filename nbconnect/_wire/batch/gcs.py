"""The Cloud Storage a Vertex AI batch reads and writes: the user's bucket, and the JSON API subset
nbconnect needs (upload, list, download, delete).

Every request goes through the Vertex adapter (``adapter.request``), so it carries the same
service-account token, gets a fresh token after a 401, and has secrets scrubbed from its errors
exactly as a live call. The token goes only to ``root``: Google's storage host, or the
connection's ``storage_url`` (an emulator, a test server), checked like any endpoint. URLs are
built here from the bucket and object names, never taken from an answer (an object's
``mediaLink`` could name another host). Object paths follow the JSON API reference
(https://cloud.google.com/storage/docs/json_api/v1/objects): ``/upload/storage/v1/b/{bucket}/o``
with ``uploadType=media``, ``/storage/v1/b/{bucket}/o`` (``prefix``, ``pageToken`` →
``nextPageToken``), ``/storage/v1/b/{bucket}/o/{object}`` (``alt=media``, ``DELETE``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from ... import _errors as E
from ..adapter import Prepared
from .base import Upload

if TYPE_CHECKING:
    from ..adapter import Adapter

__all__ = [
    "GCS_ROOT",
    "JSONL_TYPE",
    "Bucket",
    "CloudStorage",
    "is_storage_url",
    "parse_bucket",
    "storage_error",
    "storage_fix",
]

GCS_ROOT = "https://storage.googleapis.com"
JSONL_TYPE = "application/x-ndjson"  # not application/json*: some servers would parse it as one JSON value

# https://cloud.google.com/storage/docs/buckets#naming
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]")
_SHAPE = (
    "a bucket name has 3-63 characters (up to 222 with dots, 63 between dots): lowercase letters, "
    "digits, '-', '_' and '.', starting and ending with a letter or digit"
)
_STORAGE_PATHS = ("/storage/v1/", "/upload/storage/v1/", "/download/storage/v1/")
_FIX = "give batch_bucket='gs://your-bucket' or 'gs://your-bucket/some/prefix'"


@dataclass(frozen=True)
class Bucket:
    """A bucket and an optional prefix inside it (no leading or trailing slash)."""

    name: str
    prefix: str = ""

    @property
    def uri(self) -> str:
        return f"gs://{self.name}/{self.prefix}" if self.prefix else f"gs://{self.name}"

    def path(self, *parts: str) -> str:
        """An object name under the prefix."""
        return "/".join(p for p in (self.prefix, *parts) if p)

    def gs(self, name: str) -> str:
        return f"gs://{self.name}/{name}"

    def owns(self, uri: str, under: str) -> str | None:
        """The object name of ``uri`` when it lies in this bucket under ``path(under)``, else None."""
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        root = self.path(under) + "/"
        return name if uri.startswith("gs://") and bucket == self.name and name.startswith(root) else None


def parse_bucket(text: str) -> Bucket:
    """``gs://bucket`` or ``gs://bucket/prefix`` (a bare ``bucket/prefix`` too) as a :class:`Bucket`;
    ValueError naming the problem and the fix otherwise."""
    raw = text.strip()
    if "://" in raw and not raw.startswith("gs://"):
        raise ValueError(f"batch_bucket {raw!r} is not a gs:// address; {_FIX}")
    name, _, prefix = raw.removeprefix("gs://").partition("/")
    problem = _bucket_problem(name)
    if problem:
        raise ValueError(f"batch_bucket {raw!r} is not usable: {problem}; {_FIX}")
    parts = [p for p in prefix.strip("/").split("/") if p] if prefix.strip("/") else []
    if "//" in prefix.strip("/") or any(p in (".", "..") for p in parts):
        raise ValueError(f"batch_bucket {raw!r}: the prefix has an empty, '.' or '..' part; {_FIX}")
    if len(prefix.encode()) > 900:  # object names are at most 1024 bytes; nbconnect adds ~80
        raise ValueError(f"batch_bucket {raw!r}: the prefix is longer than 900 bytes; {_FIX}")
    if any(not c.isprintable() or c in "#[]*?" for c in prefix):
        raise ValueError(
            f"batch_bucket {raw!r}: the prefix has a control character or one of # [ ] * ? "
            f"(Cloud Storage advises against them in object names); {_FIX}"
        )
    return Bucket(name, "/".join(parts))


def _bucket_problem(name: str) -> str | None:
    if not name:
        return "it names no bucket"
    if not _NAME.fullmatch(name) or len(name) < 3:
        return f"{name!r} is not a bucket name ({_SHAPE})"
    too_long = len(name) > 222 if "." in name else len(name) > 63
    if too_long or any(len(part) > 63 or not part for part in name.split(".")):
        return f"bucket name {name!r} is too long, or has an empty or too long part between dots ({_SHAPE})"
    try:
        ipaddress.ip_address(name)
        return f"bucket name {name!r} is an IP address, which a bucket name may not be"
    except ValueError:
        pass
    if name.startswith("goog") or "google" in name or "g00gle" in name:
        return f"bucket name {name!r} starts with 'goog' or contains 'google', which bucket names may not"
    return None


def is_storage_url(url: Any, root: str) -> bool:
    """Whether a request to ``url`` was a Cloud Storage JSON API call on ``root``."""
    rest = str(url).removeprefix(root.rstrip("/"))
    return rest != str(url) and rest.startswith(_STORAGE_PATHS)


def storage_error(adapter: Adapter, resp: httpx.Response, account: str) -> E.ProviderError:
    """A Cloud Storage 403 or 404 in its own words: which bucket, and the role or name to fix
    (the Vertex wording, "the model is not offered", would send the user the wrong way)."""
    body, err = adapter.error_parts(resp)
    said = str(err.get("message") or resp.reason_phrase or "request failed")
    bucket = re.search(r"/b/([^/?]+)", resp.request.url.path)
    fix = storage_fix(resp.status_code, bucket[1] if bucket else "?", account, said)
    err = adapter.http_error(resp, f"Cloud Storage: {said}; {fix}", cls=None, body=body, code=None)
    err.from_storage = True
    return err


def storage_fix(status: int, bucket: str, account: str, said: str = "") -> str:
    """What to do about a Cloud Storage refusal (``status`` 403 or 404, Google's words ``said``)."""
    if status == 404 and "bucket" not in said.lower():
        return "the object is gone (deleted by hand, or by a lifecycle rule on the bucket)"
    if status == 404:
        return (
            f"check that bucket {bucket!r} exists (gcloud storage buckets describe gs://{bucket}) and "
            "that batch_bucket names it"
        )
    return (
        f"grant the service account {account} the 'Storage Object User' role (roles/storage.objectUser) on "
        f"gs://{bucket} (gcloud storage buckets add-iam-policy-binding gs://{bucket} "
        f"--member=serviceAccount:{account} --role=roles/storage.objectUser)"
    )


class CloudStorage:
    """The JSON API subset a batch needs, for one bucket, through ``adapter``'s requests."""

    def __init__(self, adapter: Adapter, root: str, bucket: str) -> None:
        self.adapter, self.root, self.bucket = adapter, root.rstrip("/"), bucket

    def _object_url(self, name: str) -> str:
        return f"{self.root}/storage/v1/b/{self.bucket}/o/{quote(name, safe='')}"

    async def upload(self, name: str, data: bytes, content_type: str = JSONL_TYPE) -> None:
        """A single-request (``uploadType=media``) upload: the object's bytes, no metadata."""
        url = f"{self.root}/upload/storage/v1/b/{self.bucket}/o?uploadType=media&name={quote(name, safe='')}"
        await self.adapter.request(Upload("POST", url, None, {}, content=data, content_type=content_type))

    async def list(self, prefix: str) -> list[str]:
        """The names of every object whose name starts with ``prefix``, following ``nextPageToken``."""
        base = f"{self.root}/storage/v1/b/{self.bucket}/o?prefix={quote(prefix, safe='')}"

        def page_url(token: str | None) -> str:
            return base + (f"&pageToken={quote(token, safe='')}" if token else "")

        names: list[str] = []
        async for page in self.adapter.pages(page_url, lambda page: page.get("nextPageToken")):
            names += [
                str(o["name"]) for o in page.get("items") or [] if isinstance(o, dict) and o.get("name")
            ]
        return names

    async def download(self, name: str) -> bytes:
        resp, _ = await self.adapter.request(Prepared("GET", self._object_url(name) + "?alt=media", None, {}))
        return resp.content

    async def delete(self, name: str) -> None:
        await self.adapter.request(Prepared("DELETE", self._object_url(name), None, {}))

"""The fake's Cloud Storage: the JSON API subset a Vertex AI batch and the official client use.

Routes (https://cloud.google.com/storage/docs/json_api/v1/objects), on any bucket made with
``server.storage.create_bucket(name)`` (an upload to another bucket gets GCS's 404):

- ``POST /upload/storage/v1/b/{b}/o?uploadType=media&name=…`` (the bytes as the body) and
  ``uploadType=multipart`` (``multipart/related``: JSON metadata, then the bytes: what
  ``google-cloud-storage`` sends for a small object)
- ``GET /storage/v1/b/{b}/o?prefix=…&maxResults=…&pageToken=…`` (pages of ``server.storage.page_size``
  objects, ``nextPageToken`` until the last)
- ``GET /storage/v1/b/{b}/o/{object}`` (the object resource; ``alt=media``: its bytes, as does
  ``GET /download/storage/v1/b/{b}/o/{object}``) and ``DELETE`` (204)
- ``GET /storage/v1/b/{b}`` (the bucket resource)

Downloads carry ``x-goog-hash`` (crc32c and md5, as GCS sends them), which the official client checks.
Before anything is read, ``sync`` runs (the batch desk writes the output its Vertex AI jobs have
produced by now, so output appears in the bucket as the jobs progress).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any
from urllib.parse import quote

from ._google import VertexWire
from ._http import Reply, Request
from ._wire import json_reply

__all__ = ["FakeStorage", "StorageWire", "StoredObject", "crc32c"]

_OBJECTS = re.compile(
    r"/(?P<api>upload/|download/)?storage/v1/b/(?P<bucket>[^/]+)(?P<o>/o(?:/(?P<name>.+))?)?"
)
_CRC_TABLE: list[int] = []


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum GCS reports; table-driven, small objects only."""
    if not _CRC_TABLE:
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    generation: int
    created: str


class StorageWire(VertexWire):
    """Cloud Storage's auth and error bodies (Bearer tokens, like Vertex AI)."""

    family = "storage"
    service = "storage.googleapis.com"

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return gcs_error(401, "Anonymous caller does not have storage.objects.list access.", "required")
        return gcs_error(401, "Invalid Credentials", "authError")


def gcs_error(status: int, message: str, reason: str) -> Reply:
    """An error as the JSON API words it: ``{"error": {"code", "message", "errors": [...]}}``."""
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
        }
    }
    return json_reply(status, body, {})


class FakeStorage:
    """Buckets of objects (``server.storage``), served by :meth:`respond`."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, StoredObject]] = {}
        self.page_size = 1000  # GCS's default (and most) maxResults
        self.sync: Callable[[], None] = lambda: None
        self._lock = threading.RLock()
        self._generation = 1_700_000_000_000_000

    def create_bucket(self, name: str) -> None:
        with self._lock:
            self.buckets.setdefault(name, {})

    def put(
        self, bucket: str, name: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        with self._lock:
            self._generation += 1
            now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self.buckets[bucket][name] = StoredObject(data, content_type, self._generation, now)

    def read(self, uri: str) -> bytes | None:
        """The bytes at ``gs://bucket/name``, or None."""
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        with self._lock:
            obj = self.buckets.get(bucket, {}).get(name)
        return None if obj is None else obj.data

    def names(self, bucket: str, prefix: str = "") -> list[str]:
        self.sync()
        with self._lock:
            return sorted(n for n in self.buckets.get(bucket, {}) if n.startswith(prefix))

    # -- HTTP ------------------------------------------------------------------------------------
    def respond(self, req: Request) -> Reply:
        m = _OBJECTS.fullmatch(req.path)
        if m is None:
            return gcs_error(404, "Not Found", "notFound")
        bucket = m["bucket"]
        if bucket not in self.buckets:
            return gcs_error(404, "The specified bucket does not exist.", "notFound")
        if m["api"] == "upload/":
            return self._upload(req, bucket) if req.method == "POST" and m["o"] == "/o" else _not_here(req)
        if m["o"] is None:
            return json_reply(200, {"kind": "storage#bucket", "id": bucket, "name": bucket}, {})
        if m["name"] is None:
            return self._list(req, bucket) if req.method == "GET" else _not_here(req)
        self.sync()
        with self._lock:
            obj = self.buckets[bucket].get(m["name"])
            if obj is not None and req.method == "DELETE" and m["api"] is None:
                del self.buckets[bucket][m["name"]]
                return Reply(204, b"", {})
        if obj is None:
            return gcs_error(404, f"No such object: {bucket}/{m['name']}", "notFound")
        if req.method != "GET":
            return _not_here(req)
        if m["api"] == "download/" or req.query.get("alt") == "media":
            digest = f"crc32c={_b64(crc32c(obj.data).to_bytes(4, 'big'))},md5={_b64(hashlib.md5(obj.data).digest())}"
            return Reply(200, obj.data, {"content-type": obj.content_type, "x-goog-hash": digest})
        return json_reply(200, self._resource(bucket, m["name"], obj, req), {})

    def _upload(self, req: Request, bucket: str) -> Reply:
        kind = req.query.get("uploadType")
        meta: dict[str, Any] = {}
        data, content_type = req.body, req.headers.get("content-type", "application/octet-stream")
        if kind == "multipart":
            parts = _related(req.body, content_type)
            if len(parts) != 2:
                return gcs_error(400, "Multipart upload needs a metadata part and a media part.", "invalid")
            meta = json.loads(parts[0][1] or b"{}")
            content_type, data = (
                parts[1][0] or meta.get("contentType") or "application/octet-stream",
                parts[1][1],
            )
        elif kind != "media":
            return gcs_error(400, f"Upload type {kind!r} is not supported by the fake.", "invalid")
        name = req.query.get("name") or meta.get("name")
        if not name:
            return gcs_error(400, "Required parameter: name", "required")
        self.put(bucket, name, data, content_type)
        with self._lock:
            obj = self.buckets[bucket][name]
        return json_reply(200, self._resource(bucket, name, obj, req), {})

    def _list(self, req: Request, bucket: str) -> Reply:
        prefix = req.query.get("prefix", "")
        size = max(1, min(int(req.query.get("maxResults") or self.page_size), self.page_size))
        after = (
            base64.urlsafe_b64decode(req.query["pageToken"]).decode() if req.query.get("pageToken") else ""
        )
        names = [n for n in self.names(bucket, prefix) if n > after]
        body: dict[str, Any] = {"kind": "storage#objects"}
        with self._lock:
            items = [
                self._resource(bucket, n, self.buckets[bucket][n], req)
                for n in names[:size]
                if n in self.buckets[bucket]
            ]
        if items:
            body["items"] = items
        if len(names) > size:
            body["nextPageToken"] = base64.urlsafe_b64encode(names[size - 1].encode()).decode()
        return json_reply(200, body, {})

    def _resource(self, bucket: str, name: str, obj: StoredObject, req: Request) -> dict[str, Any]:
        host = f"http://{req.headers.get('host', '127.0.0.1')}"
        quoted = quote(name, safe="")
        return {
            "kind": "storage#object",
            "id": f"{bucket}/{name}/{obj.generation}",
            "selfLink": f"{host}/storage/v1/b/{bucket}/o/{quoted}",
            "mediaLink": f"{host}/download/storage/v1/b/{bucket}/o/{quoted}?generation={obj.generation}&alt=media",
            "name": name,
            "bucket": bucket,
            "generation": str(obj.generation),
            "metageneration": "1",
            "contentType": obj.content_type,
            "storageClass": "STANDARD",
            "size": str(len(obj.data)),
            "md5Hash": _b64(hashlib.md5(obj.data).digest()),
            "crc32c": _b64(crc32c(obj.data).to_bytes(4, "big")),
            "etag": _b64(obj.generation.to_bytes(8, "big")),
            "timeCreated": obj.created,
            "updated": obj.created,
        }


def _related(body: bytes, content_type: str) -> list[tuple[str, bytes]]:
    """The parts of a ``multipart/related`` body: (content type, bytes) each."""
    message = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not message.is_multipart():
        return []
    return [(part.get_content_type(), part.get_payload(decode=True) or b"") for part in message.get_payload()]


def _not_here(req: Request) -> Reply:
    return gcs_error(405, f"{req.method} is not allowed on {req.path}", "methodNotAllowed")

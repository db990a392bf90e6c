"""The HTTP/1.1 side of the fake: read a request off a stream, write a reply, break a connection.

Parsed by hand (request line, headers, Content-Length or chunked body, keep-alive) because the
point is to be a peer the real clients (httpx, the official SDKs) cannot tell apart from the
provider, including how connections break. Nothing here knows about providers.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import socket
import struct
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qsl, unquote

__all__ = ["Reply", "Request", "head", "html_page", "read_request", "reset", "write"]


@dataclass
class Reply:
    """An HTTP response to send: status, body bytes, headers (lower-case names)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """An HTTP request as read off the connection (path percent-decoded, header names lower-case)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


_REASONS = {529: "Site Overloaded"}


_date_cache: list = [0, ""]


def _date() -> str:
    """The Date header, formatted once per second (formatdate is slow enough to show up)."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return _date_cache[1]


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return _REASONS.get(status, "Unknown")


def html_page(status: int) -> bytes:
    """What a proxy in the way would send: a sign-in page for 200, nginx's error page otherwise."""
    if status == 200:
        return (
            b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><h1>Sign in to continue</h1>"
            b'<form method="post" action="/login"><input name="user"></form></body></html>\n'
        )
    title = f"{status} {_reason(status)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request | None:
    """The next request on the connection, or None when it is over (closed, or answered 400/431)."""
    try:
        head_bytes = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed the connection between requests
    except asyncio.LimitOverrunError:
        await write(writer, Reply(431, b"", {}), keep_alive=False)
        return None
    lines = head_bytes.decode("latin-1").rstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        await write(writer, Reply(400, b"", {}), keep_alive=False)
        return None
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")  # the empty trailer
    else:
        length = headers.get("content-length") or "0"
        if not length.isdigit():
            await write(writer, Reply(400, b"", {}), keep_alive=False)
            return None
        body = await reader.readexactly(int(length))
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    raw_path, _, qs = target.partition("?")
    query = dict(parse_qsl(qs, keep_blank_values=True))
    return Request(method.upper(), unquote(raw_path), query, headers, body, keep_alive)


async def write(writer: asyncio.StreamWriter, reply: Reply, keep_alive: bool) -> None:
    """Send ``reply`` whole (with ``connection: close`` unless ``keep_alive``)."""
    writer.write(head(reply, keep_alive) + reply.body)
    await writer.drain()


def head(reply: Reply, keep_alive: bool, length: int | None = None) -> bytes:
    """Status line and headers (Date and Content-Length added) of ``reply``."""
    headers = {"date": _date(), **reply.headers}
    headers["content-length"] = str(len(reply.body) if length is None else length)
    if not keep_alive:
        headers["connection"] = "close"
    lines = [
        f"HTTP/1.1 {reply.status} {_reason(reply.status)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def reset(writer: asyncio.StreamWriter, reply: Reply, before_response: bool) -> None:
    """Break the connection with a TCP reset: mid-body, or before anything is sent."""
    if not before_response:
        writer.write(head(reply, True) + reply.body[: max(1, len(reply.body) // 2)])
        await writer.drain()
        await asyncio.sleep(0.05)  # let the client read the headers, so the break is mid-body
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # linger 0: close() sends RST, not FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()

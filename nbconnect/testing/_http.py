"""The HTTP/1.1 side of the fake: h11 frames requests and replies; we keep the raw socket.

h11 (the sans-I/O HTTP/1.1 state machine under httpcore, so already installed with httpx) does
the framing: request line and headers, Content-Length or chunked bodies, ``Expect: 100-continue``,
keep-alive, the 400/431 for malformed or oversized heads. The asyncio stream stays ours, so the
faults a client must survive (a TCP reset mid-body or before anything is sent, a stalled answer)
are real socket behaviour. Nothing here knows about providers.
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

import h11

__all__ = ["HttpConnection", "Reply", "Request", "html_page"]

_MAX_HEAD = 1 << 20  # request heads up to 1 MiB (long query strings, big headers), then 431
_READ_SIZE = 1 << 16


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


def _request(event: h11.Request, body: bytes) -> Request:
    headers: dict[str, str] = {}
    for raw_name, raw_value in event.headers:  # h11 gives lower-case names
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raw_path, _, qs = event.target.decode("latin-1").partition("?")
    query = dict(parse_qsl(qs, keep_blank_values=True))
    return Request(event.method.decode("ascii").upper(), unquote(raw_path), query, headers, body)


class HttpConnection:
    """One client connection: h11's state machine over an asyncio stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
        self._method = b""

    async def next_request(self) -> Request | None:
        """The next request, or None when the connection is over (closed, or answered 400/431)."""
        head: h11.Request | None = None
        body = bytearray()
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                await self._refuse(exc.error_status_hint)
                return None
            if event is h11.NEED_DATA:
                if self.h11.they_are_waiting_for_100_continue:
                    self.writer.write(self.h11.send(h11.InformationalResponse(status_code=100, headers=[])))
                self.h11.receive_data(await self.reader.read(_READ_SIZE))  # b"" is the end of the stream
            elif isinstance(event, h11.Request):
                head, self._method = event, event.method
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                return _request(head, bytes(body))
            else:  # ConnectionClosed, or PAUSED after a reply we meant to be the last
                return None

    def _head(self, reply: Reply) -> h11.Response:
        headers = {"date": _date(), **reply.headers, "content-length": str(len(reply.body))}
        return h11.Response(
            status_code=reply.status,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
            reason=_reason(reply.status).encode("latin-1"),
        )

    def _framed(self, reply: Reply) -> bytes:
        out = self.h11.send(self._head(reply)) or b""
        if reply.body and self._method != b"HEAD":
            out += self.h11.send(h11.Data(data=reply.body)) or b""
        return out + (self.h11.send(h11.EndOfMessage()) or b"")

    async def send(self, reply: Reply) -> bool:
        """Send ``reply`` whole; True when the connection stays open for another request."""
        self.writer.write(self._framed(reply))
        await self.writer.drain()
        if self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE:
            return False  # the client asked to close (or HTTP/1.0): h11 said connection: close
        self.h11.start_next_cycle()
        return True

    async def send_last(self, reply: Reply) -> None:
        """Send ``reply`` with ``connection: close`` (an internal error); the caller then closes."""
        if self.h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            with contextlib.suppress(h11.LocalProtocolError):
                await self.send(Reply(reply.status, reply.body, {**reply.headers, "connection": "close"}))

    async def _refuse(self, status: int) -> None:
        """Answer a request we cannot read, then close gently: closing with the rest of an
        oversized request unread would make the kernel send a reset that can destroy the answer
        (the "lingering close" of nginx and Apache)."""
        await self.send_last(Reply(status, b"", {}))
        with contextlib.suppress(OSError, asyncio.TimeoutError, RuntimeError):
            if self.writer.can_write_eof():
                self.writer.write_eof()
            await asyncio.wait_for(self._discard_input(), timeout=1.0)

    async def _discard_input(self) -> None:
        while await self.reader.read(_READ_SIZE):
            pass

    async def reset(self, reply: Reply, before_response: bool) -> None:
        """Break the connection with a TCP reset: mid-body, or before anything is sent."""
        if not before_response:
            out = self.h11.send(self._head(reply)) or b""
            out += self.h11.send(h11.Data(data=reply.body[: max(1, len(reply.body) // 2)])) or b""
            self.writer.write(out)
            await self.writer.drain()
            await asyncio.sleep(0.05)  # let the client read the headers, so the break is mid-body
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # linger 0: close() sends RST, not FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

"""An independent loopback server for the benchmarks: a tiny ASGI app run by uvicorn.

It answers ``POST …/chat/completions`` in the OpenAI chat format after a fixed latency, with a
JSON content that fits the benchmarks' schema, and nothing else of nbconnect's: no FakeProvider
code, so a figure measured against it cannot be flattered by the project's own fake. It keeps
its own record: requests answered, the most in flight at once, and each arrival's
``time.monotonic()`` (one clock for every process on Linux), served at ``GET /_stats`` and
cleared by ``POST /_reset``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

__all__ = ["serve"]

_CONTENT = json.dumps({"label": "positive", "score": 0.5})


class App:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.reset()

    def reset(self) -> None:
        self.count = self.in_flight = self.max_in_flight = 0
        self.arrivals: list[float] = []
        self.cpu = time.process_time()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        arrived = time.monotonic()
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path, method = scope["path"], scope["method"]
        if path.endswith("/chat/completions") and method == "POST":
            await self._complete(body, arrived, send)
        elif path == "/_stats":
            stats = {
                "count": self.count,
                "max_in_flight": self.max_in_flight,
                "arrivals": self.arrivals,
                "cpu_s": time.process_time() - self.cpu,  # the server's own CPU since the reset
            }
            await _answer(send, 200, json.dumps(stats).encode())
        elif path == "/_reset":
            self.reset()
            await _answer(send, 200, b"{}")
        else:
            await _answer(send, 404, b'{"error": {"message": "not found"}}')

    async def _complete(self, body: bytes, arrived: float, send: Any) -> None:
        self.arrivals.append(arrived)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            model = json.loads(body).get("model", "bench-model")  # what a real server reads first
            if self.latency:
                await asyncio.sleep(self.latency)
            answer = {
                "id": f"chatcmpl-{self.count}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": _CONTENT},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28},
            }
            await _answer(send, 200, json.dumps(answer).encode())
        finally:
            self.in_flight -= 1
            self.count += 1


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def serve(latency: float, conn: Any) -> None:
    """Run the app on a free 127.0.0.1 port (in a child process); send its URL down ``conn``."""
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(App(latency), log_level="warning", access_log=False, backlog=2048)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    conn.send(f"http://127.0.0.1:{sock.getsockname()[1]}")
    conn.recv()  # block until the parent says stop
    server.should_exit = True
    thread.join(10)

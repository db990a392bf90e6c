"""FakeProvider: a real HTTP/1.1 server on 127.0.0.1 that speaks the providers' wire formats.

One ``asyncio`` event loop on a daemon thread serves every connection; request handling never
blocks that loop (latency and ``slow`` faults are ``asyncio.sleep``), so dozens of requests
overlap. This module owns the server's life cycle, the request log, scripts and fault
injection; HTTP framing is ``_http`` (h11), routing ``_routes``, faults ``_faults`` and
response bodies the wires of ``_answers``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import threading
from collections import deque
from collections.abc import Coroutine, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ._answering import DEFAULT_MODELS, Answering, Recorded
from ._batch import BatchClock, BatchDesk
from ._faults import FAULT_KINDS, Fault
from ._http import HttpConnection, Reply
from ._oauth import TokenEndpoint, new_rsa_key, service_account_info
from ._storage import FakeStorage

# DEFAULT_MODELS, FAULT_KINDS, Fault and Recorded are re-exported for nbconnect.testing
__all__ = ["DEFAULT_MODELS", "FAULT_KINDS", "FakeProvider", "Fault", "Recorded"]


class FakeProvider(Answering):
    """A local HTTP/1.1 server that answers like OpenAI, Azure, Anthropic, Gemini and Vertex AI.

    Use it as a context manager; it serves on ``127.0.0.1`` from a background thread::

        with FakeProvider(latency=0.05) as server:
            httpx.post(server.url + "/v1/chat/completions", json=...)

    Args:
        latency: seconds added before every answer (without blocking other requests).
        port: port to listen on; 0 picks a free one.
        api_keys: if given, requests must carry one of these keys, else they get the
            provider's real auth error (OpenAI/Anthropic/Vertex 401, Gemini 400 ``API_KEY_INVALID``).
        models: model IDs to list, per family (``openai``, ``azure``, ``anthropic``, ``gemini``,
            ``vertex``); families not named fall back to :data:`DEFAULT_MODELS`.
        fault_rate: probability (0-1) that a generate request gets a random fault from ``fault_mix``.
        fault_mix: kinds or :class:`Fault` objects to draw from: a list (equal weights) or a
            mapping to weights. Default: transient faults (rate_limit, server_error, overloaded,
            reset) and content faults (truncated, broken_json, not_json).
        seed: makes random faults reproducible. The draw depends on the request itself (path,
            body, and how many times that same request was seen), not on arrival order, so a
            concurrent run faults the same requests every time and a retry gets a fresh draw.

    All of these are also attributes that may be changed while the server runs. ``oauth`` is
    Google's token endpoint on the same server (``POST /token``); :meth:`service_account` gives
    a key it accepts, and the tokens it issues pass ``api_keys`` on the Vertex routes.
    """

    def __init__(
        self,
        latency: float = 0.0,
        *,
        port: int = 0,
        api_keys: Iterable[str] | None = None,
        models: Mapping[str, Sequence[str]] | None = None,
        fault_rate: float = 0.0,
        fault_mix: Mapping[Fault | str, float] | Sequence[Fault | str] | None = None,
        seed: int | None = None,
    ):
        self.latency: float = float(latency)
        """Seconds added before every answer."""
        self.api_keys: set[str] | None = set(api_keys) if api_keys is not None else None
        """Accepted keys; None accepts any request, with or without a key."""
        self.models: dict[str, list[str]] = {k: list(v) for k, v in (models or {}).items()}
        """Model IDs listed per family; missing families use ``DEFAULT_MODELS``."""
        self.fault_rate: float = float(fault_rate)
        """Probability of a random fault on each generate request."""
        self.fault_mix = fault_mix
        """What random faults are drawn from (None: the default transient + content mix)."""
        self.seed: int | None = seed
        """Seed for random faults; None draws a fresh seed per server."""
        self._port = port
        self._salt = secrets.randbits(64)
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._scripts: dict[str, deque[Fault]] = {}
        self._attempts: dict[bytes, int] = {}
        self._in_flight = self._max_in_flight = 0  # requests being answered now / at most so far
        self._gate: asyncio.Event | None = None  # set while holding(): answers wait for it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._tasks: set[asyncio.Task] = set()
        self._sockets: set[socket.socket] = set()  # every accepted connection not yet closed
        self._account_pem: str | None = None
        self.oauth: TokenEndpoint = TokenEndpoint(self)
        """Google's OAuth2 token endpoint at ``POST /token`` (Vertex service-account grants)."""
        self.batches: BatchDesk = BatchDesk(self)
        """The batch endpoints (OpenAI/Azure files + batches, Anthropic, Gemini, Vertex AI); see ``_batch``."""
        self.storage: FakeStorage = FakeStorage()
        """Cloud Storage's JSON API subset (``create_bucket``, ``buckets``, ``page_size``); see ``_storage``.
        Vertex AI batch jobs read their input from it and write their output to it."""
        self.storage.sync = self.batches.sync_outputs

    @property
    def batch_clock(self) -> BatchClock:
        """The batches' clock: ``server.batch_clock.advance(hours=1)`` moves every batch on."""
        return self.batches.clock

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        """Start serving (the context manager calls this). Returns self."""
        if self._thread is not None:
            raise RuntimeError("FakeProvider is already running")
        loop = asyncio.SelectorEventLoop()  # everywhere: accepting uses add_reader (see _listen)
        thread = threading.Thread(target=self._run, args=(loop,), name="FakeProvider", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every connection, stop the loop and join the thread. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = self._listener = None

    close = stop

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._listener is not None else "stopped"
        return f"<FakeProvider {where} requests={self.count()}>"

    @property
    def port(self) -> int:
        """The port served on (only while running)."""
        if self._listener is None:
            raise RuntimeError("FakeProvider is not running; use `with FakeProvider() as server:`")
        return self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    # -- inspection and scripting ----------------------------------------------------------------
    @property
    def requests(self) -> list[Recorded]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def count(self, path_contains: str | None = None) -> int:
        """How many requests were received (whose path contains ``path_contains``, if given)."""
        with self._lock:
            return sum(1 for r in self._requests if path_contains is None or path_contains in r.path)

    @property
    def max_in_flight(self) -> int:
        """The most requests answered at the same time since start or ``reset()``: the concurrency
        a client really used, seen from the server's side."""
        with self._lock:
            return self._max_in_flight

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Hold every answer until the block ends (requests are still received, recorded and counted
        in flight), so a test can see how many a client has outstanding at once without a clock."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("FakeProvider is not running; use `with FakeProvider() as server:`")
        gate = self._gate = asyncio.Event()  # binds to the server's loop on its first wait
        try:
            yield
        finally:
            self._gate = None
            loop.call_soon_threadsafe(gate.set)

    def script(self, path_contains: str, faults: Iterable[Fault | str]) -> None:
        """Queue responses for requests whose path contains ``path_contains``, consumed in order.

        Once the queue is empty, answers are normal again. Calling it again for the same
        ``path_contains`` appends; when several queues match a path the oldest wins. Strings are
        shorthand for ``Fault(kind)``; use ``Fault("ok")`` for a normal answer in the middle.
        """
        queue = [f if isinstance(f, Fault) else Fault(f) for f in faults]
        with self._lock:
            self._scripts.setdefault(path_contains, deque()).extend(queue)

    def script_remaining(self, path_contains: str | None = None) -> int:
        """Scripted responses not yet consumed (for one queue, or all)."""
        with self._lock:
            return sum(len(q) for p, q in self._scripts.items() if path_contains in (None, p))

    def reset(self) -> None:
        """Forget recorded requests, scripts and the random-fault attempt counters."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
            self._attempts.clear()
            self._max_in_flight = self._in_flight

    def service_account(self, **extra: Any) -> dict[str, Any]:
        """A service-account key whose grants this server's ``/token`` accepts (one RSA key per
        server, made on first use), for ``VertexAI(credentials=..., base_url=server.url)``.
        ``extra`` adds or overrides key fields (``project_id``, ``quota_project_id``...)."""
        if self._account_pem is None:
            self._account_pem, self.oauth.public_key = new_rsa_key()
        return service_account_info(self._account_pem, self.oauth.token_uri, **extra)

    # -- the event loop side ---------------------------------------------------------------------
    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    # Accepting is ours, not asyncio.start_server's: on Python 3.11 a connection accepted in the
    # loop tick that runs Server.close() is dropped half made (its transport's Server._attach
    # asserts the server is open, and the error is swallowed), and one whose accept task has not
    # run when the loop stops is dropped too; either socket is then closed by the GC, with a
    # ResourceWarning in whatever test runs at that moment. Here every socket is in
    # ``self._sockets`` from the instant accept() returns, so shutdown closes it at any stage.
    async def _listen(self) -> None:
        listener = socket.create_server(("127.0.0.1", self._port), backlog=1024)
        listener.setblocking(False)
        asyncio.get_running_loop().add_reader(listener, self._accept, listener)
        self._listener = listener

    def _accept(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(256):  # what is waiting, but bounded so requests in progress get their turn
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:  # the client gave up while queued
                continue
            except OSError:  # out of file descriptors: pause, as asyncio's own server does
                loop.remove_reader(listener)
                loop.call_later(0.1, self._resume_accepting, listener)
                return
            self._sockets.add(sock)
            task = loop.create_task(self._connection(sock))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _resume_accepting(self, listener: socket.socket) -> None:
        if self._listener is listener:  # not shut down meanwhile
            asyncio.get_running_loop().add_reader(listener, self._accept, listener)

    async def _shutdown(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            asyncio.get_running_loop().remove_reader(listener)  # nothing is accepted after this
            listener.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sock in list(self._sockets):  # connections whose task was cancelled before it began
            sock.close()
        self._sockets.clear()
        await asyncio.sleep(0)  # let transports run their connection_lost callbacks

    async def _connection(self, sock: socket.socket) -> None:
        try:
            reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        except (OSError, asyncio.CancelledError):
            sock.close()  # reset before it was set up, or shut down: nobody to answer
            self._sockets.discard(sock)
            return
        conn = HttpConnection(reader, writer)
        try:
            while True:
                request = await conn.next_request()
                if request is None or not await self._counted(self._respond(request, conn)):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception as exc:  # a bug in the fake (or a malformed request): say so instead of hanging up
            body = json.dumps(
                {"error": {"message": f"FakeProvider internal error: {exc!r}", "type": "fake_error"}}
            )
            with contextlib.suppress(Exception):
                await conn.send_last(Reply(500, body.encode(), {"content-type": "application/json"}))
        finally:
            self._sockets.discard(sock)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _counted(self, answering: Coroutine[Any, Any, bool]) -> bool:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            return await answering
        finally:
            with self._lock:
                self._in_flight -= 1

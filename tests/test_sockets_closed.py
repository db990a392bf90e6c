"""No socket is left to the garbage collector, on either side of the wire.

The GC closes a forgotten socket with a ResourceWarning in whatever code runs then: under
``filterwarnings = error`` that fails an unrelated test. Each scenario here runs with those
warnings recorded, then collects, and also counts this process's open connections to the server
(psutil), so a pool that is dropped rather than closed shows even before the GC finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator

import httpx
import psutil
import pytest

from nbconnect._wire.http import new_client
from nbconnect.testing import FakeProvider


@pytest.fixture
def server():
    with FakeProvider() as srv:
        yield srv


@contextlib.contextmanager
def no_resource_warnings() -> Iterator[None]:
    gc.collect()  # what earlier tests left behind is theirs
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    assert [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)] == []


def open_connections(port: int) -> int:
    """This process's client connections to ``port`` still open (a pool's idle sockets too)."""
    mine = psutil.Process().net_connections(kind="tcp")
    return sum(1 for c in mine if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED)


def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30  # a hang guard, not a speed bound
    while not done():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


async def get(client: httpx.AsyncClient, server: FakeProvider) -> None:
    assert (await client.get(server.url + "/v1/models")).status_code == 200


def test_a_client_reused_by_the_next_sync_call_closes_the_first_calls_pool(server):
    client = new_client()  # e.g. clients= given to two nbc.run calls: each runs its own loop
    with no_resource_warnings():
        for _ in range(2):
            asyncio.run(get(client, server))
            assert open_connections(server.port) == 0  # closed with the loop it was opened on
        asyncio.run(client.aclose())


def test_a_client_never_closed_is_closed_with_its_loop(server):
    with no_resource_warnings():
        client = new_client()
        asyncio.run(get(client, server))
        assert open_connections(server.port) == 0  # asyncio.run closed the pool before the loop
        del client


@pytest.mark.parametrize("then", ["request", "aclose"])
def test_a_pool_left_on_a_closed_loop_is_closed_when_the_client_is_next_used(server, then):
    client = new_client()
    loop = asyncio.new_event_loop()
    with no_resource_warnings():
        loop.run_until_complete(get(client, server))
        loop.close()  # by hand, without shutdown_asyncgens: nothing closed the pool on that loop
        assert open_connections(server.port) == 1
        if then == "request":
            asyncio.run(get(client, server))
        asyncio.run(client.aclose())
        assert open_connections(server.port) == 0


def test_a_pool_on_a_loop_running_in_another_thread_is_closed_there(server):
    client = new_client()
    loop = asyncio.new_event_loop()  # a notebook's loop, say, while run_sync uses its own
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        with no_resource_warnings():
            asyncio.run_coroutine_threadsafe(get(client, server), loop).result(30)
            assert open_connections(server.port) == 1
            asyncio.run(get(client, server))  # this loop's pool is closed as asyncio.run ends...
            wait_until(lambda: open_connections(server.port) == 0)  # ...the other one, by its loop
            asyncio.run(client.aclose())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


def knock(port: int, stop: threading.Event) -> None:
    """Connect and send a request, over and over, until ``stop``: whatever the server is doing."""
    while not stop.is_set():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 5) as s:
            s.sendall(b"GET /v1/models HTTP/1.1\r\nhost: fake\r\n\r\n")


def stop_while_knocked_at() -> None:
    server, stop = FakeProvider().start(), threading.Event()
    knockers = [threading.Thread(target=knock, args=(server.port, stop)) for _ in range(3)]
    for t in knockers:
        t.start()
    wait_until(lambda: server.count() >= 20)  # connections arrive all the time
    server.stop()
    stop.set()
    for t in knockers:
        t.join(30)


def test_connections_arriving_as_the_fake_stops_are_closed_by_it():
    # On Python 3.11 asyncio's own server drops a connection accepted in the tick that closes it
    # (or whose accept task has not run when the loop stops), socket still open.
    with no_resource_warnings():
        for _ in range(5):
            stop_while_knocked_at()

"""What nbconnect's widgets share: their front-end files, a background loop, and request/reply messages.

State lives in synced traitlets; actions are custom messages ``{"kind": ..., "id": ...}`` answered
with ``{"kind": "reply", "id": ..., "ok": ..., ...}`` (errors travel in the reply, never into the
kernel log). Secrets only ever arrive inside such a message and are never stored in a trait.

Network work (verify, runs) goes to one background thread with its own event loop, so the kernel
stays free: other cells run while a check or a run is in flight.

One writer for widget state. Traits change from two threads: the kernel's (the browser's edits, the
user's code) and the background loop's (runs, checks, organization changes they cause). We do *not*
marshal the background's writes to the kernel's IOLoop: that loop is blocked for as long as a cell
runs, so progress would freeze until the cell ends, which is what the background thread exists to
avoid. ipykernel's IOPub socket accepts messages from any thread (it queues them for its IO
thread), so the background thread may send; what is not thread-safe is ipywidgets' per-widget sync
bookkeeping (``hold_sync``'s pending set, the property lock). So every trait change and every
custom message of a widget passes through its one re-entrant lock (:meth:`Widget.notify_change`,
:meth:`Widget.set_state`, :meth:`Widget._reply`), and :meth:`Widget.batch` groups several changes
under that lock into one comm message, so the browser never sees half of an update.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, ClassVar

import anywidget

from .assets import asset, bundle

__all__ = ["Throttle", "Widget", "asset", "background", "bundle"]

log = logging.getLogger("nbconnect.widgets")

#: the message every view sends first (js/_shared.js HELLO)
HELLO = "hello"


class _Background:
    """One daemon thread running an asyncio loop for all widget work."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def main() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                threading.Thread(target=main, name="nbconnect-widgets", daemon=True).start()
                ready.wait()
                self._loop = loop
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


background = _Background()


class Throttle:
    """At most one update per ``every`` seconds (progress, say); one offered sooner is pushed when the
    window closes (reading the state of that moment), so the last update is never dropped.

    Used only on the background loop's thread (the run's callbacks and its ``call_later`` timer run
    there), so it needs no lock, and ``close()`` there cancels a pending update for certain.
    """

    def __init__(self, every: float) -> None:
        self.every = every
        self._last = float("-inf")
        self._pending: asyncio.TimerHandle | None = None
        self._closed = False

    def offer(self, push: Callable[[], None], *, force: bool = False) -> None:
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        wait = self._last + self.every - loop.time()
        if wait <= 0 or force:
            self._fire(push)
        elif self._pending is None:
            self._pending = loop.call_later(wait, self._fire, push)

    def _fire(self, push: Callable[[], None]) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if not self._closed:
            self._last = asyncio.get_running_loop().time()
            push()

    def close(self) -> None:
        self._closed = True
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


class Widget(anywidget.AnyWidget):
    """Base of nbconnect's widgets: dispatches ``{"kind": ...}`` messages to ``on_<kind>`` methods.

    A handler returns a dict (merged into the reply) or a coroutine (run in the background; its
    result becomes the reply when it finishes). Exceptions become ``{"ok": False, "error": ...}``.
    """

    handlers: ClassVar[tuple[str, ...]] = ()
    _computed: ClassVar[frozenset[str]] = frozenset()
    """Synced traits Python derives (from the organization): neither a keyword argument nor
    writable from the browser."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Widget:
        self = super().__new__(cls, *args, **kwargs)
        # before __init__: subclasses may set traits before calling it (ModelPicker does)
        self._state_lock = threading.RLock()
        return self

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(
            k for k in kwargs if k.startswith("_") or k in self._computed or not self.has_trait(k)
        )
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {', '.join(unknown)}")
        super().__init__(**kwargs)
        self.on_msg(self._dispatch)
        # the last replies sent, for tests and debugging (no secrets); bounded so a long session
        # does not keep every reply forever
        self.sent: deque[dict[str, Any]] = deque(maxlen=100)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Change several traits as one update: under the widget's lock, sent as one comm message."""
        with self._state_lock, self.hold_sync():
            yield

    def notify_change(self, change: Any) -> None:
        # every trait change, from any thread, is sent (and its observers run) under the one lock
        with self._state_lock:
            super().notify_change(change)

    def set_state(self, sync_data: dict[str, Any]) -> None:
        # The browser may write only what its user controls; computed traits follow the organization.
        with self._state_lock:
            super().set_state({k: v for k, v in sync_data.items() if k not in self._computed})

    def _watch_org(self, org: Any, method: str) -> None:
        """Call ``self.<method>()`` after every change of ``org`` while this widget is open.

        ``org`` keeps only a weak reference to the widget, so a forgotten widget can be collected.
        """
        ref = weakref.ref(self)

        def on_change(_org: Any) -> None:
            widget = ref()
            if widget is not None and widget.comm is not None:
                with widget.batch():  # often called on the background loop (a verify finished)
                    getattr(widget, method)()

        org.on_change(on_change)

    def on_hello(self, _content: dict[str, Any]) -> dict[str, Any]:
        """Every view's first message (``messageCheck`` in js/_shared.js): the answer tells it that
        this front end carries custom messages; without one it shows a note instead of failing quietly."""
        return {}

    def _dispatch(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("kind") not in (*self.handlers, HELLO):
            return
        kind, msg_id = content["kind"], content.get("id")
        handler: Callable[[dict[str, Any]], Any] = getattr(self, f"on_{kind}")
        try:
            outcome = handler(content)
        except Exception as exc:  # shown next to the form, not raised into the kernel log
            self._reply(kind, msg_id, {"ok": False, "error": str(exc)})
            return
        if asyncio.iscoroutine(outcome):
            future = background.submit(outcome)
            future.add_done_callback(lambda f: self._finish(kind, msg_id, f))
        else:
            self._reply(kind, msg_id, {"ok": True, **(outcome or {})})

    def _finish(self, kind: str, msg_id: Any, future: concurrent.futures.Future[Any]) -> None:
        try:
            result = future.result()
        except Exception as exc:
            log.debug("widget action %s failed:\n%s", kind, "".join(traceback.format_exception(exc)))
            self._reply(kind, msg_id, {"ok": False, "error": str(exc)})
            return
        self._reply(kind, msg_id, {"ok": True, **(result or {})})

    def _reply(self, kind: str, msg_id: Any, payload: dict[str, Any]) -> None:
        message = {"kind": "reply", "for": kind, "id": msg_id, **payload}
        with self._state_lock:  # replies come from the kernel thread and from the background loop
            self.sent.append(message)
            self.send(message)

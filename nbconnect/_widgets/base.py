"""What nbconnect's widgets share: their front-end files, a background loop, and request/reply messages.

State lives in synced traitlets; actions are custom messages ``{"kind": ..., "id": ...}`` answered
with ``{"kind": "reply", "id": ..., "ok": ..., ...}`` (errors travel in the reply, never into the
kernel log). Secrets only ever arrive inside such a message and are never stored in a trait.

Network work (verify, runs) goes to one background thread with its own event loop, so the kernel
stays free: other cells run while a check or a run is in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, ClassVar

import anywidget

__all__ = ["Widget", "asset", "background", "bundle"]

log = logging.getLogger("nbconnect.widgets")

_HERE = Path(__file__).resolve().parent


def asset(name: str) -> Path:
    """A front-end file: ``nbconnect/_static/NAME`` in a wheel, ``js/NAME`` in a source checkout."""
    for folder in (_HERE.parent / "_static", _HERE.parent.parent / "js"):
        path = folder / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"nbconnect front-end file {name!r} is missing; reinstall nbconnect")


def bundle(*names: str) -> Any:
    """The front-end files joined into one ES module (``_shared.js`` first, so every widget uses
    the same helpers without a build step or runtime imports, which some front ends block).

    With ``ANYWIDGET_HMR=1`` in a source checkout, the bundle is rebuilt and pushed to live
    widgets whenever one of its files changes (anywidget's hot reload).
    """
    paths = [asset(name) for name in names]
    text = "\n".join(p.read_text(encoding="utf-8") for p in paths)
    if not os.environ.get("ANYWIDGET_HMR") or "site-packages" in str(paths[0]):
        return text
    from anywidget._file_contents import FileContents, VirtualFileContents

    virtual = VirtualFileContents(text)
    for path in paths:
        watched = FileContents(path)
        watched.changed.connect(
            lambda _new, paths=paths: setattr(
                virtual, "contents", "\n".join(p.read_text(encoding="utf-8") for p in paths)
            )
        )
    return virtual


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


class Widget(anywidget.AnyWidget):
    """Base of nbconnect's widgets: dispatches ``{"kind": ...}`` messages to ``on_<kind>`` methods.

    A handler returns a dict (merged into the reply) or a coroutine (run in the background; its
    result becomes the reply when it finishes). Exceptions become ``{"ok": False, "error": ...}``.
    """

    handlers: ClassVar[tuple[str, ...]] = ()
    _computed: ClassVar[frozenset[str]] = frozenset()
    """Synced traits Python derives (from the organization): neither a keyword argument nor
    writable from the browser."""

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

    def set_state(self, sync_data: dict[str, Any]) -> None:
        # The browser may write only what its user controls; computed traits follow the organization.
        super().set_state({k: v for k, v in sync_data.items() if k not in self._computed})

    def _watch_org(self, org: Any, method: str) -> None:
        """Call ``self.<method>()`` after every change of ``org`` while this widget is open.

        ``org`` keeps only a weak reference to the widget, so a forgotten widget can be collected.
        """
        ref = weakref.ref(self)

        def on_change(_org: Any) -> None:
            widget = ref()
            if widget is not None and widget.comm is not None:
                getattr(widget, method)()

        org.on_change(on_change)

    def _dispatch(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("kind") not in self.handlers:
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
        self.sent.append(message)
        self.send(message)

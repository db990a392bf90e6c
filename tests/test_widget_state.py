"""One writer for widget state: what the browser receives while a run goes on in the background and
the kernel thread is busy (a long cell) or writing traits itself (the user typing)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import nbconnect as nbc
from nbconnect._widgets.playground import Playground

DATA = [{"text": f"review {i}: {'great' if i % 2 else 'awful'}"} for i in range(60)]
MODELS = ["demo:demo-careful", "demo:demo-fast"]


class Recorder:
    """Stands in for the widget's comm: keeps every message with the thread that sent it."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def publish_msg(self, _msg_type: str, data: Any = None, **_kw: Any) -> None:
        with self._lock:
            self.messages.append((threading.current_thread().name, data))

    def updates(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return [(who, d["state"]) for who, d in self.messages if d.get("method") == "update"]


def recorded(org: nbc.Organization, rows: list[dict[str, str]]) -> tuple[Playground, Recorder]:
    pg = Playground(
        org,
        data=rows,
        prompt="Classify: {text}",
        schema="label: positive|negative",
        models=MODELS,
        cache=False,
    )
    recorder = Recorder()
    pg.core.comm.publish_msg = recorder.publish_msg  # type: ignore[method-assign]
    return pg, recorder


def test_progress_flows_while_a_cell_blocks_and_the_final_state_arrives_whole():
    org = nbc.Organization(persist=False, connections=[nbc.Demo(latency=0.05)])
    pg, rec = recorded(org, DATA)
    total = len(DATA) * len(MODELS)
    pg.run()
    # "Another cell": the kernel thread blocks (no event loop turns) until half the run is done.
    while pg._job.progress.done < total // 2:
        time.sleep(0.05)
    during = [
        s["progress"]
        for who, s in rec.updates()
        if "progress" in s and who == "nbconnect-widgets" and 0 < s["progress"]["done"] < total
    ]
    assert len(during) >= 2, "no progress reached the browser while the kernel thread was blocked"
    results = pg.wait(60)
    assert results is not None and not pg.core.running

    updates = rec.updates()
    dones = [s["progress"]["done"] for _, s in updates if "progress" in s]
    assert dones == sorted(dones), f"progress went backwards: {dones}"  # no reordered or stale update
    # the update that ends the run carries everything the browser shows about it, in one message
    final = [i for i, (_, s) in enumerate(updates) if s.get("running") is False]
    assert len(final) == 1, [s.keys() for _, s in updates]
    state = updates[final[0]][1]
    assert {"table", "summary", "message", "plots"} <= set(state), sorted(state)
    # nothing the run wrote came after it: no late progress overwrote the finished one
    assert all("progress" not in s for _, s in updates[final[0] + 1 :])
    last = next(s["progress"] for _, s in reversed(updates) if "progress" in s)
    assert last["done"] == last["total"] == total and last["finished"]
    assert last == pg.core.progress  # what Python holds is what the browser got
    # the table and the progress describe the same run: all its rows, each with every model's cell
    table = state["table"]
    assert table["total_rows"] * len(MODELS) == last["done"] == len(results.df)
    assert all(set(r["cells"]) == set(MODELS) for r in table["rows"])
    assert state["message"] == f"done: {int(results.df['_valid'].sum())} valid of {total} cells"


def test_kernel_thread_writes_during_a_run_lose_nothing():
    """The user edits traits (kernel thread, as browser messages do) while progress is written on the
    background loop: each side's last value must be the one Python holds and the browser got last."""
    org = nbc.Organization(persist=False, connections=[nbc.Demo(latency=0.02)])
    pg, rec = recorded(org, DATA)
    pg.run()
    seeds = 0
    while pg.core.running:
        seeds += 1
        pg.core.set_state({"seed": seeds})  # what a browser edit does, on the kernel thread
        time.sleep(0.002)
    pg.wait(60)
    assert seeds > 10
    updates = rec.updates()
    assert pg.core.seed == seeds
    sent_progress = [s["progress"] for _, s in updates if "progress" in s]
    assert sent_progress[-1] == pg.core.progress and pg.core.progress["finished"]
    # each message is whole: no update mixes in a half-built state (every progress dict is complete)
    keys = {"total", "done", "errors", "spend_usd", "finished", "stopped", "retries", "wait_s", "models"}
    assert all(set(p) == keys for p in sent_progress)
    assert all(sum(m["done"] for m in p["models"].values()) == p["done"] for p in sent_progress)


def test_a_verify_on_the_background_loop_refreshes_the_picker_in_one_update():
    """Organization listeners run on the background loop; the picker's groups and rows change together."""
    org = nbc.Organization(persist=False, connections=[nbc.Demo()])
    pg, _ = recorded(org, DATA)
    recorder = Recorder()
    pg.picker.comm.publish_msg = recorder.publish_msg  # type: ignore[method-assign]
    pg.picker._dispatch(pg.picker, {"kind": "verify", "id": "v1"}, None)
    deadline = time.monotonic() + 30
    while not any(m.get("method") == "custom" for _, m in recorder.messages) and time.monotonic() < deadline:
        time.sleep(0.01)
    updates = recorder.updates()
    changed = [s for _, s in updates if "connections" in s or "rows" in s]
    assert changed and all({"connections", "rows"} <= set(s) for s in changed), [list(s) for s in changed]
    assert changed[-1]["connections"][0]["status"] == "ok" == org.state("demo")
    assert all(r["status"] == "ok" for r in changed[-1]["rows"])


def test_throttle_sends_the_latest_state_once_the_window_closes_and_nothing_after_close():
    from nbconnect._widgets.base import Throttle

    async def scenario() -> tuple[list[int], list[int]]:
        state = {"n": 0}
        pushed: list[int] = []
        throttle = Throttle(0.05)
        for n in range(1, 6):  # five offers inside one window: the first goes out, the rest wait
            state["n"] = n
            throttle.offer(lambda: pushed.append(state["n"]))
        first = list(pushed)
        await asyncio.sleep(0.2)  # the window closes: one trailing push with the state of that moment
        state["n"] = 6
        throttle.offer(lambda: pushed.append(state["n"]))  # a new window: at once
        state["n"] = 7
        throttle.offer(lambda: pushed.append(state["n"]))  # pending...
        throttle.close()  # ...and cancelled: the run's final state must stay the last word
        await asyncio.sleep(0.2)
        throttle.offer(lambda: pushed.append(99), force=True)  # closed means closed, even forced
        return first, pushed

    first, pushed = asyncio.run(scenario())
    assert first == [1]
    assert pushed == [1, 5, 6]

"""The answer cache writes from a thread of its own: an answer is readable at once, on disk after
close(), and a later Cache (the resumed run) finds every one of them."""

from __future__ import annotations

import sqlite3

from nbconnect._engine.cache import Cache
from nbconnect._wire.adapter import Reply


def reply(i: int) -> Reply:
    return Reply(valid=True, value={"label": "positive", "n": i}, input_tokens=i, cost_usd=0.001 * i)


def test_answers_are_readable_at_once_and_all_on_disk_after_close(tmp_path):
    path = tmp_path / "replies.sqlite"
    cache = Cache(path)
    for i in range(500):
        cache.put(f"k{i}", reply(i))
        assert cache.get(f"k{i}").value == {"label": "positive", "n": i}  # before any commit, too
    cache.put("bad", Reply(valid=False, value=None))  # failures are never stored
    cache.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM replies").fetchone()[0] == 500
    resumed = Cache(path)
    assert len(resumed) == 500 and resumed.get("bad") is None
    assert resumed.get("k499").input_tokens == 499 and resumed.get("k7").cost_usd == 0.007
    resumed.put("k7", reply(70))  # a rerun's newer answer replaces the old one
    assert len(resumed) == 500 and resumed.get("k7").input_tokens == 70
    resumed.clear()
    assert len(resumed) == 0
    resumed.close()

"""Default options do not throttle: ``concurrency=N`` on one model keeps N calls in flight, as the
server counts them, with the answer cache and the progress bar on (issue 19)."""

from __future__ import annotations

import pytest
from _orgs import custom_org

from nbconnect._engine.api import run
from nbconnect.testing import FakeProvider


@pytest.mark.parametrize("concurrency", [64, 128])  # 128: past any per-client connection cap of 100
def test_concurrency_on_one_model_is_what_the_server_sees(tmp_path, concurrency):
    with FakeProvider(latency=1.5) as server:  # every call still in flight when the last one starts
        org = custom_org(server)
        res = run(
            "Classify: {text}",
            data=[f"row {i}" for i in range(concurrency)],
            schema="label: positive|negative, score: float",
            models=["model-a"],
            org=org,
            concurrency=concurrency,
            cache=str(tmp_path / "replies.sqlite"),  # the default cache=True, in a file of the test's own
        )
        assert res.df["_valid"].all() and len(res.df) == concurrency
        assert server.max_in_flight == concurrency

"""The Playground's judge panel: nbc.judge on the current results, in the background, stoppable,
its grades in the table, its summary per arm with intervals and its cost apart from the run's."""

from __future__ import annotations

import time

import numpy as np
import pytest
from _data import love_hate

import nbconnect as nbc
from nbconnect._widgets.playground import Playground

DATA = love_hate(30)
MODELS = ["demo:demo-careful", "demo:demo-fast"]
RUBRIC = "The label is the sentiment of the review"


def send(pg: Playground, kind: str, **body) -> dict:
    pg.core._dispatch(pg.core, {"kind": kind, "id": f"t-{kind}", **body}, None)
    return pg.core.sent[-1]


def wait_judge(pg: Playground, timeout: float = 60.0) -> None:
    """Until the judge is no longer running (an event; ``timeout`` only ends a hang)."""
    deadline = time.monotonic() + timeout
    while pg.core.judge.get("running"):
        assert time.monotonic() < deadline, "the judge never finished"
        time.sleep(0.02)


def ran(org=None, data=DATA) -> Playground:
    pg = Playground(org or nbc.Organization.demo(), data=data, prompt="Classify: {text}",
                    schema="label: positive|negative|neutral", models=MODELS, truth="gold", cache=False)  # fmt: skip
    pg.run()
    pg.wait(60)
    return pg


def test_judge_before_a_run_or_without_models_says_what_to_do():
    pg = Playground(nbc.Organization.demo(), data=DATA, prompt="Classify: {text}", schema="label: a|b",
                    models=MODELS, cache=False)  # fmt: skip
    assert (
        pg.core.judge_choices == [r["ref"] for r in pg.picker.rows]
        and "demo:demo-echo" in pg.core.judge_choices
    )
    reply = send(pg, "judge")
    assert not reply["ok"] and "run the prompt first" in reply["error"]
    pg.run()
    pg.wait(60)
    pg.core.judge_rubric = RUBRIC
    reply = send(pg, "judge")
    assert not reply["ok"] and "judge model" in reply["error"]
    pg.core.judge_models, pg.core.judge_rubric = ["demo:demo-careful"], " "
    reply = send(pg, "judge")
    assert not reply["ok"] and "rubric" in reply["error"]


def test_a_judge_grades_the_table_and_summarises_each_arm_like_nbc_judge():
    pg = ran()
    core = pg.core
    core.judge_rubric, core.judge_models, core.judge_reference = (
        RUBRIC,
        ["demo:demo-careful", "demo:demo-fast"],
        "gold",
    )
    reply = send(pg, "judge")
    assert reply["ok"] and reply["calls"] == 2 * int(pg.results.df["_valid"].sum())
    wait_judge(pg)
    state = core.judge
    assert state["message"].startswith("judged: ") and "stopped" not in state["message"]
    # the same judge from Python: the same grades and the same figures per arm
    expected = nbc.judge(pg.results, RUBRIC, models=core.judge_models, field="label", reference="gold",
                         inputs=["text"], org=pg.org, cache=False, progress=False)  # fmt: skip
    scores = expected.scores().set_index("arm")
    assert [r["arm"] for r in state["summary"]] == MODELS
    for row in state["summary"]:
        want = scores.loc[row["arm"]]
        assert row["n"] == want["n"] > 0
        assert row["score"] == pytest.approx(want["score"])
        assert row["score_ci_low"] == pytest.approx(want["score_ci_low"])
        assert row["score_ci_low"] < row["score"] < row["score_ci_high"]
        assert row["score_ci_high"] == pytest.approx(want["score_ci_high"])
    cost = expected.cost()
    assert (
        state["cost_usd"] == pytest.approx(cost.loc["judge", "cost_usd"], abs=1e-6) and state["cost_usd"] > 0
    )
    assert state["run_cost_usd"] == pytest.approx(cost.loc["run", "cost_usd"], abs=1e-6)
    # the table's graded cells carry the judges' majority, which differs between cells
    joined = expected.join().set_index(["row", "model"])["judge.majority"]
    grades = [
        (r["row"], m, c["grade"]) for r in core.table["rows"] for m, c in r["cells"].items() if "grade" in c
    ]
    assert len(grades) == sum(c["valid"] for r in core.table["rows"] for c in r["cells"].values())
    assert all((joined.loc[(row, m)] or "split") == g for row, m, g in grades)  # two judges may split
    assert {"pass", "fail"} <= {g for *_, g in grades}
    # a new run's results drop the grades of the old ones
    pg.run()
    pg.wait(60)
    assert core.judge == {} and pg.verdicts is None
    assert all("grade" not in c for r in core.table["rows"] for c in r["cells"].values())


def test_stop_judge_ends_it_keeping_the_grades_that_finished():
    org = nbc.Organization(persist=False, connections=[nbc.Demo(latency=0.2)])
    pg = ran(org, DATA * 4)
    pg.core.judge_rubric, pg.core.judge_models = RUBRIC, ["demo:demo-careful"]
    pg.core.concurrency = 4
    assert send(pg, "judge")["ok"]
    deadline = time.monotonic() + 30
    while not (pg.core.judge.get("progress") or {}).get("done"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert send(pg, "run")["ok"] is False  # one thing at a time
    send(pg, "judge_stop")
    wait_judge(pg)
    df = pg.verdicts.df
    assert "(stopped)" in pg.core.judge["message"]
    assert 0 < df["_valid"].sum() < len(df)
    assert set(df.loc[~df["_valid"], "_error_type"]) <= {"cancelled"}
    summary = pg.core.judge["summary"]
    # the summary scores the cells graded before Stop (one judge: one grade each), not the others
    assert sum(r["n"] for r in summary) == df["_valid"].sum()
    assert any(r["score"] is not None and np.isfinite(r["score"]) for r in summary)

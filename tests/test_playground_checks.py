"""The Playground says what is wrong by the box that causes it, all at once, before anything runs;
after Stop its numbers count what was not run instead of scoring it; retries show while they wait."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from _data import love_hate

import nbconnect as nbc
from nbconnect._results.results import Results
from nbconnect._widgets.playground import Playground
from nbconnect._widgets.playground_checks import excerpt, schema_check, template_check
from nbconnect._widgets.playground_view import answered_counts, answered_summary
from nbconnect.testing import FakeProvider, Fault

DATA = love_hate(40, battery=False)
MODELS = ["demo:demo-careful", "demo:demo-fast"]
SCHEMA = "label: positive|negative|neutral, score: float"


def send(pg: Playground, kind: str, **body):
    pg.core._dispatch(pg.core, {"kind": kind, "id": f"t-{kind}", **body}, None)
    return pg.core.sent[-1]


def playground(org=None, **kw) -> Playground:
    kw.setdefault("data", DATA)
    kw.setdefault("schema", SCHEMA)
    kw.setdefault("models", MODELS)
    return Playground(org or nbc.Organization.demo(), cache=False, **kw)


# -- the prompt ----------------------------------------------------------------------------------


def test_an_empty_prompt_is_refused_by_the_prompt_box_and_nothing_runs():
    pg = playground()  # no prompt: the greyed example in the box is not one
    assert pg.core.problems["prompt"] and "prompt" in pg.core.problems["prompt"][0].lower()
    assert pg.core.estimate["calls"] == 0  # no price for a run that cannot be
    reply = send(pg, "run")
    assert not reply["ok"] and "prompt" in reply["error"]
    assert pg._job is None and pg.results is None
    with pytest.raises(nbc.NbconnectError, match="prompt"):
        pg.run()


def test_a_prompt_without_placeholder_is_refused_and_the_problem_clears_when_fixed():
    pg = playground(prompt="Classify the sentiment")
    assert "placeholder" in pg.core.problems["prompt"][0]
    assert not send(pg, "run")["ok"]
    pg.core.template = "Classify the sentiment of:\n{text}"  # two lines, as typed with Enter
    assert pg.core.problems["prompt"] == []
    assert pg.core.estimate["calls"] == 80


def test_template_syntax_errors_go_to_the_prompt_box_not_the_status_line():
    chips, problems = template_check("Classify {text", "", ["text"])
    assert chips == [] and "unbalanced braces" in problems[0]
    pg = playground(prompt="Classify {text")
    assert "unbalanced" in pg.core.problems["prompt"][0] and pg.core.message == ""


# -- the schema ----------------------------------------------------------------------------------


def test_unbalanced_json_says_line_column_and_shows_the_line_with_a_caret():
    text = '{"type": "object",\n "properties": {\n  "a": {"type": "string"}\n  "b": {"type": "number"}}}'
    schema, status = schema_check(text, ["text"])
    assert schema is None and not status["ok"]
    assert status["line"] == 4 and "line 4, column 3" in status["message"]
    assert "position" not in status["message"]
    source, caret = status["excerpt"].split("\n")
    assert source == '4 |   "b": {"type": "number"}}}'
    assert source[caret.index("^")] == '"'  # the caret sits under the spot the parser stopped at
    assert caret.strip() == "^"


def test_a_short_form_error_caret_points_at_the_wrong_word():
    text = "label: positive|negative,\nscore: flaot"
    _, status = schema_check(text, [])
    assert status["line"] == 2 and "flaot" in status["message"]
    assert "\n" not in status["message"]  # the parser's own excerpt is replaced by the aligned one
    source, caret = status["excerpt"].split("\n")
    assert source[caret.index("^") :].endswith("flaot")
    assert excerpt("a\tb", 2)[2].split("\n")[1].index("^") == excerpt("a b", 2)[2].split("\n")[1].index("^")


def test_an_error_on_a_long_line_shows_the_stretch_around_it():
    text = (
        '{"type": "object", "properties": {'
        + ", ".join(f'"f{i}": {{"type": "string"}}' for i in range(30))
        + "}"
    )
    _, status = schema_check(text, [])  # one line, one brace short
    source, caret = status["excerpt"].split("\n")
    assert status["line"] == 1 and len(source) < 100
    assert source.startswith("1 | …")
    assert caret.index("^") == len(source)  # just past the end, where the missing brace goes
    _, _, near = excerpt("x" * 200 + "!" + "y" * 200, 200)
    top, mark = near.split("\n")
    assert top[mark.index("^")] == "!" and top.endswith("…")


def test_a_field_named_like_a_data_column_is_refused_at_the_schema_box():
    pg = playground(prompt="Classify: {text}", schema="text: str, label: positive|negative")
    status = pg.core.schema_status
    assert not status["ok"] and "'text'" in status["message"] and "data column" in status["message"]
    assert pg.core.problems["schema"] == [status["message"]]
    assert pg.core.estimate["calls"] == 0
    assert not send(pg, "run")["ok"] and pg._job is None
    pg.core.schema_text = "sentiment: str, label: positive|negative"
    assert pg.core.schema_status["ok"] and pg.core.problems["schema"] == []


def test_the_empty_schema_box_says_what_to_write_from_the_start():
    pg = Playground(nbc.Organization.demo(), data=DATA, prompt="Classify: {text}", models=MODELS)
    status = pg.core.schema_status
    assert not status["ok"] and status["message"].startswith("Write a schema")
    assert pg.core.problems["schema"] == [status["message"]]


def test_several_problems_are_said_at_once_each_by_its_box():
    pg = Playground(nbc.Organization.demo(), schema=None)
    problems = pg.core.problems
    assert problems["models"] and "model" in problems["models"][0]
    assert problems["data"] and "pg.data" in problems["data"][0]
    assert problems["prompt"] and problems["schema"]
    pg.picker.value = ["demo:demo-careful"]
    assert pg.core.problems["models"] == [] and pg.core.problems["prompt"]  # one fixed, the rest stay


def test_the_estimate_goes_while_the_schema_is_invalid_and_returns_with_it():
    pg = playground(prompt="Classify: {text}")
    assert pg.core.estimate["calls"] == 80
    pg.core.schema_text = "label: "
    assert pg.core.estimate["calls"] == 0 and pg.core.estimate["cost_usd"] is None
    pg.core.schema_text = SCHEMA
    assert pg.core.estimate["calls"] == 80


# -- after Stop -------------------------------------------------------------------------------------


def _cells(model: str, answered: int, right: int, total: int = 10) -> list[dict]:
    rows = []
    for r in range(total):
        if r < answered:
            label = "positive" if r < right else "negative"
            rows.append(
                {
                    "row": r,
                    "text": f"t{r}",
                    "gold": "positive",
                    "model": model,
                    "label": label,
                    "_valid": True,
                }
            )
        else:
            rows.append(
                {"row": r, "text": f"t{r}", "gold": "positive", "model": model, "_error_type": "cancelled"}
            )
    return rows


def test_cells_not_run_are_counted_not_scored_as_wrong():
    results = Results.from_rows(
        _cells("a", answered=4, right=3) + _cells("b", answered=0, right=0),
        fields=["label"],
        models=["a", "b"],
        inputs=["text", "gold"],
    )
    summary = answered_summary(results, {"label": "gold"})
    assert summary.loc["a", "answered"] == 4 and summary.loc["a", "not_run"] == 6
    assert summary.loc["a", "accuracy"] == pytest.approx(3 / 4)  # not 3/10
    assert summary.loc["b", "answered"] == 0 and summary.loc["b", "not_run"] == 10
    assert pd.isna(summary.loc["b", "accuracy"])  # nothing answered: no accuracy, not 0
    assert answered_counts(results) == {
        "cells": 20,
        "answered": 4,
        "not_run": 16,
        "valid": 4,
        "ended": "stopped",
    }


def test_a_stopped_run_says_stopped_and_shows_answered_and_not_run():
    org = nbc.Organization(persist=False, connections=[nbc.Demo(latency=0.2)])
    pg = playground(org, data=DATA * 5, prompt="Classify: {text}", truth="gold")
    send(pg, "run")
    while pg._job.progress.done < 10:
        time.sleep(0.02)
    send(pg, "stop")
    results = pg.wait(20)
    df = results.df
    sent = ~df["_error_type"].isin(["cancelled", "budget", "pending"])
    progress = pg.core.progress
    assert progress["finished"] and progress["stopped"] == "stopped"
    assert progress["done"] == int(sent.sum()) < progress["total"]
    assert "(stopped)" in pg.core.message and f"{int((~sent).sum())} not run" in pg.core.message
    cells = [c for r in pg.core.table["rows"] for c in r["cells"].values()]
    assert any(c.get("not_run") for c in cells)
    assert all("right" not in c for c in cells if c.get("not_run"))  # never sent: neither right nor wrong
    assert all("right" in c for c in cells if not c.get("not_run"))
    for row in pg.core.summary:
        cells = df[df["model"] == row["model"]]
        answered = cells[sent[cells.index]]
        assert row["answered"] == len(answered) and row["answered"] + row["not_run"] == len(cells)
        if answered.empty:  # nothing answered yet: no accuracy at all, rather than 0
            assert row["accuracy"] is None
            continue
        right = (answered["_valid"] & (answered["label"] == answered["gold"])).mean()
        assert row["accuracy"] == pytest.approx(right)


# -- retries -------------------------------------------------------------------------------------------


def test_progress_shows_retries_and_waits_before_any_cell_finishes():
    with FakeProvider() as fake:
        fake.script("/chat/completions", [Fault("rate_limit", retry_after=1)] * 3)
        org = nbc.Organization(
            persist=False, connections=[nbc.CustomLLM(name="slow", endpoint=f"{fake.url}/v1")]
        )
        pg = Playground(
            org, data=DATA[:1], prompt="Classify: {text}", schema=SCHEMA, models=["slow"], cache=False
        )
        send(pg, "run")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not pg.core.progress.get("retries"):
            time.sleep(0.02)
        seen = dict(pg.core.progress)
        assert seen["done"] == 0 and seen["retries"] >= 1 and seen["wait_s"] >= 1.0
        assert seen["models"]["slow"]["retries"] == seen["retries"]
        pg.wait(30)
        assert pg.core.progress["done"] == 1 and pg.core.progress["retries"] == 3

"""The Playground's Python side: messages in, traits out, runs that never block, throttled progress."""

from __future__ import annotations

import json
import time

import pytest
from _data import love_hate

import nbconnect as nbc
from nbconnect._widgets.playground import PAGE, Playground

DATA = love_hate(40)
SCHEMA = "label: positive|negative|neutral, score: float"
MODELS = ["demo:demo-careful", "demo:demo-fast"]


def send(pg: Playground, kind: str, **body):
    pg.core._dispatch(pg.core, {"kind": kind, "id": f"t-{kind}", **body}, None)
    return pg.core.sent[-1]


def playground(org=None, **kw) -> Playground:
    kw.setdefault("data", DATA)
    kw.setdefault("prompt", "Classify: {text}")
    kw.setdefault("schema", SCHEMA)
    kw.setdefault("models", MODELS)
    return Playground(org or nbc.Organization.demo(), cache=False, **kw)


def test_template_chips_and_estimate_follow_typing():
    pg = playground()
    assert pg.core.variables == [{"name": "text", "ok": True}]
    assert pg.core.estimate["calls"] == 80 and pg.core.estimate["cost_usd"] > 0
    pg.core.template = "About {title}: {text}"
    assert {"name": "title", "ok": False} in pg.core.variables
    assert "title" in pg.core.estimate["error"] and "text, gold" in pg.core.estimate["error"]
    pg.core.selection, pg.core.n = "first", 5
    pg.core.template = "Classify: {text}"
    assert pg.core.estimate["calls"] == 10


def test_schema_editor_reports_line_and_reason():
    pg = playground()
    pg.core.schema_text = '{\n  "type": "object",\n  "properties": {"a": {"type": "strng"}}\n}'
    status = pg.core.schema_status
    assert not status["ok"] and "strng" in status["message"]
    pg.core.schema_text = "label: positive|negative,\nscore: "
    assert not pg.core.schema_status["ok"] and pg.core.schema_status["line"] == 2
    pg.core.schema_text = SCHEMA
    status = pg.core.schema_status
    assert status["ok"] and status["fields"] == ["label", "score"]
    modes = {e["model"]: e["mode"] for e in status["enforcement"]}
    # demo-fast has no native JSON schema (catalog): it is asked in JSON mode from the start
    assert modes == {"demo:demo-careful": "json_schema_strict", "demo:demo-fast": "json_object"}


def test_run_through_messages_fills_results_table_and_summary():
    pg = playground(truth="gold")
    reply = send(pg, "run")
    assert reply["ok"] and reply["calls"] == 80
    results = pg.wait(30)
    assert not pg.core.running and "done: " in pg.core.message
    assert len(results.df) == 80
    table = pg.core.table
    assert table["field"] == "label" and table["models"] == MODELS and table["pages"] == 1
    first = table["rows"][0]
    assert first["truth"] == "negative" and set(first["cells"]) == set(MODELS)
    assert all("right" in c for c in first["cells"].values())
    summary = {row["model"]: row for row in pg.core.summary}
    assert summary["demo:demo-careful"]["accuracy"] >= summary["demo:demo-fast"]["accuracy"]
    assert pg.core.plots["cost"].startswith("<svg") and pg.core.plots["arms"] == MODELS
    assert pg.core.progress["done"] == 80 and pg.core.progress["finished"]
    detail = send(pg, "cell", row=0, model="demo:demo-careful")
    assert detail["ok"] and json.loads(detail["cell"]["raw"])["label"] in ("positive", "negative", "neutral")
    pg.core.compare_field = "score"
    assert pg.core.table["field"] == "score"


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll until ``condition()`` holds (an event, not a time bound: ``timeout`` only ends a hang)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never became true"
        time.sleep(0.01)


def test_run_does_not_block_and_stop_keeps_finished_cells():
    org = nbc.Organization(persist=False, connections=[nbc.Demo(latency=0.3)])
    pg = playground(org, data=DATA * 5)
    send(pg, "run")
    assert pg.core.running and not pg._job.progress.finished  # the handler returned while the run goes on
    wait_for(lambda: pg._job.progress.done > 0)
    partial = pg.results  # what finished so far, during the run
    assert 0 < partial.df["_valid"].sum() < 400
    send(pg, "stop")
    # The rest of the run needs several seconds (400 calls x 0.3 s / 16 at once): stopping must not
    # wait for it, which the cancelled cells below show. How fast Stop is: the browser test.
    results = pg.wait(30)
    df = results.df
    assert len(df) == 400 and 0 < df["_valid"].sum() < 400
    assert set(df.loc[~df["_valid"], "_error_type"]) <= {"cancelled", "schema_mismatch"}
    assert "(stopped)" in pg.core.message


def test_progress_updates_are_throttled():
    org = nbc.Organization(persist=False, connections=[nbc.Demo(latency=0.0)])
    pg = playground(org, data=DATA * 10)  # 800 calls, finished in about a second
    started = time.monotonic()
    send(pg, "run")
    pg.wait(60)
    elapsed = time.monotonic() - started
    assert pg.core.progress["done"] == 800
    # at most ~10 a second, plus the first and the last
    assert pg.progress_messages <= elapsed * 10 + 3, (pg.progress_messages, elapsed)


def test_results_pages_hold_one_page_only():
    pg = playground(data=DATA * 3)
    send(pg, "run")
    pg.wait(30)
    assert pg.core.table["pages"] == 3 and len(pg.core.table["rows"]) == PAGE
    send(pg, "page", page=2)
    assert pg.core.table["page"] == 2 and len(pg.core.table["rows"]) == 120 - 2 * PAGE


def test_errors_come_back_in_the_reply():
    pg = playground()
    pg.core.schema_text = "label: "
    reply = send(pg, "run")
    assert not reply["ok"] and "type" in reply["error"]


def test_no_secret_in_widget_state(tmp_path):
    secret = "sk-PLAYGROUND-SENTINEL-123456789"
    org = nbc.Organization(tmp_path / "s.json")
    org.add(nbc.Demo())
    org.add(nbc.OpenAI(api_key=secret))
    pg = playground(org)
    send(pg, "run")
    pg.wait(30)
    states = json.dumps(pg.core.get_state(), default=str) + json.dumps(pg.picker.get_state(), default=str)
    assert secret not in states


@pytest.mark.anyio
async def test_run_from_a_cell_with_a_running_loop():
    pg = playground()
    send(pg, "run")
    results = pg.wait(30)
    assert results.df["_valid"].any()


def test_truth_marks_only_the_field_it_answers():
    data = [{"text": d["text"], "gold_label": d["gold"]} for d in DATA]
    pg = playground(data=data, truth="gold_label", schema="score: float, label: positive|negative|neutral")
    send(pg, "run")
    pg.wait(30)
    assert pg.core.compare_field == "score"
    assert all("right" not in c for c in pg.core.table["rows"][0]["cells"].values())
    pg.core.compare_field = "label"
    assert all("right" in c for c in pg.core.table["rows"][0]["cells"].values())
    assert all(row["accuracy"] is not None for row in pg.core.summary)


def test_plots_are_the_reports_svg_with_each_arms_hover_figures():
    pg = playground(truth="gold")
    send(pg, "run")
    results = pg.wait(30)
    plots = pg.core.plots
    assert plots["label"] == "accuracy on label" and plots["arms"] == MODELS
    score = results.score({"label": "gold"}).set_index("model")
    for ref in MODELS:
        for svg_text in (plots["cost"], plots["latency"]):
            assert f'<g class="nbc-arm" data-arm="{ref}"><title>' in svg_text
        row = score.loc[ref]
        # the hover card: score with its Wilson interval, as the score table has them
        card = f"accuracy on label: {row['accuracy'] * 100:.1f}% [{row['accuracy_ci_low'] * 100:.1f}%, "
        assert card in plots["cost"], card
        assert f"n = {int(row['n'])}" in plots["cost"]
    assert "var(--nbc-fg" in plots["cost"]  # the theme's ink, not a fixed colour
    pg.core.truth = ""  # no truth: the share of valid answers instead
    assert pg.core.plots["label"] == "valid answers"

"""nbc.judge: a run through the same engine (cache, budget against a real loopback server),
the swapped order of pairwise judging, majority and agreement, and the Demo's verdicts."""

from __future__ import annotations

import pandas as pd
import pytest
from _orgs import custom_org

import nbconnect as nbc
from nbconnect._engine.judge import start_judge
from nbconnect._results.results import Results
from nbconnect._results.verdicts import Verdicts

TEXTS = [f"review {i}: it was {'great' if i % 2 else 'awful'}" for i in range(8)]


def graded(server, org):
    return nbc.run(
        "Classify: {text}", data=pd.DataFrame({"text": TEXTS}), schema="label: positive|negative",
        models=["model-a"], org=org, cache=False, progress=False,
    )  # fmt: skip


def test_a_rerun_of_the_judge_sends_nothing(server, tmp_path):
    org = custom_org(server, "model-a", "judge-1", "judge-2")
    res = graded(server, org)
    sent = server.count("/chat/completions")
    kw = dict(
        field="label",
        models=["judge-1", "judge-2"],
        org=org,
        cache=str(tmp_path / "c.sqlite"),
        progress=False,
    )
    first = nbc.judge(res, "the label fits the review", **kw)
    assert isinstance(first, Results) and len(first) == 16 and first.df["_valid"].all()
    assert server.count("/chat/completions") == sent + 16
    second = nbc.judge(res, "the label fits the review", **kw)
    assert server.count("/chat/completions") == sent + 16  # all from the cache
    assert second.df["_cached"].all()
    assert second.cost().loc["judge", "calls"] == 0 and first.cost().loc["judge", "calls"] == 16
    pd.testing.assert_series_equal(first.df["grade"], second.df["grade"])
    # each grading prompt carries the input and the graded answer, and asks for the grade schema
    body = [r.json for r in server.requests if r.path.endswith("/chat/completions")][-1]
    user = body["messages"][-1]["content"]
    assert "<input>\nreview" in user and "<answer>\n" in user and "pass, fail" in user
    assert body["response_format"]["json_schema"]["schema"]["properties"]["grade"]["enum"] == ["pass", "fail"]


def test_a_budget_stops_the_judge(server):
    org = custom_org(server, "model-a", "judge-1")
    res = graded(server, org)
    sent = server.count("/chat/completions")
    nbc.catalog.add("custom", "judge-1", input_per_m=1000.0, output_per_m=1000.0)
    try:
        job = start_judge(
            res, "fits", field="label", models=["judge-1"], org=org, cache=False, progress=False
        )
        from nbconnect._engine.plan import estimate_plan

        per_call = estimate_plan(job.job.plan).cost_usd / len(job.job.plan.cells)
        verdicts = nbc.judge(
            res, "fits", field="label", models=["judge-1"], org=org, cache=False, progress=False,
            budget_usd=2.5 * per_call, per_connection=1,
        )  # fmt: skip
    finally:
        nbc.catalog.reset()
    df = verdicts.df
    assert (df["_error_type"] == "budget").any()
    assert server.count("/chat/completions") - sent == int(df["_valid"].sum()) < 8
    assert verdicts.summary().loc["judge-1", "not_run"] > 0


def test_bad_judge_arguments_are_refused_before_any_request(server):
    org = custom_org(server, "model-a", "judge-1")
    res = graded(server, org)
    sent = server.count("/chat/completions")
    with pytest.raises(nbc.ConfigError, match="rubric"):
        nbc.judge(res, "", models=["judge-1"], org=org)
    with pytest.raises(nbc.ConfigError, match="unknown field"):
        nbc.judge(res, "ok", field="nope", models=["judge-1"], org=org)
    with pytest.raises(nbc.ConfigError, match="reference"):
        nbc.judge(res, "ok", reference="gold", models=["judge-1"], org=org)
    with pytest.raises(nbc.ConfigError, match="grades"):
        nbc.judge(res, "ok", grades=["pass"], models=["judge-1"], org=org)
    empty = Results.from_rows(
        [{"row": 0, "text": "t", "model": "judge-1", "label": None, "_valid": False}],
        fields=["label"], models=["judge-1"], inputs=["text"],
    )  # fmt: skip
    with pytest.raises(nbc.ConfigError, match="nothing to grade"):
        nbc.judge(empty, "ok", models=["judge-1"], org=org)
    with pytest.raises(nbc.ConfigError, match="unknown arm"):
        nbc.judge(res, "ok", pairwise=("model-a", "nope"), models=["judge-1"], org=org)
    with pytest.raises(nbc.ConfigError, match="sets 'data'"):
        nbc.judge(res, "ok", data=[], models=["judge-1"], org=org)
    assert server.count("/chat/completions") == sent


def _two_arm_results():
    rows = []
    for model in ("a", "b"):
        for i in range(4):
            rows.append({"row": i, "text": f"t{i}", "model": model, "label": f"{model}{i}", "_valid": True})
    return Results.from_rows(rows, fields=["label"], models=["a", "b"], inputs=["text"])


def test_pairwise_asks_twice_with_the_order_swapped():
    res = _two_arm_results()
    org = nbc.Organization.demo()
    job = start_judge(
        res, "better", models=["demo:demo-careful"], org=org, pairwise=("a", "b"), progress=False
    )
    data = job.job.plan.data
    assert list(data["order"]) == ["AB"] * 4 + ["BA"] * 4
    ab, ba = data.iloc[:4].reset_index(drop=True), data.iloc[4:].reset_index(drop=True)
    assert list(ab["answer_1"]) == ["a0", "a1", "a2", "a3"] and list(ab["answer_2"]) == [
        "b0",
        "b1",
        "b2",
        "b3",
    ]
    assert list(ba["answer_1"]) == list(ab["answer_2"]) and list(ba["answer_2"]) == list(ab["answer_1"])
    users = [c.user for c in job.job.plan.cells]
    assert "<answer_1>\na0\n</answer_1>" in users[0] and "<answer_1>\nb0\n</answer_1>" in users[4]


def _verdicts(grades: dict[str, list[str | None]], *, pairwise=False, graded=None):
    """Judge answers built by hand: grades[model][i] for judge row i (None: an invalid answer)."""
    rows = []
    for model, column in grades.items():
        for i, g in enumerate(column):
            cell = {"row": i, "model": model, "grade": g, "reason": "r", "_valid": g is not None}
            if pairwise:
                cell.update(graded_row=i % 4, order="AB" if i < 4 else "BA", answer_1="", answer_2="")
            else:
                cell.update(graded_row=i // 2, graded_model=["a", "b"][i % 2])
            rows.append(cell)
    inputs = ["graded_row", "order", "answer_1", "answer_2"] if pairwise else ["graded_row", "graded_model"]
    answers = Results.from_rows(rows, fields=["grade", "reason"], models=list(grades), inputs=inputs)
    info = {
        "judge": "pairwise" if pairwise else "grade",
        "pair": ["a", "b"],
        "values": {"pass": 1.0, "fail": 0.0},
    }
    return Verdicts.wrap(answers, graded, info)


def test_majority_of_three_judges_and_ties():
    v = _verdicts({
        "j1": ["pass", "pass", "fail", "fail", "pass", "pass", "fail", "pass"],
        "j2": ["pass", "fail", "fail", "pass", None, "fail", "fail", "pass"],
        "j3": ["fail", "fail", "fail", "pass", "fail", None, "pass", "pass"],
    })  # fmt: skip
    m = v.majority()
    assert m["majority"].tolist() == ["pass", "fail", "fail", "pass", None, None, "fail", "pass"]
    assert m["n_judges"].tolist() == [3, 3, 3, 3, 2, 2, 3, 3]
    assert m["agree"].round(3).tolist() == [0.667, 0.667, 1.0, 0.667, 0.5, 0.5, 0.667, 1.0]
    pairs = v.agreement("grade", pairs=True)
    assert list(pairs["a"])[:3] == ["j1", "j1", "j2"] and "kappa" in pairs


def test_join_and_scores_per_graded_arm():
    graded = _two_arm_results()
    v = _verdicts({"j1": ["pass", "fail", "pass", "pass", "fail", "fail", "pass", "pass"]}, graded=graded)
    joined = v.join()
    assert len(joined) == 8
    got = joined.set_index(["row", "model"])["judge.majority"]
    assert got[(0, "a")] == "pass" and got[(0, "b")] == "fail" and got[(2, "b")] == "fail"
    s = v.scores().set_index("arm")
    assert s.loc["a", "score"] == 0.75 and s.loc["b", "score"] == 0.5 and s.loc["a", "interval"] == "wilson"


def test_position_bias_counts_flipped_verdicts():
    # rows 0-3 asked AB then BA; j1 always picks the first answer shown: every row flips
    v = _verdicts({
        "j1": ["first"] * 8,
        "j2": ["first", "second", "tie", "first", "second", "first", "tie", "first"],
    }, pairwise=True)  # fmt: skip
    bias = v.position_bias()
    assert bias.loc["j1", "consistent"] == 0.0 and bias.loc["j1", "first_share"] == 1.0
    assert bias.loc["j1", "inconsistent"] == 4
    # j2: row 0 a (AB first, BA second); row 1 b; row 2 tie; row 3 a (AB first) vs b (BA first): flipped
    assert bias.loc["j2", ["a_wins", "b_wins", "ties", "inconsistent"]].tolist() == [1, 1, 1, 1]
    assert v.majority()["j2"].tolist() == ["a", "b", "tie", "inconsistent"]


def test_the_demo_judge_grades_against_the_reference_and_is_deterministic():
    org = nbc.Organization.demo()
    df = nbc.data.reviews().head(24)
    res = nbc.run("Tone of: {text}", data=df, schema="sentiment: positive|negative|neutral",
                  models=["demo:demo-echo"], org=org, cache=False, progress=False)  # fmt: skip
    kw = dict(
        field="sentiment",
        reference="gold_sentiment",
        inputs=["text"],
        models=["demo:demo-careful"],
        org=org,
        cache=False,
        progress=False,
    )
    v = nbc.judge(res, "the sentiment equals the reference", **kw)
    joined = v.join()
    right = (joined["sentiment"] == joined["gold_sentiment"])[joined["_valid"]]
    said = (joined["judge.majority"] == "pass")[joined["_valid"]]
    assert (right == said).mean() > 0.85  # the careful judge mostly sees who is right
    again = nbc.judge(res, "the sentiment equals the reference", **kw)
    assert again.df["grade"].tolist() == v.df["grade"].tolist()
    assert v.cost().loc["judge", "cost_usd"] > 0


def test_a_stopped_judge_keeps_its_cells_marked_not_run(server):
    org = custom_org(server, "model-a", "judge-1")
    res = graded(server, org)
    sent = server.count("/chat/completions")
    job = start_judge(res, "fits", field="label", models=["judge-1"], org=org, cache=False, progress=False)
    job.stop()
    verdicts = job.run()
    assert server.count("/chat/completions") == sent
    assert (verdicts.df["_error_type"] == "cancelled").all()
    assert verdicts.scores()["n_not_run"].tolist() == [
        0
    ]  # the graded cells ran; only their grades are missing
    assert verdicts.scores()["n_errors"].tolist() == [8]


def test_repeats_are_graded_cell_by_cell_and_graded_values_are_used():
    rows = []
    for i in range(6):
        for s in range(2):
            rows.append({"row": i, "text": f"text {i}", "gold": "positive", "model": "m", "sample": s,
                         "label": "positive" if (i + s) % 3 else "negative", "_valid": True})  # fmt: skip
    res = Results.from_rows(rows, fields=["label"], models=["m"], inputs=["text", "gold"])
    org = nbc.Organization.demo()
    v = nbc.judge(
        res, "the label is the reference", field="label", reference="gold", inputs=["text"],
        grades={"right": 1.0, "close": 0.5, "wrong": 0.0}, models=["demo:demo-careful"], org=org,
        cache=False, progress=False,
    )  # fmt: skip
    assert len(v) == 12 and set(v.inputs) >= {"graded_row", "graded_model", "graded_sample"}
    joined = v.join()
    assert len(joined) == 12 and joined["judge.majority"].notna().all()
    assert set(joined["judge.majority"]) <= {"right", "close", "wrong"}
    agree = (joined["label"] == joined["gold"]) == (joined["judge.majority"] == "right")
    assert agree.mean() >= 0.8  # the careful Demo judge compares the answer with the reference
    s = v.scores().iloc[0]
    assert (s["n"], s["n_rows"]) == (12, 6)  # repeats are clustered by row
    values = joined["judge.majority"].map({"right": 1.0, "close": 0.5, "wrong": 0.0})
    assert s["score"] == pytest.approx(values.mean())

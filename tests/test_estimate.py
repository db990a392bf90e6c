"""``nbc.estimate`` against what the run sends: one row per (variant, model) arm, each with the
settings its cells are sent with; prices read from catalog.json directly; the output limit of
each wire's requests read from the FakeProvider's log; and the upper bound held against what the
Demo then bills (tokens it counts, costs in Results), live and batched."""

from __future__ import annotations

import pandas as pd
import pytest
from _orgs import fake_org
from _prices import batch_discount, bill, prices

import nbconnect as nbc
from nbconnect._engine.estimate import arm_key
from nbconnect._engine.plan import estimate_plan, make_plan, per_call_estimate
from nbconnect._engine.variants import Settings
from nbconnect._widgets.playground import Playground
from nbconnect.testing import FakeProvider

TEMPLATE = "Classify this review: {text}"
SCHEMA = "sentiment: positive|negative|neutral"
ROWS, REPEATS = 5, 2
RUN_MAX_TOKENS = 60  # what a variant that sets no max_tokens inherits
VARIANTS = {
    "terse": {"max_tokens": 2},  # below any answer: every one is cut short
    "plain": {},
    "roomy": {"max_tokens": 400, "reasoning_effort": "high", "system": "Think step by step, carefully."},
}
LIMITS = {"terse": 2, "plain": RUN_MAX_TOKENS, "roomy": 400}  # max_completion_tokens each arm sends
ARMS = [  # demo-fast takes no reasoning effort, so "roomy" runs on demo-careful only
    ("terse", "demo:demo-careful"),
    ("terse", "demo:demo-fast"),
    ("plain", "demo:demo-careful"),
    ("plain", "demo:demo-fast"),
    ("roomy", "demo:demo-careful"),
]


def demo_run(**extra) -> dict:
    return dict(
        data=nbc.data.reviews().head(ROWS)[["text"]],
        schema=SCHEMA,
        models=["demo:demo-careful", "demo:demo-fast"],
        org=nbc.Organization.demo(),
        variants=VARIANTS,
        arms=ARMS,
        repeats=REPEATS,
        max_tokens=RUN_MAX_TOKENS,
        progress=False,
        **extra,
    )


def by_arm(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A Results frame's cells per arm label."""
    return dict(list(df.groupby(df["variant"] + "|" + df["model"])))


def test_each_arm_is_estimated_with_its_own_settings_and_priced_from_the_catalog():
    est = nbc.estimate(TEMPLATE, **demo_run())
    df = est.df
    assert list(df.index) == [f"{v}|{m}" for v, m in ARMS]
    assert list(df["variant"]) == [v for v, _ in ARMS] and list(df["model"]) == [m for _, m in ARMS]
    for (variant, model), (_, row) in zip(ARMS, df.iterrows()):
        assert row["calls"] == ROWS * REPEATS
        # the Demo speaks chat completions: max_completion_tokens covers answer and thinking
        assert row["max_output_tokens"] == row["calls"] * LIMITS[variant]
        assert row["output_tokens"] <= row["max_output_tokens"]
        p = prices("demo", model.removeprefix("demo:"))
        assert row["cost_usd"] == pytest.approx(bill(p, row["input_tokens"], 0, 0, row["output_tokens"]))
        assert row["max_cost_usd"] == pytest.approx(
            bill(p, row["input_tokens"], 0, 0, row["max_output_tokens"])
        )
    per_call = df["output_tokens"] / df["calls"]
    # the typical answer is the schema's size unless the arm's own max_tokens is smaller
    assert per_call["terse|demo:demo-careful"] == per_call["terse|demo:demo-fast"] == LIMITS["terse"]
    assert per_call["plain|demo:demo-careful"] == per_call["roomy|demo:demo-careful"] > LIMITS["terse"]
    # the same prompts cost the same input, whatever the limit; a longer system prompt costs more
    inputs = df["input_tokens"]
    assert inputs["terse|demo:demo-careful"] == inputs["plain|demo:demo-careful"]
    extra = len(VARIANTS["roomy"]["system"]) // 4 * ROWS * REPEATS
    assert inputs["roomy|demo:demo-careful"] >= inputs["plain|demo:demo-careful"] + extra
    assert est.calls == len(ARMS) * ROWS * REPEATS
    assert est.cost_usd == pytest.approx(df["cost_usd"].sum())
    assert est.max_cost_usd == pytest.approx(df["max_cost_usd"].sum())
    assert f"at most ${est.max_cost_usd:.4f}" in repr(est)


def test_the_upper_bound_holds_for_what_the_demo_run_bills():
    est = nbc.estimate(TEMPLATE, **demo_run()).df
    res = nbc.run(TEMPLATE, **demo_run(cache=False))
    cells = by_arm(res.df)
    assert set(cells) == set(est.index)
    for arm, got in cells.items():
        row, variant = est.loc[arm], arm.split("|")[0]
        assert row["calls"] == len(got)
        assert (got["_output_tokens"] <= LIMITS[variant]).all(), arm  # the Demo keeps to the limit
        assert row["input_tokens"] >= got["_input_tokens"].sum(), arm  # the prompt as sent, schema too
        assert row["max_output_tokens"] >= got["_output_tokens"].sum(), arm
        assert row["max_cost_usd"] >= got["_cost_usd"].sum(), arm
    terse = res.df[res.df["variant"] == "terse"]
    assert not terse["_valid"].any()  # two tokens hold no answer (demo-fast's broken "{}" fits them)
    assert (cells["terse|demo:demo-careful"]["_finish_reason"] == "length").all()
    thinking = cells["roomy|demo:demo-careful"]
    assert (thinking["_reasoning_tokens"] > 0).all()  # the bound has room for the thinking it bills


def test_a_batch_estimate_prices_each_arm_at_batch_prices_and_bounds_the_batch_run(tmp_path):
    cache = str(tmp_path / "replies.sqlite")
    live = nbc.estimate(TEMPLATE, **demo_run(cache=cache)).df
    est = nbc.estimate(TEMPLATE, **demo_run(cache=cache, batch=True)).df
    share = batch_discount("demo")
    assert (est["route"] == "batch").all()
    assert est["live_cost_usd"].tolist() == pytest.approx(live["cost_usd"].tolist())
    assert est["cost_usd"].tolist() == pytest.approx((live["cost_usd"] * share).tolist())
    assert est["max_cost_usd"].tolist() == pytest.approx((live["max_cost_usd"] * share).tolist())
    res = nbc.run(TEMPLATE, **demo_run(cache=cache, batch=True, batch_poll=0.01))
    assert res.df["_batch_id"].notna().all()
    for arm, got in by_arm(res.df).items():
        assert est.loc[arm, "calls"] == len(got)
        assert est.loc[arm, "max_cost_usd"] >= got["_cost_usd"].sum(), arm


def test_the_budget_check_prices_each_arm_by_its_own_settings():
    kw = demo_run()
    plan_args = {k: kw[k] for k in ("data", "schema", "models", "org", "variants", "arms", "repeats")}
    plan = make_plan(TEMPLATE, **plan_args, settings=Settings(max_tokens=RUN_MAX_TOKENS))
    per_call = per_call_estimate(estimate_plan(plan))
    assert {arm_key(cell) for cell in plan.cells} == set(per_call)  # the runner looks cells up so
    # the cut-short arm is expected to cost less per call than the same model's uncut one
    assert 0 < per_call["terse|demo:demo-careful"] < per_call["plain|demo:demo-careful"]


# -- every wire: the limit the estimate assumes is the one the request carries ----------------------

WIRE_MODELS = ["openai:gpt-5-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"]
WIRE_VARIANTS = {  # the system text tells the requests of each variant apart in the server's log
    "short": {"system": "variant-short", "max_tokens": 64},
    "think": {"system": "variant-think", "max_tokens": 200, "reasoning_effort": "low"},
    "open": {"system": "variant-open"},  # no max_tokens: each wire's own default, or no limit
}


def sent(record) -> tuple[str, str, int | None]:
    """(variant, model ref, the output limit) of one logged request, read the way each wire puts them."""
    body = record.json
    if record.family == "anthropic":
        return body["system"].removeprefix("variant-"), f"anthropic:{body['model']}", body["max_tokens"]
    if record.family == "gemini":
        system = body["systemInstruction"]["parts"][0]["text"]
        model = record.path.rsplit("/", 1)[1].split(":")[0]
        return (
            system.removeprefix("variant-"),
            f"gemini:{model}",
            body["generationConfig"].get("maxOutputTokens"),
        )
    system = body["messages"][0]["content"].split("\n")[0]
    return system.removeprefix("variant-"), f"openai:{body['model']}", body.get("max_completion_tokens")


def test_each_wires_estimated_limit_is_the_one_its_requests_carry():
    with FakeProvider() as server:
        kw = dict(data=["great value", "it broke", "fine"], schema=SCHEMA, models=WIRE_MODELS,
                  org=fake_org(server), variants=WIRE_VARIANTS, progress=False)  # fmt: skip
        est = nbc.estimate(TEMPLATE, **kw).df
        res = nbc.run(TEMPLATE, cache=False, **kw)
        limits: dict[str, list[int | None]] = {}
        for record in server.requests:
            if record.method == "POST" and record.json and record.family in ("openai", "anthropic", "gemini"):
                variant, model, limit = sent(record)
                limits.setdefault(f"{variant}|{model}", []).append(limit)
    assert res.df["_valid"].all(), res.df["_error"].tolist()
    assert set(limits) == set(est.index)
    for arm, sent_limits in limits.items():
        row = est.loc[arm]
        assert row["calls"] == len(sent_limits), arm
        if None in sent_limits:  # a request without a limit: the bound is unknown, never a guess
            assert pd.isna(row["max_output_tokens"]) and pd.isna(row["max_cost_usd"]), arm
        else:
            assert row["max_output_tokens"] == sum(sent_limits), arm
    # thinking budgets are on top of the answer's allowance where the wire adds them
    assert est.loc["think|anthropic:claude-haiku-4-5", "max_output_tokens"] > 3 * 200
    assert est.loc["think|openai:gpt-5-mini", "max_output_tokens"] == 3 * 200
    assert pd.isna(nbc.estimate(TEMPLATE, **kw).max_cost_usd)  # some arm has no limit


# -- the Playground's estimate line ------------------------------------------------------------------


def test_the_playground_estimates_each_version_with_its_own_max_tokens():
    data = nbc.data.reviews().head(ROWS)[["text"]]
    models = ["demo:demo-careful", "demo:demo-fast"]
    pg = Playground(nbc.Organization.demo(), data=data, prompt=TEMPLATE, schema=SCHEMA, models=models,
                    cache=False)  # fmt: skip
    editor = dict(pg.core.estimate)
    pg.core.max_tokens = 3
    pg.save_version("short")
    pg.core.max_tokens = 300
    pg.save_version("long")
    pg.core.max_tokens = 1024  # the editor's: the versions run with their own
    pg.core.chosen_versions = ["short", "long"]
    line = pg.core.estimate
    assert line["error"] is None and line["calls"] == 2 * len(models) * ROWS
    engine = nbc.estimate(TEMPLATE, data=data, schema=SCHEMA, models=models, variants=pg.versions,
                          org=nbc.Organization.demo()).df  # fmt: skip
    expected = 0.0
    for _, row in engine.iterrows():
        limit = {"short": 3, "long": 300}[row["variant"]]
        expected += bill(prices("demo", row["model"].removeprefix("demo:")), row["input_tokens"], 0, 0,
                         row["calls"] * limit)  # fmt: skip
    assert line["max_cost_usd"] == pytest.approx(expected, abs=2e-6)  # the line rounds to 6 places
    assert line["cost_usd"] == pytest.approx(engine["cost_usd"].sum(), abs=2e-6)
    assert editor["max_cost_usd"] > 0 and editor["error"] is None
    pg.run()
    results = pg.wait(60)
    assert results.df["_cost_usd"].sum() <= line["max_cost_usd"]
    short = results.df[results.df["variant"] == "short"]
    assert (short["_output_tokens"] <= 3).all()

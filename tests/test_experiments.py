"""Variants × models × repeats through the engine: what is sent, what is recorded, what is refused.

Requests are watched on their way into the Demo's in-process server (a recording transport in
front of it), so each test sees exactly the body a variant's or a sample's cell sent.
"""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pandas as pd
import pytest

import nbconnect as nbc
from nbconnect._engine.cache import Cache
from nbconnect._wire.demo import DemoTransport

TEXTS = ["great product, love it", "awful, it broke", "fine I guess", "terrible and slow", "works, happy"]
SCHEMA = "label: positive|negative|neutral"
MODELS = ["demo:demo-careful", "demo:demo-fast"]


class Recording(httpx.AsyncBaseTransport):
    """The Demo's server, keeping every chat request body it answers."""

    def __init__(self, demo: nbc.Demo) -> None:
        self.inner, self.bodies = DemoTransport(demo), []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/chat/completions"):
            self.bodies.append(json.loads(request.content))
        return await self.inner.handle_async_request(request)


@pytest.fixture
def demo(tmp_path):
    conn = nbc.Demo(latency=0)
    org = nbc.Organization(tmp_path / "store.json")
    org.add(conn)
    rec = Recording(conn)
    return org, rec


def _run(demo, **kw):
    org, rec = demo
    kw.setdefault("models", MODELS)
    kw.setdefault("cache", False)
    return nbc.run(
        kw.pop("template", "Classify: {text}"),
        data=kw.pop("data", TEXTS),
        schema=SCHEMA,
        org=org,
        progress=False,
        clients={"demo": httpx.AsyncClient(transport=rec)},
        **kw,
    )


VARIANTS = {
    "terse": {},
    "cot": {
        "template": "Read it, then classify: {text}",
        "system": "Think step by step.",
        "temperature": 0.7,
    },
}


def test_every_variant_runs_on_every_model_with_its_own_settings(demo):
    res = _run(demo, variants=VARIANTS, temperature=0.2, max_tokens=300)
    df = res.df
    assert len(df) == len(TEXTS) * 2 * 2
    assert list(df.columns[:4]) == ["row", "text", "variant", "model"]
    assert res.arms == [f"{v}|{m}" for v in VARIANTS for m in MODELS]
    sent = {
        (b["messages"][-1]["content"], b["model"], b.get("temperature"), b.get("max_completion_tokens"))
        for b in demo[1].bodies
    }
    # the cot variant overrides template, system and temperature, and inherits max_tokens
    assert ("Read it, then classify: awful, it broke", "demo-fast", 0.7, 300) in sent
    assert ("Classify: awful, it broke", "demo-fast", 0.2, 300) in sent
    systems = {b["messages"][0]["content"] for b in demo[1].bodies if b["messages"][0]["role"] == "system"}
    assert any(s.startswith("Think step by step.") for s in systems)  # demo-fast adds its JSON instruction
    terse_careful = [
        b
        for b in demo[1].bodies
        if b["model"] == "demo-careful" and b["messages"][-1]["content"].startswith("Classify:")
    ]
    assert len(terse_careful) == len(TEXTS) and all(len(b["messages"]) == 1 for b in terse_careful)
    assert "sample" not in df  # no repeats: no sample column


def test_arms_pairs_choose_which_models_run_which_variant(demo):
    res = _run(demo, variants=VARIANTS, arms=[("terse", "demo:demo-fast"), ("cot", "demo:demo-careful")])
    assert res.arms == ["terse|demo:demo-fast", "cot|demo:demo-careful"]
    assert Counter(zip(res.df["variant"], res.df["model"])) == {
        ("terse", "demo:demo-fast"): len(TEXTS),
        ("cot", "demo:demo-careful"): len(TEXTS),
    }


def test_without_variants_the_frame_keeps_its_old_shape(demo):
    res = _run(demo)
    assert "variant" not in res.df and "sample" not in res.df
    assert res.arms == MODELS
    assert all("seed" not in b and "reasoning_effort" not in b for b in demo[1].bodies)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"variants": {"a|b": {}}}, ["'a|b'", "'|'"]),
        ({"variants": {"": {}}}, ["non-empty"]),
        ({"variants": ["x", "x"]}, ["'x'", "twice"]),
        ({"variants": {"v": {"temprature": 1}}}, ["'v'", "'temprature'"]),
        ({"variants": {"v": {"template": "Classify: {body}"}}}, ["'v'", "{body}"]),
        ({"variants": {"v": {"system": "Be {tone}"}}}, ["'v', system", "{tone}"]),
        ({"variants": {"v": {"temperature": 9}}}, ["'v'", "temperature=9"]),
        ({"variants": {"v": {"max_tokens": 0}}}, ["'v'", "max_tokens"]),
        ({"variants": {"v": {"reasoning_effort": "extreme"}}}, ["'v'", "reasoning_effort"]),
        (
            {"variants": {"v": {"reasoning_effort": "low"}}},
            ["'v'", "demo:demo-fast", "reasoning_effort='low'"],
        ),
        ({"reasoning_effort": "high"}, ["demo:demo-fast"]),
        ({"variants": {"v": {}}, "arms": [("w", "demo:demo-fast")]}, ["'w'"]),
        ({"variants": {"v": {}}, "arms": [("v", "demo:demo-echo")]}, ["'demo:demo-echo'", "models="]),
        ({"arms": [("v", "demo:demo-fast")]}, ["variants="]),
        ({"repeats": 0}, ["repeats=0"]),
        ({"repeats": True}, ["repeats=True"]),
    ],
)
def test_bad_experiments_are_refused_before_any_request(demo, kwargs, words):
    with pytest.raises(nbc.NbconnectError) as err:
        _run(demo, **kwargs)
    for word in words:
        assert word in str(err.value)
    assert demo[1].bodies == []


def test_reasoning_effort_goes_to_the_model_that_takes_it(demo):
    res = _run(demo, models=["demo:demo-careful"], reasoning_effort="high")
    assert {b["reasoning_effort"] for b in demo[1].bodies} == {"high"}
    # the Demo's careful model thinks four times as long at high effort
    out, thought = res.df["_output_tokens"].astype(int), res.df["_reasoning_tokens"].astype(int)
    assert (thought * 5 == out * 4).all()


def test_repeats_send_a_seed_per_sample_and_never_share_a_cached_answer(demo, tmp_path):
    cache = tmp_path / "c.sqlite"
    res = _run(demo, repeats=3, cache=str(cache))
    df = res.df
    assert len(df) == len(TEXTS) * 2 * 3
    assert sorted(df["sample"].unique()) == [0, 1, 2]
    assert Counter(b["seed"] for b in demo[1].bodies) == {0: 10, 1: 10, 2: 10}
    assert not df["_cached"].any()
    with _Open(cache) as store:
        assert len(store) == df["_valid"].sum()  # one entry per valid sample, not per cell
    again = _run(demo, repeats=3, cache=str(cache))
    assert again.df.loc[again.df["_valid"], "_cached"].all()
    pd.testing.assert_series_equal(again.df["label"], df["label"])


class _Open:
    def __init__(self, path):
        self.cache = Cache(path)

    def __enter__(self):
        return self.cache

    def __exit__(self, *exc):
        self.cache.close()


def test_temperature_zero_repeats_agree_and_default_temperature_repeats_vary(demo):
    data = [f"review {i}: {w}" for i, w in enumerate(["good", "bad", "fine", "slow", "nice"] * 8)]
    cold = _run(demo, data=data, repeats=3, temperature=0, models=["demo:demo-echo"])
    shares = cold.consistency()
    assert (shares["share"].dropna() == 1.0).all()
    warm = _run(demo, data=data, repeats=3, models=["demo:demo-echo"])
    assert (warm.consistency()["share"].dropna() < 1.0).sum() >= 3


def _frame(cells):
    rows = [
        {
            "row": r,
            "text": f"t{r}",
            "variant": v,
            "model": "demo:m",
            "sample": k,
            "label": lab,
            "_valid": lab is not None,
        }
        for r, v, k, lab in cells
    ]
    return nbc.Results.from_rows(
        rows,
        fields=["label"],
        models=["demo:m"],
        inputs=["text"],
        schema={"type": "object", "properties": {"label": {"type": "string"}}},
    )


def test_majority_keeps_the_most_common_valid_answer_and_consistency_its_share():
    cells = [
        (0, "a", 0, "pos"),
        (0, "a", 1, "neg"),
        (0, "a", 2, "neg"),
        (1, "a", 0, None),
        (1, "a", 1, "pos"),
        (1, "a", 2, None),
        (2, "a", 0, None),
        (2, "a", 1, None),
        (2, "a", 2, None),
        (0, "b", 0, "neu"),
        (0, "b", 1, "pos"),
        (0, "b", 2, "neu"),
    ]
    res = _frame(cells)
    maj = res.majority()
    assert "sample" not in maj.df
    got = {
        (r, v): (lab if ok else None)
        for r, v, lab, ok in maj.df[["row", "variant", "label", "_valid"]].itertuples(index=False)
    }
    expected = {}
    for r, v in {(r, v) for r, v, _, _ in cells}:
        votes = Counter(lab for rr, vv, _, lab in cells if (rr, vv) == (r, v) and lab is not None)
        expected[(r, v)] = votes.most_common(1)[0][0] if votes else None
    assert got == expected
    share = res.consistency().set_index(["row", "arm"])
    assert share.loc[(0, "a|demo:m"), "share"] == pytest.approx(2 / 3)
    assert share.loc[(1, "a|demo:m"), "share"] == pytest.approx(1 / 3)  # failed repeats count against it
    assert pd.isna(share.loc[(2, "a|demo:m"), "share"])
    assert share.loc[(1, "a|demo:m"), "n_valid"] == 1
    # the majority answers score like any answers
    truth = pd.DataFrame({"label": ["neg", "pos", "pos"]}, index=[0, 1, 2])
    table = maj.score(truth).set_index("arm")
    assert table.loc["a|demo:m", "accuracy"] == pytest.approx(2 / 3)


def test_redo_reruns_only_failed_cells_of_variants_and_repeats_and_merges(demo):
    data = [f"item {i} is great or awful" for i in range(30)]
    first = _run(
        demo,
        data=data,
        variants={"a": {}, "b": {"system": "Be brief."}},
        repeats=2,
        models=["demo:demo-fast"],
    )
    failed = (~first.df["_valid"]).sum()
    assert failed > 0  # demo-fast breaks the schema now and then
    demo[1].bodies.clear()
    again = _run(
        demo,
        data=data,
        variants={"a": {}, "b": {"system": "Be brief."}},
        repeats=2,
        models=["demo:demo-fast"],
        redo=first,
    )
    assert len(demo[1].bodies) == failed
    assert len(again) == len(first)
    key = ["row", "variant", "model", "sample"]
    assert not again.df.duplicated(key).any()
    kept = first.df.loc[first.df["_valid"]].set_index(key)["label"]
    assert again.df.set_index(key).loc[kept.index, "label"].equals(kept)


def test_merge_keys_on_variant_and_sample():
    a = _frame([(0, "a", 0, "pos"), (0, "a", 1, None)])
    b = _frame([(0, "a", 1, "neg"), (0, "b", 0, "neu")])
    merged = a.merge(b)
    assert list(zip(merged.df["variant"], merged.df["sample"], merged.df["label"])) == [
        ("a", 0, "pos"),
        ("a", 1, None),
        ("b", 0, "neu"),
    ]


def test_summary_and_plot_go_per_arm(demo):
    res = _run(demo, variants=VARIANTS, repeats=2, truth=None)
    s = res.summary(by="arm")
    assert list(s.index) == res.arms and s.index.name == "arm"
    assert (s["cells"] == len(TEXTS) * 2).all()
    pooled = res.summary()  # per model: its variants and repeats together
    assert list(pooled.index) == MODELS and (pooled["cells"] == len(TEXTS) * 2 * 2).all()
    fig = res.plot()
    assert len(fig.axes) == 2


def test_the_sample_index_is_part_of_the_cache_key_even_without_a_seed():
    # Anthropic's Messages API takes no seed: the same body for every repeat, told apart by the key
    from nbconnect._engine.cache import cache_key
    from nbconnect._wire.adapter import Prepared

    body = Prepared("POST", "https://api.anthropic.com/v1/messages", {"model": "m", "messages": []}, {})
    keys = {cache_key("anthropic", body, sample=k) for k in (None, 0, 1, 2)}
    assert len(keys) == 4
    assert cache_key("anthropic", body) == cache_key("anthropic", body, sample=None)


def test_frontier_keeps_the_arms_no_cheaper_arm_beats():
    from nbconnect._results.plot import frontier

    cost = pd.Series({"a": 0.0, "b": 1.0, "c": 2.0, "d": 2.0, "e": 3.0})
    quality = pd.Series({"a": 50.0, "b": 40.0, "c": 70.0, "d": 80.0, "e": 75.0})
    assert frontier(cost, quality) == ["a", "d"]


def test_plot_draws_the_score_interval_as_whiskers(demo):
    data = pd.DataFrame(
        {"text": TEXTS, "gold_label": ["positive", "negative", "neutral", "negative", "positive"]}
    )
    res = _run(demo, data=data, variants=VARIANTS, truth="gold_label")
    fig = res.plot()
    left = fig.axes[0]
    bars = left.containers[0]  # the errorbar container
    segments = bars.lines[2][0].get_segments()
    table = res.score().set_index("arm")
    got = sorted((round(seg[0][1], 6), round(seg[1][1], 6)) for seg in segments)
    want = sorted(
        (round(table.loc[a, "accuracy_ci_low"] * 100, 6), round(table.loc[a, "accuracy_ci_high"] * 100, 6))
        for a in res.arms
    )
    assert got == want
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert "95% interval" in labels


def test_saved_versions_plug_in_as_variants(demo):
    """A dict of saved versions (dataclasses or pydantic models carrying a name and the variant's
    fields, None for "not set") works as variants= as is."""
    from dataclasses import dataclass

    from pydantic import BaseModel

    @dataclass
    class Version:
        name: str
        template: str | None = None
        system: str | None = None
        temperature: float | None = None
        max_tokens: int | None = None
        reasoning_effort: str | None = None

    class Saved(BaseModel):
        name: str
        system: str | None = None
        temperature: float | None = None

    versions = {"old": Version("old"), "new": Saved(name="new", system="Be brief.", temperature=0.3)}
    res = _run(demo, variants=versions, models=["demo:demo-careful"], temperature=0.1)
    assert res.arms == ["old|demo:demo-careful", "new|demo:demo-careful"]
    sent = {(len(b["messages"]), b.get("temperature")) for b in demo[1].bodies}
    assert sent == {(1, 0.1), (2, 0.3)}  # "old" inherits the run's temperature and no system

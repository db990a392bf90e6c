"""Every finished run is kept in the data directory: listed by nbc.runs(), opened by id, no secrets."""

from __future__ import annotations

import pandas as pd
import pytest

import nbconnect as nbc
from nbconnect._results.history import runs_dir
from nbconnect.testing import FakeProvider

SENTINEL = "sk-SENTINEL-history-4b7e1c9d0a2f"
TEXTS = ["good stuff", "bad stuff", "fine stuff"]


def _run(**kw):
    return nbc.run(
        "Classify: {text}",
        data=pd.DataFrame({"text": TEXTS, "gold_label": ["positive", "negative", "neutral"]}),
        schema="label: positive|negative|neutral",
        progress=False,
        cache=False,
        **kw,
    )


def test_a_finished_run_is_listed_and_opens_by_id(_isolated_home):
    res = _run(
        models=["demo:demo-careful", "demo:demo-echo"],
        variants={"plain": {}, "warm": {"temperature": 0.9}},
        repeats=2,
        truth="gold_label",
    )
    assert runs_dir() == _isolated_home / "runs"  # NBCONNECT_HOME decides, as for the store
    table = nbc.runs()
    assert len(table) == 1
    row = table.iloc[0]
    assert row["variants"] == ["plain", "warm"]
    assert row["models"] == ["demo:demo-careful", "demo:demo-echo"]
    assert (row["rows"], row["cells"]) == (3, 24)
    assert row["valid_pct"] == pytest.approx(res.df["_valid"].mean() * 100, abs=0.01)
    assert row["cost_usd"] == pytest.approx(res.df["_cost_usd"].sum())
    acc = res.score().set_index("arm")["accuracy"]
    assert row["scores"] == {arm: pytest.approx(v, abs=1e-4) for arm, v in acc.items()}
    back = nbc.Results.load(row["id"])
    pd.testing.assert_frame_equal(back.df, res.df)
    assert back.arms == res.arms
    # the settings the report and CLI read (meta["run"]) are in the saved copy too
    assert back.meta["run"] == res.meta["run"] and res.meta["run"]["repeats"] == 2
    assert res.meta["run"]["variants"]["warm"]["temperature"] == 0.9


def test_runs_list_newest_first_and_save_false_keeps_nothing():
    _run(models=["demo:demo-echo"])
    _run(models=["demo:demo-fast"])
    _run(models=["demo:demo-careful"], save=False)
    table = nbc.runs()
    assert [m[0] for m in table["models"]] == ["demo:demo-fast", "demo:demo-echo"]
    assert table["time"].is_monotonic_decreasing


def test_an_unknown_id_says_where_runs_are_kept():
    with pytest.raises(nbc.ConfigError, match=r"nbc\.runs"):
        nbc.Results.load("20990101-000000-abcdef")


def test_no_secret_reaches_the_history(tmp_path):
    with FakeProvider(api_keys={SENTINEL}) as server:
        org = nbc.Organization(tmp_path / "store.json")
        org.add(nbc.OpenAI(api_key=SENTINEL, base_url=f"{server.url}/v1"))
        _run(models=["openai:gpt-4.1-mini"], org=org, variants={"a": {}, "b": {"system": "Be brief."}})
    files = [p for p in runs_dir().rglob("*") if p.is_file()]
    assert len(files) == 2  # the cells and the manifest
    for path in files:
        assert SENTINEL.encode() not in path.read_bytes(), path.name

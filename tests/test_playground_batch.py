"""The Playground's "run as batch" option: the estimate prices it and says the routes, a run goes
through the connections' batch APIs (the Demo's is in process), and the progress shows batch states."""

from __future__ import annotations

from _data import love_hate

import nbconnect as nbc
from nbconnect._widgets.playground import Playground
from nbconnect.testing import FakeProvider

DATA = love_hate(12, battery=False)
SCHEMA = "label: positive|negative|neutral"


def playground(org, models, cache) -> Playground:
    return Playground(
        org, data=DATA, prompt="Classify: {text}", schema=SCHEMA, models=models, truth="gold", cache=cache
    )


def test_batch_estimate_prices_batch_cells_and_names_the_live_connection(tmp_path):
    with FakeProvider() as server:
        org = nbc.Organization(persist=False, connections=[nbc.Demo()])
        org.add(nbc.CustomLLM(name="local", endpoint=f"{server.url}/v1", json_mode="json_schema"))
        local = next(row["ref"] for row in org.model_rows() if row["ref"].startswith("local"))
        pg = playground(org, ["demo:demo-careful", local], tmp_path / "cache.db")
        live = dict(pg.core.estimate)
        assert "routes" not in live
        pg.core.as_batch = True
        est = pg.core.estimate
        routes = {r["model"]: r["route"] for r in est["routes"]}
        assert routes["demo:demo-careful"] == "batch"
        assert routes[local].startswith("live: Custom LLM has no batch API")
        assert est["calls"] == live["calls"] == 24
        assert est["live_cost_usd"] == live["cost_usd"]  # the same calls, priced live
        # the Demo's batch price is half its live price; the custom server's cells stay at live prices
        assert 0 < est["cost_usd"] < est["live_cost_usd"]
        assert est["saving_usd"] == round(est["live_cost_usd"] - est["cost_usd"], 6) > 0
        pg.core.as_batch = False
        assert "routes" not in pg.core.estimate


def test_a_batch_run_goes_through_the_demo_batch_api_and_reports_batch_states(tmp_path):
    org = nbc.Organization(persist=False, connections=[nbc.Demo()])
    pg = playground(org, ["demo:demo-careful", "demo:demo-fast"], tmp_path / "cache.db")
    pg.core.as_batch = True
    pg.run()
    results = pg.wait(60)
    df = results.df
    assert len(df) == 24 and df["_valid"].all()
    assert df["_batch_id"].notna().all()  # every cell came back from a batch, none live
    progress = pg.core.progress
    assert progress["routes"] == {"demo": "batch"}
    assert progress["batches"] == {"done": 2}  # one batch per model, both done
    assert progress["done"] == 24 and progress["finished"]
    # a live run of the same cells now comes from the cache, and says nothing of batches
    pg.core.as_batch = False
    pg.run()
    again = pg.wait(60)
    assert again.df["_cached"].all()
    assert "routes" not in pg.core.progress


def test_batch_without_the_cache_database_is_refused_with_the_fix():
    org = nbc.Organization(persist=False, connections=[nbc.Demo()])
    pg = playground(org, ["demo:demo-fast"], False)
    pg.core.as_batch = True
    # the estimate line still prices the batch run; the refusal is Run's, with the fix
    assert (
        pg.core.estimate["error"] is None and pg.core.estimate["live_cost_usd"] > pg.core.estimate["cost_usd"]
    )
    pg.core._dispatch(pg.core, {"kind": "run", "id": "r"}, None)
    reply = pg.core.sent[-1]
    assert not reply["ok"] and "cache" in reply["error"]
    assert not pg.core.running

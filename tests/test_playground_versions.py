"""The Playground's versions: saved on disk (a new Playground sees them), usable as variants=, run
version x model (with unticked pairs left out), and the compare view's tables as Results has them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from _data import love_hate

import nbconnect as nbc
from nbconnect._widgets.playground import Playground
from nbconnect._widgets.playground_versions import versions_path

DATA = love_hate(24)
MODELS = ["demo:demo-careful", "demo:demo-fast"]
TERSE = "Classify: {text}"
CAREFUL = "Read the review and say its sentiment (positive, negative or neutral): {text}"


def send(pg: Playground, kind: str, **body) -> dict:
    pg.core._dispatch(pg.core, {"kind": kind, "id": f"t-{kind}", **body}, None)
    return pg.core.sent[-1]


def playground(org=None) -> Playground:
    return Playground(org or nbc.Organization.demo(), data=DATA, prompt=TERSE,
                      schema="label: positive|negative|neutral", models=MODELS, truth="gold", cache=False)  # fmt: skip


def two_versions(pg: Playground) -> None:
    assert send(pg, "save_version", name="terse")["ok"]
    pg.core.template, pg.core.system, pg.core.temperature = CAREFUL, "You are careful.", 0.7
    assert send(pg, "save_version", name="careful")["ok"]


def test_saved_versions_survive_a_new_playground_and_hold_no_secret(tmp_path):
    assert os.environ["NBCONNECT_HOME"] and str(versions_path()).startswith(os.environ["NBCONNECT_HOME"])
    secret = "sk-VERSIONS-SENTINEL-123456789"
    org = nbc.Organization(tmp_path / "s.json")
    org.add(nbc.Demo())
    org.add(nbc.OpenAI(api_key=secret))
    pg = playground(org)
    two_versions(pg)
    assert pg.core.chosen_versions == ["terse", "careful"]  # a version just saved is ticked to run
    want = {
        "terse": {"template": TERSE, "system": None, "temperature": 0.0, "max_tokens": 1024},
        "careful": {
            "template": CAREFUL,
            "system": "You are careful.",
            "temperature": 0.7,
            "max_tokens": 1024,
        },
    }
    assert pg.versions == want
    assert secret not in Path(versions_path()).read_text()
    fresh = Playground(nbc.Organization.demo())  # as after a kernel restart: read from the data dir
    assert fresh.versions == want
    assert [v["name"] for v in fresh.core.versions] == ["terse", "careful"]
    assert send(fresh, "delete_version", name="terse")["ok"]
    assert list(Playground(nbc.Organization.demo()).versions) == ["careful"]
    for bad in ("", "a|b"):
        reply = send(fresh, "save_version", name=bad)
        assert not reply["ok"], bad


def test_versions_run_against_the_chosen_models_as_variants_and_compare():
    pg = playground()
    two_versions(pg)
    est = pg.core.estimate
    assert est["calls"] == 2 * 2 * len(DATA) and est["error"] is None
    pg.run()
    results = pg.wait(60)
    arms = [f"{v}|{m}" for v in ("terse", "careful") for m in MODELS]
    assert results.arms == arms and set(results.df["variant"]) == {"terse", "careful"}
    assert pg.core.table["models"] == arms and set(pg.core.table["rows"][0]["cells"]) == set(arms)
    assert [r["arm"] for r in pg.core.summary] == arms
    # the same run from Python with pg.versions as variants= answers the same (the Demo is deterministic)
    again = nbc.run(TERSE, data=DATA, schema="label: positive|negative|neutral", models=MODELS,
                    variants=pg.versions, org=pg.org, cache=False, progress=False, save=False)  # fmt: skip
    key = ["row", "variant", "model"]
    pd.testing.assert_series_equal(
        results.df.sort_values(key)["label"].reset_index(drop=True),
        again.df.sort_values(key)["label"].reset_index(drop=True),
    )
    # the compare view: score with intervals and the versus table as Results gives them
    compare = pg.core.compare
    pretty = results.score({"label": "gold"}, field="label", pretty=True)
    assert compare["score"]["columns"] == list(pretty.columns)
    assert compare["score"]["rows"] == json.loads(pretty.to_json(orient="values"))
    assert all("[" in r[compare["score"]["columns"].index("accuracy")] for r in compare["score"]["rows"])
    versus = results.versus(field="label", truth={"label": "gold"})
    shown = pd.DataFrame(compare["versus"]["rows"], columns=compare["versus"]["columns"])
    assert len(shown) == len(versus) == 6  # every pair of the four arms
    assert shown["difference"].tolist() == pytest.approx(versus["difference"].tolist())
    assert shown["p_holm"].tolist() == pytest.approx(versus["p_holm"].tolist())
    # disagreements of two chosen arms: exactly the rows where both answered and differ
    pg.core.compare_pair = [arms[1], arms[2]]
    wide = results.compare("label", inputs=False)
    differ = wide[arms[1]].notna() & wide[arms[2]].notna() & (wide[arms[1]] != wide[arms[2]])
    compare = pg.core.compare
    assert compare["pair"] == [arms[1], arms[2]]
    assert compare["n_disagree"] == int(differ.sum()) > 0
    assert [d["row"] for d in compare["disagree"]] == wide.index[differ].tolist()
    assert all(d["a"] != d["b"] for d in compare["disagree"])


def test_an_unticked_pair_is_left_out_and_no_ticked_version_runs_the_editor():
    pg = playground()
    two_versions(pg)
    pg.core.excluded_arms = ["careful|demo:demo-fast"]
    assert pg.core.estimate["calls"] == 3 * len(DATA)
    pg.run()
    results = pg.wait(60)
    assert results.arms == ["terse|demo:demo-careful", "terse|demo:demo-fast", "careful|demo:demo-careful"]
    pg.core.excluded_arms = [f"{v}|{m}" for v in ("terse", "careful") for m in MODELS]
    assert "untick" in pg.core.estimate["error"] or "tick at least one" in pg.core.estimate["error"]
    pg.core.excluded_arms, pg.core.chosen_versions = [], []
    assert pg.core.estimate["calls"] == 2 * len(DATA)  # the editor's prompt, on each model
    pg.run()
    assert "variant" not in pg.wait(60).df.columns


def test_a_version_runs_with_its_own_settings_not_the_editors():
    """A version saved without system text or with the provider's default temperature keeps them,
    whatever the editor holds when it runs."""
    pg = playground()
    pg.core.temperature = None
    pg.save_version("plain")
    pg.core.chosen_versions = ["plain"]
    pg.core.system, pg.core.temperature, pg.core.max_tokens = "Be careful.", 0.9, 64
    pg.run()
    ran = pg.wait(60).meta["run"]["variants"]["plain"]
    assert ran["system"] is None and ran["temperature"] is None and ran["max_tokens"] == 1024
    assert ran["template"] == TERSE

"""The model catalog: shipped entries, snapshot ids, Azure aliases, user overrides, cost."""

from __future__ import annotations

import json
from importlib import resources

import pytest

import nbconnect as nbc
from nbconnect import catalog


@pytest.fixture(autouse=True)
def _fresh_catalog():
    catalog.reset()
    yield
    catalog.reset()


def test_shipped_file_has_every_field_for_every_model():
    raw = json.loads(resources.files("nbconnect._catalog").joinpath("catalog.json").read_text("utf-8"))
    assert {"openai", "gemini", "vertex", "anthropic"} <= set(raw["providers"])
    for provider, block in raw["providers"].items():
        assert (block["as_of"] and block["source"].startswith("https://")) or provider == "demo"
        ids = [m["id"] for m in block["models"]]
        assert len(ids) == len(set(ids)), provider
        for m in block["models"]:
            assert {"id", "input", "output", "context", "native"} <= set(m), (provider, m)
            assert m["input"] >= 0 and m["output"] >= 0 and m["context"] > 0


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        (
            "openai",
            {"gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini"},
        ),
        ("gemini", {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash"}),
        ("vertex", {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.0-flash-lite"}),
        ("anthropic", {"claude-haiku-4-5", "claude-sonnet-4-5"}),
    ],
)
def test_seed_families_are_listed(provider, expected):
    assert expected <= {m.id for m in catalog.models(provider)}


def test_lookup():
    info = catalog.get("openai", "gpt-4.1-mini")
    assert isinstance(info, nbc.ModelInfo)
    assert (info.provider, info.id, info.supported) == ("openai", "gpt-4.1-mini", True)
    assert info.input_per_m == 0.4 and info.output_per_m == 1.6
    assert info.context and info.as_of and info.source
    assert catalog.get("openai", "no-such-model") is None
    assert catalog.get("openai", None) is None and catalog.get("openai", "") is None
    assert catalog.get("nobody", "gpt-4o") is None


@pytest.mark.parametrize(
    ("provider", "echoed", "base"),
    [
        ("openai", "gpt-4o-2024-08-06", "gpt-4o"),
        ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # the longest base id wins
        ("openai", "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("openai", "gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("anthropic", "claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("gemini", "gemini-2.0-flash-001", "gemini-2.0-flash"),
    ],
)
def test_dated_snapshots_match_their_base_id(provider, echoed, base):
    assert catalog.get(provider, echoed).id == base


def test_prefix_without_dash_does_not_match():
    assert catalog.get("openai", "gpt-4omni") is None


@pytest.mark.parametrize("provider", ["azure_openai", "azure_foundry"])
def test_azure_aliases_use_openai_prices(provider):
    assert catalog.get(provider, "gpt-4o") == catalog.get("openai", "gpt-4o")
    assert catalog.get(provider, "gpt-4o-2024-11-20").id == "gpt-4o"
    assert [m.id for m in catalog.models(provider)] == [m.id for m in catalog.models("openai")]


def test_cost():
    info = catalog.get("openai", "gpt-4o")
    assert info.cost(1_000_000, 0) == pytest.approx(info.input_per_m)
    assert info.cost(1000, 500) == pytest.approx((1000 * info.input_per_m + 500 * info.output_per_m) / 1e6)
    assert info.cost(None, 10) is None and info.cost(10, None) is None
    assert nbc.ModelInfo(provider="x", id="y").cost(10, 10) is None


def test_add_overrides_a_price():
    old = catalog.get("openai", "gpt-4o")
    new = catalog.add("openai", "gpt-4o", input_per_m=1.0, output_per_m=4.0)
    assert catalog.get("openai", "gpt-4o") == new
    assert (new.input_per_m, new.output_per_m, new.source) == (1.0, 4.0, "user")
    assert (new.context, new.native, new.supported) == (old.context, old.native, True)  # the rest is kept
    assert catalog.get("openai", "gpt-4o-2024-08-06").cost(1_000_000, 1_000_000) == pytest.approx(5.0)
    # only the given fields change
    catalog.add("openai", "gpt-4o", context=64000)
    assert catalog.get("openai", "gpt-4o").input_per_m == 1.0


def test_add_a_custom_endpoint_model():
    info = catalog.add("custom", "llama3.2:latest", input_per_m=0.0, output_per_m=0.0, native=False)
    assert info.supported is False and info.native is False  # a user entry, not a vetted one
    assert catalog.get("custom", "llama3.2:latest").cost(12345, 678) == 0.0
    assert catalog.add("azure_openai", "gpt4o-prod", input_per_m=2.5, output_per_m=10).input_per_m == 2.5
    assert catalog.get("azure_openai", "gpt4o-prod").output_per_m == 10


def test_reset_forgets_user_entries():
    shipped = catalog.get("openai", "gpt-4o").input_per_m
    catalog.add("openai", "gpt-4o", input_per_m=99.0)
    catalog.add("custom", "m", input_per_m=1.0)
    catalog.reset()
    assert catalog.get("openai", "gpt-4o").input_per_m == shipped
    assert catalog.get("custom", "m") is None


def test_separate_catalogs_do_not_share_overrides():
    mine = nbc.Catalog()
    mine.add("openai", "gpt-4o", input_per_m=123.0)
    assert catalog.get("openai", "gpt-4o").input_per_m != 123.0

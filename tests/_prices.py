"""Prices read straight from catalog.json (not through the Catalog class), for the tests that check
what a run costs or is estimated to cost."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _providers() -> dict[str, Any]:
    raw = json.loads(resources.files("nbconnect._catalog").joinpath("catalog.json").read_text("utf-8"))
    return raw["providers"]


def prices(provider: str, model: str) -> dict[str, float]:
    """USD per million tokens: input, cached_input and cache_write (the input price where the
    catalog gives none), output."""
    entry = next(m for m in _providers()[provider]["models"] if m["id"] == model)
    return {k: entry.get(k, entry["input"]) for k in ("input", "cached_input", "cache_write")} | {
        "output": entry["output"]
    }


def batch_discount(provider: str) -> float:
    """The provider's batch price as a share of its list price."""
    return float(_providers()[provider]["batch_discount"])


def bill(p: dict[str, float], inp: int, cached: int, write: int, out: int) -> float:
    """What the provider charges: uncached input, cache reads, cache writes, and all output."""
    return ((inp - cached - write) * p["input"] + cached * p["cached_input"] + write * p["cache_write"]
            + out * p["output"]) / 1e6  # fmt: skip

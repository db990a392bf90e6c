"""The run estimate: calls, tokens and cost per model for a plan, before spending anything.

Prompt tokens are counted with tiktoken when it knows the model, else with the one rough rule in
:mod:`nbconnect._catalog.tokens`; the answer's size is guessed from the schema.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._catalog.catalog import catalog
from .._catalog.tokens import estimate_tokens
from .._schema.schema import Schema
from .media import media_tokens

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["Estimate", "estimate_plan", "per_call_estimate"]


@functools.lru_cache(maxsize=64)
def _encoder(model: str) -> Any:
    """tiktoken's encoder for ``model`` when tiktoken is installed and knows it, else None."""
    try:
        import tiktoken  # optional: exact counts for OpenAI-family models

        return tiktoken.encoding_for_model(model)
    except Exception:  # not installed, or a model it does not know (tiktoken raises KeyError)
        return None


def _tokens(text: str, model: str) -> int:
    encoder = _encoder(model)
    return len(encoder.encode(text)) if encoder is not None else estimate_tokens(text)


def _answer_tokens(schema: Schema) -> int:
    """A typical answer is about the size of the schema's property names plus short values."""

    def walk(node: Any) -> int:
        if not isinstance(node, dict):
            return 0
        props = node.get("properties") or {}
        items = node.get("items")
        return sum(4 + walk(v) for v in props.values()) + (walk(items) * 2 if isinstance(items, dict) else 0)

    return max(8, walk(schema.json) + 4)


@dataclass
class Estimate:
    """Calls, tokens and cost expected per model, before spending anything."""

    df: pd.DataFrame

    @property
    def calls(self) -> int:
        return int(self.df["calls"].sum())

    @property
    def cost_usd(self) -> float:
        return (
            float(self.df["cost_usd"].sum(min_count=1)) if self.df["cost_usd"].notna().any() else float("nan")
        )

    def _cost_text(self) -> str:
        return "unknown" if pd.isna(self.cost_usd) else f"${self.cost_usd:.4f}"

    def __repr__(self) -> str:
        return f"Estimate({self.calls} calls, about {self._cost_text()})\n{self.df.to_string()}"

    def _repr_html_(self) -> str:  # a model without a price read "about $nan" here
        return f"<b>{self.calls} calls, about {self._cost_text()}</b>" + self.df.to_html()


def estimate_plan(plan: Plan, max_tokens: int | None = None) -> Estimate:
    schema_text = json.dumps(plan.schema.json)
    answer = (
        _answer_tokens(plan.schema) if max_tokens is None else min(_answer_tokens(plan.schema), max_tokens)
    )
    rows: list[dict[str, Any]] = []
    for ref in plan.models:
        cells = [c for c in plan.cells if c.ref.ref == ref.ref]
        sample = cells[:200]  # counting every prompt of 100k rows is not worth the wait
        per_call = sum(
            _tokens(c.user + (c.system or ""), ref.model) + media_tokens(c.parts, ref.conn.provider)
            for c in sample
        ) / max(1, len(sample)) + _tokens(schema_text, ref.model)
        input_tokens = int(per_call * len(cells))
        output_tokens = answer * len(cells)
        info = catalog.get(ref.conn.provider, ref.model)
        cost = info.cost(input_tokens, output_tokens) if info else None
        rows.append(
            {
                "model": ref.ref,
                "calls": len(cells),
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cost_usd": float("nan") if cost is None else cost,
            }
        )
    return Estimate(pd.DataFrame(rows).set_index("model"))


def per_call_estimate(est: Estimate) -> dict[str, float]:
    """Expected USD per call for each model (0 when unknown), for the budget check."""
    out: dict[str, float] = {}
    for model, row in est.df.iterrows():
        out[str(model)] = (
            0.0 if pd.isna(row["cost_usd"]) or not row["calls"] else float(row["cost_usd"]) / row["calls"]
        )
    return out

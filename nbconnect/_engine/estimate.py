"""The run estimate: calls, tokens and cost per arm (variant × model) of a plan, before spending anything.

Every cell is estimated with the settings it will be sent with: its variant's ``max_tokens`` and
``reasoning_effort`` (or the run's), on its model's wire. What it assumes:

- the prompt is the system text, the schema as JSON mode's instruction puts it in the prompt (the
  longest way any mode sends it) and the user message, counted with tiktoken when it knows the
  model, else with the one rough rule in :mod:`nbconnect._catalog.tokens`; images and PDFs by each
  provider's published rule. Repeats of a row share one prompt, counted once;
- a typical answer (``output_tokens``, ``cost_usd``) is about the size of the schema, never more
  than the request lets the model write, and spends nothing thinking;
- the upper bound (``max_output_tokens``, ``max_cost_usd``) is every call writing all the request
  allows, thinking budgets included (:meth:`Adapter.output_limit`); it is unknown (NaN) where a
  request sets no limit;
- list prices: no prompt-cache discounts (nbconnect never asks for cache writes), and every cell
  is sent, none answered by nbconnect's own cache. Batch prices are applied by
  :mod:`.batch_routes` for the connections that batch.

Temperature changes no count here: it changes which answer comes, not how long it may be.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._catalog.catalog import catalog
from .._catalog.tokens import estimate_tokens
from .._schema.schema import Schema
from .._wire.call import Call
from .._wire.messages import schema_instruction
from .media import media_tokens
from .variants import Settings

if TYPE_CHECKING:
    from .plan import Cell, Plan

__all__ = ["COUNTED", "Estimate", "arm_key", "estimate_plan", "per_call_estimate"]

#: distinct prompts counted per arm; past this many, an evenly spread sample stands for the rest
#: (100k rows through tiktoken would take seconds on every Playground keystroke)
COUNTED = 2000


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


def arm_key(cell: Cell) -> str:
    """The estimate row of ``cell``: ``"variant|model"`` (as Results label arms), or the model
    reference in a run without variants."""
    return cell.ref.ref if cell.variant is None else f"{cell.variant}|{cell.ref.ref}"


@dataclass
class Estimate:
    """Calls, tokens and cost expected per arm (per model without variants), before spending anything."""

    df: pd.DataFrame

    @property
    def calls(self) -> int:
        return int(self.df["calls"].sum())

    @property
    def cost_usd(self) -> float:
        """The typical cost (NaN when no model has a price; models without one count 0)."""
        return _total(self.df["cost_usd"], every=False)

    @property
    def max_cost_usd(self) -> float:
        """The most the run can cost, if the prompts count as estimated (NaN when a call sets no
        output limit, or a model has no price)."""
        return _total(self.df["max_cost_usd"], every=True)

    def __repr__(self) -> str:
        return f"Estimate({self.calls} calls, {self._headline()})\n{self.df.to_string()}"

    def _repr_html_(self) -> str:
        return f"<b>{self.calls} calls, {self._headline()}</b>" + self.df.to_html()

    def _headline(self) -> str:
        cost, most = self.cost_usd, self.max_cost_usd
        text = "about unknown" if pd.isna(cost) else f"about ${cost:.4f}"
        return text if pd.isna(most) else f"{text}, at most ${most:.4f}"


def _total(column: pd.Series, *, every: bool) -> float:
    if column.isna().all() or (every and column.isna().any()):
        return float("nan")
    return float(column.sum())


def estimate_plan(plan: Plan) -> Estimate:
    """The estimate of ``plan``: one row per arm in the plan's order (index ``arm`` with variants,
    with ``variant`` and ``model`` columns; else index ``model``)."""
    groups: dict[str, list[Cell]] = {}
    for cell in plan.cells:
        groups.setdefault(arm_key(cell), []).append(cell)
    instruction = schema_instruction(plan.schema)
    answer = _answer_tokens(plan.schema)
    rows = []
    for variant, ref in _arms(plan):
        key = ref.ref if variant is None else f"{variant}|{ref.ref}"
        row = _arm_row(groups.get(key, []), ref, plan.schema, instruction, answer)
        rows.append({"arm": key, "variant": variant, "model": ref.ref, **row})
    df = pd.DataFrame(rows)
    df["max_output_tokens"] = df["max_output_tokens"].astype("Int64")  # <NA> where a call has no limit
    if plan.variants is None:
        return Estimate(df.drop(columns=["arm", "variant"]).set_index("model"))
    return Estimate(df.set_index("arm"))


def _arms(plan: Plan) -> list[tuple[str | None, Any]]:
    """(variant name, model ref) per row of the estimate, in the plan's order."""
    if plan.arms is None:
        return [(None, ref) for ref in plan.models]
    by_ref = {ref.ref: ref for ref in plan.models}
    return [(name, by_ref[model]) for name, model in plan.arms]


def _arm_row(cells: list[Cell], ref: Any, schema: Schema, instruction: str, answer: int) -> dict[str, Any]:
    """Calls, tokens and costs of one arm's cells, sent with the settings they carry."""
    settings = (cells[0].settings if cells else None) or Settings()  # one variant: one setting
    call = Call(
        model=ref.model,
        user="",
        schema=schema,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        reasoning_effort=settings.reasoning_effort,
    )
    limit = ref.conn.adapter_class.output_limit(call)
    n = len(cells)
    input_tokens = _input_tokens(cells, ref, instruction)
    output_tokens = n * (answer if limit is None else min(answer, limit))
    most = float("nan") if limit is None and n else n * (limit or 0)
    info = catalog.get(ref.conn.provider, ref.model)
    cost = info.cost(input_tokens, output_tokens) if info else None
    max_cost = info.cost(input_tokens, int(most)) if info and not math.isnan(most) else None
    return {
        "calls": n,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "max_output_tokens": most,
        "cost_usd": float("nan") if cost is None else cost,
        "max_cost_usd": float("nan") if max_cost is None else max_cost,
    }


def _input_tokens(cells: list[Cell], ref: Any, instruction: str) -> int:
    """Prompt tokens of ``cells``: every distinct prompt counted (repeats of a row share one),
    or, past :data:`COUNTED` of them, an evenly spread sample's mean times the calls."""
    by_row: dict[int, list[Cell]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell)
    groups = list(by_row.values())
    if len(groups) <= COUNTED:
        return sum(_prompt_tokens(group[0], ref, instruction) * len(group) for group in groups)
    picked = [groups[i * len(groups) // COUNTED][0] for i in range(COUNTED)]
    mean = sum(_prompt_tokens(cell, ref, instruction) for cell in picked) / COUNTED
    return math.ceil(mean * len(cells))


def _prompt_tokens(cell: Cell, ref: Any, instruction: str) -> int:
    """One call's prompt: system text, then the schema instruction, then the user message (as
    JSON mode sends them; a native mode sends the schema beside the prompt, about as long)."""
    text = f"{cell.system or ''}\n\n{instruction}\n\n{cell.user}"
    return _tokens(text, ref.model) + media_tokens(cell.parts, ref.conn.provider)


def per_call_estimate(est: Estimate) -> dict[str, float]:
    """Expected USD per call for each arm (:func:`arm_key`; 0 when unknown), for the budget check."""
    out: dict[str, float] = {}
    for key, row in est.df.iterrows():
        out[str(key)] = (
            0.0 if pd.isna(row["cost_usd"]) or not row["calls"] else float(row["cost_usd"]) / row["calls"]
        )
    return out

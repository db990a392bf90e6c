"""Which connections of a plan batch, and what a batch run is estimated to cost.

A connection batches when its adapter class names a batch API (``Adapter.batch_class``) that does
not decline it (``BatchAPI.unavailable``, e.g. Vertex AI without a bucket); everything else runs
live, and the estimate and the progress say why.
"""

from __future__ import annotations

from .._catalog.catalog import catalog
from .plan import Estimate, Plan

__all__ = ["BATCH", "annotate_estimate", "routes"]

BATCH = "batch"


def routes(plan: Plan) -> dict[str, str | None]:
    """Connection name -> ``None`` when its cells go through its batch API, else why they run live."""
    out: dict[str, str | None] = {}
    for ref in plan.models:
        conn = ref.conn
        api = conn.adapter_class.batch_class
        out[conn.name] = f"{conn.title} has no batch API" if api is None else api.unavailable(conn)
    return out


def annotate_estimate(est: Estimate, plan: Plan) -> Estimate:
    """``est`` for a batch run: ``route`` says batch or live (and why) per row, ``cost_usd`` and
    ``max_cost_usd`` are at batch prices where the cells are batched, ``live_cost_usd`` what the
    same calls cost live."""
    df = est.df.copy()
    where = routes(plan)
    by_ref = {ref.ref: ref for ref in plan.models}
    df["live_cost_usd"] = df["cost_usd"]
    models = df["model"] if "model" in df.columns else df.index.to_series()  # per arm, or per model
    route_col, discounts = [], []
    for model in models:
        ref = by_ref[str(model)]
        reason = where[ref.conn.name]
        info = catalog.get(ref.conn.provider, ref.model)
        batched = reason is None and info is not None and info.batch_discount is not None
        discounts.append(info.batch_discount if batched else 1.0)
        route_col.append(BATCH if reason is None else f"live: {reason}")
    df["cost_usd"] = df["cost_usd"] * discounts
    df["max_cost_usd"] = df["max_cost_usd"] * discounts
    df["route"] = route_col
    return Estimate(df)

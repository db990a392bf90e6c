"""Run history: every finished run kept on disk, listed by ``nbc.runs()``, opened by id.

Where: ``$NBCONNECT_HOME/runs`` when that variable is set (as the connection store), else
``runs`` in the user data directory (platformdirs: ``~/.local/share/nbconnect/runs`` on Linux).
Each run is a folder ``<id>/`` holding ``results.parquet`` (``results.jsonl`` without pyarrow)
and ``manifest.json``: id, time, templates, variants, models, rows, cells, valid %, cost and
headline scores. Neither holds a secret: the cells carry connection names and answers only
(error texts are scrubbed by the wire), the manifest templates and settings. ``save=False`` on a
run keeps it off disk; deleting a folder forgets that run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets as _random
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._errors import ConfigError
from .._paths import data_path

if TYPE_CHECKING:
    from .results import Results

__all__ = ["find_run", "runs", "runs_dir", "save_run"]

log = logging.getLogger("nbconnect.runs")
MANIFEST = "manifest.json"
_COLUMNS = ["id", "time", "variants", "models", "rows", "cells", "valid_pct", "cost_usd", "scores"]


def runs_dir() -> Path:
    """The folder the runs are kept in (see the module docstring)."""
    return data_path("runs")


def _new_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{_random.token_hex(3)}"


def _headline(results: Results) -> dict[str, float] | None:
    """Accuracy per arm (mean over the scored fields) when the run has a truth column."""
    if results.truth is None:
        return None
    try:
        table = results.score()
    except Exception:  # a truth that fits no single field: the run is still worth keeping
        return None
    acc = table.groupby("arm" if "arm" in table else "model", sort=False)["accuracy"].mean()
    return {str(k): round(float(v), 4) for k, v in acc.items() if pd.notna(v)}


def save_run(results: Results, info: dict[str, Any]) -> str | None:
    """Keep ``results`` with a manifest of ``info`` (the plan's templates and settings); the run's
    id, or ``None`` when the folder cannot be written (a run never fails for its history)."""
    now = datetime.now(timezone.utc)
    run_id = _new_id(now)
    df = results.df
    valid = float(df["_valid"].mean() * 100) if len(df) else None
    cost = df["_cost_usd"].sum(min_count=1)
    manifest = {
        "id": run_id,
        "time": now.isoformat(timespec="microseconds"),  # orders runs of the same second
        **info,
        "rows": int(df["row"].nunique()),
        "cells": len(df),
        "valid_pct": None if valid is None else round(valid, 2),
        "cost_usd": None if pd.isna(cost) else float(cost),
        "scores": _headline(results),
        "truth": results.truth,
    }
    folder = runs_dir() / run_id
    try:
        folder.mkdir(parents=True, exist_ok=False)
        try:
            results.save(folder / "results.parquet")
        except ImportError:  # no pyarrow: the JSONL file keeps the same things
            results.save(folder / "results.jsonl")
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    except OSError as exc:
        log.warning("could not keep the run in %s (%s); pass save=False to stop trying", folder, exc)
        return None
    return run_id


def _manifests() -> list[dict[str, Any]]:
    out = []
    root = runs_dir()
    if not root.is_dir():
        return out
    for path in sorted(root.glob(f"*/{MANIFEST}")):
        with contextlib.suppress(OSError, ValueError):
            out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


def runs() -> pd.DataFrame:
    """The kept runs, newest first: ``id, time, variants, models, rows, cells, valid_pct, cost_usd,
    scores`` (accuracy per arm when the run had a truth), plus ``template``; open one with
    ``nbc.Results.load(id)``. Every finished run is kept (``run(..., save=False)`` keeps one out).

        >>> import nbconnect as nbc
        >>> res = nbc.run(
        ...     "Sentiment of: {text}", data=nbc.data.reviews().head(4),
        ...     schema="sentiment: positive|negative|neutral", models=["demo:demo-fast"],
        ... )
        >>> nbc.runs()[["rows", "cells", "valid_pct", "models"]].head(1)
           rows  cells  valid_pct            models
        0     4      4      100.0  [demo:demo-fast]
        >>> nbc.Results.load(nbc.runs()["id"].iloc[0]).df.equals(res.df)
        True
    """
    rows = []
    for m in _manifests():
        rows.append(
            {
                **{k: m.get(k) for k in _COLUMNS},
                "variants": list(m["variants"]) if m.get("variants") else None,
                "time": pd.Timestamp(m["time"]) if m.get("time") else pd.NaT,
                "template": m.get("template"),
            }
        )
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "template"])
    return frame.sort_values("time", ascending=False, kind="stable").reset_index(drop=True)


def find_run(run_id: str) -> Path:
    """The results file of the kept run ``run_id``."""
    folder = runs_dir() / run_id
    for name in ("results.parquet", "results.jsonl"):
        if (folder / name).is_file():
            return folder / name
    known = [m.get("id") for m in _manifests()][-5:]
    hint = f"recent ids: {', '.join(map(str, known))}" if known else f"no runs are kept in {runs_dir()}"
    raise ConfigError(f"no kept run {run_id!r} (and no such file); nbc.runs() lists them ({hint})")

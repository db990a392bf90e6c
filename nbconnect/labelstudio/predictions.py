"""Results -> Label Studio predictions (pre-annotations), checked with the SDK's own validator.

One prediction per task and arm: ``model_version`` names the arm (``variant|model`` when the
results carry a ``variant`` column, else the model reference), ``score`` is added when the
caller says where to find it, and ``result`` holds one region per answered control (spans get
character offsets, see :mod:`nbconnect.labelstudio.spans`). Cells without a valid answer give no
prediction. Several samples of one arm (a ``sample`` column) give the first valid one.

With an ``ls_id`` column (what :func:`~nbconnect.labelstudio.tasks` adds) each prediction names
its ``task``: the list imports into that project as it is (``Project.push``, or the API's
``import/predictions``). Without one, rows become new tasks: ``{"data": ..., "predictions": [...]}``,
the format Label Studio's task import reads.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pandas as pd

from .._errors import ConfigError
from .config import Config, Control, parse
from .tasks import ID

if TYPE_CHECKING:
    from .._results.results import Results

__all__ = ["Predictions", "predictions"]


class Predictions(list):
    """A list of prediction dicts (or of task dicts with ``predictions``), JSON-ready, with
    ``notes``: one line per answer part left out (a span not found in the text, a value the
    config does not allow, a cell without a valid answer)."""

    def __init__(self, items: Iterable[dict[str, Any]] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.notes: list[str] = list(notes)

    def __repr__(self) -> str:
        return f"<Predictions: {len(self)} items, {len(self.notes)} notes>"

    @overload
    def to_json(self, path: None = None) -> str: ...
    @overload
    def to_json(self, path: str | Path) -> Path: ...
    def to_json(self, path: str | Path | None = None) -> str | Path:
        """The JSON text, or, given ``path``, the file written (UTF-8) as a Path, as
        ``Results.save`` and ``Results.report`` return theirs: a notebook cell ending in
        ``preds.to_json("p.json")`` then shows the file's name, not thousands of lines of JSON."""
        text = json.dumps(list(self), ensure_ascii=False, indent=1)
        if path is None:
            return text
        out = Path(path).expanduser()
        out.write_text(text, encoding="utf-8")
        return out


def _region_id(*parts: Any) -> str:
    # Label Studio region ids are short strings; a stable one keeps a re-export byte-identical
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=5).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON-ready Python value: numpy scalars unwrapped, NaN and <NA> as None."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is not None and not isinstance(value, str) and bool(pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _arm(row: pd.Series) -> str:
    variant = row.get("variant")
    return f"{variant}|{row['model']}" if isinstance(variant, str) and variant else str(row["model"])


def _score(row: pd.Series, score: str | Callable[[pd.Series], Any] | None) -> float | None:
    if score is None:
        return None
    value = score(row) if callable(score) else row.get(score)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _regions(
    cfg: Config, controls: list[Control], row: pd.Series, where: str
) -> tuple[list[dict], list[str]]:
    data = {v: _plain(row.get(v)) for v in cfg.variables}
    regions, notes = [], []
    for c in controls:
        values, why = c.kind.values(c, _plain(row.get(c.name)), data)
        notes += [f"{where}, {c.name}: {n}" for n in why]
        for i, value in enumerate(values):
            region = {
                "id": _region_id(where, c.name, i),
                "from_name": c.name,
                "to_name": c.kind.to_name(c),
                "type": c.tag.lower(),
                "value": value,
            }
            errors = cfg.li.validate_region(region, return_errors=True)
            if errors:  # a value the config does not allow: say so, keep the rest of the answer
                notes.append(f"{where}, {c.name}: {value} left out: {'; '.join(errors)}")
                continue
            regions.append(region)
    return regions, notes


def _cells(results: Results) -> pd.DataFrame:
    df = results.df
    if "sample" in df.columns:  # repeats: the first valid sample stands for the arm
        df = df.sort_values(["sample"], kind="stable")
    df = df.loc[df["_valid"]]
    keys = ["row", "model", *(["variant"] if "variant" in df.columns else [])]
    return df.drop_duplicates(keys)


def predictions(
    results: Results,
    config: str | Config,
    *,
    score: str | Callable[[pd.Series], Any] | None = None,
    ignore: Iterable[str] = (),
) -> Predictions:
    """Label Studio predictions for ``results`` (see the module docstring for the two formats).

    ``config`` is the labeling config the schema came from; its controls that are fields of the
    results are sent. ``score``: a column of the results (a field such as ``confidence``) or a
    function of one cell's row giving a number, stored as the prediction's ``score``.
    """
    cfg = parse(config, ignore=ignore)
    controls = [c for c in cfg.controls if c.name in results.fields]
    if not controls:
        raise ConfigError(
            f"none of the config's controls {[c.name for c in cfg.controls]} is a field of these results "
            f"(fields: {results.fields}); run with schema=nbc.labelstudio.schema(config)"
        )
    cells = _cells(results)
    notes = [f"{len(results.df) - len(cells)} cell(s) without a valid answer give no prediction"]
    by_task = ID in results.inputs
    out: list[dict[str, Any]] = []
    tasks: dict[int, dict[str, Any]] = {}
    for _, row in cells.iterrows():
        task = row.get(ID) if by_task else None
        where = f"task {task}" if by_task else f"row {row['row']}"
        where += f", {_arm(row)}"
        regions, why = _regions(cfg, controls, row, where)
        notes += why
        if not regions:  # an empty pre-annotation only hides the task's "no prediction" state
            notes.append(f"{where}: no answer to send, left out")
            continue
        pred: dict[str, Any] = {"model_version": _arm(row), "result": regions}
        value = _score(row, score)
        if value is not None:
            pred["score"] = value
        problems = cfg.li.validate_prediction(pred, return_errors=True)
        if problems:  # every region passed alone, so this is a bug of ours: say so loudly
            raise AssertionError(f"prediction for {where} fails Label Studio's check: {problems}")
        if by_task:
            if _plain(task) is None:  # a row that came from no Label Studio task
                notes.append(f"{where}: no {ID}, left out")
                continue
            out.append({"task": int(task), **pred})
        else:
            entry = tasks.setdefault(
                int(row["row"]),
                {"data": {v: _plain(row.get(v)) for v in cfg.variables if v in row}, "predictions": []},
            )
            entry["predictions"].append(pred)
    if not by_task:
        out = [tasks[k] for k in sorted(tasks)]
    if notes[0].startswith("0 "):
        notes = notes[1:]
    return Predictions(out, notes)

"""Label Studio export (JSON or JSON-MIN) -> a DataFrame of task data and truth.

Columns, in order: ``ls_id`` (the Label Studio task id, ``Int64``: keep it in the data you run on,
and ``Results.to_labelstudio`` sends each prediction to its task), the task data keys (the config's
``$variables`` first, so a template can say ``{text}``), one ``gold_<control>`` column per control
holding the truth of the chosen annotation (the shapes :mod:`nbconnect.labelstudio.controls`
lists; ``None`` where no annotation gives one; the ``gold_`` prefix keeps truth apart from the
answer fields, and ``Results.score(truth="gold_sentiment")`` pairs it with ``sentiment``), and
``ls_annotations``, the number of annotations that counted.

Cancelled (skipped) annotations never count. When a task has several, ``annotation=`` decides:

- ``"latest"`` (default): the one updated last (``updated_at``, else ``created_at``; ties and
  missing times go to the later one in the export);
- ``"first"``: the one created first;
- ``"majority"``: per control, the value most annotations give (one without a value for the
  control, ``None``, does not vote; no spans, ``[]``, does); a tie goes to the latest annotation's;
- a function, given the task's annotations as dicts ``{"id", "annotator", "created_at",
  "updated_at", "truth": {control: value}}`` (export order) and returning one of them or None.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import ConfigError
from .config import Config, parse

__all__ = ["ID", "TRUTH_PREFIX", "tasks"]

ID = "ls_id"
COUNT = "ls_annotations"
TRUTH_PREFIX = "gold_"
#: keys JSON-MIN adds to each record beside the task data and the controls
_MIN_META = frozenset(
    {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement"}
)
_RULES = ("latest", "first", "majority")


@dataclass
class _Annotation:
    id: Any
    annotator: Any
    created_at: Any
    updated_at: Any
    truth: dict[str, Any]
    order: int

    def public(self) -> dict[str, Any]:
        keys = ("id", "annotator", "created_at", "updated_at")
        return {**{k: getattr(self, k) for k in keys}, "truth": dict(self.truth)}


@dataclass
class _Task:
    id: Any
    data: dict[str, Any]
    annotations: list[_Annotation] = field(default_factory=list)


def _load(export: Any) -> list[dict[str, Any]]:
    if isinstance(export, (str, Path)):
        path = Path(export)
        if not path.is_file():
            raise ConfigError(f"no Label Studio export at {str(path)!r}; pass a JSON file's path or its list")
        try:
            export = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path.name} is not JSON ({exc}); export the project as JSON or JSON-MIN"
            ) from exc
    if isinstance(export, dict):
        export = [export]  # a single task
    if not isinstance(export, list) or not all(isinstance(t, dict) for t in export):
        raise ConfigError("a Label Studio export is a list of task objects (the JSON or JSON-MIN export)")
    return export


def _truth(cfg: Config, values: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {c.name: c.kind.truth(c, values.get(c.name, [])) for c in cfg.controls}


def _from_json(cfg: Config, records: list[dict[str, Any]]) -> list[_Task]:
    out = []
    for task in records:
        anns = []
        for i, ann in enumerate(task.get("annotations") or task.get("completions") or []):
            if ann.get("was_cancelled") or ann.get("skipped"):
                continue
            values: dict[str, list[dict[str, Any]]] = {}
            for r in ann.get("result") or []:
                if isinstance(r, dict) and isinstance(r.get("value"), dict):
                    values.setdefault(r.get("from_name"), []).append(r["value"])
            who = ann.get("completed_by")
            who = who.get("id", who.get("email")) if isinstance(who, dict) else who
            anns.append(
                _Annotation(
                    ann.get("id"), who, ann.get("created_at"), ann.get("updated_at"), _truth(cfg, values), i
                )
            )
        data = task.get("data")
        if not isinstance(data, dict):
            raise ConfigError(
                f"task {task.get('id')!r} has no 'data' object; is this a Label Studio JSON export?"
            )
        out.append(_Task(task.get("id"), dict(data), anns))
    return out


def _min_values(cfg: Config, rec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    values: dict[str, list[dict[str, Any]]] = {}
    for c in cfg.controls:
        v = rec.get(c.name)
        if v is None:
            continue
        if isinstance(v, dict):
            v = [v]
        elif not isinstance(v, list):  # JSON-MIN writes one choice or one text bare
            v = [{c.kind.key: [v] if c.kind.listed else v}]
        values[c.name] = [x for x in v if isinstance(x, dict)]
    return values


def _from_min(cfg: Config, records: list[dict[str, Any]]) -> list[_Task]:
    """JSON-MIN has one record per annotation (or one per task without any), data keys on top."""
    controls = {c.name for c in cfg.controls}
    tasks: dict[Any, _Task] = {}
    for i, rec in enumerate(records):
        key = rec.get("id", f"#{i}")
        data = {k: v for k, v in rec.items() if k not in _MIN_META and k not in controls}
        task = tasks.setdefault(key, _Task(rec.get("id"), data))
        if rec.get("annotation_id") is None and not (controls & rec.keys()):
            continue  # the record of a task nobody annotated
        truth = _truth(cfg, _min_values(cfg, rec))
        task.annotations.append(
            _Annotation(
                rec.get("annotation_id"),
                rec.get("annotator"),
                rec.get("created_at"),
                rec.get("updated_at"),
                truth,
                i,
            )
        )
    return list(tasks.values())


def _when(value: Any) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value) if value else pd.NaT
    except (ValueError, TypeError):
        return pd.Timestamp.min.tz_localize("UTC")
    if pd.isna(stamp):
        return pd.Timestamp.min.tz_localize("UTC")
    return stamp if stamp.tzinfo else stamp.tz_localize("UTC")


def _latest_key(a: _Annotation) -> tuple[pd.Timestamp, int]:
    return _when(a.updated_at or a.created_at), a.order


def _majority(cfg: Config, anns: list[_Annotation]) -> dict[str, Any]:
    newest_first = sorted(anns, key=_latest_key, reverse=True)
    out = {}
    for c in cfg.controls:
        votes = [(json.dumps(a.truth[c.name], sort_keys=True), a.truth[c.name]) for a in newest_first]
        votes = [v for v in votes if v[1] is not None]
        if not votes:
            out[c.name] = newest_first[0].truth[c.name] if newest_first else None
            continue
        counts = Counter(k for k, _ in votes)
        top = max(counts.values())
        out[c.name] = next(v for k, v in votes if counts[k] == top)  # newest among the tied
    return out


def _pick(cfg: Config, task: _Task, rule: str | Callable[..., Any]) -> dict[str, Any]:
    anns = task.annotations
    empty = {c.name: None for c in cfg.controls}
    if callable(rule):
        chosen = rule([a.public() for a in anns])
        if chosen is None:
            return empty
        if not isinstance(chosen, dict) or not isinstance(chosen.get("truth"), dict):
            raise ConfigError(
                f"annotation= function returned {type(chosen).__name__} for task {task.id!r}; "
                "return one of the annotation dicts it was given, or None"
            )
        return {**empty, **{k: v for k, v in chosen["truth"].items() if k in empty}}
    if not anns:
        return empty
    if rule == "majority":
        return _majority(cfg, anns)
    if rule == "first":
        return min(anns, key=lambda a: (_when(a.created_at), a.order)).truth
    return max(anns, key=_latest_key).truth


def _check_columns(cfg: Config, found: list[_Task]) -> list[str]:
    keys: dict[str, None] = {}
    for t in found:
        keys.update(dict.fromkeys(t.data))
    missing = [v for v in cfg.variables if v not in keys]
    if missing and found:
        raise ConfigError(
            f"the tasks lack the config's variable(s) {missing}: their data has {sorted(keys)}; "
            "export the project this config belongs to, or rename the task keys to match the config"
        )
    taken = {ID, COUNT, *(TRUTH_PREFIX + c.name for c in cfg.controls), *(c.name for c in cfg.controls)}
    clash = sorted(k for k in keys if k in taken)
    if clash:
        raise ConfigError(
            f"task data key(s) {clash} have the name of a control or of a column tasks() adds; rename them"
        )
    return [*cfg.variables, *(k for k in keys if k not in set(cfg.variables))]


def tasks(
    export: str | Path | list[dict[str, Any]],
    config: str | Config,
    *,
    annotation: str | Callable[[list[dict[str, Any]]], dict[str, Any] | None] = "latest",
    ignore: Iterable[str] = (),
) -> pd.DataFrame:
    """Read a Label Studio JSON or JSON-MIN export (a file's path or the parsed list) into one row
    per task; the module docstring lists the columns and the ``annotation=`` rules. ``config`` is
    the project's labeling config (it says which keys are data and which are controls)."""
    if not callable(annotation) and annotation not in _RULES:
        raise ConfigError(f"annotation= must be one of {list(_RULES)} or a function; got {annotation!r}")
    cfg = parse(config, ignore=ignore)
    records = _load(export)
    full = ["data" in r for r in records]
    if any(full) and not all(full):
        raise ConfigError("the export mixes JSON tasks (with 'data') and JSON-MIN records; use one format")
    found = _from_json(cfg, records) if all(full) and records else _from_min(cfg, records)
    columns = _check_columns(cfg, found)
    rows = []
    for t in found:
        truth = _pick(cfg, t, annotation)
        row = {ID: t.id, **{k: t.data.get(k) for k in columns}}
        row.update({TRUTH_PREFIX + c.name: truth.get(c.name) for c in cfg.controls})
        row[COUNT] = len(t.annotations)
        rows.append(row)
    names = [ID, *columns, *(TRUTH_PREFIX + c.name for c in cfg.controls), COUNT]
    df = pd.DataFrame(rows, columns=names, dtype=object)
    df[ID] = pd.array([None if v is None else int(v) for v in df[ID]], dtype="Int64")
    df[COUNT] = df[COUNT].astype("int64")
    for name in columns:
        df[name] = df[name].infer_objects()
    return df

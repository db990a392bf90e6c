"""Entity (span) scoring: a field holding a list of ``{text, label}`` spans (``start``, ``end``
optional, character offsets into the input text, end exclusive) scored against gold spans.

Offsets: a span whose ``start``/``end`` are missing, out of range or do not cover its ``text`` is
looked up in the input text (case-sensitive, then not): the k-th mention of the same text goes to
its k-th occurrence, or, when the model gave an offset, to the occurrence nearest to it. A span
found nowhere is kept (a wrong prediction, or a gold span no prediction can match) and listed by
:func:`span_notes`. Identical spans (label, start, end) in one answer count once.

- ``exact``: a prediction is right when label, start and end equal a gold span's (the entity
  match of seqeval's BIO scores);
- ``partial``: right when the label agrees and the ranges overlap; each gold span matches one
  prediction, taken in answer order, the overlapping one with the closest boundaries (nervaluate's
  ``ent_type`` scheme, per label).

Per label: precision = right / predicted, recall = right / gold, F1 (0 where undefined);
``(micro)`` from the totals, ``(macro)`` the mean F1 over the labels the arm predicted or should
have. Failed cells predict nothing (every gold span is missed); cells not run are left out;
repeats add their counts to their row. F1 intervals: one seeded bootstrap over rows per arm.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from .._schema.walk import look_through
from . import stats
from .arms import ARM, VARIANT, arm_labels, ran
from .kinds import field_node
from .score import listing
from .scoring import _interval_text

__all__ = [
    "MATCHES",
    "Span",
    "count",
    "is_span_field",
    "locate",
    "pick_field",
    "pick_text",
    "readable",
    "span_notes",
    "span_table",
]

MATCHES = ("exact", "partial")
MICRO, MACRO = "(micro)", "(macro)"


@dataclass(frozen=True)
class Span:
    label: str
    start: int | None
    end: int | None
    text: str

    def overlaps(self, other: Span) -> bool:
        return (
            self.start is not None
            and other.start is not None
            and self.start < other.end
            and other.start < self.end
        )  # type: ignore[operator]


def is_span_field(schema: Any, field: str) -> bool:
    """True when the schema makes ``field`` a list of objects with ``text`` and ``label``."""
    node = field_node(schema, field) if isinstance(schema, dict) else None
    if not isinstance(node, dict) or node.get("type") != "array":
        return False
    items = look_through(node.get("items"), schema)
    props = items.get("properties") if isinstance(items, dict) else None
    return isinstance(props, dict) and {"text", "label"} <= set(props)


def _spans(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"spans must be a list of {{text, label}} objects, got {type(value).__name__}")
    return [s for s in value if isinstance(s, dict)]


def _occurrences(text: str, needle: str) -> list[int]:
    found = [i for i in range(len(text) - len(needle) + 1) if text.startswith(needle, i)]
    if not found:
        low, nl = text.lower(), needle.lower()
        found = [i for i in range(len(low) - len(nl) + 1) if low.startswith(nl, i)]
    return found


def locate(value: Any, text: str) -> tuple[list[Span], list[dict[str, Any]]]:
    """The spans of one answer with offsets into ``text``, and a note per span not found."""
    out: list[Span] = []
    notes: list[dict[str, Any]] = []
    used: dict[str, int] = {}
    for item in _spans(value):
        said, label = str(item.get("text") or ""), str(item.get("label"))
        start, end = item.get("start"), item.get("end")
        given = isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
        if given and 0 <= start < end <= len(text) and (not said or text[start:end] == said):
            out.append(Span(label, start, end, text[start:end]))
            continue
        hits = _occurrences(text, said) if said else []
        if not hits:
            notes.append({"text": said, "label": label, "note": "not found in the input text"})
            out.append(Span(label, None, None, said))
            continue
        if given:
            at = min(hits, key=lambda h: abs(h - start))
        else:
            k = used.get(said.lower(), 0)
            at = hits[min(k, len(hits) - 1)]
            used[said.lower()] = k + 1
        out.append(Span(label, at, at + len(said), text[at : at + len(said)]))
    return list(dict.fromkeys(out)), notes


def _partial_hits(gold: list[Span], pred: list[Span]) -> int:
    """Predictions matched to an overlapping gold span of their label, closest boundaries first."""
    taken: set[int] = set()
    hits = 0
    for p in pred:
        best, distance = None, None
        for j, g in enumerate(gold):
            if j in taken or g.label != p.label or not p.overlaps(g):
                continue
            d = abs(p.start - g.start) + abs(p.end - g.end)  # type: ignore[operator]
            if distance is None or d < distance:
                best, distance = j, d
        if best is not None:
            taken.add(best)
            hits += 1
    return hits


def count(gold: list[Span], pred: list[Span], labels: list[str]) -> np.ndarray:
    """Per label: [exact right, partial right, predicted, gold] (labels × 4)."""
    out = np.zeros((len(labels), 4))
    for i, label in enumerate(labels):
        g = [s for s in gold if s.label == label]
        p = [s for s in pred if s.label == label]
        exact = len({(s.start, s.end) for s in p if s.start is not None} & {(s.start, s.end) for s in g})
        out[i] = [exact, _partial_hits(g, p), len(p), len(g)]
    return out


def _f1(right: np.ndarray, pred: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, ...]:
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, right / np.where(pred > 0, pred, 1), 0.0)
        recall = np.where(gold > 0, right / np.where(gold > 0, gold, 1), 0.0)
        both = precision + recall
        f1 = np.where(both > 0, 2 * precision * recall / np.where(both > 0, both, 1), 0.0)
    return precision, recall, f1


def _figures(totals: np.ndarray, k: int) -> np.ndarray:
    """From (resamples × labels·4) totals: F1 per label, micro, macro, for each match (2·(k+2))."""
    t = totals.reshape(len(totals), k, 4)
    out = []
    for m in range(2):
        right, pred, gold = t[:, :, m], t[:, :, 2], t[:, :, 3]
        _, _, f1 = _f1(right, pred, gold)
        present = (pred + gold) > 0
        f1 = np.where(present, f1, np.nan)  # a label absent from a resample has no F1 there
        _, _, micro = _f1(right.sum(1), pred.sum(1), gold.sum(1))
        with np.errstate(invalid="ignore"):
            macro = np.nansum(f1, axis=1) / present.sum(1)
        out += [f1, micro[:, None], macro[:, None]]
    return np.hstack(out)


def _cells(df: pd.DataFrame, field: str, truth: pd.Series, text: str) -> list[dict[str, Any]]:
    """Every cell whose row has gold spans: its located gold and predicted spans, and notes."""
    labels = arm_labels(df).to_numpy(dtype=object)
    runs, valid = ran(df), df["_valid"].to_numpy(dtype=bool)
    known = {r: v for r, v in truth.items() if not (v is None or (isinstance(v, float) and np.isnan(v)))}
    gold_cache: dict[Any, tuple[list[Span], list]] = {}
    out = []
    for i, (row, said, source) in enumerate(zip(df["row"], df[field], df[text])):
        if row not in known:
            continue
        if row not in gold_cache:
            gold_cache[row] = locate(known[row], str(source))
        gold, gold_notes = gold_cache[row]
        cell = {"row": row, ARM: labels[i], "model": df["model"].iat[i], "gold": gold, "ran": bool(runs[i])}
        cell["failed"] = bool(runs[i] and not valid[i])
        pred, notes = locate(said if valid[i] else [], str(source)) if runs[i] else ([], [])
        cell["pred"] = pred
        cell["notes"] = [{**n, "source": "answer"} for n in notes]
        cell["gold_notes"] = [{**n, "source": "truth"} for n in gold_notes]
        out.append(cell)
    return out


def _arm_rows(cells: list[dict[str, Any]], labels: list[str], seed: int) -> list[dict[str, Any]]:
    scored = [c for c in cells if c["ran"]]
    rows = sorted({c["row"] for c in scored})
    at = {r: i for i, r in enumerate(rows)}
    sums = np.zeros((len(rows), len(labels) * 4))
    for c in scored:
        sums[at[c["row"]]] += count(c["gold"], c["pred"], labels).ravel()
    total = sums.sum(0, keepdims=True)
    point = _figures(total, len(labels))[0]
    low, high, se = stats.bootstrap_sums(sums, lambda s: _figures(s, len(labels)), seed=seed)
    t = total.reshape(len(labels), 4)
    head = {"n": len(scored), "n_rows": len(rows), "n_failed": sum(c["failed"] for c in scored)}
    head["n_not_run"] = sum(not c["ran"] for c in cells)
    out = []
    for m, match in enumerate(MATCHES):
        names = [*labels, MICRO, MACRO]
        counts = [*t, t.sum(0), None]
        for j, (name, c) in enumerate(zip(names, counts)):
            if c is not None and c[2] + c[3] == 0:
                continue  # a label this arm neither predicted nor should have
            k = m * (len(labels) + 2) + j
            row = {**head, "match": match, "label": name, "f1": point[k]}
            if c is not None:
                precision, recall, _ = _f1(c[m], c[2], c[3])
                row.update(tp=int(c[m]), n_pred=int(c[2]), n_gold=int(c[3]))
                row.update(precision=float(precision), recall=float(recall))
            row.update(f1_se=se[k], f1_ci_low=low[k], f1_ci_high=high[k])
            out.append(row)
    return out


def span_table(
    df: pd.DataFrame, field: str, truth: pd.Series, text: str, arms: list[str], seed: int = stats.SEED
) -> pd.DataFrame:
    """One row per (arm, match, label) and the ``(micro)`` / ``(macro)`` rows; see the module."""
    cells = _cells(df, field, truth, text)
    labels = sorted({s.label for c in cells for s in (*c["gold"], *c["pred"])}, key=str)
    ident = df.assign(**{ARM: arm_labels(df)}).drop_duplicates(ARM).set_index(ARM)
    variants = VARIANT in df.columns
    table = []
    for arm in arms:
        mine = [c for c in cells if c[ARM] == arm]
        if not mine:
            continue
        head = {ARM: arm, VARIANT: ident.at[arm, VARIANT]} if variants else {}
        for row in _arm_rows(mine, labels, seed):
            table.append({**head, "model": ident.at[arm, "model"], "field": field, **row})
    cols = [*([ARM, VARIANT] if variants else []), "model", "field", "match", "label", "n", "n_rows"]
    cols += ["n_failed", "n_not_run", "tp", "n_pred", "n_gold", "precision", "recall", "f1"]
    cols += ["f1_se", "f1_ci_low", "f1_ci_high"]
    out = pd.DataFrame(table).reindex(columns=cols)
    for name in ("tp", "n_pred", "n_gold"):
        out[name] = out[name].astype("Int64")
    return out


def span_notes(df: pd.DataFrame, field: str, truth: pd.Series, text: str) -> pd.DataFrame:
    """The spans not found in their input text: ``row, arm, model, source`` (answer / truth),
    ``text, label, note``; each gold span once per row."""
    notes, seen = [], set()
    for c in _cells(df, field, truth, text):
        for n in c["notes"]:
            notes.append({"row": c["row"], ARM: c[ARM], "model": c["model"], **n})
        if c["row"] not in seen:
            seen.add(c["row"])
            notes += [{"row": c["row"], ARM: None, "model": None, **n} for n in c["gold_notes"]]
    return pd.DataFrame(notes, columns=["row", ARM, "model", "source", "text", "label", "note"])


def pick_field(schema: Any, fields: list[str], field: str | None) -> str:
    spans = [f for f in fields if is_span_field(schema, f)]
    if field is None:
        if len(spans) != 1:
            raise ConfigError(f"which field holds the spans? pass field= (span fields: {listing(spans)})")
        return spans[0]
    if field not in fields:
        raise ConfigError(f"unknown field {field!r}; the fields are: {listing(fields)}")
    return field


def pick_text(df: pd.DataFrame, inputs: list[str], text: str | None) -> str:
    """The input column the offsets point into: ``text=``, else ``text``, else the only text column."""
    if text is not None:
        if text not in inputs:
            raise ConfigError(
                f"text={text!r} is not an input column; the input columns are {listing(inputs)}"
            )
        return text
    if "text" in inputs:
        return "text"
    strings = [c for c in inputs if pd.api.types.infer_dtype(df[c], skipna=True) == "string"]
    if len(strings) != 1:
        raise ConfigError(
            f"which input column holds the text the spans are in? pass text= (one of {listing(inputs)})"
        )
    return strings[0]


def readable(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The span table to read: counts, precision, recall, and F1 as ``"0.78 [0.68, 0.86]"``."""
    out = table.drop(columns=["f1_se", "f1_ci_low", "f1_ci_high"])
    out[["precision", "recall"]] = out[["precision", "recall"]].round(digits)
    parts = zip(table["f1"], table["f1_ci_low"], table["f1_ci_high"])
    out["f1"] = [_interval_text(v, lo, hi, digits) for v, lo, hi in parts]
    return out

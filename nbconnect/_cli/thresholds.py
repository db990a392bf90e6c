"""``--fail-under [FIELD.]METRIC=VALUE``: a score every arm must reach, or the command fails.

Metrics are the higher-is-better columns of ``Results.score()`` (accuracy, macro_precision,
macro_recall, macro_f1, jaccard), compared on their point value, and ``valid`` (the share of the
calls sent that returned a valid answer; needs no truth). Without a field a score threshold holds
for every field the truth scores. An arm whose metric could not be computed fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import ConfigError
from .._results.results import Results
from .._results.svg import valid_share

__all__ = ["Check", "Threshold", "check", "parse"]

SCORES = ("accuracy", "macro_precision", "macro_recall", "macro_f1", "jaccard")
VALID = "valid"
METRICS = (*SCORES, VALID)


@dataclass(frozen=True)
class Threshold:
    field: str | None
    metric: str
    value: float
    text: str


@dataclass(frozen=True)
class Check:
    arm: str
    field: str | None
    metric: str
    value: float
    threshold: float

    @property
    def ok(self) -> bool:
        return not math.isnan(self.value) and self.value >= self.threshold


def parse(spec: str, fields: Sequence[str], has_truth: bool) -> Threshold:
    """One ``--fail-under`` value, checked against the experiment's fields and truth."""
    name, sep, number = spec.partition("=")
    field, dot, metric = name.strip().rpartition(".")
    field_name = field if dot else None
    usage = f"--fail-under {spec!r}: "
    if not sep or metric not in METRICS:
        raise ConfigError(
            usage + f"write [FIELD.]METRIC=VALUE with METRIC one of {', '.join(METRICS)}, e.g. accuracy=0.8 "
            "(mae is lower-is-better, so it has no --fail-under)"
        )
    try:
        value = float(number)
    except ValueError:
        raise ConfigError(
            usage + f"{number!r} is not a number; write a share from 0 to 1, e.g. 0.8"
        ) from None
    if not 0 <= value <= 1:
        raise ConfigError(usage + f"{value:g} is not a share from 0 to 1 (write 0.8 for 80%)")
    if field_name is not None and field_name not in fields:
        raise ConfigError(usage + f"{field_name!r} is not a schema field; fields: {', '.join(fields)}")
    if metric == VALID and field_name is not None:
        raise ConfigError(usage + "valid counts whole answers, not a field: write valid=VALUE")
    if metric in SCORES and not has_truth:
        raise ConfigError(usage + f'{metric} needs ground truth: set truth = "column" in the experiment file')
    return Threshold(field_name, metric, value, spec)


def check(thresholds: Sequence[Threshold], results: Results) -> list[Check]:
    """Every (arm, field) each threshold covers, with the value the run reached."""
    out: list[Check] = []
    scores = results.score() if any(t.metric in SCORES for t in thresholds) else None
    valid = valid_share(results) if any(t.metric == VALID for t in thresholds) else None
    for t in thresholds:
        if t.metric == VALID:
            assert valid is not None
            out += [
                Check(str(arm), None, VALID, _num(valid.loc[arm, "score"]), t.value) for arm in results.arms
            ]
            continue
        assert scores is not None
        key = "arm" if "arm" in scores.columns else "model"
        rows = scores if t.field is None else scores.loc[scores["field"] == t.field]
        out += [
            Check(str(r[key]), r["field"], t.metric, _num(r[t.metric]), t.value) for _, r in rows.iterrows()
        ]
    return out


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")

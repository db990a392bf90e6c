"""The plan's arguments checked before any request: each mistake named, with the fix.

What :func:`make_plan` and ``nbc.start`` refuse beyond the template and the schema: rows that
select nothing (``limit=0``, ``sample=`` past the data), a model listed twice, a template that
sends every row the same prompt, a ``truth=`` the data lacks, a ``redo=`` that is not Results.
(The run options, such as ``rpm=`` or ``cache=``, are checked in :mod:`.options`.)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .._errors import ConfigError
from .template import Template

__all__ = ["check_constant", "check_models_arg", "check_redo", "check_truth", "check_unique", "select_rows"]

_MAX_SEED = 2**32 - 1  # what numpy's RandomState (behind DataFrame.sample) accepts


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def select_rows(df: pd.DataFrame, limit: Any, sample: Any, seed: Any) -> pd.DataFrame:
    """The rows ``limit=`` (the first N) or ``sample=`` (N at random, in data order) choose."""
    if limit is not None and sample is not None:
        raise ConfigError("choose limit= (first N rows) or sample= (random N rows), not both")
    for name, value in (("limit", limit), ("sample", sample)):
        if value is not None and (not _whole(value) or value < 1):
            raise ConfigError(
                f"{name}={value!r} selects no rows; pass a whole number of rows, at least 1, or "
                f"{name}=None for all {len(df)}"
            )
    if limit is not None:
        return df.head(int(limit))
    if sample is None:
        return df
    if sample > len(df):
        raise ConfigError(
            f"sample={sample} is more rows than the data has ({len(df)}); pass sample={len(df)} or "
            "fewer, or leave sample= out to run every row"
        )
    if not _whole(seed) or not 0 <= seed <= _MAX_SEED:
        raise ConfigError(f"seed={seed!r} cannot seed the sample; pass a whole number from 0 to {_MAX_SEED}")
    return df.sample(n=int(sample), random_state=int(seed)).sort_index()


def check_models_arg(models: Any) -> list[Any]:
    """``models=`` as a list: one reference, or a list / tuple of them."""
    if isinstance(models, str):
        return [models]
    if not isinstance(models, (list, tuple)):
        raise ConfigError(
            f"models= must be a model reference or a list of them, like ['openai:gpt-4.1-mini'], "
            f"not {type(models).__name__}"
        )
    if not models:
        raise ConfigError("no models chosen; pass models=['connection:model', ...] (see org.models())")
    return list(models)


def check_unique(refs: Sequence[Any]) -> None:
    """The same model twice (spelled alike or not) would run, and bill, every row twice."""
    seen: dict[tuple[str, str], str] = {}
    for ref in refs:
        key = (ref.conn.name, ref.model)
        if key in seen:
            same = f"{ref.ref!r}" if seen[key] == ref.ref else f"{seen[key]!r} and {ref.ref!r}"
            raise ConfigError(
                f"models= lists {same} more than once (connection {ref.conn.name!r}, model "
                f"{ref.model!r}), which would pay for every row twice; list each model once"
            )
        seen[key] = ref.ref


def check_constant(tmpl: Template, system: Template | None, rows: int, allow: bool) -> None:
    """A template without a placeholder sends every row the same prompt: almost always a slip."""
    if allow or rows < 2 or tmpl.names or (system is not None and system.names):
        return
    raise ConfigError(
        f"the template {tmpl.text[:60]!r} has no {{column}} placeholder, so all {rows} rows would get the "
        "same prompt. Fix: name a column in braces, e.g. 'Classify: {text}', or pass "
        "allow_constant_prompt=True to send the same prompt once per row on purpose"
    )


def check_redo(redo: Any, fields: Sequence[str], *, variants: bool, repeats: bool) -> None:
    """``redo=`` must be Results this run's cells can be merged with: same fields, and variant /
    sample columns exactly when this run has variants / repeats. Checked now, because the merge
    happens after the run, when a mismatch would have spent every call and then raised."""
    if redo is None:
        return
    frame = getattr(redo, "df", None)
    if not (isinstance(frame, pd.DataFrame) and {"row", "model", "_valid"} <= set(frame)):
        raise ConfigError(
            f"redo= takes the Results of an earlier run (to rerun only its failed cells), not "
            f"{type(redo).__name__}"
        )
    before = list(getattr(redo, "fields", []))
    if before != list(fields):
        raise ConfigError(
            f"redo= holds results with the fields {before}, but this schema has {list(fields)}; redo= "
            "reruns the failed cells of the same schema. Fix: pass that run's schema, or leave redo= "
            "out to start afresh"
        )
    for column, here, option in (("variant", variants, "variants="), ("sample", repeats, "repeats=")):
        if (column in frame) != here:
            had, has = ("had", "has no") if column in frame else ("had no", "has")
            raise ConfigError(
                f"redo= holds a run that {had} {option}, but this run {has} {option}; a redo "
                f"continues the same run. Fix: pass the same {option} as that run, or leave redo= out"
            )


def check_truth(truth: Any, columns: Any, fields: list[str] | None = None) -> None:
    """A ``truth=`` column the data lacks is refused now, not when the finished run is scored.

    With ``fields`` (the schema's), the field it answers must be clear too: a column name alone
    must fit the only field or name one (``gold_label`` -> ``label``); a dict must key fields.
    """
    if truth is None:
        return
    names = [truth] if isinstance(truth, str) else list(truth.values()) if isinstance(truth, dict) else None
    if names is None:
        raise ConfigError(
            f"truth= must be the name of a data column or a dict {{field: column}}, not {type(truth).__name__}"
        )
    columns = list(columns)
    missing = [n for n in names if n not in columns]
    if missing:
        raise ConfigError(
            f"truth={truth!r} names {', '.join(map(repr, missing))}, which is not a column of the data. "
            f"Columns: {', '.join(map(repr, columns))}. Fix: pass one of them, or truth=None"
        )
    if fields is None:
        return
    from .._results.score import check_field, field_for

    if isinstance(truth, dict):
        for field in truth:
            check_field(field, fields)
        return
    try:
        field_for(truth, fields)
    except ConfigError:
        raise ConfigError(
            f"truth={truth!r}: which schema field does that column hold? Fields: {', '.join(map(repr, fields))}. "
            f"Fix: pass truth={{'<field>': {truth!r}}}, or name the column after its field (gold_<field>)"
        ) from None

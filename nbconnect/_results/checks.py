"""Checks on the column names of a Results frame, before anything is built from it."""

from __future__ import annotations

import pandas as pd

from .._errors import ConfigError
from .score import listing

__all__ = ["check_names"]


def check_names(
    df: pd.DataFrame,
    order: list[str],
    reserved: set[str],
    inputs: list[str],
    fields: list[str],
    models: list[str],
) -> None:
    """Clear errors for duplicate, clashing, missing and unexpected column names."""
    for what, names in (("fields", fields), ("models", models), ("inputs", inputs)):
        dup = sorted({n for n in names if names.count(n) > 1}, key=str)
        if dup:
            raise ConfigError(f"{what}= lists {listing(dup)} more than once")
    clash = [n for n in [*inputs, *fields] if n in reserved]
    if clash:
        raise ConfigError(f"{listing(clash)} is a column name Results uses itself; rename it")
    both = [n for n in inputs if n in set(fields)]
    if both:
        raise ConfigError(
            f"input column(s) {listing(both)} have the name of schema field(s); rename the data column"
        )
    missing = [c for c in ("row", "model", *inputs) if c not in df.columns]
    if missing:
        raise ConfigError(
            f"the DataFrame lacks column(s) {listing(missing)}; it has {listing(list(df.columns))}"
        )
    unknown = [c for c in df.columns if c not in set(order)]
    if unknown:
        raise ConfigError(f"unexpected column(s) {listing(unknown)}: name them in inputs= or fields=")
    if "sample" in df.columns and pd.isna(df["sample"]).any():
        raise ConfigError("some cells lack a sample number: with repeats every cell needs one (0, 1, ...)")

"""Saving and loading :class:`~nbconnect._results.results.Results`: parquet (needs pyarrow) or JSONL.

Both keep dtypes, lists, None vs NaN and the metadata: the :data:`META` attributes, the column
order and each column's dtype, in the parquet schema metadata or the JSONL header line. A file is
written beside its target and then renamed, so a crash mid-write leaves the previous file whole.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError

__all__ = ["META", "load", "output_file", "save"]

_FORMAT = "nbconnect.results/1"
#: the Results attributes saved with the cells, each a keyword argument of ``Results(...)``
META = ("fields", "models", "inputs", "schema", "truth", "meta")


def output_file(path: str | Path, example: str) -> Path:
    """``path`` (``~`` expanded) checked as a file to write: a folder given instead, or a folder that
    does not exist, is named as such (not as the temporary file written beside the target)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; pass a file path in it, e.g. {path / example}")
    if not path.parent.is_dir():
        raise ConfigError(
            f"cannot write {path.name}: the folder {path.parent} does not exist; create it first "
            "(Path(...).mkdir(parents=True)) or pick another path"
        )
    return path


def save(df: pd.DataFrame, attrs: dict[str, Any], path: str | Path) -> Path:
    """Write the cells ``df`` and ``attrs`` (the :data:`META` values) to a ``.parquet`` or ``.jsonl`` file."""
    path = Path(path).expanduser()
    writer = {".parquet": _save_parquet, ".jsonl": _save_jsonl}.get(path.suffix.lower())
    if writer is None:
        raise ConfigError(f"save() writes .parquet or .jsonl files, not {path.suffix or path.name!r}")
    path = output_file(path, "results.jsonl")
    tmp = path.with_name(path.name + ".tmp")
    meta = {"format": _FORMAT, **attrs, "columns": list(df.columns)}
    writer(df, {**meta, "dtypes": {c: str(t) for c, t in df.dtypes.items()}}, tmp)
    tmp.replace(path)  # a crash mid-write leaves the previous file whole
    return path


def load(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read what :func:`save` wrote: the cells, with their dtypes, and the :data:`META` values."""
    path = Path(path).expanduser()
    reader = {".parquet": _load_parquet, ".jsonl": _load_jsonl}.get(path.suffix.lower())
    if reader is None:
        raise ConfigError(f"load() reads .parquet or .jsonl files, not {path.suffix or path.name!r}")
    df, meta = reader(path)
    if meta.get("format") != _FORMAT:
        raise ConfigError(f"{path} was not written by Results.save()")
    for name, dtype in meta["dtypes"].items():
        s = df[name]
        if dtype == "object":
            df[name] = s if s.dtype == object else _none_for_missing(s)
        elif str(s.dtype) != dtype:
            with contextlib.suppress(TypeError, ValueError):  # keep the column as read
                df[name] = _none_for_missing(s).astype(dtype)
    return df[meta["columns"]], {k: meta[k] for k in META}


def _none_for_missing(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _save_jsonl(df: pd.DataFrame, meta: dict[str, Any], path: Path) -> None:
    names = [str(c) for c in df.columns]
    cols = [s.tolist() if s.dtype == object else _none_for_missing(s).tolist() for _, s in df.items()]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(_dumps(meta) + "\n")
        fh.writelines(_dumps(dict(zip(names, values))) + "\n" for values in zip(*cols))


def _load_jsonl(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        meta = json.loads(fh.readline() or "{}")
        records = [json.loads(line) for line in fh if line.strip()]
    cols = {c: pd.Series([r.get(str(c)) for r in records], dtype=object) for c in meta.get("columns", [])}
    return pd.DataFrame(cols), meta


def _save_parquet(df: pd.DataFrame, meta: dict[str, Any], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError(
            "saving to .parquet needs pyarrow: pip install pyarrow (or save to .jsonl)"
        ) from exc
    out, as_json = {}, []
    for name, s in df.items():
        # Arrow keeps text, numbers and nullable dtypes; other Python values (lists of mixed
        # items, dicts, NaN among strings) go in as JSON text so that nothing changes on the way.
        if s.dtype == object and not all(v is None or isinstance(v, str) for v in s):
            as_json.append(name)
        out[name] = pd.Series([_dumps(v) for v in s], dtype=object) if name in as_json else s
    table = pa.Table.from_pandas(pd.DataFrame(out), preserve_index=False)
    extra = {b"nbconnect": _dumps({**meta, "json_columns": as_json}).encode()}
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **extra}), path)


def _load_parquet(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("reading .parquet needs pyarrow: pip install pyarrow") from exc
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"nbconnect", b"{}"))
    df = table.to_pandas()
    for name in meta.get("json_columns", []):
        df[name] = pd.Series([json.loads(v) for v in df[name]], dtype=object)
    return df, meta

"""The run plan: data, template, schema and models checked together before any request."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import ConfigError
from .._results.results import RESERVED
from .._schema.adapt import resolve_ref
from .._schema.schema import Schema, as_schema
from .._store.org import Organization
from .._wire.call import Call
from .checks import check_constant, check_redo, select_rows
from .estimate import Estimate, estimate_plan, per_call_estimate
from .media import MediaStore, check_models
from .options import check_options
from .refs import ModelRef, model_refs
from .template import Template
from .variants import Settings, Variant, check_arm_settings, resolve_arms, resolve_variants

# Estimate, estimate_plan and per_call_estimate are re-exported: the engine imports them from here
__all__ = [
    "Cell",
    "Estimate",
    "Plan",
    "as_frame",
    "estimate_plan",
    "flat_fields",
    "keep_index",
    "make_plan",
    "per_call_estimate",
    "plan_info",
]

ROW = "row"


@dataclass
class Cell:
    """One (input row, variant, model, sample) to run; ``variant`` / ``sample`` are ``None`` in a
    run without variants / repeats, ``settings`` ``None`` for the run's own options."""

    row: int
    ref: ModelRef
    user: str
    system: str | None = None
    variant: str | None = None
    sample: int | None = None
    settings: Settings | None = None
    parts: tuple[Any, ...] = ()  # text and media in order when the template has {image:...}

    def call(self, schema: Schema, default: Settings) -> Call:
        """This cell's request: its own settings (a variant's), else the run's ``default``."""
        settings = self.settings or default
        return Call(
            model=self.ref.model,
            user=self.user,
            schema=schema,
            system=self.system,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            reasoning_effort=settings.reasoning_effort,
            seed=self.sample,  # repeats: a seed per sample where the API takes one
            parts=self.parts,
        )


@dataclass
class Plan:
    template: Template
    schema: Schema
    data: pd.DataFrame  # the selected input rows, index = row id
    models: list[ModelRef]
    cells: list[Cell] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    variants: list[Variant] | None = None  # None: a run without variants=
    system: Template | None = None  # the first variant's system template
    repeats: int = 1
    arms: list[tuple[str, str]] | None = None  # (variant, model ref) pairs; None without variants=
    index: str | None = None  # the input column holding data='s own index (see keep_index)


def as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        df = data.copy()
    elif isinstance(data, pd.Series):
        df = data.to_frame(name=data.name or "text")
    elif isinstance(data, (list, tuple)):
        if not data:
            raise ConfigError("data is empty; give a DataFrame, a list of dicts, or a list of strings")
        if all(isinstance(x, str) for x in data):
            df = pd.DataFrame({"text": list(data)})
        elif all(isinstance(x, dict) for x in data):
            df = pd.DataFrame(list(data))
        else:
            kinds = sorted({type(x).__name__ for x in data})
            raise ConfigError(f"data must be all dicts or all strings; found {', '.join(kinds)}")
    elif isinstance(data, dict):
        df = pd.DataFrame(data)
    elif isinstance(data, (str, os.PathLike)):
        raise ConfigError(_not_a_file(data))
    else:
        raise ConfigError(
            f"data must be a DataFrame, a list of dicts or a list of strings, not {type(data).__name__}"
        )
    if df.empty:
        raise ConfigError("data has no rows")
    df.columns = [str(c) for c in df.columns]
    if ROW in df.columns:
        raise ConfigError(f"data has a column named {ROW!r}, which nbconnect uses for the row id; rename it")
    return df.reset_index(drop=True)


#: how pandas reads a file of data, by suffix (for the hint when data= is a file name)
_READERS = {
    ".parquet": "read_parquet({!r})",
    ".jsonl": "read_json({!r}, lines=True)",
    ".json": "read_json({!r})",
}


def _not_a_file(data: str | os.PathLike[str]) -> str:
    """data= given a file name (or one text): say how to pass the rows instead."""
    text = os.fspath(data)
    reader = _READERS.get(Path(text).suffix.lower(), "read_csv({!r})").format(text)
    return (
        f"data= takes the rows themselves, not a file name: read it first, e.g. data=pd.{reader} "
        "(or data=[text] for a single text)"
    )


def flat_fields(schema: dict[str, Any], prefix: str = "", root: dict[str, Any] | None = None) -> list[str]:
    """Schema field names with nested objects flattened: ``address.city``. Follows local ``$ref``s
    (pydantic's nested models) and nullable unions (``Optional[Address]``)."""
    root = schema if root is None else root
    out: list[str] = []
    for name, sub in (schema.get("properties") or {}).items():
        node = _object_node(sub, root)
        if node is not None:
            out.extend(flat_fields(node, f"{prefix}{name}.", root))
        else:
            out.append(prefix + name)
    return out


def _object_node(node: Any, root: dict[str, Any], depth: int = 0) -> dict[str, Any] | None:
    """The object schema behind ``node`` if it is one (through $ref and a null union), else None."""
    if not isinstance(node, dict) or depth > 8:  # depth: recursive models stay one column
        return None
    if "$ref" in node:
        return _object_node(resolve_ref(root, node["$ref"]), root, depth + 1)
    branches = [b for b in node.get("anyOf", []) if not (isinstance(b, dict) and b.get("type") == "null")]
    if len(branches) == 1:
        return _object_node(branches[0], root, depth + 1)
    if node.get("type") == "object" and node.get("properties"):
        return node
    return None


def _check_names(columns: Any, schema: Schema) -> None:
    """Input columns share the results table with schema fields: refuse clashes before spending."""
    reserved = {"model", "connection", "provider"}
    fields = set(flat_fields(schema.json))
    for col in columns:
        if col in fields:
            raise ConfigError(
                f"the data column {col!r} has the name of a schema field, and both go into the results; "
                f"rename the column, e.g. df.rename(columns={{{col!r}: 'gold_{col}'}}), then score(truth='gold_{col}')"
            )
        if col in reserved or col.startswith("_"):
            raise ConfigError(f"the data column {col!r} clashes with a results column; rename it")


def make_plan(
    template: str,
    *,
    data: Any,
    schema: Any,
    models: Any,
    org: Organization | None,
    system: str | None = None,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    redo: Any = None,
    allow_constant_prompt: bool = False,
    variants: Any = None,
    arms: Any = None,
    repeats: int = 1,
    settings: Settings | None = None,
    resize: int | None = None,
) -> Plan:
    """Check everything that can be checked offline and list the cells to run.

    ``redo`` (an earlier Results) keeps only the cells that have no valid result there.
    ``allow_constant_prompt`` lets a template without placeholders through (the same prompt for
    every row, e.g. to sample one question many times); without it that is refused.
    ``variants`` / ``arms`` / ``repeats``: see :mod:`.variants`; ``settings`` are the run's own
    temperature, max_tokens and reasoning effort, which variants inherit.
    ``resize`` (pixels) lets images larger than that on their longest side be scaled down.
    """
    df = as_frame(data)
    found = resolve_variants(variants, template, system, settings or Settings(), list(df.columns))
    repeats = check_options({"repeats": repeats})["repeats"]
    parsed_schema = as_schema(schema)
    _check_names(df.columns, parsed_schema)
    index = keep_index(data, df, parsed_schema)
    refs = model_refs(models, org)
    pairs = resolve_arms(found, refs, arms)
    check_arm_settings(pairs)
    df = select_rows(df, limit, sample, seed)
    for v in found:
        check_constant(v.template, v.system, len(df), allow_constant_prompt)
    check_redo(redo, flat_fields(parsed_schema.json), variants=variants is not None, repeats=repeats > 1)
    done = _done(redo)
    named = variants is not None
    samples = [None] if repeats == 1 else list(range(repeats))
    store = _media_store(found, resize)
    cells = _cells(df, found, pairs, samples, done, store)
    if store is not None:
        _check_media(found, pairs, store, cells)
        df = _media_labels(df, found, store)
    tmpl = found[0].template
    return Plan(
        tmpl,
        parsed_schema,
        df,
        refs,
        cells,
        inputs=list(df.columns),
        variants=found if named else None,
        repeats=repeats,
        system=found[0].system,
        arms=[(v.name, ref.ref) for v, ref in pairs] if named else None,
        index=index,
    )


#: the name a nameless index goes by, as ``DataFrame.reset_index`` names it (``level_0`` if taken)
_INDEX_NAMES = ("index", "level_0")


def keep_index(data: Any, df: pd.DataFrame, schema: Schema) -> str | None:
    """Keep the user's own index (a filtered, shuffled or labelled DataFrame) as the first input
    column of ``df``, whose rows are renumbered 0..n-1 (the row ids): the results then show it, and
    a truth Series indexed like ``data=`` lines up by it (``Results.score``). Returns its column name
    (the index's name, else ``index``), or None for a plain 0..n-1 index, a MultiIndex, or a name
    that is already a column, a field or a results column (those stay numbered by position)."""
    idx = getattr(data, "index", None)
    if not isinstance(data, (pd.DataFrame, pd.Series)) or isinstance(idx, pd.MultiIndex):
        return None
    if isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1:
        return None
    taken = {*df.columns, *flat_fields(schema.json), *RESERVED}
    names = [str(idx.name)] if idx.name is not None else list(_INDEX_NAMES)
    name = next((n for n in names if n not in taken and not n.startswith("_")), None)
    if name is not None:
        df.insert(0, name, idx.to_numpy())
    return name


def _cells(
    df: pd.DataFrame,
    found: list[Variant],
    pairs: list,
    samples: list[int | None],
    done: set[tuple[int, str | None, str, int | None]],
    store: MediaStore | None,
) -> list[Cell]:
    """One cell per (row, variant, model, sample) that ``redo`` did not already answer."""
    cells = []
    for row_id, record in zip(df.index, df.to_dict("records")):
        rendered = {v: _render(v, record, int(row_id), store) for v in found}
        for variant, ref in pairs:
            user, system_text, parts = rendered[variant]
            for k in samples:
                if (int(row_id), variant.name, ref.ref, k) not in done:
                    cells.append(
                        Cell(int(row_id), ref, user, system_text, variant.name, k, variant.settings, parts)
                    )
    return cells


def plan_info(plan: Plan, *, stopped: bool = False) -> dict[str, Any]:
    """What a saved run's manifest says about its plan: templates and settings, never a secret
    (connections appear by their reference only)."""
    variants = {}
    for v in plan.variants or []:
        variants[v.name] = {
            "template": v.template.text,
            "system": v.system.text if v.system is not None else None,
            **dataclasses.asdict(v.settings),
        }
    return {
        "template": plan.template.text,
        "system": plan.system.text if plan.system is not None else None,
        "variants": variants or None,
        "models": [m.ref for m in plan.models],
        "repeats": plan.repeats,
        "stopped": stopped,
    }


def _render(
    variant: Variant, record: dict[str, Any], row: int, store: MediaStore | None
) -> tuple[str, str | None, tuple]:
    """One variant's user text, system text and (with media placeholders) parts for one row."""
    system = variant.system.render(record) if variant.system is not None else None
    return variant.template.render(record), system, _media_parts(variant.template, record, row, store)


def _done(redo: Any) -> set[tuple[int, str | None, str, int | None]]:
    """(row, variant, model, sample) of the valid cells of an earlier run."""
    if redo is None:
        return set()
    prev = redo.df.loc[redo.df["_valid"]]
    none = [None] * len(prev)
    variant = prev["variant"].tolist() if "variant" in prev else none
    sample = [int(k) for k in prev["sample"]] if "sample" in prev else none
    return set(zip(prev[ROW].tolist(), variant, prev["model"].tolist(), sample))


def _media_store(found: list[Variant], resize: int | None) -> MediaStore | None:
    if any(v.system is not None and v.system.media for v in found):
        raise ConfigError(
            "the system prompt has an {image:...} or {document:...} placeholder; put media in the "
            "prompt template (the user message) instead"
        )
    return MediaStore(resize) if any(v.template.media for v in found) else None


def _check_media(found: list[Variant], pairs: list, store: MediaStore, cells: list[Cell]) -> None:
    """Each variant's media against the models that run it (a text-only variant needs no vision)."""
    for variant in found:
        if not variant.template.media:
            continue
        models = list({ref.ref: ref for v, ref in pairs if v is variant}.values())
        check_models(models, store, {c.row: c.parts for c in cells if c.variant == variant.name})


def _media_parts(tmpl: Template, record: dict[str, Any], row: int, store: MediaStore | None) -> tuple:
    if store is None or not tmpl.media:
        return ()
    return tmpl.render_parts(
        record, lambda col, kind: store.get(record[col], kind, f"row {row}, column {col!r}")
    )


def _media_labels(df: pd.DataFrame, found: list[Variant], store: MediaStore) -> pd.DataFrame:
    """The input rows as Results show them: a media column holds the path or URL, and bytes, data
    URLs and PIL images become ``<bytes sha256:…>`` labels (never the payload)."""
    df = df.copy()
    media = {col: kind for v in found for col, kind in v.template.media.items()}
    for col, kind in media.items():
        df[col] = [store.get(v, kind, f"row {i}, column {col!r}").label for i, v in zip(df.index, df[col])]
    return df

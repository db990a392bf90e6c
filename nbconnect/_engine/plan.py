"""The run plan: data, template, schema and models checked together before any request."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._catalog.catalog import catalog
from .._catalog.tokens import estimate_tokens
from .._connections.base import Connection
from .._connections.providers import PROVIDERS
from .._errors import ConfigError, UnknownModelError
from .._schema.adapt import resolve_ref
from .._schema.schema import Schema, as_schema
from .._store.org import Organization
from .checks import check_constant, check_models_arg, check_redo, check_unique, select_rows
from .media import MediaStore, check_models, media_tokens
from .options import check_options
from .template import Template
from .variants import Settings, Variant, check_arm_settings, resolve_arms, resolve_variants

__all__ = ["Cell", "Estimate", "Plan", "as_frame", "flat_fields", "make_plan"]

ROW = "row"


@dataclass(frozen=True)
class ModelRef:
    ref: str
    conn: Connection
    model: str


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


def _models(models: Any, org: Organization | None) -> list[ModelRef]:
    if hasattr(models, "value") and not isinstance(models, (str, list, tuple)):
        models = models.value  # a ModelPicker
    out: list[ModelRef] = []
    for ref in check_models_arg(models):
        conn, model = _resolve(org, ref)
        out.append(ModelRef(ref, conn, model))
    check_unique(out)
    return out


def _resolve(org: Organization | None, ref: str) -> tuple[Connection, str]:
    if org is not None:
        try:
            conn, model = org.resolve(ref)
        except UnknownModelError:
            if _setup_free(ref) is None:
                raise
        else:
            _check_known(org, conn, model, ref)
            return conn, model
    cls = _setup_free(ref)
    if cls is not None:  # "demo:<model>" needs no organization
        conn, model = cls(), str(ref).partition(":")[2]
        _check_known(None, conn, model, ref)
        return conn, model
    raise UnknownModelError(f"cannot resolve {ref!r} without an organization; pass org=nbc.Organization()")


def _setup_free(ref: Any) -> type[Connection] | None:
    """The provider class a ``"<provider>:<model>"`` reference names when that provider needs no
    setup (the offline Demo), else ``None``."""
    if not isinstance(ref, str) or ":" not in ref:
        return None
    cls = PROVIDERS.get(ref.partition(":")[0])
    return cls if cls is not None and cls.offline else None


def _check_known(org: Organization | None, conn: Connection, model: str, ref: str) -> None:
    """Refuse a model the connection is known not to serve, with the closest names as a hint."""
    if conn.single_model:
        return
    if org is not None:
        known = [row["model"] for row in org.model_rows() if row["connection"] == conn.name]
        live = org.live_models(conn.name)  # only a live list proves a model is unavailable
    else:
        known, live = [m.id for m in catalog.models(conn.provider)], None
    if conn.offline:  # it serves exactly the catalog's models
        live = known
    if live is not None and model not in live:
        close = difflib.get_close_matches(model, live or known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; it serves: {', '.join(live[:8])}"
        raise UnknownModelError(f"{ref!r}: connection {conn.name!r} does not serve {model!r}{hint}")


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
    refs = _models(models, org)
    pairs = resolve_arms(found, refs, arms)
    check_arm_settings(pairs)
    df = select_rows(df, limit, sample, seed)
    for v in found:
        check_constant(v.template, v.system, len(df), allow_constant_prompt)
    check_redo(redo)
    done = _done(redo)
    named = variants is not None
    samples = [None] if repeats == 1 else list(range(repeats))
    store = _media_store(found, resize)
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
    )


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


# -- estimates ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _encoder(model: str) -> Any:
    """tiktoken's encoder for ``model`` when tiktoken is installed and knows it, else None."""
    try:
        import tiktoken  # optional: exact counts for OpenAI-family models

        return tiktoken.encoding_for_model(model)
    except Exception:  # not installed, or a model it does not know (tiktoken raises KeyError)
        return None


def _tokens(text: str, model: str) -> int:
    encoder = _encoder(model)
    return len(encoder.encode(text)) if encoder is not None else estimate_tokens(text)


def _answer_tokens(schema: Schema) -> int:
    """A typical answer is about the size of the schema's property names plus short values."""

    def walk(node: Any) -> int:
        if not isinstance(node, dict):
            return 0
        props = node.get("properties") or {}
        items = node.get("items")
        return sum(4 + walk(v) for v in props.values()) + (walk(items) * 2 if isinstance(items, dict) else 0)

    return max(8, walk(schema.json) + 4)


@dataclass
class Estimate:
    """Calls, tokens and cost expected per model, before spending anything."""

    df: pd.DataFrame

    @property
    def calls(self) -> int:
        return int(self.df["calls"].sum())

    @property
    def cost_usd(self) -> float:
        return (
            float(self.df["cost_usd"].sum(min_count=1)) if self.df["cost_usd"].notna().any() else float("nan")
        )

    def __repr__(self) -> str:
        cost = "unknown" if pd.isna(self.cost_usd) else f"${self.cost_usd:.4f}"
        return f"Estimate({self.calls} calls, about {cost})\n{self.df.to_string()}"

    def _repr_html_(self) -> str:
        return f"<b>{self.calls} calls, about ${self.cost_usd:.4f}</b>" + self.df.to_html()


def estimate_plan(plan: Plan, max_tokens: int | None = None) -> Estimate:
    schema_text = json.dumps(plan.schema.json)
    answer = (
        _answer_tokens(plan.schema) if max_tokens is None else min(_answer_tokens(plan.schema), max_tokens)
    )
    rows: list[dict[str, Any]] = []
    for ref in plan.models:
        cells = [c for c in plan.cells if c.ref.ref == ref.ref]
        sample = cells[:200]  # counting every prompt of 100k rows is not worth the wait
        per_call = sum(
            _tokens(c.user + (c.system or ""), ref.model) + media_tokens(c.parts, ref.conn.provider)
            for c in sample
        ) / max(1, len(sample)) + _tokens(schema_text, ref.model)
        input_tokens = int(per_call * len(cells))
        output_tokens = answer * len(cells)
        info = catalog.get(ref.conn.provider, ref.model)
        cost = info.cost(input_tokens, output_tokens) if info else None
        rows.append(
            {
                "model": ref.ref,
                "calls": len(cells),
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cost_usd": float("nan") if cost is None else cost,
            }
        )
    return Estimate(pd.DataFrame(rows).set_index("model"))


def per_call_estimate(est: Estimate) -> dict[str, float]:
    """Expected USD per call for each model (0 when unknown), for the budget check."""
    out: dict[str, float] = {}
    for model, row in est.df.iterrows():
        out[str(model)] = (
            0.0 if pd.isna(row["cost_usd"]) or not row["calls"] else float(row["cost_usd"]) / row["calls"]
        )
    return out

"""Variants and arms: named versions of the prompt and its settings, and which models run them.

A variant overrides what it names (``template``, ``system``, ``temperature``, ``max_tokens``,
``reasoning_effort``) and inherits the rest from the run's own arguments. An *arm* is one
(variant, model). Everything here is checked before any request, and every message names the
variant it is about. A variant may be a dict, or any object with ``model_dump()`` (pydantic) or
dataclass fields, so a dict of saved Playground versions can be passed as ``variants=`` as is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._catalog.catalog import catalog
from .._errors import ConfigError, TemplateError
from .options import check_options, check_temperature
from .template import Template

__all__ = [
    "KEYS",
    "Settings",
    "Variant",
    "check_arm_settings",
    "check_reasoning",
    "resolve_arms",
    "resolve_variants",
]

#: what a variant may set; anything else is a typo worth refusing
KEYS = ("template", "system", "temperature", "max_tokens", "reasoning_effort")
_SETTINGS = ("temperature", "max_tokens", "reasoning_effort")


@dataclass(frozen=True)
class Settings:
    """The per-cell request settings a variant can change."""

    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None


@dataclass(frozen=True)
class Variant:
    """One version of the prompt: ``name`` is ``None`` for a run without variants."""

    name: str | None
    template: Template
    system: Template | None
    settings: Settings


def _as_dict(name: str, spec: Any) -> dict[str, Any]:
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        out = dict(spec)
    elif hasattr(spec, "model_dump"):
        out = spec.model_dump()
    elif dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        out = dataclasses.asdict(spec)
    else:
        raise ConfigError(
            f"variant {name!r} must be a dict of overrides like {{'system': ..., 'temperature': 0.7}}, "
            f"not {type(spec).__name__}"
        )
    unknown = sorted(set(out) - set(KEYS) - {"name"}, key=str)
    if unknown:
        raise ConfigError(
            f"variant {name!r} sets {', '.join(map(repr, unknown))}, which a variant cannot change. "
            f"Fix: use only {', '.join(KEYS)}"
        )
    return {k: v for k, v in out.items() if k in KEYS and v is not None}  # None: inherit


def _check_name(name: Any, seen: set[str]) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            f"variant names must be non-empty text, not {name!r}; e.g. variants={{'terse': {{}}}}"
        )
    if "|" in name:
        raise ConfigError(
            f"variant name {name!r} has a '|', which separates variant and model in arm labels; rename it"
        )
    if name in seen:
        raise ConfigError(f"variant name {name!r} is given twice; name each variant once")
    return name


def _parse(name: str | None, text: Any, what: str) -> Template:
    try:
        return Template.parse(text)
    except TemplateError as exc:
        if name is None:
            raise
        raise TemplateError(f"variant {name!r}, {what}: {exc}") from None


def resolve_variants(
    variants: Any, template: str, system: str | None, base: Settings, columns: Sequence[str]
) -> list[Variant]:
    """The variants of a run (one nameless one without ``variants=``), templates checked
    against ``columns`` and settings against their bounds."""
    if variants is None:
        tmpl = Template.parse(template)
        tmpl.check(columns)
        sys_tmpl = Template.parse(system) if system else None
        if sys_tmpl is not None:
            sys_tmpl.check(columns)
        return [Variant(None, tmpl, sys_tmpl, base)]
    if isinstance(variants, (list, tuple)):  # a list of names: each the run's own settings
        names: set[str] = set()
        for name in variants:
            names.add(_check_name(name, names))
        variants = {name: {} for name in variants}
    if not isinstance(variants, Mapping) or not variants:
        raise ConfigError(
            "variants= takes a dict {name: overrides}, e.g. {'terse': {}, 'cot': {'system': 'Think first.'}}"
        )
    out: list[Variant] = []
    seen: set[str] = set()
    for raw_name, spec in variants.items():
        name = _check_name(raw_name, seen)
        seen.add(name)
        over = _as_dict(name, spec)
        tmpl = _parse(name, over.get("template", template), "template")
        sys_text = over.get("system", system)
        sys_tmpl = _parse(name, sys_text, "system") if sys_text else None
        for what, t in (("template", tmpl), ("system", sys_tmpl)):
            if t is not None:
                try:
                    t.check(columns)
                except TemplateError as exc:
                    raise TemplateError(f"variant {name!r}, {what}: {exc}") from None
        values = {k: over.get(k, getattr(base, k)) for k in _SETTINGS}
        try:
            checked = check_options(values)
        except ConfigError as exc:
            raise ConfigError(f"variant {name!r}: {exc}") from None
        out.append(Variant(name, tmpl, sys_tmpl, Settings(**{k: checked[k] for k in _SETTINGS})))
    return out


def resolve_arms(variants: list[Variant], refs: list[Any], arms: Any) -> list[tuple[Variant, Any]]:
    """The (variant, model) pairs to run: every variant on every model, or the ``arms=`` list."""
    if arms is None:
        return [(v, ref) for v in variants for ref in refs]
    if variants[0].name is None:
        raise ConfigError("arms= pairs variants with models; pass variants= too")
    by_name = {v.name: v for v in variants}
    by_ref = {ref.ref: ref for ref in refs}
    if not isinstance(arms, (list, tuple)) or not arms:
        raise ConfigError("arms= takes a list of (variant, model) pairs, e.g. [('terse', 'demo:demo-fast')]")
    out, seen = [], set()
    for pair in arms:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise ConfigError(f"arms= entries are (variant, model) pairs, not {pair!r}")
        name, model = pair
        if name not in by_name:
            raise ConfigError(
                f"arms= names variant {name!r}, which variants= lacks; it has {', '.join(by_name)}"
            )
        if model not in by_ref:
            raise ConfigError(f"arms= names model {model!r}, which models= lacks; add it to models=")
        if (name, model) in seen:
            raise ConfigError(f"arms= lists ({name!r}, {model!r}) twice, which would pay for it twice")
        seen.add((name, model))
        out.append((by_name[name], by_ref[model]))
    return out


def check_reasoning(effort: str | None, refs: Sequence[Any], variant: str | None) -> None:
    """Refuse reasoning_effort for a model the catalog says does not take it (or whose wire
    cannot combine it with how it asks for JSON), naming the models."""
    if effort is None:
        return
    bad = []
    for ref in refs:
        info = catalog.get(ref.conn.provider, ref.model)
        why = ref.conn.adapter_class.reasoning_refusal(info) if info is not None else None
        if why:
            bad.append(f"{ref.ref} ({why})")
    if bad:
        where = f"variant {variant!r}: " if variant else ""
        raise ConfigError(
            f"{where}reasoning_effort={effort!r} cannot be sent to {'; '.join(bad)}. Fix: leave "
            "reasoning_effort out for those models (arms= pairs variants with models), or choose "
            "reasoning models"
        )


def check_arm_settings(pairs: list[tuple[Variant, Any]]) -> None:
    """Temperature and reasoning effort of each variant against the models it runs on."""
    for variant in dict.fromkeys(v for v, _ in pairs):
        refs = [ref for v, ref in pairs if v is variant]
        try:
            check_temperature(variant.settings.temperature, refs)
        except ConfigError as exc:
            if variant.name is None:
                raise
            raise ConfigError(f"variant {variant.name!r}: {exc}") from None
        check_reasoning(variant.settings.reasoning_effort, refs, variant.name)

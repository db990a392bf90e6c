"""Run options checked at the boundary: every nonsense value is refused before any request.

:class:`RunOptions` declares each option of ``nbc.run`` once, with its bounds and the fix to print;
:func:`check_options` turns pydantic's findings into a :class:`ConfigError` that names the option,
the value given and what to pass instead. The temperature each wire family accepts is declared
once, in :data:`TEMPERATURE_RANGE`, and checked against the models of a plan by
:func:`check_temperature`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._errors import ConfigError

__all__ = ["CACHE_FILE", "TEMPERATURE_RANGE", "RunOptions", "check_options", "check_temperature"]

#: the file a ``cache=`` directory gets (the same name as the default cache's)
CACHE_FILE = "replies.sqlite"

#: what each wire family accepts for ``temperature`` (OpenAI's and Gemini's APIs document 0–2,
#: Anthropic's 0–1); a connection's adapter class names its family (``Adapter.family``)
TEMPERATURE_RANGE: dict[str, tuple[float, float]] = {
    "openai": (0.0, 2.0),
    "google": (0.0, 2.0),
    "anthropic": (0.0, 1.0),
}
_WIDEST = (min(lo for lo, _ in TEMPERATURE_RANGE.values()), max(hi for _, hi in TEMPERATURE_RANGE.values()))


def _fix(text: str) -> Any:
    return {"fix": text}


class RunOptions(BaseModel):
    """The bounded options of a run (those of ``nbc.run`` that are not about the plan)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    temperature: float | None = Field(
        None,
        ge=_WIDEST[0],
        le=_WIDEST[1],
        allow_inf_nan=False,
        description="Sampling temperature; None leaves the provider's default.",
        json_schema_extra=_fix(f"pass a number from {_WIDEST[0]:g} to {_WIDEST[1]:g}, or None"),
    )
    max_tokens: int | None = Field(
        None,
        ge=1,
        description="Most tokens an answer may use; None leaves the provider's default.",
        json_schema_extra=_fix("pass at least 1 (a structured answer needs ~50+), or None for the default"),
    )
    reasoning_effort: Literal["low", "medium", "high"] | None = Field(
        None,
        description="How hard reasoning models think (OpenAI reasoning_effort, Anthropic extended "
        "thinking, Gemini thinkingConfig); None leaves the model's default.",
        json_schema_extra=_fix("pass 'low', 'medium' or 'high', or None"),
    )
    repeats: int = Field(
        1,
        ge=1,
        le=1000,
        description="Answers per cell (a sample column 0..n-1) for self-consistency and error bars.",
        json_schema_extra=_fix("pass a whole number from 1 (each cell once) to 1000"),
    )
    save: bool = Field(
        True,
        description="Keep the finished run in nbconnect's data directory (nbc.runs() lists them).",
        json_schema_extra=_fix("pass True or False"),
    )
    concurrency: int = Field(
        16,
        ge=1,
        description="Most calls in flight at once, over all models.",
        json_schema_extra=_fix("pass concurrency=1 or more"),
    )
    per_connection: int | None = Field(
        None,
        ge=1,
        description="Most calls in flight at once per connection (None: as many as concurrency).",
        json_schema_extra=_fix("pass per_connection=1 or more, or None for the same as concurrency"),
    )
    rpm: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="Most requests started per minute per connection; None for no limit.",
        json_schema_extra=_fix("pass a positive number of requests per minute, or rpm=None for no limit"),
    )
    max_retries: int = Field(
        4,
        ge=0,
        le=100,
        description="Retries of a failed call (rate limits, overloads, network).",
        json_schema_extra=_fix("pass a whole number from 0 (no retries) to 100"),
    )
    timeout: float = Field(
        60.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds to wait for one answer.",
        json_schema_extra=_fix("pass a positive number of seconds, e.g. timeout=60"),
    )
    budget_usd: float | None = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        description="Stop scheduling once the spend would pass this many USD; None for no budget.",
        json_schema_extra=_fix("pass 0 or more US dollars, or budget_usd=None for no budget"),
    )
    cache: bool | str | os.PathLike[str] = Field(
        True,
        description="True: the default cache file; False: no cache; a file path, or a directory "
        f"to keep {CACHE_FILE} in.",
        json_schema_extra=_fix(
            "pass cache=True (the default file), cache=False (no cache), or a writable file or directory"
        ),
    )
    progress: bool = Field(
        True, description="Show a progress bar.", json_schema_extra=_fix("pass True or False")
    )

    batch: bool = Field(
        False,
        description="Send the cells through each connection's batch API where it has one (about half "
        "price, results within 24 hours), the rest live.",
        json_schema_extra=_fix("pass batch=True or batch=False"),
    )
    batch_size: int | None = Field(
        None,
        ge=1,
        description="Most requests per provider batch; None: the provider's own limit.",
        json_schema_extra=_fix(
            "pass a whole number of requests (1 or more), or None for the provider's limit"
        ),
    )
    batch_poll: float = Field(
        10.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds between the first status checks of a batch (it backs off while nothing changes).",
        json_schema_extra=_fix("pass a positive number of seconds, e.g. batch_poll=10"),
    )

    @field_validator(
        "max_tokens",
        "concurrency",
        "per_connection",
        "max_retries",
        "batch_size",
        "repeats",
        mode="before",
    )
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic takes True as 1; nobody means that
            raise ValueError("expected a whole number, got a bool")
        return value

    @field_validator("cache", mode="after")
    @classmethod
    def _cache_path(cls, value: Any) -> Any:
        """A directory (existing, or written with a trailing slash) holds the cache file."""
        if isinstance(value, bool):
            return value
        text = os.fspath(value)
        if not text.strip():
            raise ValueError("empty path")
        path = Path(text).expanduser()
        if path.is_dir() or text.endswith(("/", os.sep)):
            path = path / CACHE_FILE
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise ValueError(f"{str(parent)!r} is a file, so no cache can be kept under it")
                break
        return str(path)


def check_options(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked and normalised (a ``cache=`` directory becomes the file in it)."""
    known = {k: v for k, v in values.items() if k in RunOptions.model_fields}
    try:
        checked = RunOptions.model_validate(known)
    except ValidationError as exc:
        raise ConfigError(_message(exc)) from None
    return {**values, **{k: getattr(checked, k) for k in known}}


def _message(exc: ValidationError) -> str:
    """One line per wrong option: its value, what is wrong, what it is for, and what to pass."""
    by_option: dict[str, list[Any]] = {}
    for err in exc.errors(include_url=False):
        by_option.setdefault(str(err["loc"][0]) if err["loc"] else "options", []).append(err)
    lines = []
    for name, errors in by_option.items():
        field = RunOptions.model_fields.get(name)
        extra = field.json_schema_extra if field is not None else None
        fix = extra.get("fix") if isinstance(extra, dict) else None
        what = field.description if field is not None else ""
        given = errors[0].get("input")
        given = os.fspath(given) if isinstance(given, os.PathLike) else given
        if len(errors) > 1:  # a union rejected it branch by branch: the type is what is wrong
            said = f"a {type(given).__name__} is not one of the accepted types"
        else:
            said = str(errors[0]["msg"]).removeprefix("Value error, ")
            said = said[:1].lower() + said[1:]
        lines.append(f"{name}={given!r} is not allowed ({said}). {what} Fix: {fix}.")
    return "\n".join(lines)


def check_temperature(temperature: float | None, models: list[Any]) -> None:
    """Refuse a temperature some chosen model's wire family does not accept, naming the models."""
    if temperature is None:
        return
    out = []
    for ref in models:
        lo, hi = TEMPERATURE_RANGE.get(ref.conn.adapter_class.family, _WIDEST)
        if not lo <= temperature <= hi:
            out.append(f"{ref.ref} ({ref.conn.title}: {lo:g} to {hi:g})")
    if out:
        raise ConfigError(
            f"temperature={temperature!r} is outside what these models accept: {', '.join(out)}. "
            "Fix: pass a temperature inside every chosen model's range, or run those models separately"
        )

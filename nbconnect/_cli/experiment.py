"""An experiment file: the arguments of ``nbc.run`` in TOML, checked key by key before any request.

Keys (``examples/experiment.toml`` shows them all)::

    template = "..."        # required: the prompt, {column} placeholders
    system = "..."          # optional system prompt (placeholders too)
    schema = "label: a|b"   # required: the short form, or a JSON Schema as a table
    models = ["demo:demo-careful", "openai:gpt-4.1-mini"]   # required: model references
    data = "reviews.csv"    # required: .csv, .parquet or .jsonl, relative to this file
    truth = "gold_label"    # optional: a column, or {field = "column"}
    store = "conn.json"     # optional: the connection store (default: the user's, $NBCONNECT_HOME)
    env = true              # optional: also use connections from environment variables (default)
    [options]               # the run options of nbc.run: temperature, max_tokens, concurrency,
                            # per_connection, rpm, max_retries, timeout, budget_usd, cache, limit,
                            # sample, seed, allow_constant_prompt
    [report]                # title, field, max_rows: passed to Results.report

Every mistake is an :class:`ExperimentError` whose message starts ``file:line: key:``.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._engine.checks import check_truth, select_rows
from .._engine.options import RunOptions, check_options
from .._engine.plan import as_frame, flat_fields
from .._engine.template import Template
from .._errors import ConfigError
from .._schema.schema import as_schema
from .lines import key_line, value_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Experiment", "ExperimentError", "load"]

#: top-level keys: accepted types, required, what the value is
KEYS: dict[str, tuple[tuple[type, ...], bool, str]] = {
    "template": ((str,), True, "the prompt template, with {column} placeholders"),
    "system": ((str,), False, "the system prompt"),
    "schema": ((str, dict), True, 'the answer schema: short form text ("label: a|b") or a JSON Schema table'),
    "models": ((list, str), True, 'model references, like ["demo:demo-careful"]'),
    "data": ((str,), True, "the path of a .csv, .parquet or .jsonl file, relative to the experiment file"),
    "truth": ((str, dict), False, 'the ground-truth column, or {field = "column"}'),
    "store": ((str,), False, "the connection store file, relative to the experiment file"),
    "env": ((bool,), False, "whether connections from environment variables are used too"),
    "variants": (
        (dict,),
        False,
        "named versions of the prompt: [variants.NAME] tables of template, system, temperature, "
        "max_tokens, reasoning_effort",
    ),
    "arms": ((list,), False, 'the (variant, model) pairs to run, like [["v1", "demo:demo-fast"]]'),
    "options": ((dict,), False, "a table of run options"),
    "report": ((dict,), False, "a table of report settings"),
}
ROW_OPTIONS = ("limit", "sample", "seed", "allow_constant_prompt")
OPTIONS = tuple(k for k in RunOptions.model_fields if k != "progress") + ROW_OPTIONS
REPORT: dict[str, tuple[type, ...]] = {"title": (str,), "field": (str,), "max_rows": (int,)}
READERS = {
    ".csv": pd.read_csv,
    ".parquet": pd.read_parquet,
    ".jsonl": lambda p: pd.read_json(p, lines=True),
    ".ndjson": lambda p: pd.read_json(p, lines=True),
}


class ExperimentError(ConfigError):
    """A mistake in an experiment file, located: ``file:line: key: what is wrong``."""


@dataclass
class Experiment:
    path: Path
    text: str
    values: dict[str, Any]
    data: pd.DataFrame = field(default_factory=pd.DataFrame)

    def error(
        self, key: Sequence[str | int] | None, message: str, line: int | None = None
    ) -> ExperimentError:
        """An error naming the key and the line it is written on."""
        where = f"{self.path}"
        if key:
            line = line or key_line(self.text, key)
        if line:
            where += f":{line}"
        name = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in key or ()).replace(".[", "[")
        return ExperimentError(f"{where}: {name + ': ' if name else ''}{message}")

    def relative(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.path.parent / path

    @property
    def models(self) -> list[str]:
        models = self.values["models"]
        return [models] if isinstance(models, str) else list(models)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.values.get("options") or {})

    @property
    def report(self) -> dict[str, Any]:
        return dict(self.values.get("report") or {})

    def run_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``nbc.run`` / ``nbc.estimate`` (without ``org``)."""
        v = self.values
        kwargs = {"data": self.data, "schema": v["schema"], "models": self.models, **self.options}
        for name in ("system", "truth", "variants", "arms"):
            if v.get(name) is not None:
                kwargs[name] = v[name]
        return kwargs

    def model_line(self, ref: str) -> int | None:
        return value_line(self.text, key_line(self.text, ["models"]), ref)


def load(path: str | Path) -> Experiment:
    """Read and check ``path``; the data file is read too. Raises :class:`ExperimentError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot read the experiment file ({exc.strerror or exc})") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{path}:{found.group(1)}" if found else str(path)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ExperimentError(f"{where}: not valid TOML: {message}") from None
    exp = Experiment(path, text, values)
    _check_keys(exp)
    exp.data = _read_data(exp)
    _check_values(exp)
    return exp


def _unknown(exp: Experiment, key: list[str], known: Sequence[str]) -> ExperimentError:
    close = difflib.get_close_matches(key[-1], known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return exp.error(key, f"unknown key; {hint}known keys: {', '.join(known)}")


def _type_error(
    exp: Experiment, key: list[str], value: Any, types: tuple[type, ...], what: str
) -> ExperimentError:
    names = {str: "a string", dict: "a table", list: "a list", bool: "true or false", int: "a whole number"}
    wanted = " or ".join(names.get(t, t.__name__) for t in types)
    return exp.error(key, f"must be {wanted} ({what}), not {type(value).__name__} {value!r}")


def _check_keys(exp: Experiment) -> None:
    v = exp.values
    for key, value in v.items():
        if key not in KEYS:
            raise _unknown(exp, [key], list(KEYS))
        types, _, what = KEYS[key]
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise _type_error(exp, [key], value, types, what)
    missing = [k for k, (_, required, _) in KEYS.items() if required and k not in v]
    if missing:
        what = "; ".join(f"{k} = ... ({KEYS[k][2]})" for k in missing)
        raise exp.error(None, f"missing required key(s): {what}", line=1)
    for i, ref in enumerate(exp.models):
        if not isinstance(ref, str) or not ref:
            raise exp.error(["models", i], f"must be a model reference string, not {ref!r}")
    for key in exp.options:
        if key not in OPTIONS:
            raise _unknown(exp, ["options", key], OPTIONS)
    for key, value in exp.report.items():
        if key not in REPORT:
            raise _unknown(exp, ["report", key], list(REPORT))
        if not isinstance(value, REPORT[key]) or isinstance(value, bool):
            raise _type_error(exp, ["report", key], value, REPORT[key], "a report setting")


def _read_data(exp: Experiment) -> pd.DataFrame:
    path = exp.relative(exp.values["data"])
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise exp.error(
            ["data"], f"{path.name!r}: read .csv, .parquet or .jsonl files, not {path.suffix or 'this'}"
        )
    if not path.is_file():
        raise exp.error(["data"], f"no such file: {path}")
    try:
        return as_frame(reader(path))
    except ConfigError as exc:
        raise exp.error(["data"], str(exc)) from None
    except (ValueError, OSError, ImportError) as exc:  # pandas' parsers, pyarrow missing
        raise exp.error(["data"], f"cannot read {path}: {exc}") from None


def _named_option(message: str, given: Sequence[str]) -> str | None:
    """The option a check's message starts with (``"limit=0 selects no rows"`` -> ``limit``)."""
    found = re.match(r"(\w+)=", message)
    return found.group(1) if found and found.group(1) in given else None


def _check_values(exp: Experiment) -> None:
    """What can be checked offline, each mistake on its own key: schema, prompts, truth, options."""
    v, columns = exp.values, list(exp.data.columns)
    try:
        schema = as_schema(v["schema"])
    except ConfigError as exc:
        raise exp.error(["schema"], str(exc)) from None
    for key in ("template", "system"):
        if v.get(key) is not None:
            try:
                Template.parse(v[key]).check(columns)
            except ConfigError as exc:
                raise exp.error([key], str(exc)) from None
    fields = flat_fields(schema.json)
    if exp.report.get("field") is not None and exp.report["field"] not in fields:
        raise exp.error(
            ["report", "field"], f"{exp.report['field']!r} is not a schema field; fields: {', '.join(fields)}"
        )
    try:
        check_truth(v.get("truth"), columns, fields)
    except ConfigError as exc:
        raise exp.error(["truth"], str(exc)) from None
    options = exp.options
    run_options = {k: val for k, val in options.items() if k not in ROW_OPTIONS}
    for key, value in run_options.items():
        try:
            check_options({key: value})
        except ConfigError as exc:
            raise exp.error(["options", key], str(exc)) from None
    try:
        select_rows(exp.data, options.get("limit"), options.get("sample"), options.get("seed", 0))
    except ConfigError as exc:
        key = _named_option(str(exc), list(options))
        raise exp.error(["options", key] if key else ["options"], str(exc)) from None

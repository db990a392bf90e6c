"""``nbconnect run experiment.toml``: run an experiment file, write Results and the report, gate on scores.

Exit codes: 0 done (every ``--fail-under`` met), 1 a threshold not met, 2 a mistake in the file or
the arguments (nothing was sent), 130 stopped by Ctrl-C (143 by SIGTERM): the finished cells are
written all the same, the rest marked cancelled.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from .._engine.api import estimate, start, with_settings
from .._engine.plan import flat_fields
from .._engine.runner import Job, run_job_blocking
from .._errors import ConfigError, NbconnectError, UnknownModelError
from .._results.results import Results
from .._schema.schema import as_schema
from .._store.org import Organization
from . import thresholds as _thresholds
from .experiment import Experiment, load

__all__ = ["add_parser", "run_command"]

OK, FAILED, BAD_INPUT = 0, 1, 2
SUMMARY = ["calls", "valid_pct", "errors", "accuracy", "latency_p50", "latency_p95", "cost_usd"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run an experiment file (template, schema, models, data) and write Results and a report",
        description=(
            "Run the experiment described by a TOML file (the arguments of nbconnect.run; see "
            "examples/experiment.toml), write results.jsonl and report.html, print the summary, and "
            "exit 1 when a --fail-under threshold is not met."
        ),
    )
    p.add_argument("experiment", help="the experiment file (.toml)")
    p.add_argument(
        "--dry-run", action="store_true", help="print the estimate of calls, tokens and cost; send nothing"
    )
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="[FIELD.]METRIC=VALUE",
        help="exit 1 unless every arm reaches it, e.g. accuracy=0.8, sentiment.macro_f1=0.7, valid=0.95 (repeatable)",
    )
    p.add_argument("--out", help="folder for the outputs (default: ./<experiment name>-results)")
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar (default: one when stderr is a terminal)"
    )
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    try:
        exp = load(args.experiment)
        fields = flat_fields(as_schema(exp.values["schema"]).json)
        has_truth = exp.values.get("truth") is not None
        gates = [_thresholds.parse(spec, fields, has_truth) for spec in args.fail_under]
        org = _organization(exp)
        template, kwargs = exp.values["template"], exp.run_kwargs()
        if args.dry_run:
            print(_planned(exp, lambda: estimate(template, org=org, **kwargs)))
            return OK
        progress = sys.stderr.isatty() and not args.no_progress
        job = _planned(exp, lambda: start(template, org=org, progress=progress, **kwargs))
    except NbconnectError as exc:
        print(f"nbconnect run: {exc}", file=sys.stderr)
        return BAD_INPUT
    results, signum = _run(job)
    results = with_settings(results, job, template, kwargs)
    out = Path(args.out) if args.out else Path.cwd() / f"{exp.path.stem}-results"
    _write(results, exp, out)
    _print_summary(results)
    if signum is not None:
        done = int((~results.df["_error_type"].isin(["cancelled", "pending"])).sum())
        print(f"stopped: {done} of {len(results)} cells finished; they are in {out}", file=sys.stderr)
        return 128 + signum
    return _gate(gates, results)


def _organization(exp: Experiment) -> Organization:
    """The store the file names (else the user's), plus environment connections unless ``env = false``."""
    store = exp.values.get("store")
    try:
        org = Organization(path=exp.relative(store)) if store else Organization()
    except NbconnectError as exc:
        raise exp.error(["store"] if store else None, f"cannot read the connection store: {exc}") from None
    if exp.values.get("env", True):
        org.add_from_env()
    return org


def _planned(exp: Experiment, make: Any) -> Any:
    """``make()`` (estimate or start), its errors placed on the key they are about."""
    try:
        return make()
    except UnknownModelError as exc:
        ref = next((r for r in exp.models if repr(r) in str(exc)), None)
        line = exp.model_line(ref) if ref else None
        raise exp.error(["models"], str(exc), line=line) from None
    except ConfigError as exc:
        raise exp.error(None, str(exc)) from None


def _run(job: Job) -> tuple[Results, int | None]:
    """Run ``job``; the first Ctrl-C (or SIGTERM) stops it and keeps what finished, a second aborts."""
    stopped: list[int] = []
    lock = threading.Lock()

    def on_signal(signum: int, _frame: Any) -> None:
        with lock:
            again = bool(stopped)
            stopped.append(signum)
        if again:
            raise KeyboardInterrupt
        print("\nnbconnect run: stopping; finished cells are kept (Ctrl-C again to abort)", file=sys.stderr)
        job.stop()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        results = run_job_blocking(job)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return results, (stopped[0] if stopped else None)


def _write(results: Results, exp: Experiment, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    saved = results.save(out / "results.jsonl")
    report = results.report(out / "report.html", **exp.report)
    print(f"wrote {saved}\nwrote {report}")


def _print_summary(results: Results) -> None:
    summary = results.summary()
    cols = [c for c in SUMMARY if c in summary.columns]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print("\n" + summary[cols].to_string(float_format=lambda x: f"{x:.4g}"))
        if results.truth is not None:
            print("\n" + results.score(pretty=True).to_string(index=False))


def _gate(gates: list[_thresholds.Threshold], results: Results) -> int:
    if not gates:
        return OK
    checks = _thresholds.check(gates, results)
    print()
    for c in checks:
        where = f"{c.field}." if c.field else ""
        verdict = "ok  " if c.ok else "FAIL"
        print(f"{verdict} {c.arm}: {where}{c.metric} = {c.value:.3f} (at least {c.threshold:g})")
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"nbconnect run: {len(failed)} of {len(checks)} threshold checks failed", file=sys.stderr)
        return FAILED
    return OK

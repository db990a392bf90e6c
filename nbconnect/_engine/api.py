"""``nbc.run``, ``nbc.arun``, ``nbc.estimate`` and ``nbc.start``: the engine as plain Python."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._errors import ConfigError
from .._results.results import Results
from .._store.org import Organization
from .._wire.http import start_warm_up
from .checks import check_truth
from .plan import Estimate, estimate_plan, flat_fields, make_plan
from .runner import Job, Options, Progress, run_job_blocking

start_warm_up()  # the first run's imports, loaded while the user writes their next cell

__all__ = ["arun", "estimate", "run", "start"]


def start(
    template: str,
    *,
    data: Any,
    schema: Any,
    models: Any,
    org: Organization | None = None,
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    concurrency: int = 16,
    per_connection: int | None = None,
    rpm: float | None = None,
    max_retries: int = 4,
    timeout: float = 60.0,
    budget_usd: float | None = None,
    cache: bool | str = True,
    progress: bool = True,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    redo: Results | None = None,
    truth: str | dict[str, str] | None = None,
    allow_constant_prompt: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    clients: dict[str, Any] | None = None,
) -> Job:
    """Check the plan (template columns, models, schema) and return a :class:`Job`, not yet started.

    Every option is checked here, before any request: a bad value raises :class:`ConfigError`
    naming the option and the fix. ``await job.arun()`` runs it; ``job.stop()`` ends it early from any thread; ``job.results``
    shows what has finished. :func:`run` and :func:`arun` are this plus running it.
    """
    plan = make_plan(
        template,
        data=data,
        schema=schema,
        models=models,
        org=_org(org),
        system=system,
        limit=limit,
        sample=sample,
        seed=seed,
        redo=redo,
        allow_constant_prompt=allow_constant_prompt,
    )
    check_truth(truth, plan.data.columns, flat_fields(plan.schema.json))  # Job checks the columns only
    if on_progress is not None and not callable(on_progress):
        raise ConfigError(
            f"on_progress= must be a function taking a Progress, not {type(on_progress).__name__}"
        )
    options = Options(
        temperature=temperature,
        max_tokens=max_tokens,
        concurrency=concurrency,
        per_connection=per_connection,
        rpm=rpm,
        max_retries=max_retries,
        timeout=timeout,
        budget_usd=budget_usd,
        cache=cache,
        progress=progress,
    )
    return Job(plan, options, on_progress=on_progress, clients=clients, truth=truth)


def run(template: str, *, dry_run: bool = False, **kwargs: Any) -> Results | Estimate:
    """Run ``template`` over every row of ``data`` with every model; returns :class:`Results`.

    Works in scripts and inside Jupyter (no "event loop is already running" error). Ctrl-C or a
    kernel interrupt stops the run and returns everything that finished. ``dry_run=True`` returns
    an :class:`Estimate` of calls, tokens and cost instead, sending nothing.
    """
    if dry_run:
        return estimate(template, **kwargs)
    results = run_job_blocking(start(template, **kwargs))
    return _merge(results, kwargs.get("redo"))


async def arun(template: str, *, dry_run: bool = False, **kwargs: Any) -> Results | Estimate:
    """:func:`run` for code that already runs an event loop. Cancelling it returns what finished."""
    if dry_run:
        return estimate(template, **kwargs)
    job = start(template, **kwargs)
    return _merge(await job.arun(), kwargs.get("redo"))


def estimate(template: str, **kwargs: Any) -> Estimate:
    """Calls, tokens and cost per model for a run, without sending anything (tokens by tiktoken when
    installed, else characters / 4). Takes the same arguments as :func:`run`, checked the same way."""
    job = start(template, **kwargs)
    return estimate_plan(job.plan, job.options.max_tokens)


def _org(org: Organization | None) -> Organization:
    return org if org is not None else Organization()


def _merge(results: Results, previous: Results | None) -> Results:
    """A rerun with ``redo=`` returns the earlier valid cells together with the new ones."""
    if previous is None:
        return results
    return results.merge(previous)


def _share_signature() -> None:
    """Give run / arun / estimate the signature of start(), so help() and editors list every option
    (they take exactly those keyword arguments, plus dry_run for run and arun)."""
    import inspect

    base = inspect.signature(start)
    dry = inspect.Parameter("dry_run", inspect.Parameter.KEYWORD_ONLY, default=False, annotation="bool")
    params = list(base.parameters.values())
    run.__signature__ = base.replace(parameters=[*params, dry], return_annotation="Results | Estimate")  # type: ignore[attr-defined]
    arun.__signature__ = run.__signature__  # type: ignore[attr-defined]
    estimate.__signature__ = base.replace(return_annotation="Estimate")  # type: ignore[attr-defined]


_share_signature()

"""``nbc.run``, ``nbc.arun``, ``nbc.estimate`` and ``nbc.start``: the engine as plain Python."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .._errors import ConfigError
from .._results.results import Results
from .._store.org import Organization
from .._version import __version__
from .._wire.http import wait_for_warm_up
from .checks import check_truth
from .options import check_options
from .plan import Estimate, estimate_plan, flat_fields, make_plan, plan_info
from .runner import Job, Options, Progress, run_job_blocking
from .variants import Settings

__all__ = ["arun", "check_keywords", "estimate", "resume", "run", "settings", "start", "with_settings"]

#: arguments of :func:`start` beside the run options that say which rows ran
_ROW_OPTIONS = ("limit", "sample", "seed", "allow_constant_prompt")


# Long on purpose: every run option is an explicit keyword, so help(), editors and the signatures
# run / arun / estimate copy from it list them all; the body only checks them and hands them over.
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
    reasoning_effort: str | None = None,
    variants: Any = None,
    arms: Any = None,
    repeats: int = 1,
    save: bool = True,
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
    resize: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    clients: dict[str, Any] | None = None,
    batch: bool = False,
    batch_size: int | None = None,
    batch_poll: float = 10.0,
) -> Job:
    """Check the plan (template columns, models, schema) and return a :class:`Job`, not yet started.

    Every option is checked here, before any request: a bad value raises :class:`ConfigError`
    naming the option and the fix (a variant's, naming the variant).

    ``variants={"terse": {}, "cot": {"system": ..., "temperature": 0.7}}``: named versions of the
    prompt; each overrides what it names (``template``, ``system``, ``temperature``,
    ``max_tokens``, ``reasoning_effort``) and inherits the rest, and runs on every model, or on
    the models ``arms=[(variant, model), ...]`` pairs it with. ``repeats=n`` answers every cell n
    times (a ``sample`` column; a per-sample seed where the API takes one). ``reasoning_effort``
    ("low" / "medium" / "high") goes to reasoning models as each provider takes it. ``save=False``
    keeps the finished run out of the run history (``nbc.runs()``). ``resize=`` (pixels) opts in to
    scaling down images larger than that on their longest side (needs Pillow); without it no image
    is ever resized. ``await job.arun()`` runs it; ``job.stop()`` ends it early from any thread;
    ``job.results`` shows what has finished. :func:`run` and :func:`arun` are this plus running it.

        >>> import asyncio
        >>> import nbconnect as nbc
        >>> job = nbc.start(
        ...     "Sentiment of this review: {text}",
        ...     data=nbc.data.reviews(),
        ...     schema="sentiment: positive|negative|neutral",
        ...     models=["demo:demo-careful"],
        ... )
        >>> job
        <Job: 0 of 80 cells done, not started; models: demo:demo-careful>
        >>> res = asyncio.run(job.arun())  # in a notebook: res = await job.arun()
        >>> job
        <Job: 80 of 80 cells done, finished; models: demo:demo-careful>
    """
    org = _org(org)  # the first Organization starts the warm-up...
    wait_for_warm_up()  # ...which a run finishes before its own imports instead of racing it
    plan = make_plan(
        template,
        data=data,
        schema=schema,
        models=models,
        org=org,
        system=system,
        limit=limit,
        sample=sample,
        seed=seed,
        redo=redo,
        allow_constant_prompt=allow_constant_prompt,
        variants=variants,
        arms=arms,
        repeats=repeats,
        settings=_settings(temperature, max_tokens, reasoning_effort),
        resize=resize,
    )
    check_truth(truth, plan.data.columns, flat_fields(plan.schema.json))  # Job checks the columns only
    if on_progress is not None and not callable(on_progress):
        raise ConfigError(
            f"on_progress= must be a function taking a Progress, not {type(on_progress).__name__}"
        )
    options = Options(
        temperature=temperature,
        max_tokens=max_tokens,
        reasoning_effort=reasoning_effort,
        save=save,
        concurrency=concurrency,
        per_connection=per_connection,
        rpm=rpm,
        max_retries=max_retries,
        timeout=timeout,
        budget_usd=budget_usd,
        cache=cache,
        progress=progress,
        batch=batch,
        batch_size=batch_size,
        batch_poll=batch_poll,
    )
    if options.batch and options.cache is False:
        raise ConfigError(
            "batch=True needs the cache database: it keeps the batch ids there so a restarted kernel "
            "re-attaches instead of paying twice. Fix: pass cache=True (the default) or a file path"
        )
    job = Job(plan, options, on_progress=on_progress, clients=clients, truth=truth, redo=redo)
    row_args = dict(limit=limit, sample=sample, seed=seed, allow_constant_prompt=allow_constant_prompt)
    # meta["run"] of its Results, recorded by the Job so a saved run (Results.load) carries it too
    job.run_settings = settings(job, template, {"system": system, "truth": truth, **row_args})
    return job


def run(template: str, *, dry_run: bool = False, **kwargs: Any) -> Results | Estimate:
    """Run ``template`` over every row of ``data`` with every model; returns :class:`Results`.

    Works in scripts and inside Jupyter (no "event loop is already running" error). Ctrl-C or a
    kernel interrupt stops the run and returns everything that finished. ``dry_run=True`` returns
    an :class:`Estimate` of calls, tokens and cost instead, sending nothing. The options are
    those of :func:`start`; every one is checked before the first request.

    Example (offline, on the built-in Demo models)::

        >>> import nbconnect as nbc
        >>> res = nbc.run(
        ...     "Sentiment of this review: {text}",
        ...     data=[{"text": "Great battery, I love it"}, {"text": "It broke after one day"}],
        ...     schema="sentiment: positive|negative|neutral",
        ...     models=["demo:demo-careful"],
        ... )
        >>> res
        <Results: 2 cells (2 rows × 1 model), 100.0% valid; models: demo:demo-careful>
        >>> res.df[["text", "sentiment"]]
                               text sentiment
        0  Great battery, I love it  positive
        1    It broke after one day  negative

    With your own connections, pass ``org=nbc.Organization()`` and references such as
    ``"openai:gpt-4.1-mini"`` (``org.models()`` lists them).
    """
    check_keywords("run", kwargs)
    if dry_run:
        return estimate(template, **kwargs)
    return run_job_blocking(start(template, **kwargs))  # a redo= run merges in the Job


async def arun(template: str, *, dry_run: bool = False, **kwargs: Any) -> Results | Estimate:
    """:func:`run` for code that already runs an event loop. Cancelling it returns what finished.

    In a notebook cell, ``res = await nbc.arun(...)``; in a script::

        >>> import asyncio
        >>> import nbconnect as nbc
        >>> async def main():
        ...     return await nbc.arun(
        ...         "Sentiment of: {text}", data=["Love it", "Hate it"],
        ...         schema="sentiment: positive|negative", models=["demo:demo-fast"],
        ...     )
        >>> asyncio.run(main())
        <Results: 2 cells (2 rows × 1 model), 100.0% valid; models: demo:demo-fast>
    """
    check_keywords("arun", kwargs)
    if dry_run:
        return estimate(template, **kwargs)
    return await start(template, **kwargs).arun()


def estimate(template: str, **kwargs: Any) -> Estimate:
    """Calls, tokens and cost per model (per arm with ``variants=``) for a run, without sending
    anything: each cell with the settings it will be sent with, a typical figure and an upper
    bound (tokens by tiktoken when installed, else characters / 4; what
    :mod:`nbconnect._engine.estimate` assumes). Takes the same arguments as :func:`run`, checked
    the same way.

        >>> import nbconnect as nbc
        >>> est = nbc.estimate(
        ...     "Sentiment of this review: {text}",
        ...     data=nbc.data.reviews(),
        ...     schema="sentiment: positive|negative|neutral",
        ...     models=["demo:demo-careful", "demo:demo-fast"],
        ... )
        >>> est.calls
        160
        >>> est.df.columns.tolist()
        ['calls', 'input_tokens', 'output_tokens', 'max_output_tokens', 'cost_usd', 'max_cost_usd']
    """
    check_keywords("estimate", kwargs)
    job = start(template, **kwargs)
    est = estimate_plan(job.plan)  # each cell with the settings it will be sent with
    if job.options.batch:
        from .batch_routes import annotate_estimate

        est = annotate_estimate(est, job.plan)
    return est


def resume(template: str | None = None, **kwargs: Any) -> Results | pd.DataFrame:
    """Re-attach to the provider batches of a ``run(..., batch=True)`` after a kernel restart.

    With the run's arguments, it is that run again with ``batch=True``: cells already answered come
    from the cache, cells in a batch still held by the cache database wait for that batch (nothing
    is submitted twice), finished batches are collected, and only the rest is sent. Without a
    template it lists the batches the cache database remembers (``cache=`` picks the file)."""
    if template is not None:
        check_keywords("resume", kwargs)
        kwargs["batch"] = True
        return run(template, **kwargs)
    from .batch_store import BatchStore
    from .cache import default_cache_path
    from .options import check_options

    where = check_options({"cache": kwargs.get("cache", True)})["cache"]
    if where is False:
        raise ConfigError(
            "resume() lists the batches kept in the cache database; pass cache=True or its path"
        )
    path = default_cache_path() if where is True else where
    return pd.DataFrame(BatchStore.records(path), columns=list(BatchStore.columns))


def settings(job: Job, template: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What a report needs to say how a run was made: template, system prompt, models with their
    connection and provider, truth, rows and the run options. Names only: never a key, an
    endpoint or a client (a connection's settings stay in its store)."""
    options = {k: v for k, v in vars(job.options).items() if k != "progress"}
    options["cache"] = options["cache"] is not False  # a cache path says where a file is, not how it ran
    options.update({name: kwargs[name] for name in _ROW_OPTIONS if kwargs.get(name) is not None})
    truth = kwargs.get("truth")
    return {
        "template": template,
        "system": kwargs.get("system"),
        "models": {
            m.ref: {"connection": m.conn.name, "provider": m.conn.provider, "model": m.model}
            for m in job.plan.models
        },
        "truth": dict(truth) if isinstance(truth, dict) else truth,
        "rows": len(job.plan.data),
        "cells": len(job.plan.cells),
        **_experiment(job),
        "options": options,
        "nbconnect": __version__,
    }


def _experiment(job: Job) -> dict[str, Any]:
    """The variants (their templates and settings), arms and repeats of the run."""
    info = plan_info(job.plan)
    arms = [list(pair) for pair in job.plan.arms] if job.plan.arms is not None else None
    return {"variants": info["variants"], "arms": arms, "repeats": info["repeats"]}


def with_settings(results: Results, job: Job, template: str, kwargs: dict[str, Any]) -> Results:
    """``results`` with :func:`settings` recorded in ``meta["run"]`` (other meta kept)."""
    return results.with_meta(run=settings(job, template, kwargs))


def check_keywords(caller: str, kwargs: dict[str, Any], own: tuple[str, ...] = ()) -> None:
    """A keyword ``start()`` does not take, reported as Python would but for the function the user
    called (not ``start()``, which they never named), with the closest option when one is close."""
    import difflib
    import inspect

    known = [*own, *(p for p in inspect.signature(start).parameters if p != "template")]
    for name in kwargs:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; help(nbconnect.{caller}) lists them"
            raise TypeError(f"{caller}() got an unexpected keyword argument {name!r}{hint}")


def _org(org: Organization | None) -> Organization:
    return org if org is not None else Organization()


def _settings(temperature: Any, max_tokens: Any, reasoning_effort: Any) -> Settings:
    """The run's own request settings, checked (variants inherit them)."""
    values = check_options(
        {"temperature": temperature, "max_tokens": max_tokens, "reasoning_effort": reasoning_effort}
    )
    return Settings(values["temperature"], values["max_tokens"], values["reasoning_effort"])


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

"""The Playground's editor / runner / results widget: its synced state and the view it renders.

The Python logic that fills these traits lives in :mod:`nbconnect._widgets.playground`; the view is
``js/playground.js``. Traits hold only what the browser shows (never a secret, never a DataFrame).
"""

from __future__ import annotations

import traitlets as t

from .base import Widget, bundle

__all__ = ["PlaygroundCore"]


class PlaygroundCore(Widget):
    """The editor / runner / results part of the Playground (the model picker sits above it)."""

    _esm = bundle("playground.js")
    _css = bundle("_shared.css", "playground.css")
    handlers = ("run", "stop", "page", "cell", "judge", "judge_stop", "save_version", "delete_version")

    template = t.Unicode("").tag(sync=True)
    """The prompt template; ``{column}`` placeholders, ``{{``/``}}`` for literal braces."""
    system = t.Unicode("").tag(sync=True)
    """Optional system prompt (may use placeholders too)."""
    schema_text = t.Unicode("").tag(sync=True)
    """The schema as edited: JSON Schema text or the short form ``label: a|b, score: float``."""
    schema_status = t.Dict().tag(sync=True)
    """``{"ok": bool, "message": str, "line": int|None, "fields": [...], "enforcement": [...]}``."""
    variables = t.List().tag(sync=True)
    """Placeholders found in the template: ``[{"name": str, "ok": bool}]``, with ``"kind": "image"`` / ``"document"`` for media ones."""
    columns = t.List().tag(sync=True)
    """The data's column names (for chips, the insert menu and the truth picker)."""
    preview = t.List().tag(sync=True)
    """The first rows of the data, as records with text values (at most 10)."""
    media_columns = t.Dict().tag(sync=True)
    """Columns holding images or PDFs: ``{column: "image" | "document"}`` (offered as {image:column})."""
    thumbs = t.List().tag(sync=True)
    """Per preview row, ``{column: small PNG data URL}`` for its image cells (downscaled, not the payload)."""
    n_rows = t.Int(0).tag(sync=True)
    """How many input rows there are."""
    selection = t.Unicode("all").tag(sync=True)
    """Which rows to run: ``all``, ``first``, ``sample`` or ``missing``."""
    n = t.Int(20).tag(sync=True)
    """N for ``first`` and ``sample``."""
    seed = t.Int(0).tag(sync=True)
    """Seed for ``sample``."""
    truth = t.Unicode("").tag(sync=True)
    """Optional ground-truth column ("" for none)."""
    temperature = t.Float(0.0, allow_none=True).tag(sync=True)
    """Sampling temperature (None: the provider's default)."""
    max_tokens = t.Int(1024, allow_none=True).tag(sync=True)
    """Answer token limit."""
    concurrency = t.Int(16).tag(sync=True)
    """Calls in flight at once."""
    budget_usd = t.Float(None, allow_none=True).tag(sync=True)
    """Stop scheduling once the spend would pass this (None: no budget)."""
    problems = t.Dict().tag(sync=True)
    """What must be fixed before Run, per box: ``{"models": [...], "data": [...], "prompt": [...], "schema": [...]}``."""
    as_batch = t.Bool(False).tag(sync=True)
    """Run as batch: cells go through each connection's batch API where it has one (about half price)."""
    estimate = t.Dict().tag(sync=True)
    """Before running: ``{"calls": int, "cost_usd": float|None, "error": str|None}``; with ``as_batch``
    also ``"live_cost_usd"`` (the same calls live), ``"saving_usd"`` and ``"routes"``:
    ``[{"model", "route"}]`` where route is ``"batch"`` or ``"live: why"``."""
    running = t.Bool(False).tag(sync=True)
    """True while a run is in flight."""
    progress = t.Dict().tag(sync=True)
    """``{"total", "done", "errors", "spend_usd", "finished", "stopped", "retries", "wait_s",
    "models": {ref: {done, errors, in_flight, total, spend_usd, retries, wait_s, ...}}}``; ``stopped``
    is "" or why the run ended early ("stopped", "budget reached"). A batch run adds ``"batches"``
    (provider batches per state: validating, in_progress, finalizing, completed, ...) and
    ``"routes"`` (connection -> ``"batch"`` / ``"live: why"``)."""
    compare_field = t.Unicode("").tag(sync=True)
    """The schema field shown side by side."""
    table = t.Dict().tag(sync=True)
    """The current results page: ``{"models", "rows": [...], "page", "pages", "field"}``."""
    summary = t.List().tag(sync=True)
    """Per-model summary rows of the cells answered (``answered``, ``not_run``, valid %, accuracy,
    latency p50/p95, tokens, cost): a cell not run is counted, never scored as wrong."""
    plots = t.Dict().tag(sync=True)
    """The plots as SVG text (``nbconnect/_results/svg.py``, the report's geometry): ``{"cost",
    "latency", "label", "arms"}``; each arm is a ``g.nbc-arm[data-arm]`` whose title is its hover
    text. Colours are CSS variables, so the notebook's theme restyles them ({} before a run)."""
    arm_filter = t.Unicode("").tag(sync=True)
    """The arm (table column) the comparison table is narrowed to by a click on the plot ("" for all)."""
    chosen_models = t.List().tag(sync=True)
    """The models ticked in the picker above (Python mirrors them: the versions grid's columns)."""
    versions = t.List().tag(sync=True)
    """The saved prompt versions: ``[{"name", "template", "system", "temperature", "max_tokens"}]``."""
    chosen_versions = t.List().tag(sync=True)
    """The versions ticked to run ([]: the editor's prompt runs, as before versions)."""
    excluded_arms = t.List().tag(sync=True)
    """``"version|model"`` pairs unticked in the grid: every other chosen version × model runs."""
    compare_pair = t.List().tag(sync=True)
    """The two arms whose disagreements the compare view lists ([]: the first two)."""
    compare = t.Dict().tag(sync=True)
    """The compare view: ``{"arms", "score": {columns, rows}, "versus": {columns, rows}, "pair",
    "disagree": [{row, input, a, b}], "n_disagree", "n_both", "note"}`` ({} before a run)."""
    judge_rubric = t.Unicode("").tag(sync=True)
    """The judge panel's rubric: what a good answer is."""
    judge_models = t.List().tag(sync=True)
    """The judge model references, chosen among the picker's models."""
    judge_choices = t.List().tag(sync=True)
    """The models a judge may be (every model the picker offers)."""
    judge_reference = t.Unicode("").tag(sync=True)
    """An input column with the expected answer, shown to the judge ("" for none)."""
    judge = t.Dict().tag(sync=True)
    """The judge's state: ``{"running", "message", "progress": {done, total, spend_usd},
    "cost_usd", "run_cost_usd", "summary": [{arm, judges, n, score, score_ci_low, score_ci_high}]}``."""
    message = t.Unicode("").tag(sync=True)
    """A one-line status or error for the user."""

"""What a run is told to do (:class:`Options`) and where it stands (:class:`Progress`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .options import check_options

__all__ = ["ModelProgress", "Options", "Progress", "job_line", "postfix", "progress_bar"]


@dataclass
class Options:
    """Run options (the keyword-only arguments of ``nbc.run``)."""

    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    save: bool = True  # keep the finished run in the data directory (see _results/history.py)
    concurrency: int = 16
    per_connection: int | None = None  # None: the same as ``concurrency``
    rpm: float | None = None
    max_retries: int = 4
    timeout: float = 60.0
    budget_usd: float | None = None
    cache: bool | str = True
    progress: bool = True
    batch: bool = False
    batch_size: int | None = None
    batch_poll: float = 10.0

    def __post_init__(self) -> None:
        # bounds and fixes are declared once, in options.RunOptions; a cache directory becomes its file
        for name, value in check_options(vars(self)).items():
            setattr(self, name, value)


@dataclass
class ModelProgress:
    total: int = 0
    done: int = 0
    errors: int = 0
    in_flight: int = 0
    cached: int = 0
    spend_usd: float = 0.0
    retries: int = 0  # attempts that failed and were tried again
    wait_s: float = 0.0  # seconds spent waiting before those retries
    limit: int = 0  # calls its connection admits at once now (0 until a call of it finished)
    not_sent: int = 0  # cells never sent because the connection refused its key (not in done/errors)
    not_collected: int = 0  # cells of a batch kept for the next run (its poll failed): not errors either

    def count(self, reply: Any, *, cached: bool = False, left: str | None = None) -> None:
        """One more cell of this model recorded: ``reply`` (a Reply, or None after an error);
        ``left`` names why a cell has no answer that is not the model's fault ("not_sent": never
        sent, like a cell a stop left out; "not_collected": in a batch the next run collects)."""
        if left in ("not_sent", "not_collected"):
            setattr(self, left, getattr(self, left) + 1)
            return
        self.done += 1
        self.cached += cached
        if reply is None or not reply.valid:
            self.errors += 1
        if reply is not None and not cached:
            self.spend_usd += reply.cost_usd or 0.0


@dataclass
class Progress:
    """Where a run stands; handed to ``on_progress`` callbacks after every finished cell."""

    total: int
    models: dict[str, ModelProgress] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    finished: bool = False
    batches: dict[str, int] = field(default_factory=dict)  # batch runs: provider batches per state
    routes: dict[str, str] = field(default_factory=dict)  # batch runs: connection -> "batch" / "live: why"

    @property
    def done(self) -> int:
        return sum(m.done for m in self.models.values())

    @property
    def errors(self) -> int:
        return sum(m.errors for m in self.models.values())

    @property
    def spend_usd(self) -> float:
        return sum(m.spend_usd for m in self.models.values())

    @property
    def not_sent(self) -> int:
        return sum(m.not_sent for m in self.models.values())

    @property
    def not_collected(self) -> int:
        return sum(m.not_collected for m in self.models.values())


def postfix(progress: Progress) -> str:
    """The progress bar's tail: errors and spend; retries and the tightest limit once there were any."""
    models = progress.models.values()
    text = f"errors={progress.errors} spend=${progress.spend_usd:.4f}"
    if progress.not_sent:  # a connection refused its key: say so beside the errors
        text += f" not_sent={progress.not_sent}"
    if progress.not_collected:  # a batch's poll failed: kept for the next run
        text += f" not_collected={progress.not_collected}"
    if retries := sum(m.retries for m in models):  # only news when something went wrong
        limits = [m.limit for m in models if m.limit]
        text += f" retries={retries}" + (f" limit={min(limits)}" if limits else "")
    return text


def job_line(progress: Progress, *, started: bool, user_stopped: bool) -> str:
    """A Job's repr: how many cells are done, with errors and cells not sent; its state; the models."""
    p = progress
    state = "not started" if not started else "finished" if p.finished else "running"
    if user_stopped:
        state = "stopped" if p.finished else "stopping"
    count = f"{p.done} of {p.total} cells done" + (f", {p.errors} errors" if p.errors else "")
    if p.not_sent:
        count += f", {p.not_sent} not sent (credentials refused)"
    if p.not_collected:
        count += f", {p.not_collected} in a batch kept for the next run to collect"
    return f"<Job: {count}, {state}; models: {', '.join(p.models)}>"


def progress_bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="nbconnect", unit="call", mininterval=0.2)

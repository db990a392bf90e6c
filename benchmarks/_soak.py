"""A fault-injection soak: many cells across three wire formats, about a fifth of the calls faulty.

Used by ``benchmarks/soak.py`` (5,000 cells, prints the figures) and by ``tests/test_soak.py``.
After the run, :func:`check` holds the runner's Results against the server's own record
(``FakeProvider.requests``), cell by cell, so that a runner bug cannot hide behind the runner's
bookkeeping: every cell of the input was asked, no answered request was sent again, each cell's
``_attempts`` is the number of requests the server received for it, a cell has an answer exactly
when the server answered it, and every failed cell carries an error type and message.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from nbconnect import Anthropic, CustomLLM, Gemini, Organization, run
from nbconnect.testing import FakeProvider, Fault, Recorded
from nbconnect.testing._answers import WIRES

__all__ = ["PROMPT", "SoakReport", "check", "run_soak", "soak"]

KEY = "soak-test-key-0123456789"
PROMPT = "Classify this review: {text}"
SCHEMA = "label: positive|negative|neutral, score: float, tags: list[str]"
FAMILIES = {
    "local-llm": "openai",
    "anthropic:claude-haiku-4-5": "anthropic",
    "gemini:gemini-2.5-flash": "gemini",
}
MODELS = list(FAMILIES)
# Faults whose HTTP answer is a finished answer: resending such a request would pay twice.
_ANSWERED = {None, "ok", "truncated", "refusal", "broken_json"}
# What a cell records when the model did answer (a finished answer that was not a valid one).
_ANSWER_ERRORS = {"truncated", "refusal", "schema_mismatch"}

Identity = tuple[str, str]  # (wire family, the user message the server read)


def fault_mix(slow: float) -> dict[Fault | str, float]:
    return {
        Fault("rate_limit", retry_after=0.05): 3,
        "server_error": 2,
        "overloaded": 2,
        "reset": 1,
        Fault("slow", seconds=slow): 1,
        "not_json": 1,
        "truncated": 1,
        "refusal": 1,
        "broken_json": 1,
    }


@dataclass
class SoakReport:
    cells: int
    seconds: float
    valid: int
    errors: dict[str, int]
    requests: int
    faults: dict[str, int]
    retries: int
    missing: int  # input cells without a row in the Results
    duplicated: int  # extra Results rows for one cell
    unexplained: int  # failed cells without an error type and message
    resent_answers: int  # answered requests the server received again (server's count)
    never_asked: int  # input cells the server never received a request for
    strays: int  # requests the server received for no input cell
    attempts_disagree: int  # cells whose _attempts is not the server's request count
    outcome_disagrees: int  # cells with an answer the server did not give, or without one it gave
    examples: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        checks = [
            (
                self.missing or self.duplicated,
                f"{self.missing} missing and {self.duplicated} duplicated cells",
            ),
            (self.unexplained, f"{self.unexplained} failed cells without an error type and message"),
            (self.resent_answers, f"{self.resent_answers} answered requests were sent again"),
            (self.never_asked, f"{self.never_asked} cells never reached the server"),
            (self.strays, f"{self.strays} requests the server got belong to no cell"),
            (
                self.attempts_disagree,
                f"{self.attempts_disagree} cells count other attempts than the server saw",
            ),
            (
                self.outcome_disagrees,
                f"{self.outcome_disagrees} cells disagree with the server on being answered",
            ),
        ]
        return [text for bad, text in checks if bad]

    def __str__(self) -> str:
        faults = {k: v for k, v in self.faults.items() if k}
        lines = [
            f"cells            {self.cells} in {self.seconds:.1f} s ({self.cells / max(self.seconds, 1e-9):.0f}/s)",
            f"valid            {self.valid} ({100 * self.valid / max(self.cells, 1):.1f}%)",
            f"recorded errors  {sum(self.errors.values())}: {dict(sorted(self.errors.items()))}",
            f"requests         {self.requests}, retries {self.retries}",
            f"faults injected  {sum(faults.values())}: {dict(sorted(faults.items()))}",
            f"missing / duplicated / unexplained / answers resent: {self.missing} / {self.duplicated} / "
            f"{self.unexplained} / {self.resent_answers}",
            f"against the server: never asked {self.never_asked}, strays {self.strays}, attempts "
            f"disagree {self.attempts_disagree}, outcome disagrees {self.outcome_disagrees}",
            *self.examples[:5],
        ]
        return "\n".join(lines)


def texts_for(rows: int) -> list[str]:
    return [
        f"Review {i}: {'great value' if i % 3 else 'awful, broke'} and {'fast' if i % 2 else 'slow'} delivery"
        for i in range(rows)
    ]


def run_soak(
    rows: int = 1667,
    *,
    fault_rate: float = 0.2,
    seed: int = 7,
    timeout: float = 0.5,
    concurrency: int = 48,
    progress: bool = False,
) -> tuple[pd.DataFrame, list[Recorded], float]:
    """Run the soak: (the Results frame, every request the server recorded, seconds taken)."""
    mix = fault_mix(slow=timeout * 3)
    with FakeProvider(api_keys={KEY}, fault_rate=fault_rate, fault_mix=mix, seed=seed) as server:
        org = Organization(persist=False)
        org.add(
            CustomLLM(name="local-llm", endpoint=f"{server.url}/v1", api_key=KEY, json_mode="json_schema")
        )
        org.add(Anthropic(api_key=KEY, base_url=server.url))
        org.add(Gemini(api_key=KEY, base_url=server.url))
        started = time.monotonic()
        res = run(
            PROMPT,
            data=texts_for(rows),
            schema=SCHEMA,
            models=MODELS,
            org=org,
            cache=False,
            progress=progress,
            timeout=timeout,
            max_retries=6,
            concurrency=concurrency,
            per_connection=concurrency // 3,
        )
        seconds = time.monotonic() - started
        # the server's record, taken after the run returned: a request still arriving would be a bug too
        return res.df, server.requests, seconds


def soak(rows: int = 1667, **options: Any) -> SoakReport:
    """Run the soak and check it (see :func:`check`)."""
    df, recorded, seconds = run_soak(rows, **options)
    return check(df, recorded, texts_for(rows), seconds=seconds)


def identity(req: Recorded) -> Identity | None:
    """(family, user message) of a generate request, read by the fake's own wire parser."""
    wire = WIRES.get(req.family)
    if wire is None or req.json is None:
        return None
    exchange = wire.parse(req.path, req.headers, req.json, None)
    return None if not hasattr(exchange, "user_text") else (req.family, exchange.user_text)


def _server_view(recorded: Iterable[Recorded]) -> tuple[collections.Counter, collections.Counter]:
    """Per identity: requests received, and requests answered with a finished answer."""
    asked: collections.Counter = collections.Counter()
    answered: collections.Counter = collections.Counter()
    for req in recorded:
        ident = identity(req)
        if ident is None:
            continue
        asked[ident] += 1
        if req.fault in _ANSWERED:
            answered[ident] += 1
    return asked, answered


def check(
    df: pd.DataFrame, recorded: Sequence[Recorded], texts: Sequence[str], *, seconds: float = 0.0
) -> SoakReport:
    """Hold the Results ``df`` of a soak over ``texts`` against the server's ``recorded`` requests."""
    expected = {
        (row, model): (family, PROMPT.format(text=text))
        for row, text in enumerate(texts)
        for model, family in FAMILIES.items()
    }
    asked, answered = _server_view(recorded)
    pairs = collections.Counter(zip(df["row"], df["model"]))
    failed = df[~df["_valid"]]
    examples: list[str] = []
    attempts_disagree = outcome_disagrees = 0
    for cell in df[["row", "model", "_valid", "_error_type", "_attempts"]].to_dict("records"):
        ident = expected.get((cell["row"], cell["model"]))
        if ident is None:
            continue
        where = f"  row {cell['row']} {cell['model']}:"
        if int(cell["_attempts"]) != asked[ident]:
            attempts_disagree += 1
            examples.append(f"{where} _attempts {cell['_attempts']}, the server saw {asked[ident]}")
        has_answer = bool(cell["_valid"]) or cell["_error_type"] in _ANSWER_ERRORS
        if has_answer != (answered[ident] > 0):
            outcome_disagrees += 1
            examples.append(
                f"{where} answered {has_answer} in the Results, {answered[ident]} times by the server"
            )
    return SoakReport(
        cells=len(df),
        seconds=seconds,
        valid=int(df["_valid"].sum()),
        errors=failed["_error_type"].fillna("(none)").value_counts().to_dict(),
        requests=len(recorded),
        faults=dict(collections.Counter(r.fault for r in recorded)),
        retries=int((df["_attempts"] - 1).clip(lower=0).sum()),
        missing=sum(1 for cell in expected if cell not in pairs),
        duplicated=sum(n - 1 for n in pairs.values() if n > 1),
        unexplained=int((failed["_error_type"].isna() | failed["_error"].isna()).sum()),
        resent_answers=sum(n - 1 for n in answered.values() if n > 1),
        never_asked=sum(1 for ident in expected.values() if asked[ident] == 0),
        strays=sum(n for ident, n in asked.items() if ident not in set(expected.values())),
        attempts_disagree=attempts_disagree,
        outcome_disagrees=outcome_disagrees,
        examples=examples,
    )

"""A fault-injection soak: many cells across three wire formats, about a fifth of the calls faulty.

Used by ``benchmarks/soak.py`` (5,000 cells, prints the figures) and by a shorter test. After the
run it checks the promises: every cell is a valid result or a recorded error with its type and
message, no cell is missing or duplicated, and no request that got an answer was sent again.
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from typing import Any

from .._connections.providers import Anthropic, CustomLLM, Gemini
from .._engine.api import run
from .._store.org import Organization
from ..testing import FakeProvider, Fault

__all__ = ["SoakReport", "soak"]

KEY = "soak-test-key-0123456789"
MODELS = ["local-llm", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash"]
SCHEMA = "label: positive|negative|neutral, score: float, tags: list[str]"
# Faults whose HTTP answer is a finished answer: resending such a request would pay twice.
_ANSWERED = {None, "ok", "truncated", "refusal", "broken_json"}


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
    missing: int
    duplicated: int
    unexplained: int
    resent_answers: int

    def problems(self) -> list[str]:
        out = []
        if self.missing or self.duplicated:
            out.append(f"{self.missing} missing and {self.duplicated} duplicated cells")
        if self.unexplained:
            out.append(f"{self.unexplained} failed cells without an error type and message")
        if self.resent_answers:
            out.append(f"{self.resent_answers} answered requests were sent again")
        return out

    def __str__(self) -> str:
        lines = [
            f"cells            {self.cells} in {self.seconds:.1f} s ({self.cells / self.seconds:.0f}/s)",
            f"valid            {self.valid} ({100 * self.valid / self.cells:.1f}%)",
            f"recorded errors  {sum(self.errors.values())}: {dict(sorted(self.errors.items()))}",
            f"requests         {self.requests}, retries {self.retries}",
            f"faults injected  {sum(v for k, v in self.faults.items() if k)}: "
            f"{dict(sorted((k, v) for k, v in self.faults.items() if k))}",
            f"missing / duplicated / unexplained / answers resent: {self.missing} / {self.duplicated} / "
            f"{self.unexplained} / {self.resent_answers}",
        ]
        return "\n".join(lines)


def soak(
    rows: int = 1667,
    *,
    fault_rate: float = 0.2,
    seed: int = 7,
    timeout: float = 0.5,
    concurrency: int = 48,
    progress: bool = False,
) -> SoakReport:
    texts = [
        f"Review {i}: {'great value' if i % 3 else 'awful, broke'} and {'fast' if i % 2 else 'slow'} delivery"
        for i in range(rows)
    ]
    with FakeProvider(
        api_keys={KEY}, fault_rate=fault_rate, fault_mix=fault_mix(slow=timeout * 3), seed=seed
    ) as server:
        org = Organization(persist=False)
        org.add(
            CustomLLM(name="local-llm", endpoint=f"{server.url}/v1", api_key=KEY, json_mode="json_schema")
        )
        org.add(Anthropic(api_key=KEY, base_url=server.url))
        org.add(Gemini(api_key=KEY, base_url=server.url))
        started = time.monotonic()
        res = run(
            "Classify this review: {text}",
            data=texts,
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
        recorded = list(server.requests)
    df = res.df
    pairs = collections.Counter(zip(df["row"], df["model"]))
    failed = df[~df["_valid"]]
    answered = collections.Counter(_identity(r) for r in recorded if r.fault in _ANSWERED and _identity(r))
    return SoakReport(
        cells=len(df),
        seconds=seconds,
        valid=int(df["_valid"].sum()),
        errors=failed["_error_type"].fillna("(none)").value_counts().to_dict(),
        requests=len(recorded),
        faults=collections.Counter(r.fault for r in recorded),
        retries=int((df["_attempts"] - 1).clip(lower=0).sum()),
        missing=rows * len(MODELS) - len(pairs),
        duplicated=sum(n - 1 for n in pairs.values() if n > 1),
        unexplained=int((failed["_error_type"].isna() | failed["_error"].isna()).sum()),
        resent_answers=sum(n - 1 for n in answered.values() if n > 1),
    )


def _identity(req: Any) -> tuple[str, str] | None:
    """(route, user text) of a generate request: the same cell asked twice has the same identity."""
    body = req.json if isinstance(req.json, dict) else {}
    if "messages" in body:
        text = str(body["messages"][-1].get("content"))
    elif "contents" in body:
        text = str(body["contents"][-1]["parts"][0].get("text"))
    else:
        return None
    return (req.path, text)

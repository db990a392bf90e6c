"""A shorter soak than benchmarks/soak.py: the same checks over 600 cells and ~20% faults.

The soak lives in ``benchmarks/_soak.py`` (it is not part of the package); its check holds the
runner's Results against the FakeProvider's own record of requests, so it can fail on a runner
that drops a cell, resends an answered request or miscounts its attempts. The second test shows
that it does, on doctored copies of a real run.
"""

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _soak import PROMPT, check, identity, run_soak, soak, texts_for


def test_soak_loses_nothing_and_pays_nothing_twice():
    report = soak(200, fault_rate=0.2, seed=3)
    assert report.cells == 600
    assert report.problems() == [], str(report)
    assert report.retries > 0 and sum(v for k, v in report.faults.items() if k) > 60
    # transient faults were retried away: what is left are the model's own failures and a few timeouts
    assert report.valid >= 0.8 * report.cells, str(report)
    assert set(report.errors) <= {
        "truncated",
        "refusal",
        "schema_mismatch",
        "timeout",
        "server_error",
        "overloaded",
        "rate_limited",
        "network",
    }


@pytest.fixture(scope="module")
def small_run():
    rows = 40
    df, recorded, _ = run_soak(rows, fault_rate=0.3, seed=11)
    return df, recorded, texts_for(rows)


def _requests_of(recorded, row: int, family: str):
    text = PROMPT.format(text=texts_for(row + 1)[row])
    return [r for r in recorded if identity(r) == (family, text)]


def test_the_check_fails_on_what_a_broken_runner_would_leave(small_run):
    df, recorded, texts = small_run
    assert check(df, recorded, texts).problems() == []

    # a runner that records a cell it never sent: the server has no request for it
    unsent = [r for r in recorded if r not in _requests_of(recorded, 5, "anthropic")]
    report = check(df, unsent, texts)
    assert report.never_asked == 1 and report.attempts_disagree == 1, str(report)

    # a runner that sends an answered request again (and counts it as one attempt)
    answered = next(r for r in _requests_of(recorded, 7, "gemini") if r.fault in (None, "ok"))
    report = check(df, [*recorded, dataclasses.replace(answered)], texts)
    assert report.resent_answers == 1 and report.attempts_disagree == 1, str(report)

    # a runner that drops a cell from its Results
    report = check(df[~((df["row"] == 3) & (df["model"] == "local-llm"))], recorded, texts)
    assert report.missing == 1, str(report)

    # a runner that records a cell the server answered as a failure (paid for, then thrown away)
    doctored = df.copy()
    doctored.loc[doctored.index[doctored["_valid"]][0], ["_valid", "_error_type"]] = [False, "timeout"]
    report = check(doctored, recorded, texts)
    assert report.outcome_disagrees == 1, str(report)

    # a request for a cell nobody asked for
    openai = next(r for r in recorded if r.family == "openai")
    stray = dataclasses.replace(
        openai, json={**openai.json, "messages": [{"role": "user", "content": "no row"}]}
    )
    assert check(df, [*recorded, stray], texts).strays == 1

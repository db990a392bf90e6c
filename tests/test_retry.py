"""The retry policy on its own: decisions, backoff, jitter, cap, hints and the quota cut-off.

Pure functions with a seeded RNG and an injected clock: no sockets, no sleeps. How the engine acts
on these decisions over real HTTP is in tests/test_engine_*.py.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re

import httpx
import pytest

from nbconnect import _errors as E
from nbconnect._wire.http import error_for_status, scrub
from nbconnect._wire.retry import GiveUp, Retry, RetryPolicy, hint_from, parse_duration

NOW = 1_800_000_000.0  # a fixed "now" for HTTP-date hints


def clock() -> float:
    return NOW


def rate_limited(after: float | None = None) -> E.RateLimitError:
    return E.RateLimitError("slow down", status=429, retry_after=after)


# -- decisions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 1, 2, 3])
def test_retries_exactly_max_retries_times(max_retries):
    policy = RetryPolicy(max_retries, rng=random.Random(1))
    err = E.ServerError("boom", status=500)
    decisions = [policy.decide(err, attempt) for attempt in range(1, max_retries + 3)]
    assert [isinstance(d, Retry) for d in decisions] == [True] * max_retries + [False, False]
    assert decisions[max_retries] == GiveUp("attempts")


@pytest.mark.parametrize(
    "err",
    [
        E.AuthenticationError("no", status=401),
        E.BadRequestError("no", status=400),
        E.QuotaExceededError("no", status=429),
        E.NetworkError("TLS", retryable=False),  # a bad certificate will not fix itself
        E.ServerError("no", status=500, retryable=False),  # x-should-retry: false
    ],
)
def test_errors_that_will_not_clear_are_not_retried(err):
    assert RetryPolicy(4).decide(err, 1) == GiveUp("not_retryable")


def test_the_provider_can_ask_for_a_retry_the_status_would_not_get():
    err = E.BadRequestError("conflict", status=409, retryable=True, retry_after=0.25)
    assert RetryPolicy(4).decide(err, 1) == Retry(0.25, pause_connection=False)


@pytest.mark.parametrize(
    "err",
    [E.OverloadedError("x"), E.ServerError("x"), E.RequestTimeout("x"), E.NetworkError("x"), rate_limited()],
)
def test_transient_errors_are_retried(err):
    assert isinstance(RetryPolicy(1).decide(err, 1), Retry)


def test_only_a_rate_limit_pauses_the_connection():
    policy = RetryPolicy(4, rng=random.Random(0))
    assert policy.decide(rate_limited(2.0), 1) == Retry(2.0, pause_connection=True)
    assert policy.decide(E.OverloadedError("busy", retry_after=2.0), 1) == Retry(2.0, pause_connection=False)


def test_a_hint_over_the_cut_off_is_a_quota_not_a_retry():
    policy = RetryPolicy(4, max_hint=120.0)
    assert policy.decide(rate_limited(120.0), 1) == Retry(120.0, pause_connection=True)
    assert policy.decide(rate_limited(120.5), 1) == GiveUp("quota")
    assert policy.decide(rate_limited(3600), 1) == GiveUp("quota")


def test_a_hint_is_used_as_given_without_jitter():
    policy = RetryPolicy(4, rng=random.Random(3))
    assert [policy.decide(rate_limited(0.4), a).delay for a in (1, 2, 3)] == [0.4, 0.4, 0.4]


# -- backoff ---------------------------------------------------------------------------------------


def test_backoff_doubles_from_base_up_to_the_cap_with_jitter_below_the_full_delay():
    seed = 20260101
    policy = RetryPolicy(10, base=0.5, cap=8.0, jitter=0.25, rng=random.Random(seed))
    draws = random.Random(seed)
    expected_full = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    for attempt, full in enumerate(expected_full, start=1):
        want = full * (1 - 0.25 * draws.random())
        assert policy.backoff(attempt) == pytest.approx(want, rel=1e-12)
        assert 0.75 * full <= want <= full


def test_no_hint_means_backoff():
    policy = RetryPolicy(4, base=0.5, cap=8.0, jitter=0.0)
    assert [policy.decide(E.ServerError("x"), a).delay for a in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]


def test_jitter_spreads_workers_that_failed_together():
    policy = RetryPolicy(4, base=1.0, jitter=0.25, rng=random.Random(7))
    delays = {round(policy.backoff(1), 6) for _ in range(50)}
    assert len(delays) > 40 and min(delays) >= 0.75 and max(delays) <= 1.0


def test_zero_jitter_is_exact():
    assert RetryPolicy(3, base=0.2, cap=0.5, jitter=0).backoff(3) == 0.5


def test_the_defaults_are_the_documented_ones():
    # README: max_retries 4 (5 attempts), 0.5 s doubling, capped at 8 s, hints over 2 minutes are quotas
    policy = RetryPolicy(jitter=0)
    assert isinstance(policy.decide(E.ServerError("x"), 4), Retry)
    assert policy.decide(E.ServerError("x"), 5) == GiveUp("attempts")
    assert [policy.backoff(a) for a in (1, 5, 6)] == [0.5, 8.0, 8.0]
    assert policy.decide(rate_limited(120.0), 1) == Retry(120.0, pause_connection=True)
    assert policy.decide(rate_limited(120.01), 1) == GiveUp("quota")


@pytest.mark.parametrize(
    "bad",
    [{"max_retries": -1}, {"base": -0.1}, {"cap": -1}, {"jitter": -0.1}, {"jitter": 1.5}, {"max_hint": -1}],
)
def test_impossible_settings_are_refused(bad):
    with pytest.raises(ValueError, match="must be >= 0"):
        RetryPolicy(**bad)


def test_the_edges_of_the_settings_are_allowed():
    policy = RetryPolicy(0, base=0, cap=0, jitter=1, max_hint=0)
    assert policy.backoff(1) == 0.0
    assert policy.decide(rate_limited(0.0), 1) == GiveUp("attempts")


# -- hints ---------------------------------------------------------------------------------------


def headers(**items: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in items.items()})


def test_retry_after_ms_wins_over_seconds():
    assert hint_from(headers(retry_after_ms="250", retry_after="7")) == 0.25


def test_retry_after_in_seconds():
    assert hint_from(headers(retry_after="7")) == 7.0
    assert hint_from(headers(retry_after="1.5")) == 1.5
    assert hint_from(headers(retry_after="-3")) == 0.0  # never a negative wait


def test_retry_after_as_an_http_date_is_the_time_left_until_then():
    ahead = email.utils.formatdate(NOW + 30, usegmt=True)
    behind = email.utils.formatdate(NOW - 30, usegmt=True)
    assert hint_from(headers(retry_after=ahead), now=clock) == pytest.approx(30.0)
    assert hint_from(headers(retry_after=behind), now=clock) == 0.0  # already past: go now


@pytest.mark.parametrize("bad", ["soon", "", "12 parsecs", "nan", "inf", "Mon, 99 Foo 2026 25:61:00 GMT"])
def test_a_malformed_hint_is_ignored_with_a_debug_log(bad, caplog):
    caplog.set_level(logging.DEBUG, logger="nbconnect.retry")
    assert hint_from(headers(retry_after=bad), now=clock) is None
    assert re.search(r"ignoring an? (malformed|unusable) retry-after hint", caplog.text), caplog.text


def test_a_malformed_ms_hint_falls_back_to_the_next_source(caplog):
    caplog.set_level(logging.DEBUG, logger="nbconnect.retry")
    assert hint_from(headers(retry_after_ms="soon", retry_after="2")) == 2.0
    assert "ignoring a malformed retry-after-ms hint" in caplog.text


def test_google_retry_info_in_the_body():
    body = {
        "error": {
            "code": 429,
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"},
            ],
        }
    }
    assert hint_from(httpx.Headers(), body) == 37.0
    assert hint_from(httpx.Headers(), {"error": {"details": "not a list"}}) is None
    assert hint_from(httpx.Headers(), [body]) is None  # not the shape RetryInfo comes in


def test_durations():
    assert parse_duration("6m0s") == 360.0
    assert parse_duration("12ms") == pytest.approx(0.012)
    assert parse_duration("1.5s") == 1.5
    assert parse_duration("soon") is None


def test_a_429_with_a_malformed_hint_is_still_a_retryable_rate_limit():
    err = error_for_status(429, "slow down", headers=headers(retry_after="soon"))
    assert isinstance(err, E.RateLimitError) and err.retry_after is None
    decision = RetryPolicy(2, jitter=0, base=0.5).decide(err, 1)
    assert decision == Retry(0.5, pause_connection=True)


# -- echoed keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "echoed",
    [
        "sk-...abcd",
        "sk-proj-...Wx9z",
        "sk-ant-api03-...Q_7z",
        "AIza...k9Zq",
        "sk-bad-0*****XYZ2",
        "sk-abc***********************wxyz",
    ],
)
def test_half_masked_keys_a_provider_echoes_are_scrubbed(echoed):
    text = scrub(f"Incorrect API key provided: {echoed}. You can find your key at ...", [])
    assert echoed not in text and "<key>" in text
    assert text.startswith("Incorrect API key provided: <key>.")


def test_scrub_keeps_prose_and_our_own_hint():
    text = "waiting...then retried; key sk-…a1b2 was refused"
    assert scrub(text, []) == text

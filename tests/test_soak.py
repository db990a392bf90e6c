"""A shorter soak than benchmarks/soak.py: the same checks over 600 cells and ~20% faults."""

from nbconnect.testing._soak import soak


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

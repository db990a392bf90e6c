"""What a new user meets first, on the offline Demo: mistakes caught before anything is sent,
and reprs and messages that say what they mean.

Each test here came from walking the README as a data scientist would and finding something a
polished library would not ship (a run that spent its calls and then raised, a repr that
contradicted ``summary()``...).
"""

from __future__ import annotations

import pytest

import nbconnect as nbc
from nbconnect import ConfigError

SENTIMENT = "sentiment: positive|negative|neutral"


@pytest.fixture
def reviews():
    return nbc.data.reviews().head(20)


def _run(data, **kwargs):
    kwargs = {
        "schema": SENTIMENT,
        "models": ["demo:demo-fast"],
        "progress": False,
        "save": False,
        "cache": False,
        **kwargs,
    }
    return nbc.run("Classify: {text}", data=data, **kwargs)


# -- redo= that cannot be merged is refused before any call --------------------------------------
def _first_with_failures(reviews):
    first = _run(reviews)
    assert not first.df["_valid"].all(), "demo-fast must fail some cells for redo= to rerun them"
    return first


def test_redo_with_another_schema_is_refused_before_any_call(reviews):
    first = _first_with_failures(reviews)
    sent = []
    with pytest.raises(ConfigError, match=r"redo=.*'sentiment'.*'label'") as err:
        _run(
            reviews,
            schema="label: positive|negative|neutral",
            redo=first,
            on_progress=lambda p: sent.append(p.done),
        )
    assert "schema" in str(err.value)
    assert not any(sent), "cells were run before the redo= mismatch was reported"


def test_redo_without_variants_into_a_run_with_variants_is_refused_before_any_call(reviews):
    first = _first_with_failures(reviews)
    sent = []
    with pytest.raises(ConfigError, match=r"redo=.*variants"):
        _run(
            reviews,
            variants={"a": {}, "b": {"system": "Be careful."}},
            redo=first,
            on_progress=lambda p: sent.append(p.done),
        )
    assert not any(sent)


def test_redo_without_repeats_into_a_run_with_repeats_is_refused(reviews):
    first = _first_with_failures(reviews)
    with pytest.raises(ConfigError, match=r"redo=.*repeats"):
        _run(reviews, repeats=2, redo=first)


def test_redo_of_the_same_run_still_reruns_only_the_failed_cells(reviews):
    first = _first_with_failures(reviews)
    failed = int((~first.df["_valid"]).sum())
    calls = []
    again = _run(reviews, redo=first, on_progress=lambda p: calls.append(p.total))
    assert calls and calls[-1] == failed
    assert len(again) == len(first)

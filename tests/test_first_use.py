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


# -- repr(Results) says what the run holds, and agrees with summary() -----------------------------
def test_repr_counts_variants_and_repeats(reviews):
    res = _run(reviews.head(4), variants={"a": {}, "b": {"system": "Be careful."}}, repeats=3)
    assert len(res) == 4 * 2 * 3
    assert "24 cells (4 rows × 2 variants × 1 model × 3 samples)" in repr(res)


def test_repr_speaks_in_the_singular_for_one_model(reviews):
    res = _run(reviews.head(3))
    assert "(3 rows × 1 model)" in repr(res)
    assert "1 models" not in repr(res)


def test_repr_of_a_stopped_run_gives_the_valid_share_of_the_cells_that_ran(reviews):
    # demo-careful answers every cell; a budget of 0 leaves every cell not run, a tiny one most
    res = _run(reviews, models=["demo:demo-careful"], budget_usd=0.0005)
    summary = res.summary().iloc[0]
    not_run = int(summary["not_run"])
    assert 0 < not_run < len(res)
    text = repr(res)
    assert f"{summary['valid_pct']:.1f}% valid" in text  # what summary() says, not valid / all cells
    assert f"{not_run} not run" in text


def test_repr_when_nothing_ran(reviews):
    res = _run(reviews.head(3), models=["demo:demo-careful"], budget_usd=0)
    assert "3 not run" in repr(res) and "% valid" not in repr(res)


def test_repr_names_the_verdicts_of_a_judge(reviews):
    res = _run(reviews.head(3), schema="summary: str", models=["demo:demo-careful"])
    verdicts = nbc.judge(
        res, rubric="faithful", field="summary", models=["demo:demo-careful"], progress=False
    )
    assert repr(verdicts) == "<Verdicts: 3 cells (3 rows × 1 model), 100.0% valid; models: demo:demo-careful>"


# -- a mistyped keyword names the function the user called, and the closest option ---------------
@pytest.mark.parametrize("call", [nbc.run, nbc.estimate])
def test_a_mistyped_option_names_the_function_called_and_the_option_meant(call, reviews):
    with pytest.raises(TypeError) as err:
        call("Classify: {text}", data=reviews, schema=SENTIMENT, models=["demo:demo-fast"], concurrrency=3)
    text = str(err.value)
    assert text.startswith(f"{call.__name__}() got an unexpected keyword argument 'concurrrency'")
    assert "did you mean 'concurrency'?" in text


def test_arun_names_itself_too(reviews):
    import asyncio

    with pytest.raises(TypeError, match=r"^arun\(\) got an unexpected keyword argument 'modles'.*'models'"):
        asyncio.run(nbc.arun("{text}", data=reviews, schema=SENTIMENT, modles=["demo:demo-fast"]))


def test_judge_names_itself_and_its_own_arguments(reviews):
    res = _run(reviews.head(3), schema="summary: str", models=["demo:demo-careful"])
    with pytest.raises(
        TypeError, match=r"^judge\(\) got an unexpected keyword argument 'refrence'.*'reference'"
    ):
        nbc.judge(res, rubric="faithful", models=["demo:demo-careful"], refrence="text")


def test_an_unknown_keyword_far_from_any_option_lists_none(reviews):
    with pytest.raises(TypeError) as err:
        nbc.run("{text}", data=reviews, schema=SENTIMENT, models=["demo:demo-fast"], xyzzy=1)
    assert "did you mean" not in str(err.value) and "help(nbconnect.run)" in str(err.value)


# -- a JSON example in the prompt: the error shows how to write literal braces ------------------
@pytest.mark.parametrize(
    ("template", "doubled"),
    [
        ('Answer like {"sentiment": "positive"} for: {text}', '{{"sentiment": "positive"}}'),
        ('Answer like {"sentiment"} for: {text}', '{{"sentiment"}}'),
        ("Fill in {} for: {text}", "{{}}"),
    ],
)
def test_literal_braces_in_a_template_get_the_doubled_spelling_as_the_fix(template, doubled, reviews):
    with pytest.raises(nbc.TemplateError) as err:
        nbc.estimate(template, data=reviews, schema=SENTIMENT, models=["demo:demo-fast"])
    assert doubled in str(err.value)
    fixed = template.replace(doubled[1:-1], doubled)  # the fix the message gives does work
    assert nbc.estimate(fixed, data=reviews, schema=SENTIMENT, models=["demo:demo-fast"]).calls == 20


# -- a mistyped truth= column is named as the problem --------------------------------------------
@pytest.fixture
def two_fields(reviews):
    return _run(reviews, schema="sentiment: positive|negative|neutral, confidence: float")


def test_a_mistyped_truth_column_is_reported_as_missing_with_the_closest_column(two_fields):
    with pytest.raises(ConfigError) as err:
        two_fields.score(truth="gold_sentimnt")
    text = str(err.value)
    assert "'gold_sentimnt' is not an input column" in text
    assert "did you mean 'gold_sentiment'?" in text
    assert "pass field=" not in text  # the field was never the problem


def test_a_truth_series_named_for_its_column_says_how_to_name_the_field(two_fields, reviews):
    with pytest.raises(ConfigError) as err:
        two_fields.score(truth=reviews["gold_sentiment"])
    assert "named 'gold_sentiment', which is not a field" in str(err.value)
    assert "field='sentiment'" in str(err.value)  # the field its name points to
    table = two_fields.score(truth=reviews["gold_sentiment"], field="sentiment")
    assert table["accuracy"].notna().all()


# -- an interval that touches 0 is 0, not 2.8e-18 (which reads as "significant" to ci_low > 0) ---
@pytest.mark.parametrize("seed", [9, 135, 170])
def test_versus_interval_ends_carry_no_float_noise(seed):
    import numpy as np
    import pandas as pd
    from scipy import stats as st

    from nbconnect._results.versus import versus_table

    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 40) / 3  # the mean hit of 3 repeats per row
    b = np.clip(a + rng.choice([0, 0, 0, 1 / 3, -1 / 3], 40), 0, 1)
    table = versus_table(pd.DataFrame({"a": a, "b": b}), [("a", "b")], "label")
    ends = [float(table["ci_low"].iloc[0]), float(table["ci_high"].iloc[0])]
    assert 0.0 in ends, "these seeds give an interval with an end at exactly no difference"
    assert not any(e != 0 and abs(e) < 1e-12 for e in ends)
    ref = st.bootstrap((a - b,), np.mean, n_resamples=9999, method="percentile", rng=np.random.default_rng(0))
    assert ends == pytest.approx([ref.confidence_interval.low, ref.confidence_interval.high], abs=0.02)


# -- writing a file: a missing folder or a folder given as the file is named plainly ------------
@pytest.fixture
def small(reviews):
    return _run(reviews.head(3))


@pytest.mark.parametrize("method, name", [("report", "report.html"), ("save", "results.jsonl")])
def test_writing_into_a_missing_folder_names_the_folder(small, tmp_path, method, name):
    target = tmp_path / "no" / "such" / name
    with pytest.raises(ConfigError) as err:
        getattr(small, method)(target)
    text = str(err.value)
    assert str(tmp_path / "no" / "such") in text and "does not exist" in text
    assert ".tmp" not in text  # the temporary file is ours, not the user's business
    assert not (tmp_path / "no").exists()


def test_a_report_to_a_folder_asks_for_a_file_name(small, tmp_path):
    with pytest.raises(ConfigError, match=r"is a folder.*report\.html"):
        small.report(tmp_path)


def test_a_home_relative_path_is_expanded(small, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert small.report("~/r.html") == tmp_path / "r.html"
    assert small.save("~/r.jsonl") == tmp_path / "r.jsonl"
    assert len(nbc.Results.load("~/r.jsonl")) == len(small)


# -- a mistyped model is not priced as another one ------------------------------------------------
@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "gpt-4.1-mni"),  # a typo of gpt-4.1-mini, not a snapshot of gpt-4.1
        ("openai", "gpt-4o-audio-preview"),  # another model, priced apart
        ("anthropic", "claude-haiku-4-5-fast"),
    ],
)
def test_only_dated_snapshots_borrow_a_base_models_entry(provider, model):
    assert nbc.catalog.get(provider, model) is None


def test_the_estimate_of_a_mistyped_model_says_its_cost_is_unknown():
    org = nbc.Organization(persist=False, connections=[nbc.OpenAI(api_key="sk-test-0000")])
    est = nbc.estimate(
        "{text}", data=[{"text": "hi"}], schema="a: str", models=["openai:gpt-4.1-mni"], org=org
    )
    assert "about unknown" in repr(est) and "$nan" not in est._repr_html_()
    assert "unknown" in est._repr_html_()


# -- repr(Job) says where the run is ---------------------------------------------------------------
def test_repr_of_a_job_before_during_and_after(reviews):
    import asyncio

    job = nbc.start(
        "Classify: {text}", data=reviews, schema=SENTIMENT, models=["demo:demo-careful"],
        progress=False, cache=False, save=False, concurrency=1,
    )  # fmt: skip
    assert repr(job) == "<Job: 0 of 20 cells done, not started; models: demo:demo-careful>"
    seen: list[str] = []

    async def go():
        task = asyncio.ensure_future(job.arun())
        while job.progress.done < 3:
            assert not task.done(), "the job ended before 3 cells were done"  # fail, don't hang
            await asyncio.sleep(0.005)
        seen.append(repr(job))
        job.stop()
        return await task

    res = asyncio.run(go())
    assert seen[0].startswith("<Job: ") and ", running;" in seen[0]
    done = int(res.df["_error_type"].ne("cancelled").sum())
    assert repr(job) == f"<Job: {done} of 20 cells done, stopped; models: demo:demo-careful>"


# -- a truth column that can never match says so, instead of a silent accuracy of 0 --------------
@pytest.fixture
def careful(reviews):
    return _run(
        reviews, models=["demo:demo-careful"], schema="sentiment: positive|negative|neutral, stars: int"
    )


def test_truth_labels_outside_the_schemas_choices_are_named(careful, reviews):
    capitalised = reviews.assign(gold=reviews["gold_sentiment"].str.capitalize())["gold"]
    with pytest.warns(UserWarning) as caught:
        table = careful.score(truth=capitalised.rename("sentiment"))
    assert table["accuracy"].iloc[0] == 0  # scored all the same: the warning explains the 0
    text = str(caught[0].message)
    assert "'sentiment'" in text and "20 of 20" in text
    assert "'Positive'" in text and "'positive'" in text  # what it holds, and what it may hold


def test_truth_that_is_not_a_number_for_a_number_field_is_named(careful, reviews):
    with pytest.warns(UserWarning, match=r"'stars'.*20 of 20.*not numbers.*'r001'"):
        table = careful.score(truth={"stars": "review_id"})
    assert table["n"].iloc[0] == 0


def test_a_truth_that_fits_warns_nothing(careful):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        careful.score(truth="gold_sentiment")
        careful.summary(truth="gold_sentiment")


# -- a file path as data= says how to read it ----------------------------------------------------
@pytest.mark.parametrize("kind", [str, __import__("pathlib").Path])
def test_a_file_path_as_data_says_how_to_read_it(kind, tmp_path):
    path = tmp_path / "reviews.csv"
    nbc.data.reviews().head(3).to_csv(path, index=False)
    with pytest.raises(ConfigError) as err:
        nbc.estimate("{text}", data=kind(path), schema=SENTIMENT, models=["demo:demo-fast"])
    assert f"data=pd.read_csv({str(path)!r})" in str(err.value)


# -- a model named without its connection gets the full reference as the fix ---------------------
def test_a_bare_model_id_is_answered_with_its_full_reference():
    org = nbc.Organization(persist=False, connections=[nbc.OpenAI(api_key="sk-test-0000")])
    with pytest.raises(nbc.UnknownModelError, match=r"did you mean 'openai:gpt-4\.1-mini'\?"):
        nbc.estimate("{text}", data=["a"], schema="s: str", models=["gpt-4.1-mini"], org=org)
    with pytest.raises(nbc.UnknownModelError, match=r"did you mean 'demo:demo-fast'\?"):
        nbc.estimate("{text}", data=["a"], schema="s: str", models=["demo-fast"], org=org)

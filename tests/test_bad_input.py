"""The bad-input corpus: every case gets a specific error that names the problem, and no run loses a cell."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _orgs import custom_org

import nbconnect as nbc
from nbconnect._schema.schema import as_schema, for_anthropic, for_openai_strict
from nbconnect.testing import FakeProvider, Fault

SCHEMA = "label: positive|negative, score: float"


def demo_run(data, template="Classify: {text}", schema=SCHEMA, models=("demo:demo-careful",)):
    return nbc.run(
        template,
        data=data,
        schema=schema,
        models=list(models),
        org=nbc.Organization.demo(),
        cache=False,
        progress=False,
    )


# -- schemas ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "needle"),
    [
        ({"type": "strng"}, "strng"),
        ({"type": "object", "properties": []}, "properties"),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": "a"}, "required"),
        ({"type": "array", "items": {"type": "string"}}, "object"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}, "missing"),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}, "b"),
        ({"type": "object", "properties": {"a": {"enum": []}}}, "enum"),
        ('{"type": "object", ', "JSON"),
        ("label: ", "type"),
        ("label positive", ":"),
        ("tags: list[str", "]"),
        ("a: str, a: int", "a"),
        ("a: banana", "banana"),
        ("1abc: str", "1abc"),
        (42, "int"),
    ],
)
def test_malformed_schemas(schema, needle):
    with pytest.raises(nbc.SchemaError) as info:
        as_schema(schema)
    assert needle in str(info.value)


@pytest.mark.parametrize("text", ["label: ", "label positive", "tags: list[str"])
def test_dsl_syntax_errors_carry_a_position(text):
    with pytest.raises(nbc.SchemaError) as info:
        as_schema(text)
    assert info.value.position is not None and 0 <= info.value.position <= len(text)


@pytest.mark.parametrize(
    ("keyword", "sub", "adapt"),
    [
        ("not", {"type": "string", "not": {"enum": ["x"]}}, for_openai_strict),
        ("minLength", {"type": "string", "minLength": 3}, lambda s: for_openai_strict(s, azure=True)),
        ("maximum", {"type": "number", "maximum": 5}, for_anthropic),
    ],
)
def test_keywords_a_provider_cannot_enforce_are_recorded(keyword, sub, adapt):
    schema = as_schema({"type": "object", "properties": {"a": sub}, "required": ["a"]})
    adapted = adapt(schema.json)
    assert keyword not in json.dumps(adapted.schema["properties"]["a"].get(keyword, ""))
    assert any(keyword in change for change in adapted.changes)


# -- templates and data ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("About {title}: {text}", "{title}"),
        ("Classify {text", "unbalanced"),
        ("Classify } {text}", "unbalanced"),
        ("Classify {} {text}", "empty placeholder"),
        ("Classify {text:>10}", "format spec"),
    ],
)
def test_bad_templates(template, needle):
    with pytest.raises(nbc.TemplateError, match=None) as info:
        demo_run(["x"], template=template)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ([], "empty"),
        (pd.DataFrame({"text": []}), "no rows"),
        ([1, 2], "all dicts or all strings"),
        ([{"text": "a"}, "b"], "all dicts or all strings"),
        (42, "DataFrame"),
        ([{"text": "a", "row": 1}], "row"),
    ],
)
def test_bad_data(data, needle):
    with pytest.raises(nbc.ConfigError) as info:
        demo_run(data)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    "cells",
    [
        [{"text": None}, {"text": "great"}],
        [{"text": 5}, {"text": 3.5}],
        [{"text": float("nan")}, {"text": "fine"}],
        [{"text": "x" * 1_000_000}, {"text": "short"}],
    ],
    ids=["missing", "numbers", "nan", "one-megabyte"],
)
def test_odd_cells_run_without_losing_rows(cells):
    res = demo_run(cells)
    assert len(res.df) == len(cells) and res.df["_valid"].all()


# -- credentials and endpoints ---------------------------------------------------------------------
SECRET = "SECRET-PASTE-0123456789"


@pytest.mark.parametrize(
    ("credentials", "needle"),
    [
        ("{not json " + SECRET, "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"type": "authorized_user", "client_id": SECRET}, "service_account"),
        ({"type": "service_account", "private_key": SECRET}, "client_email"),
        (
            {
                "type": "service_account",
                "client_email": "a@b",
                "token_uri": "https://t",
                "private_key": SECRET,
            },
            "PEM",
        ),
        ("/no/such/key.json", "no file"),
    ],
)
def test_bad_vertex_credentials(credentials, needle):
    with pytest.raises(ValueError) as info:
        nbc.VertexAI(credentials=credentials, project="p")
    assert needle in str(info.value) and SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: nbc.OpenAI(api_key="k" * 20, base_url="ftp://example.com"), "http(s)"),
        (lambda: nbc.OpenAI(api_key="k" * 20, base_url="not a url"), "http(s)"),
        (lambda: nbc.OpenAI(api_key="k" * 20, base_url="http://example.com/v1"), "allow_insecure_http"),
        (lambda: nbc.OpenAI(api_key="k" * 20, base_url="https://u:p@example.com/v1"), "user name"),
        (
            lambda: nbc.AzureOpenAI(
                deployment="d", api_key="k" * 20, endpoint="https://r.openai.azure.com/foo"
            ),
            "Azure OpenAI path",
        ),
        (
            lambda: nbc.AzureOpenAI(
                deployment="d",
                api_key="k" * 20,
                endpoint="https://r.openai.azure.com/openai/deployments/e/chat/completions",
            ),
            "differs",
        ),
        (
            lambda: nbc.AzureAIFoundry(
                model="m", api_key="k" * 20, endpoint="https://r.services.ai.azure.com/x/y"
            ),
            "Foundry route",
        ),
        (lambda: nbc.CustomLLM(name="m", endpoint="https://llm.example.com"), "https://llm.example.com/v1"),
        (lambda: nbc.CustomLLM(name="m", endpoint="http://10.0.0.5:8000/v1"), "allow_insecure_http"),
    ],
)
def test_bad_endpoints(make, needle):
    with pytest.raises(ValueError) as info:
        make()
    assert needle in str(info.value)


# -- model references ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        ("nope:gpt-4.1", "no connection"),
        ("demo", "no model"),
        ("demo:demo-carefull", "did you mean demo-careful"),
        ("", "non-empty"),
    ],
)
def test_bad_model_references(ref, needle):
    with pytest.raises(nbc.UnknownModelError) as info:
        demo_run(["x"], models=(ref,))
    assert needle in str(info.value)


# -- what models answer -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        (Fault("ok", text="Sure! It is positive."), "invalid_json"),
        (Fault("broken_json"), "schema_mismatch"),
        (Fault("ok", text=""), "empty"),
        (Fault("truncated"), "truncated"),
        (Fault("refusal"), "refusal"),
        (Fault("ok", value=["positive", 0.9]), "schema_mismatch"),
        (Fault("ok", value={"label": "positive", "score": "high"}), "schema_mismatch"),
    ],
    ids=["not-json", "breaks-schema", "empty", "truncated", "refused", "wrong-type", "wrong-field-type"],
)
def test_bad_answers_are_recorded_and_other_cells_kept(fault, error_type):
    with FakeProvider() as server:
        server.script("/chat/completions", [fault])
        org = custom_org(server, "m")
        res = nbc.run(
            "Classify: {text}",
            data=["a", "b", "c"],
            schema=SCHEMA,
            models=["m"],
            org=org,
            cache=False,
            progress=False,
            per_connection=1,
        )
    df = res.df
    assert len(df) == 3 and df["_valid"].sum() == 2
    bad = df.loc[~df["_valid"]].iloc[0]
    assert bad["_error_type"] == error_type and bad["_error"]


# -- run options: refused before any request -------------------------------------------------------
def fake_run(
    server, *, models=("m",), template="Classify: {text}", data=("a", "b", "c"), anthropic=False, **kw
):
    org = custom_org(server, "m")
    if anthropic:
        org.add(
            nbc.Anthropic(api_key="sk-ant-test-0123456789", base_url=server.url, allow_insecure_http=True)
        )
    options = {"cache": False, "progress": False, **kw}
    return nbc.run(template, data=list(data), schema=SCHEMA, models=models, org=org, **options)


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        ({"limit": 0}, ["limit=0", "at least 1"]),
        ({"limit": -2}, ["limit=-2", "at least 1"]),
        ({"sample": 0}, ["sample=0", "at least 1"]),
        ({"sample": 4}, ["sample=4", "(3)", "sample=3 or fewer"]),
        ({"rpm": 0}, ["rpm=0", "rpm=None"]),
        ({"rpm": -5.0}, ["rpm=-5.0", "positive"]),
        ({"max_tokens": 0}, ["max_tokens=0", "at least 1"]),
        ({"concurrency": 0}, ["concurrency=0", "concurrency=1 or more"]),
        ({"concurrency": True}, ["concurrency=True", "bool"]),
        ({"per_connection": 0}, ["per_connection=0", "per_connection=1 or more"]),
        ({"max_retries": -1}, ["max_retries=-1", "from 0"]),
        ({"timeout": 0}, ["timeout=0", "positive number of seconds"]),
        ({"timeout": float("nan")}, ["timeout=nan", "finite"]),
        ({"budget_usd": -0.01}, ["budget_usd=-0.01", "0 or more"]),
        ({"temperature": 2.5}, ["temperature=2.5", "0 to 2"]),
        ({"temperature": -0.1}, ["temperature=-0.1", "0 to 2"]),
        ({"cache": None}, ["cache=None", "cache=False"]),
        ({"cache": ""}, ["cache=''", "empty path"]),
        ({"truth": "gold"}, ["truth='gold'", "'text'", "not a column"]),
        ({"truth": {"label": "gold_label"}}, ["'gold_label'", "Columns: 'text'"]),
        ({"models": ["m", "m"]}, ["'m' more than once", "list each model once"]),
        ({"template": "Classify this"}, ["no {column} placeholder", "allow_constant_prompt=True"]),
        ({"models": 5}, ["models=", "not int"]),
        ({"sample": 2, "seed": -1}, ["seed=-1", "from 0 to"]),
        ({"sample": 2, "seed": "x"}, ["seed='x'", "whole number"]),
        ({"redo": pd.DataFrame({"row": [0]})}, ["redo=", "not DataFrame"]),
        ({"on_progress": 3}, ["on_progress=", "not int"]),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, dict) else None,
)
def test_bad_options_are_refused_before_any_request(options, needles):
    with FakeProvider() as server:
        with pytest.raises(nbc.ConfigError) as info:
            fake_run(server, **options)
        assert server.count() == 0
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))


def test_temperature_range_is_the_wire_familys():
    """Anthropic accepts 0–1, the OpenAI format 0–2: 1.5 is refused only when an Anthropic model is in."""
    with FakeProvider() as server:
        with pytest.raises(nbc.ConfigError) as info:
            fake_run(server, models=["m", "anthropic:claude-haiku-4-5"], anthropic=True, temperature=1.5)
        assert server.count() == 0
        message = str(info.value)
        assert "anthropic:claude-haiku-4-5 (Anthropic: 0 to 1)" in message and "'m'" not in message
        assert len(fake_run(server, temperature=1.5).df) == 3  # the same value is fine for OpenAI's format
        assert server.count("/chat/completions") == 3


def test_the_same_model_spelled_two_ways_is_refused():
    """``m`` and ``m:m`` are one model of one connection: running both would bill every row twice."""
    with FakeProvider() as server:
        with pytest.raises(nbc.ConfigError) as info:
            fake_run(server, models=["m", "m:m"])
        assert server.count() == 0
    assert "'m' and 'm:m' more than once" in str(info.value) and "model 'm'" in str(info.value)


def test_a_constant_prompt_runs_once_per_row_when_asked_for():
    with FakeProvider() as server:
        res = fake_run(server, template="Name a colour.", allow_constant_prompt=True)
        assert server.count("/chat/completions") == 3
    assert len(res.df) == 3
    users = {r.json["messages"][-1]["content"] for r in server.requests}
    assert users == {"Name a colour."}


def test_a_system_placeholder_is_enough():
    with FakeProvider() as server:
        res = fake_run(server, template="Classify it.", system="The text: {text}")
    assert res.df["_valid"].all() and server.count("/chat/completions") == 3


def test_truth_checked_at_start_is_used_by_summary():
    with FakeProvider() as server:
        org_data = [{"text": "a", "gold_label": "positive"}, {"text": "b", "gold_label": "negative"}]
        res = fake_run(server, data=org_data, truth="gold_label")
    assert res.truth == "gold_label" and "accuracy" in res.summary().columns


def test_a_cache_directory_holds_the_cache_file(tmp_path):
    with FakeProvider() as server:
        first = fake_run(server, cache=tmp_path)
        again = fake_run(server, cache=str(tmp_path) + "/")
        assert server.count("/chat/completions") == 3  # the second run was answered from the file
    assert (tmp_path / "replies.sqlite").is_file()
    assert not first.df["_cached"].any() and again.df["_cached"].all()


def test_a_cache_path_that_cannot_be_a_file_is_refused_before_any_request(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with FakeProvider() as server:
        with pytest.raises(nbc.ConfigError) as info:
            fake_run(server, cache=blocker / "cache.sqlite")
        assert server.count() == 0
    assert "cache=" in str(info.value) and "is a file" in str(info.value) and "cache=False" in str(info.value)


def test_an_unopenable_cache_file_names_the_option(tmp_path):
    from nbconnect._engine.cache import Cache

    target = tmp_path / "replies.sqlite"
    target.mkdir()
    (target / "replies.sqlite").mkdir()  # a directory where the directory's cache file would go
    with pytest.raises(nbc.ConfigError) as info:
        Cache(target / "replies.sqlite")
    assert "cache=" in str(info.value) and "unable to open" in str(info.value)


def test_a_truth_column_that_fits_no_single_field_is_refused():
    data = [{"text": "a", "expected": "positive"}, {"text": "b", "expected": "negative"}]
    with FakeProvider() as server:
        with pytest.raises(nbc.ConfigError) as info:
            fake_run(server, data=data, truth="expected")  # fields: label and score
        assert server.count() == 0
    assert "'label', 'score'" in str(info.value) and "truth={'<field>': 'expected'}" in str(info.value)
    with FakeProvider() as server:
        res = fake_run(server, data=data, truth={"label": "expected"})
    assert "accuracy" in res.summary().columns


def test_the_playground_refuses_a_truth_column_the_data_lacks_before_any_request():
    from nbconnect._widgets.playground import Playground

    with FakeProvider() as server:
        org = custom_org(server, "m")
        pg = Playground(org, data=[{"text": "a"}, {"text": "b"}], prompt="Classify: {text}", schema=SCHEMA,
                        models=["m"], cache=False, truth="gold")  # fmt: skip
        pg.core._dispatch(pg.core, {"kind": "run", "id": "t-run"}, None)
        reply = pg.core.sent[-1]
        assert server.count() == 0
    assert not reply.get("ok") and "truth='gold'" in json.dumps(reply)

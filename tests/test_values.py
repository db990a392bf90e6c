"""The schema-value walk shared by the fake and the Demo, and its pattern reader."""

from __future__ import annotations

import ast
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import httpx
import jsonschema
import pytest

import nbconnect as nbc
from nbconnect._schema.pattern import matching_string
from nbconnect._schema.values import answer_for
from nbconnect._wire.demo import DemoTransport

ROOT = Path(__file__).resolve().parents[1]

SUPPORTED = [
    r"^[A-Z]{2}-\d{4}$",
    r"^\d{4}-\d{2}-\d{2}$",
    r"^[a-z0-9_-]{3,16}$",
    r"(foo|bar)+baz?",
    r"^\+?[1-9]\d{1,14}$",
    r"^[^abc]x$",
    r"^(?:[a-f0-9]{8})$",
    r"^\w+@\w+\.com$",
    r"^(?P<y>\d\d)[.\-/](?P<m>\d)$",
    r"^a{,3}b{2,}c*?$",
    r"^[\w.-]+$",
    r"^\S+\s\S+$",
    r"^[-a][a-]$",
    r"^\u00e9\x41\t$",
    r"^x{$",
    r"^[]a]$",
    r"\bword\b",
    r"^(?>ab|cd)e$",
    r"^.{2}$",
]


@pytest.mark.parametrize("pattern", SUPPORTED)
def test_strings_for_supported_patterns_match(pattern):
    made = {matching_string(pattern, random.Random(seed)) for seed in range(25)}
    assert None not in made
    assert all(re.search(pattern, s) for s in made)
    if any(q in pattern for q in ("{3,16}", "+", "|")):
        assert len(made) > 1  # the choices really come from the rng


@pytest.mark.parametrize(
    "pattern",
    [r"(?=x)x", r"(?!y)x", r"(?<=a)b", r"(a)\1", r"(?i)abc", r"\p{L}", r"a**", "(", "[z-a]", "a)"],
)
def test_unsupported_patterns_give_none(pattern):
    assert matching_string(pattern, random.Random(0)) is None


def test_the_same_rng_gives_the_same_string():
    assert matching_string(r"^[a-z]{5,9}\d+$", random.Random(3)) == matching_string(
        r"^[a-z]{5,9}\d+$", random.Random(3)
    )


def test_no_private_regex_parser_is_imported_anywhere_in_the_package():
    for path in (ROOT / "nbconnect").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{a.name}" for a in node.names]
            assert not any("sre_" in n or "re._parser" in n or n == "re._parser" for n in names), path


def test_answers_for_pattern_properties_validate():
    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
            "odd": {"pattern": "(?=x)"},
        },
        "required": ["code", "odd"],
    }
    for text in ("one", "two", "three"):
        value = answer_for(schema, text)
        assert re.fullmatch(r"[A-Z]{3}-\d{4}", value["code"])
        assert isinstance(value["odd"], str)  # an unsupported pattern falls back to words


# -- the Demo on the shared walk -----------------------------------------------------------------
TRICKY = {
    "$defs": {"Place": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    "type": "object",
    "properties": {
        "sentiment": {"enum": ["positive", "negative", "neutral"]},
        "where": {"$ref": "#/$defs/Place", "description": "siblings next to a $ref"},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 1, "maximum": 5}]},
        "both": {"allOf": [{"properties": {"a": {"type": "boolean"}}, "required": ["a"]}]},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["sentiment", "where", "maybe", "both", "rating"],
}


async def _ask_demo(body: dict) -> dict:
    transport = DemoTransport(nbc.Demo(latency=0.0))
    async with httpx.AsyncClient(transport=transport, base_url="https://demo.invalid") as client:
        r = await client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    return json.loads(r.json()["choices"][0]["message"]["content"])


def _body(model: str, fmt: dict | None, system: str = "") -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": "Loved it, great battery, fast delivery."})
    return {"model": model, "messages": messages, **({"response_format": fmt} if fmt else {})}


@pytest.mark.anyio
async def test_demo_reads_the_schema_from_response_format_in_both_modes():
    strict = {"type": "json_schema", "json_schema": {"name": "t", "schema": TRICKY}}
    value = await _ask_demo(_body("demo-careful", strict))
    jsonschema.validate(value, TRICKY)
    assert value["sentiment"] == "positive" and value["rating"] >= 4  # it read the review's tone
    json_mode = await _ask_demo(_body("demo-fast", {"type": "json_object", "schema": TRICKY}))
    assert set(json_mode) <= set(TRICKY["properties"]) and "where" in json_mode


@pytest.mark.anyio
async def test_demo_does_not_read_a_schema_out_of_the_prompt():
    instruction = "Answer with JSON that matches this JSON Schema:\n" + json.dumps(TRICKY)
    value = await _ask_demo(_body("demo-fast", {"type": "json_object"}, system=instruction))
    assert set(value) == {"answer"}  # no schema in the request: a free-form answer


def test_demo_run_sends_the_schema_in_json_mode_and_fills_every_field():
    res = nbc.run(
        "Review: {text}",
        data=["Loved it, great battery.", "Broke after a week, awful."],
        schema="sentiment: positive|negative|neutral, aspects: list[str], confidence: float",
        models=["demo:demo-fast"],
        org=nbc.Organization.demo(),
        cache=False,
        progress=False,
    )
    assert (res.df["_enforcement"] == "json_object").all()
    assert res.df["sentiment"].notna().sum() >= 1


_DEMO_SCRIPT = """
import json, nbconnect as nbc
from nbconnect.data import reviews
res = nbc.run("Review of a {product}: {text}", data=reviews().head(30),
              schema="sentiment: positive|negative|neutral, aspects: list[str], confidence: float",
              models=["demo:demo-careful", "demo:demo-fast", "demo:demo-echo"],
              org=nbc.Organization.demo(), cache=False, progress=False)
print(json.dumps(res.df[["row", "model", "_raw", "_input_tokens", "_cost_usd"]].to_dict("records")))
"""


def test_demo_answers_do_not_depend_on_the_hash_seed(tmp_path):
    outs = []
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT), "NBCONNECT_HOME": str(tmp_path / seed)}
        run = subprocess.run([sys.executable, "-c", _DEMO_SCRIPT], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        outs.append(run.stdout)
    assert outs[0] == outs[1]

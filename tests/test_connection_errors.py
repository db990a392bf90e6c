"""Bad connection input raises nbconnect's own ConfigError (not pydantic's ValidationError): every
field's problem in nbconnect's words, no pydantic link, no secret, per-field errors for the panel."""

from __future__ import annotations

import json

import pydantic
import pytest

import nbconnect as nbc
from nbconnect._connections.providers import PROVIDERS
from nbconnect._errors import InvalidConnectionError
from nbconnect._store.env import connections_from_env
from nbconnect._store.store import read_store

SENTINEL = "sk-SENTINEL-4f1e9a0c7b"  # a key-like value that must never be shown
GOOD = {
    "openai": {"api_key": "sk-good-0123456789"},
    "gemini": {"api_key": "AIza-good-0123456789"},
    "anthropic": {"api_key": "sk-ant-good-0123456789"},
    "vertex": {
        "credentials": {
            "type": "service_account",
            "project_id": "p",
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
            "client_email": "sa@p.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    },
    "azure_openai": {"deployment": "d", "endpoint": "https://r.openai.azure.com", "api_key": "k0123456789"},
    "azure_foundry": {
        "model": "m",
        "endpoint": "https://r.services.ai.azure.com/models",
        "api_key": "k0123456",
    },
    "custom": {"name": "m", "endpoint": "http://localhost:8000/v1"},
    "demo": {},
}
# one bad value per class: (field, value); the secret ones carry the sentinel
BAD = {
    "openai": ("api_key", f"{SENTINEL} {SENTINEL}"),
    "gemini": ("api_key", f"{SENTINEL}\n{SENTINEL}"),  # a line break inside
    "anthropic": ("api_key", f"{SENTINEL}\u2026"),  # a character no header carries
    "vertex": ("credentials", "{}"),
    "azure_openai": ("endpoint", SENTINEL),  # a key pasted into the URL field
    "azure_foundry": ("api_key", ""),
    "custom": ("auth_token", f"{SENTINEL} two"),
    "demo": ("latency", -1),
}


def refused(provider: str, **changes) -> InvalidConnectionError:
    with pytest.raises(nbc.ConfigError) as info:
        PROVIDERS[provider](**{**GOOD[provider], **changes})
    return info.value


def test_every_provider_is_covered():
    assert set(BAD) == set(PROVIDERS) == set(GOOD)
    for provider, fields in GOOD.items():
        PROVIDERS[provider](**fields)  # the good values are good


@pytest.mark.parametrize("provider", list(BAD))
def test_a_bad_value_is_nbconnects_error_naming_the_field_without_the_value(provider):
    field, value = BAD[provider]
    err = refused(provider, **{field: value})
    assert isinstance(err, nbc.NbconnectError) and isinstance(err, ValueError)
    assert not isinstance(err, pydantic.ValidationError)
    text = f"{err}\n{err!r}\n{err.errors()}"
    assert field in str(err) and PROVIDERS[provider].__name__ in str(err)
    assert SENTINEL not in text
    assert "pydantic" not in text and "errors.pydantic.dev" not in text
    assert [e["loc"] for e in err.errors()] == [(field,)]  # for the panel: under its own field


def test_vertex_credentials_of_an_empty_object_say_what_a_key_needs():
    err = refused("vertex", credentials="{}")
    assert str(err).startswith("VertexAI: credentials lack")
    assert "client_email" in str(err) and "IAM > Service accounts > Keys" in str(err)


def test_every_problem_at_once_even_past_a_failing_endpoint():
    # pydantic stops at the endpoint's model-level check and reports neither of the others
    with pytest.raises(nbc.ConfigError) as info:
        nbc.CustomLLM(name="m", endpoint="localhost:8000", api_key=f"{SENTINEL} x", jsonmode="tools")
    err = info.value
    assert {e["loc"] for e in err.errors()} == {("endpoint",), ("api_key",), ("jsonmode",)}
    lines = str(err).splitlines()
    assert lines[0] == "CustomLLM is not valid:" and len(lines) == 4
    assert any(line.startswith("- api_key has a line break") for line in lines)
    assert any("jsonmode is not a field of CustomLLM (did you mean json_mode?)" in line for line in lines)
    assert SENTINEL not in str(err)


def test_missing_and_mistyped_fields_say_what_to_pass():
    with pytest.raises(
        nbc.ConfigError, match=r"api_key is required; pass api_key=\.\.\., or set ANTHROPIC_API_KEY"
    ):
        nbc.Anthropic()
    with pytest.raises(nbc.ConfigError, match=r"location should match .*\(Region such as us-central1"):
        nbc.VertexAI(**GOOD["vertex"], location="Europe West")


def test_environment_and_store_problems_use_the_same_words(tmp_path):
    _, problems = connections_from_env({"OPENAI_API_KEY": f"{SENTINEL} {SENTINEL}"})
    assert "api_key has a line break or space inside" in problems["OpenAI"]
    assert SENTINEL not in problems["OpenAI"] and "Value error" not in problems["OpenAI"]
    path = tmp_path / "connections.json"
    path.write_text(
        json.dumps({"version": 1, "connections": [{"provider": "openai", "fields": {"api_key": ""}}]})
    )
    path.chmod(0o600)
    with pytest.raises(nbc.StoreError, match="OpenAI: api_key is empty") as info:
        read_store(path)
    assert "pydantic" not in str(info.value)


@pytest.mark.parametrize("form", ["dict", "path"])
def test_a_valid_key_given_as_a_dict_or_a_path_is_not_blamed_for_another_fields_problem(form, tmp_path):
    # each field is also checked alone; the key's own loader must run there too, or a dict or a
    # file path (both valid) reads as "credentials should be a valid string"
    key = dict(GOOD["vertex"]["credentials"])
    given: object = key
    if form == "path":
        given = tmp_path / "key.json"
        given.write_text(json.dumps(key))
    with pytest.raises(nbc.ConfigError) as info:
        nbc.VertexAI(credentials=given, batch_bucket="gs://My_Bucket")
    assert {e["loc"] for e in info.value.errors()} == {("batch_bucket",)}
    assert "credentials" not in str(info.value)

"""API-key input is refused at construction when no provider could accept it (issue 19): empty or
blank keys, keys with whitespace inside (two pastes run together) or characters an HTTP header cannot
carry. Outer whitespace from a paste is stripped. Every provider with a secret, from the registry."""

from __future__ import annotations

import json

import pytest

import nbconnect as nbc
from nbconnect import ConfigError
from nbconnect._connections.providers import PROVIDERS
from nbconnect._widgets.panel import ConnectionsPanel

CANARY = "KEYINPUTCANARY7c3a"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
SA_KEY = {
    "type": "service_account",
    "project_id": "p",
    "private_key": PEM,
    "client_email": "sa@p.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}

# The other fields each provider needs, so that only the secret under test can be wrong.
OTHER_FIELDS: dict[str, dict] = {
    "openai": {},
    "gemini": {},
    "anthropic": {},
    "vertex": {},
    "azure_openai": {"deployment": "d", "endpoint": "https://r.openai.azure.com"},
    "azure_foundry": {"model": "m", "endpoint": "https://r.services.ai.azure.com/models"},
    "custom": {"name": "m", "endpoint": "http://localhost:11434/v1"},
}
SECRETS = [(cls, field) for cls in PROVIDERS.values() for field in cls.secret_fields]
IDS = [f"{cls.provider}.{field}" for cls, field in SECRETS]
# Single-line keys and tokens; Vertex's credentials are a JSON document, whose newlines are fine.
KEYS = [(cls, field) for cls, field in SECRETS if field != "credentials"]
KEY_IDS = [f"{cls.provider}.{field}" for cls, field in KEYS]


def build(cls, field: str, value) -> nbc.Connection:
    return cls(**OTHER_FIELDS[cls.provider], **{field: value})


def refusal(cls, field: str, value) -> str:
    """The message for ``field``: the error must be located on the field itself."""
    with pytest.raises(ConfigError) as info:
        build(cls, field, value)
    errors = info.value.errors(include_input=False)
    assert [e["loc"] for e in errors] == [(field,)], errors
    message = str(info.value)
    assert CANARY not in message and CANARY not in repr(info.value)  # never the value
    return errors[0]["msg"]


def test_every_provider_with_a_secret_is_covered():
    assert {cls.provider for cls, _ in SECRETS} == set(OTHER_FIELDS)


@pytest.mark.parametrize(("cls", "field"), SECRETS, ids=IDS)
@pytest.mark.parametrize("blank", ["", "   ", "\n", " \t\r\n "], ids=["empty", "spaces", "newline", "mixed"])
def test_an_empty_or_blank_secret_is_refused_naming_the_field_and_the_fix(cls, field, blank):
    message = refusal(cls, field, blank)
    assert field in message and "empty" in message and "paste" in message


@pytest.mark.parametrize(("cls", "field"), KEYS, ids=KEY_IDS)
def test_an_empty_optional_key_says_how_to_send_none(cls, field):
    message = refusal(cls, field, "")
    if not cls.model_fields[field].is_required():
        assert f"leave {field} out" in message
    else:
        assert "leave" not in message


@pytest.mark.parametrize(("cls", "field"), KEYS, ids=KEY_IDS)
@pytest.mark.parametrize(
    "inside", ["\n", "\r\n", " ", "\t", "\u00a0"], ids=["lf", "crlf", "space", "tab", "nbsp"]
)
def test_whitespace_inside_a_key_is_refused(cls, field, inside):
    message = refusal(cls, field, f"sk-{CANARY}-first{inside}sk-{CANARY}-second")
    assert field in message and "single line" in message


@pytest.mark.parametrize(("cls", "field"), KEYS, ids=KEY_IDS)
@pytest.mark.parametrize(
    "bad", [f"sk-…{CANARY}", f"“sk-{CANARY}”", f"sk-{CANARY}\x00x"], ids=["hint", "quotes", "nul"]
)
def test_a_key_no_http_header_can_carry_is_refused(cls, field, bad):
    message = refusal(cls, field, bad)
    assert field in message and "masked hint" in message


@pytest.mark.parametrize(("cls", "field"), KEYS, ids=KEY_IDS)
def test_outer_whitespace_from_a_paste_is_stripped(cls, field):
    key = f"sk-{CANARY}-0123456789"
    conn = build(cls, field, f" \t{key}\r\n")
    assert conn.secret(field) == key
    headers = conn.adapter().headers()  # the stripped key is what travels: no stray newline
    assert any(value.endswith(key) for value in headers.values()), list(headers)


def test_vertex_credentials_keep_the_newlines_of_their_json():
    conn = nbc.VertexAI(credentials=json.dumps(SA_KEY, indent=2))  # pretty-printed: newlines inside
    assert json.loads(conn.secret("credentials"))["private_key"] == PEM


def test_an_environment_variable_with_two_keys_in_it_is_a_problem_not_a_connection(tmp_path):
    org = nbc.Organization(persist=False)
    report = org.add_from_env(environ={"OPENAI_API_KEY": f"sk-{CANARY}-a\nsk-{CANARY}-b"})
    assert report.added == [] and len(org) == 0
    problem = report.problems["OpenAI"]
    assert "OPENAI_API_KEY" in problem and "single line" in problem and CANARY not in problem


def test_the_panel_puts_the_refusal_on_the_key_field_without_echoing_it():
    panel = ConnectionsPanel(nbc.Organization(persist=False))
    reply = panel._build({"provider": "openai", "fields": {"api_key": f"sk-{CANARY}-a sk-{CANARY}-b"}})
    assert isinstance(reply, dict) and reply["ok"] is False
    assert "single line" in reply["errors"]["api_key"]
    assert CANARY not in json.dumps(reply)

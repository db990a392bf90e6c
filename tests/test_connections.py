"""The seven provider connections: fields, validation, secrets, hints, names (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

import nbconnect as nbc
from nbconnect import ConfigError
from nbconnect._secrets import mask

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


def sa_key(**overrides) -> dict:
    key = {
        "type": "service_account",
        "project_id": "proj-from-key",
        "private_key_id": "abc123",
        "private_key": PEM,
        "client_email": "runner@proj-from-key.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    key.update(overrides)
    return key


KEY = "sk-proj-0123456789abcdefghijWXYZ"

# class, valid kwargs, required fields, expected name, expected provider, secret fields
CASES = [
    (nbc.OpenAI, {"api_key": KEY}, ["api_key"], "openai", "openai", ["api_key"]),
    (nbc.Gemini, {"api_key": "AIzaSyA0123456789abcdefghWXYZ"}, ["api_key"], "gemini", "gemini", ["api_key"]),
    (
        nbc.Anthropic,
        {"api_key": "sk-ant-api03-abcdefghijkWXYZ"},
        ["api_key"],
        "anthropic",
        "anthropic",
        ["api_key"],
    ),
    (nbc.VertexAI, {"credentials": sa_key()}, ["credentials"], "vertex", "vertex", ["credentials"]),
    (
        nbc.AzureOpenAI,
        {
            "deployment": "gpt4o-prod",
            "endpoint": "https://r.openai.azure.com",
            "api_key": "0123456789abcdefWXYZ",
        },
        ["deployment", "endpoint", "api_key"],
        "gpt4o-prod",
        "azure_openai",
        ["api_key"],
    ),
    (
        nbc.AzureAIFoundry,
        {"model": "Llama-3.3-70B", "endpoint": "https://r.services.ai.azure.com/models", "api_key": "f" * 28},
        ["model", "endpoint", "api_key"],
        "Llama-3.3-70B",
        "azure_foundry",
        ["api_key"],
    ),
    (
        nbc.CustomLLM,
        {"name": "llama3.2", "endpoint": "http://localhost:11434/v1", "api_key": "ollama-key-0123WXYZ"},
        ["name", "endpoint"],
        "llama3.2",
        "custom",
        ["api_key"],
    ),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize(("cls", "kwargs", "required", "name", "provider", "secrets"), CASES, ids=IDS)
def test_valid_construction_name_and_provider(cls, kwargs, required, name, provider, secrets):
    conn = cls(**kwargs)
    assert conn.name == name
    assert conn.provider == provider == cls.provider
    assert conn.source == "explicit"
    assert isinstance(conn, nbc.Connection)


@pytest.mark.parametrize(("cls", "kwargs", "required", "name", "provider", "secrets"), CASES, ids=IDS)
def test_unknown_field_rejected(cls, kwargs, required, name, provider, secrets):
    with pytest.raises(ConfigError) as info:
        cls(**kwargs, apikey="typo")
    assert info.value.errors()[0]["type"] == "extra_forbidden"
    assert "apikey" in str(info.value)


@pytest.mark.parametrize(("cls", "kwargs", "required", "name", "provider", "secrets"), CASES, ids=IDS)
def test_each_required_field_is_required(cls, kwargs, required, name, provider, secrets):
    for field in required:
        partial = {k: v for k, v in kwargs.items() if k != field}
        with pytest.raises(ConfigError) as info:
            cls(**partial)
        assert field in str(info.value), field


@pytest.mark.parametrize(("cls", "kwargs", "required", "name", "provider", "secrets"), CASES, ids=IDS)
def test_secrets_are_secretstr_and_describe_has_none(cls, kwargs, required, name, provider, secrets):
    conn = cls(**kwargs)
    for field in secrets:
        value = getattr(conn, field)
        assert isinstance(value, SecretStr)
        clear = value.get_secret_value()
        assert conn.secret(field) == clear
        assert clear not in repr(conn) and clear not in str(conn)
        described = json.dumps(conn.describe())
        assert clear not in described
        assert field not in conn.describe()
    info = conn.describe()
    assert info["provider"] == provider and info["name"] == name and info["source"] == "explicit"
    assert info["hint"] == conn.hint


@pytest.mark.parametrize(("cls", "kwargs", "required", "name", "provider", "secrets"), CASES, ids=IDS)
def test_connections_are_frozen(cls, kwargs, required, name, provider, secrets):
    conn = cls(**kwargs)
    with pytest.raises(ValidationError):  # assignment (not input) stays pydantic's frozen error
        conn.__setattr__(required[0], "changed")


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [(c[0], c[1]) for c in CASES if c[0] is not nbc.VertexAI],
    ids=[i for i in IDS if i != "VertexAI"],
)
def test_hint_masks_all_but_last_four(cls, kwargs):
    conn = cls(**kwargs)
    key = kwargs["api_key"]
    assert conn.hint.endswith("…" + key[-4:])
    assert key not in conn.hint
    assert key[:-4].removeprefix("sk-proj-").removeprefix("sk-ant-")[-6:] not in conn.hint


def test_mask_keeps_only_conventional_prefixes():
    assert mask("sk-proj-0123456789abcdefghijWXYZ") == "sk-proj-…WXYZ"
    assert mask("sk-ant-api03-abcdefghijkWXYZ") == "sk-ant-…WXYZ"
    assert mask("AIzaSyA0123456789abcdefghWXYZ") == "AIza…WXYZ"
    assert mask("0123456789abcdefWXYZ") == "…WXYZ"
    # a prefix followed by too little is not kept (it would narrow the secret down)
    assert mask("sk-abcdefWXYZ") == "…WXYZ"


@pytest.mark.parametrize("short", ["Q", "ollama", "QWERTYU", "QWERTYUI", "QWERTYUIOPZ"])
def test_short_secrets_show_nothing(short):
    conn = nbc.OpenAI(api_key=short)
    assert conn.hint == "…"
    assert short not in repr(conn) and short[-2:] not in repr(conn)


def test_repr_shows_each_secrets_own_hint():
    key, token = "sk-proj-0123456789abcdefKEY1", "tok-0123456789abcdefTOK2"
    both = repr(nbc.CustomLLM(name="m", endpoint="http://localhost:8000/v1", api_key=key, auth_token=token))
    assert "api_key='<secret sk-proj-…KEY1>'" in both and "auth_token='<secret …TOK2>'" in both
    assert key not in both and token not in both
    alone = repr(nbc.CustomLLM(name="m", endpoint="http://localhost:8000/v1", auth_token=token))
    assert "api_key=None" in alone and "auth_token='<secret …TOK2>'" in alone


def test_hint_is_empty_without_a_secret_and_falls_back_to_auth_token():
    bare = nbc.CustomLLM(name="m", endpoint="http://localhost:8000/v1")
    assert bare.hint == ""
    assert bare.describe()["hint"] == ""
    token = nbc.CustomLLM(name="m", endpoint="http://localhost:8000/v1", auth_token="tok-0123456789WXYZ")
    assert token.hint == "…WXYZ"
    assert isinstance(token.auth_token, SecretStr)
    assert token.api_key is None


def test_empty_or_whitespace_names_refused():
    with pytest.raises(ConfigError):
        nbc.CustomLLM(name="  ", endpoint="http://localhost:8000/v1")
    with pytest.raises(ConfigError):
        nbc.AzureOpenAI(deployment="", endpoint="https://r.openai.azure.com", api_key="k")


def test_openai_optional_headers_and_base_url():
    conn = nbc.OpenAI(
        api_key=KEY, organization="org-1", project="proj_1", base_url="https://gw.example.com/v1/"
    )
    assert conn.base_url == "https://gw.example.com/v1"
    assert conn.describe()["organization"] == "org-1"
    for cls in (nbc.Gemini, nbc.Anthropic):
        assert cls(api_key="k" * 20, base_url="http://127.0.0.1:9999").base_url == "http://127.0.0.1:9999"


# -- Custom LLM --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "corrected"),
    [
        ("http://localhost:11434", "http://localhost:11434/v1"),
        ("http://localhost:11434/", "http://localhost:11434/v1"),
        ("http://localhost:11434/v1/chat/completions", "http://localhost:11434/v1"),
        ("https://router.huggingface.co/together/v1/models", "https://router.huggingface.co/together/v1"),
        ("https://my.endpoint.com/api", "https://my.endpoint.com/api/v1"),
    ],
)
def test_custom_endpoint_without_v1_shows_corrected_url(given, corrected):
    with pytest.raises(ConfigError) as info:
        nbc.CustomLLM(name="m", endpoint=given)
    message = str(info.value)
    assert f"did you mean {corrected}?" in message
    assert "/v1" in message


@pytest.mark.parametrize("endpoint", ["http://localhost:11434/v1", "http://localhost:11434/v1/"])
def test_custom_endpoint_with_v1_is_kept(endpoint):
    assert nbc.CustomLLM(name="m", endpoint=endpoint).endpoint == "http://localhost:11434/v1"


@pytest.mark.parametrize("mode", ["auto", "json_schema", "json_object_schema", "json_object"])
def test_custom_json_mode_values(mode):
    assert nbc.CustomLLM(name="m", endpoint="http://localhost:1/v1", json_mode=mode).json_mode == mode


def test_custom_json_mode_default_and_bad_value():
    assert nbc.CustomLLM(name="m", endpoint="http://localhost:1/v1").json_mode == "auto"
    with pytest.raises(ConfigError, match="json_mode"):
        nbc.CustomLLM(name="m", endpoint="http://localhost:1/v1", json_mode="xml")


# -- Vertex AI ---------------------------------------------------------------------------------
def test_vertex_credentials_as_text_dict_and_paths(tmp_path):
    text = json.dumps(sa_key())
    path = tmp_path / "sa.json"
    path.write_text(text)
    for given in (text, sa_key(), str(path), path, "  " + text + "\n"):
        conn = nbc.VertexAI(credentials=given)
        assert isinstance(conn.credentials, SecretStr)
        assert json.loads(conn.credentials.get_secret_value()) == sa_key()
        assert conn.project == "proj-from-key"
        assert conn.location == "global"
        assert conn.hint == "runner@proj-from-key.iam.gserviceaccount.com"


def test_vertex_path_with_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "k.json").write_text(json.dumps(sa_key()))
    assert nbc.VertexAI(credentials="~/k.json").project == "proj-from-key"


def test_vertex_explicit_project_and_location_win():
    conn = nbc.VertexAI(credentials=sa_key(), project="other-proj", location="europe-west4")
    assert (conn.project, conn.location) == ("other-proj", "europe-west4")


def test_vertex_key_without_project_needs_one():
    key = sa_key()
    del key["project_id"]
    with pytest.raises(ConfigError, match="project="):
        nbc.VertexAI(credentials=key)
    assert nbc.VertexAI(credentials=key, project="p").project == "p"


SENTINEL = "PRIVATE-SENTINEL-9f8e7d6c5b4a"
BAD_PEM = f"-----BEGIN PRIVATE KEY-----\n{SENTINEL}/+abc\n-----END PRIVATE KEY-----\n"


def _vertex_error(credentials) -> str:
    with pytest.raises(ConfigError) as info:
        nbc.VertexAI(credentials=credentials)
    return str(info.value)


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ("{" + SENTINEL, "not valid JSON"),
        ('{"private_key": "' + SENTINEL + '",}', "not valid JSON"),
        (json.dumps([SENTINEL]), "JSON object"),
        ([SENTINEL], "JSON object"),
        (42, "JSON object"),
        (
            json.dumps({"type": "authorized_user", "client_secret": SENTINEL, "refresh_token": SENTINEL}),
            "'authorized_user'",
        ),
        (sa_key(type=SENTINEL, private_key=BAD_PEM), "an unexpected type"),
        (sa_key(private_key=SENTINEL), "not a PEM key"),
        (BAD_PEM, "neither JSON text nor a file path"),  # the PEM pasted alone
        ("'" + json.dumps(sa_key(private_key=BAD_PEM)) + "'", "neither JSON text nor a file path"),
        ("x" * 5000 + SENTINEL, "neither JSON text nor a file path"),  # too long to be a path
        (SENTINEL + "/not/a/file", "no file at that path"),
    ],
)
def test_vertex_bad_credentials_never_echo_the_key(credentials, expected):
    message = _vertex_error(credentials)
    assert expected in message
    assert SENTINEL not in message
    if isinstance(credentials, str):
        assert credentials.strip() not in message


def test_vertex_missing_fields_are_each_named():
    key = sa_key(private_key=BAD_PEM)
    del key["client_email"], key["token_uri"]
    message = _vertex_error(key)
    assert "client_email" in message and "token_uri" in message
    assert "private_key," not in message  # present fields are not listed as missing
    assert SENTINEL not in message
    assert "type" in _vertex_error({"client_email": "a@b", "private_key": BAD_PEM, "token_uri": "https://t"})


def test_vertex_missing_file_named_only_when_it_is_a_json_path(tmp_path):
    missing = tmp_path / "nope.json"
    assert str(missing) in _vertex_error(str(missing))
    assert str(missing) in _vertex_error(Path(missing))
    assert "credentials are empty" in _vertex_error("   ")


def test_vertex_key_with_bom_is_accepted():
    assert nbc.VertexAI(credentials="\ufeff" + json.dumps(sa_key())).project == "proj-from-key"

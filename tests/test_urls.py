"""Endpoint checks (https, loopback, opt-in) and the Azure URL shapes portals hand out (issue 2)."""

from __future__ import annotations

import pytest

import nbconnect as nbc
from nbconnect import ConfigError
from nbconnect._connections.urls import check_url, is_loopback, parse_azure_openai, parse_foundry

KEY = "azure-key-0123456789abcdef"

# every connection class that takes an endpoint, with a valid https endpoint for it
ENDPOINTS = [
    (nbc.OpenAI, "base_url", {"api_key": KEY}, "/v1"),
    (nbc.Gemini, "base_url", {"api_key": KEY}, ""),
    (nbc.Anthropic, "base_url", {"api_key": KEY}, ""),
    (nbc.AzureOpenAI, "endpoint", {"api_key": KEY, "deployment": "d"}, ""),
    (nbc.AzureAIFoundry, "endpoint", {"api_key": KEY, "model": "m"}, "/models"),
    (nbc.CustomLLM, "endpoint", {"name": "m"}, "/v1"),
]
IDS = [c[0].__name__ for c in ENDPOINTS]


# -- https and loopback ------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "field", "kwargs", "path"), ENDPOINTS, ids=IDS)
def test_https_is_accepted(cls, field, kwargs, path):
    conn = cls(**kwargs, **{field: f"https://api.example.com{path}"})
    assert getattr(conn, field) == f"https://api.example.com{path}"


@pytest.mark.parametrize(("cls", "field", "kwargs", "path"), ENDPOINTS, ids=IDS)
@pytest.mark.parametrize(
    "host", ["127.0.0.1:8080", "localhost:11434", "[::1]:9000", "127.3.4.5", "localhost"]
)
def test_http_to_loopback_is_allowed(cls, field, kwargs, path, host):
    conn = cls(**kwargs, **{field: f"http://{host}{path}"})
    assert getattr(conn, field) == f"http://{host}{path}"


@pytest.mark.parametrize(("cls", "field", "kwargs", "path"), ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("host", ["api.example.com", "10.0.0.5", "localhost.example.com", "127.0.0.1.nip.io"])
def test_http_elsewhere_is_refused_with_both_fixes(cls, field, kwargs, path, host):
    with pytest.raises(ConfigError) as info:
        cls(**kwargs, **{field: f"http://{host}{path}"})
    message = str(info.value)
    assert "allow_insecure_http=True" in message
    assert f"Use https://{host}{path}" in message
    assert "unencrypted" in message


@pytest.mark.parametrize(("cls", "field", "kwargs", "path"), ENDPOINTS, ids=IDS)
def test_http_opt_in_works(cls, field, kwargs, path):
    conn = cls(**kwargs, **{field: f"http://gpu-box.lan:8000{path}"}, allow_insecure_http=True)
    assert getattr(conn, field) == f"http://gpu-box.lan:8000{path}"
    assert conn.allow_insecure_http is True


@pytest.mark.parametrize(("cls", "field", "kwargs", "path"), ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("userinfo", ["user:pass@", "user@", ":p4ss@"])
def test_credentials_in_url_are_refused(cls, field, kwargs, path, userinfo):
    with pytest.raises(ConfigError) as info:
        cls(**kwargs, **{field: f"https://{userinfo}api.example.com{path}"}, allow_insecure_http=True)
    message = str(info.value)
    assert "user name or password" in message
    assert "p4ss" not in message and "pass@" not in message


@pytest.mark.parametrize(
    "bad", ["", "   ", "api.example.com", "ftp://example.com", "https://", "sk-not-a-url"]
)
def test_not_a_url(bad):
    with pytest.raises(ValueError, match="URL"):
        check_url(bad)


def test_not_a_url_message_does_not_echo_the_value():
    # a key pasted into the endpoint field must not come back in the error
    with pytest.raises(ConfigError) as info:
        nbc.AzureOpenAI(deployment="d", endpoint="sk-SECRET-0123456789", api_key="https://r.openai.azure.com")
    assert "SECRET" not in str(info.value)
    assert "not an http(s) URL" in str(info.value)


def test_check_url_strips_trailing_slash_and_spaces():
    assert check_url("  https://h.example.com/a/b/ ") == "https://h.example.com/a/b"
    assert check_url("http://[::1]:8/", field="base_url") == "http://[::1]:8"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("api.localhost", True),
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost.evil.com", False),
        ("128.0.0.1", False),
        ("0.0.0.0", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


# -- Azure OpenAI ------------------------------------------------------------------------------
TARGET = "https://r.openai.azure.com/openai/deployments/D/chat/completions?api-version=2024-08-01-preview"


@pytest.mark.parametrize("url", ["https://r.openai.azure.com", "https://r.openai.azure.com/"])
def test_azure_resource_url(url):
    conn = nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint=url, api_key=KEY)
    assert conn.endpoint == "https://r.openai.azure.com"
    assert conn.deployment == conn.name == "gpt4o-prod"
    assert conn.api_version == "2024-10-21"


def test_azure_full_target_uri_fills_deployment_and_version():
    conn = nbc.AzureOpenAI(endpoint=TARGET, api_key=KEY)
    assert conn.endpoint == "https://r.openai.azure.com"
    assert conn.deployment == conn.name == "D"
    assert conn.api_version == "2024-08-01-preview"


def test_azure_target_uri_with_matching_deployment_and_explicit_version():
    conn = nbc.AzureOpenAI(deployment="D", endpoint=TARGET, api_key=KEY, api_version="2024-10-21")
    assert (conn.deployment, conn.api_version) == ("D", "2024-10-21")


def test_azure_mismatching_deployment_refused():
    with pytest.raises(ConfigError) as info:
        nbc.AzureOpenAI(deployment="other", endpoint=TARGET, api_key=KEY)
    message = str(info.value)
    assert "'other'" in message and "'D'" in message
    assert "https://r.openai.azure.com" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://r.openai.azure.com/openai/v1/",
        "https://r.openai.azure.com/openai/v1/chat/completions",
        "https://r.openai.azure.com/openai",
    ],
)
def test_azure_v1_and_bare_openai_urls_reduce_to_the_resource(url):
    conn = nbc.AzureOpenAI(deployment="gpt-4o", endpoint=url, api_key=KEY)
    assert conn.endpoint == "https://r.openai.azure.com"
    assert parse_azure_openai(check_url(url)).endpoint == "https://r.openai.azure.com"


def test_azure_v1_route_is_recognised():
    assert parse_azure_openai("https://r.openai.azure.com/openai/v1/chat/completions").route == "v1"
    assert parse_azure_openai(TARGET).route == "deployments"


@pytest.mark.parametrize("url", ["https://r.openai.azure.com/models", "https://r.openai.azure.com/v1/chat"])
def test_azure_non_azure_path_refused(url):
    with pytest.raises(ConfigError) as info:
        nbc.AzureOpenAI(deployment="d", endpoint=url, api_key=KEY)
    message = str(info.value)
    assert "not an Azure OpenAI path" in message
    assert "https://r.openai.azure.com/openai/" in message


def test_azure_target_uri_without_deployment_field_needs_one():
    with pytest.raises(ConfigError, match="deployment"):
        nbc.AzureOpenAI(endpoint="https://r.openai.azure.com", api_key=KEY)


# -- Azure AI Foundry --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "endpoint", "route", "version"),
    [
        (
            "https://r.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
            "https://r.services.ai.azure.com/models",
            "models",
            "2024-05-01-preview",
        ),
        ("https://r.services.ai.azure.com/models", "https://r.services.ai.azure.com/models", "models", None),
        ("https://r.services.ai.azure.com/models/", "https://r.services.ai.azure.com/models", "models", None),
        (
            "https://e.eastus.models.ai.azure.com/chat/completions",
            "https://e.eastus.models.ai.azure.com",
            "models",
            None,
        ),
        ("https://e.eastus.models.ai.azure.com", "https://e.eastus.models.ai.azure.com", "models", None),
        ("https://r.openai.azure.com/openai/v1/", "https://r.openai.azure.com/openai/v1", "v1", None),
        (
            "https://r.services.ai.azure.com/openai/v1/chat/completions",
            "https://r.services.ai.azure.com/openai/v1",
            "v1",
            None,
        ),
        (
            "https://r.openai.azure.com/openai/deployments/D/chat/completions?api-version=2024-10-21",
            "https://r.openai.azure.com/openai/deployments/D",
            "deployments",
            "2024-10-21",
        ),
    ],
)
def test_foundry_target_uris(url, endpoint, route, version):
    conn = nbc.AzureAIFoundry(model="DeepSeek-R1", endpoint=url, api_key=KEY)
    assert conn.endpoint == endpoint
    assert conn.route == route
    assert conn.api_version == version
    assert conn.name == "DeepSeek-R1"
    # the normalised endpoint is stable: rebuilding from it gives the same connection
    again = nbc.AzureAIFoundry(**conn.to_store()["fields"])
    assert (again.endpoint, again.route, again.api_version) == (endpoint, route, version)


def test_foundry_explicit_api_version_wins():
    conn = nbc.AzureAIFoundry(
        model="m",
        endpoint="https://r.services.ai.azure.com/models?api-version=2024-05-01-preview",
        api_key=KEY,
        api_version="2025-01-01",
    )
    assert conn.api_version == "2025-01-01"


@pytest.mark.parametrize(
    "url",
    [
        "https://r.services.ai.azure.com/foo",
        "https://r.services.ai.azure.com/openai",
        "https://x.com/v2/chat",
    ],
)
def test_foundry_unknown_route_refused(url):
    with pytest.raises(ConfigError) as info:
        nbc.AzureAIFoundry(model="m", endpoint=url, api_key=KEY)
    assert "not a Foundry route" in str(info.value)
    assert "/models/chat/completions?api-version=" in str(info.value)


def test_parse_foundry_keeps_deployment():
    target = parse_foundry("https://r.openai.azure.com/openai/deployments/D/chat/completions")
    assert (target.endpoint, target.deployment, target.route) == (
        "https://r.openai.azure.com",
        "D",
        "deployments",
    )

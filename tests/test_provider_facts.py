"""Each provider class declares its facts once, and the readers (env discovery, the panel's specs, the
wire adapters) take them from there: a typo in a fact, or a reader with its own table, fails here."""

from __future__ import annotations

import pytest

import nbconnect as nbc
from nbconnect._connections.base import Connection
from nbconnect._connections.providers import PROVIDERS
from nbconnect._store.env import ENV_VARIABLES, connection_from_env
from nbconnect._widgets.panel import ConnectionsPanel
from nbconnect._wire.adapter import Adapter
from nbconnect._wire.lookup import adapter_for

CLASSES = list(PROVIDERS.values())
IDS = list(PROVIDERS)


def test_the_registry_holds_every_public_connection_class_once():
    public = {getattr(nbc, n) for n in nbc.__all__}
    classes = {c for c in public if isinstance(c, type) and issubclass(c, Connection) and c is not Connection}
    assert set(CLASSES) == classes and len(IDS) == len(set(IDS))
    assert all(PROVIDERS[cls.provider] is cls for cls in CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_facts_name_real_fields_and_real_pages(cls):
    fields = set(cls.model_fields)
    assert cls.title and cls.help_text
    assert issubclass(cls.adapter_class, Adapter)
    assert set(cls.secret_fields) <= fields
    assert set(cls.env_vars) <= fields and set(cls.env_required) <= set(cls.env_vars)
    assert all(names and all(n.isupper() for n in names) for names in cls.env_vars.values())
    assert cls.key_url == "" or cls.key_url.startswith("https://")
    assert all(label and href.startswith("https://") for label, href in cls.links)
    # the org rule: one per organization, or one per value of the field that names it
    assert cls.one_per_org is (cls.name_field is None)
    assert cls.name_field is None or cls.name_field in fields
    assert cls.single_model is (cls.name_field is not None)


@pytest.mark.parametrize("cls", [c for c in CLASSES if c.secret_fields], ids=lambda c: c.provider)
def test_a_provider_with_a_key_says_how_to_fix_a_rejected_one(cls):
    assert cls.key_fix and cls.key_fix != Connection.key_fix
    if cls.key_url:
        assert cls.key_url in cls.key_fix or cls.key_url in {href for _, href in cls.links}


def test_the_panel_sends_the_browser_each_providers_rule_and_help():
    specs = {s["provider"]: s for s in ConnectionsPanel(nbc.Organization.demo()).providers}
    assert {p: s["rule"] for p, s in specs.items()} == {
        "openai": "one per organization",
        "gemini": "one per organization",
        "vertex": "one per organization",
        "anthropic": "one per organization",
        "azure_openai": "one per deployment",
        "azure_foundry": "one per model",
        "custom": "one per name",
        "demo": "one per organization",
    }
    for provider, spec in specs.items():
        cls = PROVIDERS[provider]
        assert spec["name_field"] == cls.name_field and spec["help"] == cls.help_text
        assert spec["env"] == list(cls.env_variables())
        assert [(link["text"], link["href"]) for link in spec["links"]] == list(cls.links)
        assert spec["demo"] is cls.offline


def test_env_discovery_reads_the_declared_variables():
    assert {c.title: c.env_variables() for c in CLASSES if c.env_vars} == ENV_VARIABLES
    # found only when every required variable is set; classes declaring none are never found
    assert connection_from_env(nbc.AzureOpenAI, {"AZURE_OPENAI_API_KEY": "k" * 20}) is None
    assert connection_from_env(nbc.Demo, {}) is None and connection_from_env(nbc.CustomLLM, {}) is None
    conn = connection_from_env(
        nbc.OpenAI, {"OPENAI_API_KEY": "sk-facts-0123456789", "OPENAI_ORG_ID": "org-1"}
    )
    assert isinstance(conn, nbc.OpenAI) and conn.organization == "org-1" and conn.base_url is None


@pytest.mark.parametrize(
    ("conn", "adapter"),
    [
        (nbc.OpenAI(api_key="sk-facts-0123456789"), "OpenAIAdapter"),
        (nbc.Gemini(api_key="AIza-facts-0123456789"), "GeminiAdapter"),
        (nbc.Anthropic(api_key="sk-ant-facts-0123456789"), "AnthropicAdapter"),
        (
            nbc.AzureOpenAI(deployment="d", endpoint="https://r.openai.azure.com", api_key="a" * 20),
            "AzureOpenAIAdapter",
        ),
        (
            nbc.AzureAIFoundry(
                model="m", endpoint="https://r.services.ai.azure.com/models", api_key="f" * 20
            ),
            "AzureAIFoundryAdapter",
        ),
        (nbc.CustomLLM(name="m", endpoint="http://localhost:11434/v1"), "CustomLLMAdapter"),
        (nbc.Demo(), "DemoAdapter"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Connection) else v,
)
def test_each_connection_gets_its_own_adapter(conn, adapter):
    made = adapter_for(conn)
    assert type(made).__name__ == adapter and isinstance(made, type(conn).adapter_class)
    assert made.conn is conn

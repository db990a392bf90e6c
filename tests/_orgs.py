"""Organizations and credentials that several test files build the same way."""

from __future__ import annotations

from typing import Any

import nbconnect as nbc
from nbconnect.testing import FakeProvider

#: a private key of the right shape (nothing signs with it: the tests that need a real one make it)
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


def vertex_key(pem: str = PEM) -> dict[str, Any]:
    """A service-account key as the Cloud console writes it, holding ``pem``."""
    return {
        "type": "service_account",
        "project_id": "p",
        "private_key": pem,
        "client_email": "sa@p.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def fake_org(server: FakeProvider) -> nbc.Organization:
    """OpenAI, Anthropic and Gemini connections, all pointed at ``server`` (in memory only)."""
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key="sk-test-0123456789", base_url=f"{server.url}/v1"))
    org.add(nbc.Anthropic(api_key="sk-ant-test-0123456789", base_url=server.url))
    org.add(nbc.Gemini(api_key="AIzaTest0123456789abcdef", base_url=server.url))
    return org


def custom_org(server: FakeProvider, *names: str) -> nbc.Organization:
    """One Custom LLM per name (``model-a`` when none is named) at ``server``, told to take JSON
    schemas (so no JSON-mode probing), in memory only."""
    org = nbc.Organization(persist=False)
    for name in names or ("model-a",):
        org.add(nbc.CustomLLM(name=name, endpoint=f"{server.url}/v1", json_mode="json_schema"))
    return org

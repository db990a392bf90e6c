"""Shared fixtures. No test touches the user's real config: NBCONNECT_HOME points into tmp."""

from __future__ import annotations

import os

import pytest

_PROVIDER_PREFIXES = ("OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "GCLOUD_", "AZURE_", "NBCONNECT_VERTEX_")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "nbconnect-home"
    monkeypatch.setenv("NBCONNECT_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for var in list(os.environ):  # every provider's variables, not a list that falls behind
        if var.startswith(_PROVIDER_PREFIXES):
            monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def server():
    """A loopback FakeProvider for one test (a module that needs other options defines its own)."""
    from nbconnect.testing import FakeProvider

    with FakeProvider() as srv:
        yield srv

"""A sentinel secret pushed through every way the foundation can show, raise, log or save a value.

The sentinel must never come out, except in the store's secret fields. Hints show the last four
characters, so the check is on the sentinel's distinctive middle (CANARY) as well as the whole.
"""

from __future__ import annotations

import copy
import json
import logging
import traceback
from collections.abc import Callable

import pytest
from _orgs import vertex_key

import nbconnect as nbc
from nbconnect._connections.providers import PROVIDERS

CANARY = "LEAKCANARY7f3a9c2e"
SENTINEL = f"sk-proj-{CANARY}-0000"
PEM = f"-----BEGIN PRIVATE KEY-----\n{CANARY}\n-----END PRIVATE KEY-----\n"
VERTEX_KEY = vertex_key(PEM)


def assert_clean(text: str) -> None:
    assert CANARY not in text, text
    assert SENTINEL not in text, text


def seven() -> list[nbc.Connection]:
    return [
        nbc.OpenAI(api_key=SENTINEL),
        nbc.Gemini(api_key=SENTINEL),
        nbc.VertexAI(credentials=VERTEX_KEY),
        nbc.Anthropic(api_key=SENTINEL),
        nbc.AzureOpenAI(deployment="d", endpoint="https://r.openai.azure.com", api_key=SENTINEL),
        nbc.AzureAIFoundry(model="m", endpoint="https://r.services.ai.azure.com/models", api_key=SENTINEL),
        nbc.CustomLLM(name="c", endpoint="http://localhost:11434/v1", api_key=SENTINEL, auth_token=SENTINEL),
    ]


def renderings(conn: nbc.Connection) -> list[str]:
    return [
        repr(conn),
        str(conn),
        f"{conn}",
        f"{conn!r}",
        f"{conn=}",
        format(conn),
        "{}".format(conn),  # noqa: UP032 - str.format is a way of printing too
        "%s %r" % (conn, conn),  # noqa: UP031 - the old style is a way of printing too
        str(conn.model_dump()),
        repr(conn.model_dump()),
        json.dumps(conn.model_dump(mode="json")),
        conn.model_dump_json(),
        conn.model_dump_json(indent=2),
        str(conn.describe()),
        json.dumps(conn.describe()),
        conn.hint,
        str(vars(conn)),
        repr(copy.deepcopy(conn)),
        repr(conn.model_copy()),
    ]


@pytest.mark.parametrize("conn", seven(), ids=lambda c: type(c).__name__)
def test_connection_renderings_are_clean(conn):
    for text in renderings(conn):
        assert_clean(text)
    # ...while the secret is still there for the adapters
    assert any(CANARY in (conn.secret(f) or "") for f in conn.secret_fields)


def test_organization_rendering_is_clean(tmp_path):
    org = nbc.Organization(path=tmp_path / "s.json", connections=seven())
    assert_clean(repr(org))
    assert_clean(str(org))
    assert_clean(f"{org}")
    assert_clean(str(list(org)))
    assert_clean(str(org.models()))
    assert_clean(json.dumps([c.describe() for c in org]))


def _raised(action: Callable[[], object]) -> list[str]:
    """The ways a user sees an exception: message, repr, traceback text."""
    try:
        action()
    except Exception as exc:
        return [str(exc), repr(exc), traceback.format_exc(), "".join(traceback.format_exception(exc))]
    pytest.fail("expected an exception")


def _frozen(conn: nbc.Connection, field: str = "api_key") -> None:
    setattr(conn, field, SENTINEL)


FAILURES: list[tuple[str, Callable[[], object]]] = [
    ("unknown field", lambda: nbc.OpenAI(api_key=SENTINEL, apikey=SENTINEL)),
    ("wrong type", lambda: nbc.OpenAI(api_key=[SENTINEL])),
    ("key in base_url", lambda: nbc.OpenAI(api_key="k" * 20, base_url=SENTINEL)),
    ("key in endpoint", lambda: nbc.AzureOpenAI(deployment="d", endpoint=SENTINEL, api_key=SENTINEL)),
    ("http", lambda: nbc.Anthropic(api_key=SENTINEL, base_url="http://api.example.com")),
    (
        "foundry route",
        lambda: nbc.AzureAIFoundry(model="m", endpoint="https://r.services.ai.azure.com/x", api_key=SENTINEL),
    ),
    (
        "custom no /v1",
        lambda: nbc.CustomLLM(name="c", endpoint="http://localhost:1", api_key=SENTINEL, auth_token=SENTINEL),
    ),
    (
        "custom bad json_mode",
        lambda: nbc.CustomLLM(
            name="c", endpoint="http://localhost:1/v1", api_key=SENTINEL, json_mode=SENTINEL
        ),
    ),
    ("vertex not json", lambda: nbc.VertexAI(credentials="{" + PEM)),
    ("vertex pem alone", lambda: nbc.VertexAI(credentials=PEM)),
    ("vertex bad pem", lambda: nbc.VertexAI(credentials={**VERTEX_KEY, "private_key": CANARY})),
    ("vertex missing", lambda: nbc.VertexAI(credentials={"private_key": PEM})),
    ("vertex type", lambda: nbc.VertexAI(credentials={**VERTEX_KEY, "type": CANARY})),
    ("vertex list", lambda: nbc.VertexAI(credentials=json.dumps([PEM]))),
    ("vertex path-like", lambda: nbc.VertexAI(credentials=f"/tmp/{CANARY}/key")),
    ("frozen", lambda: _frozen(nbc.OpenAI(api_key="k" * 20))),
    ("frozen, misspelt field", lambda: _frozen(nbc.OpenAI(api_key="k" * 20), "apikey")),
]


@pytest.mark.parametrize(("label", "action"), FAILURES, ids=[f[0] for f in FAILURES])
def test_validation_errors_are_clean(label, action):
    for text in _raised(action):
        assert_clean(text)


def test_organization_rule_errors_are_clean():
    org = nbc.Organization(persist=False, connections=seven())
    for conn in seven():
        for text in _raised(lambda conn=conn: org.add(conn)):
            assert_clean(text)
    for text in _raised(
        lambda: org.add(nbc.CustomLLM(name="openai", endpoint="http://localhost:1/v1", api_key=SENTINEL))
    ):
        assert_clean(text)
    for text in _raised(lambda: org.remove("nope")):
        assert_clean(text)


@pytest.mark.parametrize(
    "store",
    [
        '{"connections": [{"provider": "openai", "fields": {"api_key": "%s", "bogus": "%s"}}]}',
        '{"connections": [{"provider": "azure_openai", "fields": {"deployment": "d", "endpoint": "%s", "api_key": "%s"}}]}',
        '{"connections": [{"provider": "openai", "fields": {"api_key": "%s"}}, {"provider": "mistral", "fields": {"api_key": "%s"}}]}',
        '{"connections": [{"provider": "openai", "fields": {"api_key": "%s" "%s"}}]}',
        '{"connections": [{"provider": "openai", "fields": {"api_key": "%s%s',
    ],
)
def test_store_errors_are_clean(tmp_path, store):
    path = tmp_path / "s.json"
    path.write_text(store % (SENTINEL, SENTINEL))
    path.chmod(0o600)
    texts = _raised(lambda: nbc.Organization(path=path))
    assert "StoreError" in texts[1]
    for text in texts:
        assert_clean(text)


def test_env_report_is_clean(tmp_path):
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key="sk-explicit-0123456789ab"))
    report = org.add_from_env(
        environ={
            "OPENAI_API_KEY": SENTINEL,
            "ANTHROPIC_API_KEY": SENTINEL,
            "ANTHROPIC_BASE_URL": "http://proxy.example.com",
            "AZURE_OPENAI_API_KEY": SENTINEL,
            "AZURE_OPENAI_ENDPOINT": SENTINEL,
            "AZURE_OPENAI_DEPLOYMENT": "d",
            "GOOGLE_APPLICATION_CREDENTIALS": PEM,
            "GEMINI_API_KEY": SENTINEL,
        }
    )
    assert report.added == ["gemini"] and set(report.problems) == {"Anthropic", "Azure OpenAI", "Vertex AI"}
    assert_clean(repr(report))
    assert_clean(repr(org))


def test_debug_logging_while_doing_everything_is_clean(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("user.notebook")
    path = tmp_path / "s.json"
    org = nbc.Organization(path=path, connections=seven())
    org = nbc.Organization(path=path)  # reload
    for conn in org:
        log.debug("connection %s / %r / %s", conn, conn, conn.describe())
    org.add_from_env(environ={"OPENAI_API_KEY": SENTINEL, "ANTHROPIC_BASE_URL": "http://x.example.com"})
    org.models()
    org.resolve("openai:gpt-4o")
    for _, action in FAILURES:
        try:
            action()
        except Exception:
            log.debug("failed", exc_info=True)
    org.remove("c")
    org.add(seven()[-1])
    log.debug("org %r", org)
    assert caplog.records, "the logging capture saw nothing"
    assert_clean(caplog.text)
    for record in caplog.records:
        assert_clean(record.getMessage())


def test_saved_store_has_the_secret_only_in_secret_fields(tmp_path):
    path = tmp_path / "s.json"
    nbc.Organization(path=path, connections=seven())
    raw = json.loads(path.read_text())
    assert len(raw["connections"]) == 7
    for entry in raw["connections"]:
        secret_fields = PROVIDERS[entry["provider"]].secret_fields
        for field in secret_fields:
            assert CANARY in entry["fields"].pop(field), (entry["provider"], field)  # stored in clear
    assert_clean(json.dumps(raw))
    # and nothing else in the folder holds it (lock file, leftovers)
    for other in tmp_path.iterdir():
        if other != path and other.is_file():
            assert_clean(other.read_text(errors="replace"))

"""Environment discovery: the variables the official SDKs read, never overriding, never saved unasked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect._connections.providers import PROVIDERS
from nbconnect._store.env import ENV_VARIABLES

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
SECRET = "ENV-SENTINEL-5a4b3c2d1e0f"


def sa_key(**overrides) -> dict:
    key = {
        "type": "service_account",
        "project_id": "key-project",
        "private_key": PEM,
        "client_email": "sa@key-project.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    key.update(overrides)
    return key


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(sa_key()))
    return path


@pytest.fixture
def org(tmp_path):
    return nbc.Organization(path=tmp_path / "store.json")


def test_openai_with_its_optional_variables(org):
    report = org.add_from_env(
        environ={
            "OPENAI_API_KEY": "sk-env-0123456789abcdef",
            "OPENAI_BASE_URL": "https://gw.example.com/v1",
            "OPENAI_ORG_ID": "org-9",
            "OPENAI_PROJECT_ID": "proj_9",
        }
    )
    assert report.added == ["openai"] and report.problems == {} and report.skipped == {}
    conn = org.get("openai")
    assert isinstance(conn, nbc.OpenAI) and conn.source == "environment"
    assert conn.secret("api_key") == "sk-env-0123456789abcdef"
    assert (conn.base_url, conn.organization, conn.project) == (
        "https://gw.example.com/v1",
        "org-9",
        "proj_9",
    )


def test_anthropic(org):
    org.add_from_env(environ={"ANTHROPIC_API_KEY": "sk-ant-env-0123456789", "ANTHROPIC_BASE_URL": ""})
    conn = org.get("anthropic")
    assert conn.secret("api_key") == "sk-ant-env-0123456789" and conn.base_url is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"GEMINI_API_KEY": "gemini-key-0123456789"}, "gemini-key-0123456789"),
        ({"GOOGLE_API_KEY": "google-key-0123456789"}, "google-key-0123456789"),
        (
            {"GEMINI_API_KEY": "gemini-key-0123456789", "GOOGLE_API_KEY": "google-key-0123456789"},
            "google-key-0123456789",
        ),
    ],
)
def test_gemini_google_api_key_beats_gemini_api_key(org, environ, expected):
    org.add_from_env(environ=environ)
    assert org.get("gemini").secret("api_key") == expected


def test_vertex_from_credentials_file_with_project_and_location(org, key_file):
    org.add_from_env(
        environ={
            "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
            "GOOGLE_CLOUD_PROJECT": "env-project",
            "GOOGLE_CLOUD_LOCATION": "us-central1",
        }
    )
    conn = org.get("vertex")
    assert (conn.project, conn.location, conn.source) == ("env-project", "us-central1", "environment")
    assert json.loads(conn.secret("credentials")) == sa_key()


def test_vertex_batch_bucket_from_the_environment(org, key_file):
    # no Google SDK reads a batch bucket: nbconnect's own variable, checked like the keyword
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file), "NBCONNECT_VERTEX_BATCH_BUCKET": "nb-runs/team/"}
    org.add_from_env(environ=env)
    assert org.get("vertex").batch_bucket == "gs://nb-runs/team"
    assert "NBCONNECT_VERTEX_BATCH_BUCKET" in nbc.VertexAI.env_variables()
    report = nbc.Organization(persist=False).add_from_env(
        environ={**env, "NBCONNECT_VERTEX_BATCH_BUCKET": "gs://Bad_Bucket"}
    )
    (problem,) = report.problems.values()
    assert "batch_bucket" in problem and "is not a bucket name" in problem


def test_vertex_project_defaults_to_the_key(org, key_file):
    org.add_from_env(environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)})
    assert (org.get("vertex").project, org.get("vertex").location) == ("key-project", "global")


def test_azure_with_deployment_variable(org):
    report = org.add_from_env(
        environ={
            "AZURE_OPENAI_API_KEY": "azure-env-0123456789",
            "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/",
            "AZURE_OPENAI_DEPLOYMENT": "gpt4o-prod",
            "OPENAI_API_VERSION": "2025-01-01-preview",
        }
    )
    assert report.added == ["gpt4o-prod"]
    conn = org.get("gpt4o-prod")
    assert (conn.endpoint, conn.api_version) == ("https://r.openai.azure.com", "2025-01-01-preview")


def test_azure_with_deployment_in_the_url(org):
    org.add_from_env(
        environ={
            "AZURE_OPENAI_API_KEY": "azure-env-0123456789",
            "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/openai/deployments/D/chat/completions"
            "?api-version=2024-08-01-preview",
        }
    )
    assert org.get("D").api_version == "2024-08-01-preview"


def test_azure_without_a_deployment_is_a_problem(org):
    report = org.add_from_env(
        environ={"AZURE_OPENAI_API_KEY": SECRET, "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}
    )
    assert report.added == []
    problem = report.problems["Azure OpenAI"]
    assert "AZURE_OPENAI_DEPLOYMENT" in problem and "deployment" in problem
    assert SECRET not in problem


@pytest.mark.parametrize(
    "environ",
    [
        {"AZURE_OPENAI_API_KEY": "k" * 20},
        {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "d"},
        {"OPENAI_BASE_URL": "https://gw.example.com/v1", "GOOGLE_CLOUD_PROJECT": "p"},
        {"OPENAI_API_KEY": "", "GEMINI_API_KEY": ""},
        {},
    ],
)
def test_incomplete_sets_are_ignored_quietly(org, environ):
    report = org.add_from_env(environ=environ)
    assert (report.added, report.skipped, report.problems, len(org)) == ([], {}, {}, 0)


def test_foundry(org):
    org.add_from_env(
        environ={
            "AZURE_AI_CHAT_ENDPOINT": "https://r.services.ai.azure.com/models",
            "AZURE_AI_CHAT_KEY": "foundry-env-0123456789",
            "AZURE_AI_CHAT_MODEL": "DeepSeek-R1",
        }
    )
    assert org.get("DeepSeek-R1").route == "models"


def test_default_reads_os_environ(org, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-os-0123456789ab")
    assert org.add_from_env().added == ["anthropic"]


def test_every_documented_variable_is_listed():
    listed = {v for names in ENV_VARIABLES.values() for v in names}
    assert {
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_DEPLOYMENT",
    } <= listed


# -- the hand-written copies of these facts ----------------------------------------------------
REPO = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]+)`")
DISCOVERED = {cls.title: cls for cls in PROVIDERS.values() if cls.env_vars}


def _required(cls) -> set[str]:
    return {name for field in cls.env_required for name in cls.env_vars[field]}


def test_notebook_01s_table_lists_exactly_the_variables_each_class_reads():
    # the table (notebooks/01-connect.py, the .ipynb's source) copies the classes' env_vars by hand:
    # a variable added to a class, or one the table invents, must show up here
    lines = (REPO / "notebooks" / "01-connect.py").read_text().splitlines()
    start = lines.index("# | provider | variables |") + 2  # past the header and its |---| line
    rows = {}
    for line in lines[start:]:
        if not line.startswith("# |"):
            break
        title, cell = (part.strip() for part in line.removeprefix("# ").strip("|").split("|"))
        rows[title] = cell
    assert set(rows) == set(DISCOVERED)
    for title, cls in DISCOVERED.items():
        required, _, optional = rows[title].partition("(+")  # "(+ ...)": the optional ones
        assert set(VARIABLE.findall(required)) == _required(cls), title
        assert set(VARIABLE.findall(optional)) == set(cls.env_variables()) - _required(cls), title


def test_the_readmes_list_names_exactly_the_variables_the_classes_read():
    text = (REPO / "README.md").read_text()
    start = text.index("Environment variables read by `org.add_from_env()`:")
    listed = VARIABLE.findall(text[start : text.index("They never override", start)])
    assert set(listed) == {name for cls in DISCOVERED.values() for name in cls.env_variables()}


# -- never overriding, never saving unasked ----------------------------------------------------
def test_never_overrides_an_explicit_connection(org):
    explicit = org.add(nbc.OpenAI(api_key="sk-explicit-0123456789ab"))
    org.add(nbc.AzureOpenAI(deployment="gpt4o-prod", endpoint="https://r.openai.azure.com", api_key="a" * 20))
    report = org.add_from_env(
        environ={
            "OPENAI_API_KEY": SECRET,
            "AZURE_OPENAI_API_KEY": SECRET,
            "AZURE_OPENAI_ENDPOINT": "https://other.openai.azure.com",
            "AZURE_OPENAI_DEPLOYMENT": "gpt4o-prod",
            "ANTHROPIC_API_KEY": "sk-ant-env-0123456789",
        }
    )
    assert report.added == ["anthropic"]
    assert set(report.skipped) == {"openai", "gpt4o-prod"}
    assert "kept the existing OpenAI connection 'openai'" in report.skipped["openai"]
    assert SECRET not in json.dumps(report.skipped)
    assert org.get("openai") == explicit and org.get("openai").secret("api_key") == "sk-explicit-0123456789ab"
    assert org.get("gpt4o-prod").endpoint == "https://r.openai.azure.com"


def test_running_twice_skips_what_the_first_run_added(org):
    environ = {"OPENAI_API_KEY": "sk-env-0123456789abcdef"}
    assert org.add_from_env(environ=environ).added == ["openai"]
    second = org.add_from_env(environ=environ)
    assert second.added == [] and "(environment)" in second.skipped["openai"]


def test_env_secrets_are_not_written_to_the_store(org, key_file):
    org.add(nbc.CustomLLM(name="local", endpoint="http://localhost:11434/v1"))
    org.add_from_env(environ={"OPENAI_API_KEY": SECRET, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file)})
    org.add(nbc.CustomLLM(name="later", endpoint="http://localhost:8000/v1"))  # rewrites the store
    assert {c.name for c in org} == {"local", "openai", "vertex", "later"}  # still usable in memory
    assert org.get("openai").source == "environment"
    text = org.path.read_text()
    assert SECRET not in text and "PRIVATE KEY" not in text
    assert {c.name for c in nbc.Organization(path=org.path)} == {"local", "later"}


def test_save_true_writes_them(org):
    report = org.add_from_env(environ={"OPENAI_API_KEY": SECRET}, save=True)
    assert report.added == ["openai"]
    assert org.get("openai").source == "store"
    again = nbc.Organization(path=org.path)
    assert again.get("openai").secret("api_key") == SECRET


def test_env_connection_can_be_removed_or_replaced(org):
    org.add_from_env(environ={"OPENAI_API_KEY": SECRET})
    org.add(nbc.OpenAI(api_key="sk-explicit-0123456789ab"), replace=True)
    assert org.get("openai").source == "store"
    org.remove("openai")
    assert "openai" not in org and "openai" not in nbc.Organization(path=org.path)


def test_in_memory_organization(org):
    memory = nbc.Organization(persist=False)
    memory.add_from_env(environ={"OPENAI_API_KEY": SECRET})
    assert memory.get("openai").source == "environment"


# -- unusable values ---------------------------------------------------------------------------
def test_unusable_values_are_problems_without_the_secret(org, tmp_path):
    user_creds = tmp_path / "adc.json"
    user_creds.write_text(
        json.dumps({"type": "authorized_user", "client_secret": SECRET, "refresh_token": SECRET})
    )
    report = org.add_from_env(
        environ={
            "ANTHROPIC_API_KEY": SECRET,
            "ANTHROPIC_BASE_URL": "http://proxy.example.com",
            "AZURE_OPENAI_API_KEY": "https://r.openai.azure.com",  # the two values swapped
            "AZURE_OPENAI_ENDPOINT": SECRET,
            "AZURE_OPENAI_DEPLOYMENT": "d",
            "GOOGLE_APPLICATION_CREDENTIALS": str(user_creds),
            "OPENAI_API_KEY": "sk-fine-0123456789abcdef",
        }
    )
    assert report.added == ["openai"]
    assert set(report.problems) == {"Anthropic", "Azure OpenAI", "Vertex AI"}
    assert "ANTHROPIC_BASE_URL" in report.problems["Anthropic"]
    assert "allow_insecure_http" in report.problems["Anthropic"]
    assert "AZURE_OPENAI_ENDPOINT" in report.problems["Azure OpenAI"]
    assert "not an http(s) URL" in report.problems["Azure OpenAI"]
    assert "GOOGLE_APPLICATION_CREDENTIALS" in report.problems["Vertex AI"]
    assert "authorized_user" in report.problems["Vertex AI"]
    assert SECRET not in json.dumps(report.problems)
    assert len(org) == 1


@pytest.mark.parametrize("value", [SECRET, f"/no/such/{SECRET}", "{" + SECRET])
def test_bad_vertex_variable_never_echoed(org, value):
    report = org.add_from_env(environ={"GOOGLE_APPLICATION_CREDENTIALS": value})
    assert "Vertex AI" in report.problems
    assert SECRET not in report.problems["Vertex AI"]

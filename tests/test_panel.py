"""ConnectionsPanel without a browser: form specs, test/save/replace/remove messages, and no secret in
the widget's state or replies whatever path a key takes (issue 5)."""

from __future__ import annotations

import json
import os
import stat
import threading
import time

import pytest

import nbconnect as nbc
from nbconnect._connections.providers import PROVIDERS
from nbconnect._widgets.panel import ConnectionsPanel
from nbconnect.testing import FakeProvider, Fault

CANARY = "PANELCANARY5d1e"
SENTINEL = f"sk-proj-{CANARY}-0000beef"  # accepted by the fake server below
OTHER = f"sk-proj-{CANARY}-1111cafe"  # a second valid key, for Replace
WRONG = f"sk-bad-{CANARY}-9999dead"
PEM = f"-----BEGIN PRIVATE KEY-----\n{CANARY}\n-----END PRIVATE KEY-----\n"
VERTEX_KEY = {
    "type": "service_account",
    "project_id": "proj-from-key",
    "private_key": PEM,
    "client_email": "runner@proj-from-key.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}


@pytest.fixture(scope="module")
def server():
    with FakeProvider(api_keys={SENTINEL, OTHER}) as fake:
        yield fake


@pytest.fixture
def org(tmp_path):
    return nbc.Organization(path=tmp_path / "store" / "connections.json")


# Replies are awaited as events (the widget's send), not polled against a short clock: a loaded
# 2-core machine may take seconds to answer. The timeout is only a guard against a hang.
HANG_GUARD = 120.0


def _replies(widget) -> threading.Condition:
    """A condition notified after each reply the widget sends (the spy is installed once per widget)."""
    cond = widget.__dict__.get("_test_replies")
    if cond is None:
        cond = threading.Condition()
        original = widget.send

        def send(message, *args, **kwargs):
            try:
                return original(message, *args, **kwargs)
            finally:
                with cond:
                    cond.notify_all()

        widget.send = send
        widget._test_replies = cond
    return cond


def reply_to(widget, msg_id: str, kind: str, timeout: float = HANG_GUARD) -> dict:
    """The reply to ``msg_id``, waiting for the event that sends it (already sent is fine too)."""
    cond = _replies(widget)

    def found() -> dict | None:
        return next((r for r in list(widget.sent) if r.get("id") == msg_id), None)

    with cond:
        reply = cond.wait_for(found, timeout)
    assert reply is not None, f"no reply to {kind} within the {timeout:g} s hang guard"
    assert reply["kind"] == "reply" and reply["for"] == kind
    return reply


def send(widget, kind: str, **body) -> dict:
    """Dispatch a message as the browser would; return the reply (waiting for background ones)."""
    msg_id = f"t-{kind}-{time.monotonic_ns()}"
    _replies(widget)  # listening before the dispatch, so a quick reply is not missed
    widget._dispatch(widget, {"kind": kind, "id": msg_id, **body}, None)
    return reply_to(widget, msg_id, kind)


def assert_clean(widget) -> None:
    """Neither the synced state nor any reply holds the secret (checked on its distinctive middle)."""
    for text in (json.dumps(widget.get_state(), default=str), json.dumps(list(widget.sent), default=str)):
        assert CANARY not in text


def openai_fields(server, key: str = SENTINEL) -> dict:
    return {"api_key": key, "base_url": server.url + "/v1", "organization": "", "allow_insecure_http": False}


# -- form specs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", list(PROVIDERS.values()), ids=list(PROVIDERS))
def test_each_form_asks_exactly_its_providers_fields(cls):
    spec = next(
        s for s in ConnectionsPanel(nbc.Organization.demo()).providers if s["provider"] == cls.provider
    )
    names = [f["name"] for f in spec["fields"]]
    assert sorted(names) == sorted(cls.model_fields)
    assert {f["name"] for f in spec["fields"] if f["secret"]} == set(cls.secret_fields)
    for f in spec["fields"]:
        assert f["description"] == cls.model_fields[f["name"]].description  # one source of truth
        assert f["required"] == cls.model_fields[f["name"]].is_required()
        assert f["default"] is None or not f["secret"]
    assert spec["title"] == cls.title and spec["one_per_org"] == cls.one_per_org


def test_form_details_per_provider():
    specs = {s["provider"]: s for s in ConnectionsPanel(nbc.Organization.demo()).providers}
    assert list(specs)[:7] == [
        "openai",
        "gemini",
        "vertex",
        "anthropic",
        "azure_openai",
        "azure_foundry",
        "custom",
    ]
    azure = {f["name"]: f for f in specs["azure_openai"]["fields"]}
    assert [n for n in azure if azure[n]["required"]] == ["deployment", "endpoint", "api_key"]
    assert azure["api_key"]["kind"] == "password" and azure["endpoint"]["kind"] == "url"
    assert azure["api_version"]["default"] == "2024-10-21"
    custom = {f["name"]: f for f in specs["custom"]["fields"]}
    assert set(custom) == {"name", "endpoint", "api_key", "auth_token", "json_mode", "allow_insecure_http"}
    assert custom["api_key"]["kind"] == custom["auth_token"]["kind"] == "password"
    assert not custom["api_key"]["required"] and not custom["auth_token"]["required"]
    assert custom["json_mode"]["kind"] == "select" and "json_object" in custom["json_mode"]["options"]
    vertex = {f["name"]: f for f in specs["vertex"]["fields"]}
    assert vertex["credentials"]["kind"] == "credentials" and vertex["credentials"]["required"]
    assert not vertex["project"]["required"] and vertex["location"]["default"] == "global"
    # the batch bucket is an ordinary optional field; the storage URL (emulators, tests) is advanced
    assert vertex["batch_bucket"]["kind"] == "text" and not vertex["batch_bucket"]["required"]
    assert not vertex["batch_bucket"]["advanced"] and "gs://" in vertex["batch_bucket"]["label"]
    assert vertex["storage_url"]["kind"] == "url" and vertex["storage_url"]["advanced"]
    assert specs["openai"]["fields"][0]["name"] == "api_key"  # advanced ones (base_url) come last
    assert {f["name"] for f in specs["openai"]["fields"] if f["advanced"]} == {
        "base_url",
        "allow_insecure_http",
    }
    for provider, spec in specs.items():
        assert spec["help"], provider
        if provider != "demo":
            assert any(link["href"].startswith("https://") for link in spec["links"]), provider
    assert "OPENAI_API_KEY" in specs["openai"]["env"]
    assert "platform.openai.com/api-keys" in json.dumps(specs["openai"]["links"])
    assert specs["demo"]["demo"] is True


def test_unknown_keyword_arguments_are_rejected():
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*colour"):
        ConnectionsPanel(nbc.Organization.demo(), colour="red")
    with pytest.raises(TypeError, match="connections"):
        ConnectionsPanel(nbc.Organization.demo(), connections=[])
    with pytest.raises(TypeError, match="Organization"):
        ConnectionsPanel("not an org")


def test_store_trait_says_where_saves_go(org):
    assert ConnectionsPanel(org).store.endswith("connections.json")
    assert ConnectionsPanel(nbc.Organization(persist=False)).store == ""


# -- Test --------------------------------------------------------------------------------------


def test_test_ok_reports_model_count_and_hint(org, server):
    panel = ConnectionsPanel(org)
    reply = send(panel, "test", provider="openai", fields=openai_fields(server))
    assert reply["ok"] is True
    assert reply["models"] == 3 and reply["message"] == "OK · 3 models"
    assert reply["hints"] == {"api_key": "sk-proj-…beef"}
    assert len(org) == 0  # Test does not save
    assert_clean(panel)


def test_test_bad_key_names_the_field_with_an_actionable_message(org, server):
    panel = ConnectionsPanel(org)
    reply = send(panel, "test", provider="openai", fields=openai_fields(server, WRONG))
    assert reply["ok"] is False
    assert reply["field"] == "api_key" and reply["error_type"] == "authentication"
    assert "not accepted" in reply["message"] and "platform.openai.com/api-keys" in reply["message"]
    assert_clean(panel)


def test_test_unreachable_server_blames_no_field(org, monkeypatch):
    """Issue 18: a network failure is not a field error, least of all of the empty Base URL field."""
    panel = ConnectionsPanel(org)
    fields = {"api_key": SENTINEL, "base_url": "http://127.0.0.1:9/v1"}
    reply = send(panel, "test", provider="openai", fields=fields)
    assert reply["ok"] is False and reply["field"] is None and reply["error_type"] == "network"
    assert "cannot reach 127.0.0.1" in reply["message"]
    # the default endpoint, unreachable (a proxy that is not there): still no field to blame
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    reply = send(panel, "test", provider="openai", fields={"api_key": SENTINEL})
    assert reply["ok"] is False and reply["field"] is None and "api.openai.com" in reply["message"]
    assert_clean(panel)


def test_test_runs_in_the_background(org):
    panel = ConnectionsPanel(org)
    with FakeProvider(api_keys={SENTINEL}) as held:
        held.script("/models", [Fault("slow", seconds=120)])  # the check cannot finish until we let go
        panel._dispatch(
            panel, {"kind": "test", "id": "bg", "provider": "openai", "fields": openai_fields(held)}, None
        )
        # the handler returned while the check waits for its answer...
        assert not [r for r in panel.sent if r["id"] == "bg"]
        # ...and the panel still answers other messages meanwhile
        assert send(panel, "test", provider="demo", fields={})["message"] == "OK · 3 models"
    # the server is gone: the held check now ends (in failure), and its reply arrives; waited for
    # as an event, since the check may only give up at its own timeout on a loaded machine
    assert reply_to(panel, "bg", "test")["ok"] is False


def test_custom_llm_test_reports_a_wrong_name_on_the_name_field(org, server):
    panel = ConnectionsPanel(org)
    fields = {
        "name": "no-such-model",
        "endpoint": server.url + "/v1",
        "api_key": SENTINEL,
        "json_mode": "auto",
    }
    reply = send(panel, "test", provider="custom", fields=fields)
    assert reply["ok"] is False and reply["field"] == "name" and "gpt-4.1-mini" in reply["message"]
    fields["name"] = "gpt-4.1-mini"
    assert send(panel, "test", provider="custom", fields=fields)["ok"] is True
    assert_clean(panel)


# -- Save, Replace, Remove -------------------------------------------------------------------------


def test_save_adds_to_the_org_and_writes_a_private_store(org, server):
    panel = ConnectionsPanel(org)
    reply = send(panel, "save", provider="openai", fields=openai_fields(server))
    assert reply["ok"] is True and reply["name"] == "openai" and reply["saved"] == "store"
    assert reply["hints"] == {"api_key": "sk-proj-…beef"}
    assert org["openai"].secret("api_key") == SENTINEL
    assert stat.S_IMODE(os.stat(org.path).st_mode) == 0o600
    assert SENTINEL in org.path.read_text()  # the store is the one place the key lives
    assert nbc.Organization(path=org.path)["openai"].secret("api_key") == SENTINEL
    (row,) = panel.connections
    assert row["name"] == "openai" and row["hint"] == "sk-proj-…beef" and row["source"] == "store"
    assert row["status"] == "unverified" and row["base_url"] == server.url + "/v1"
    assert_clean(panel)


def test_saving_what_just_failed_its_test_says_so_and_the_list_keeps_saying_so(org, server):
    """Issue 18: "Saved 'openai' to the store", listed as "not verified yet", after a failed Test."""
    panel = ConnectionsPanel(org)
    assert send(panel, "test", provider="openai", fields=openai_fields(server, WRONG))["ok"] is False
    saved = send(panel, "save", provider="openai", fields=openai_fields(server, WRONG))
    assert saved["ok"] is True and saved["tested"] == "failed"
    assert saved["message"].startswith("Saved 'openai' to the store, but its Test failed: ")
    assert "not accepted" in saved["message"]
    (row,) = panel.connections
    assert row["status"] == "failing" and row["field"] == "api_key" and "not accepted" in row["message"]
    assert org.state("openai") == "failing"
    # replaced by a key that passes its Test: the list says OK, with the models that Test found
    assert send(panel, "test", provider="openai", fields=openai_fields(server))["ok"] is True
    again = send(panel, "save", provider="openai", fields=openai_fields(server), replace=True)
    assert again["tested"] == "ok" and again["message"] == "Saved 'openai' to the store"
    (row,) = panel.connections
    assert row["status"] == "ok" and row["models"] == 3 and row["message"] == ""
    assert_clean(panel)


def test_a_test_of_something_else_says_nothing_about_what_is_saved(org, server):
    panel = ConnectionsPanel(org)
    assert send(panel, "test", provider="openai", fields=openai_fields(server, WRONG))["ok"] is False
    # the key was retyped after the failed Test: that Test was of another connection
    saved = send(panel, "save", provider="openai", fields=openai_fields(server))
    assert saved["tested"] is None and "failed" not in saved["message"]
    assert panel.connections[0]["status"] == "unverified"
    # a replacement forgets the check of what it replaced, instead of showing it as the new one's
    org.verify()
    assert panel.connections[0]["status"] == "ok"
    send(panel, "save", provider="openai", fields=openai_fields(server, OTHER), replace=True)
    assert panel.connections[0]["status"] == "unverified" and org.live_models("openai") is None
    assert_clean(panel)


def test_second_openai_is_refused_with_the_rule_then_replaced(org, server):
    panel = ConnectionsPanel(org)
    assert send(panel, "save", provider="openai", fields=openai_fields(server))["ok"]
    refused = send(panel, "save", provider="openai", fields=openai_fields(server, OTHER))
    assert refused["ok"] is False and refused["conflict"] == "openai"
    assert "An organization can hold one OpenAI connection" in refused["error"]
    assert "sk-proj-…beef" in refused["error"]  # which key is in the way, masked
    assert org["openai"].secret("api_key") == SENTINEL  # unchanged

    replaced = send(panel, "save", provider="openai", fields=openai_fields(server, OTHER), replace=True)
    assert replaced["ok"] is True and replaced["replaced"] == "openai"
    assert org["openai"].secret("api_key") == OTHER
    assert nbc.Organization(path=org.path)["openai"].secret("api_key") == OTHER
    assert [c["hint"] for c in panel.connections] == ["sk-proj-…cafe"]
    assert_clean(panel)


def test_replace_with_an_empty_secret_keeps_the_saved_one(org, server):
    panel = ConnectionsPanel(org)
    fields = {"deployment": "gpt4o", "endpoint": server.url, "api_key": SENTINEL}
    assert send(panel, "save", provider="azure_openai", fields=fields)["ok"]
    edit = {"deployment": "gpt4o", "endpoint": server.url, "api_key": "", "api_version": "2025-01-01"}
    # Test and Save of an edit send no key: Python takes it from the connection being replaced
    assert send(panel, "save", provider="azure_openai", fields=edit, keep="gpt4o", replace=True)["ok"]
    assert org["gpt4o"].secret("api_key") == SENTINEL and org["gpt4o"].api_version == "2025-01-01"
    # renaming the deployment needs the key again; with it, the Replace removes the old connection
    edit["deployment"] = "gpt4o-new"
    again = send(panel, "save", provider="azure_openai", fields=edit, keep="gpt4o", replace=True)
    assert again["ok"] is False and set(again["errors"]) == {"api_key"}
    edit["api_key"] = OTHER
    assert send(panel, "save", provider="azure_openai", fields=edit, keep="gpt4o", replace=True)["ok"]
    assert [c.name for c in org] == ["gpt4o-new"] and org["gpt4o-new"].secret("api_key") == OTHER
    assert_clean(panel)


def test_a_kept_key_is_never_sent_to_a_new_endpoint(org, server):
    panel = ConnectionsPanel(org)
    assert send(panel, "save", provider="openai", fields=openai_fields(server))["ok"]
    reenter = {"api_key": "re-enter the key to use it with a new endpoint"}
    with FakeProvider() as elsewhere:  # a second host, which would accept any key it is sent
        moved = {"api_key": "", "base_url": elsewhere.url + "/v1"}
        for kind, extra in (("test", {}), ("save", {"replace": True})):
            reply = send(panel, kind, provider="openai", fields=moved, keep="openai", **extra)
            assert reply["ok"] is False and reply["errors"] == reenter, kind
        custom = {"name": "gpt-4.1-mini", "endpoint": server.url + "/v1", "api_key": SENTINEL}
        assert send(panel, "save", provider="custom", fields={**custom, "auth_token": OTHER})["ok"]
        # a retyped key goes to the new host, but the token left empty is the saved one: refused
        custom.update(endpoint=elsewhere.url + "/v1", api_key=WRONG)
        reply = send(panel, "test", provider="custom", fields=custom, keep="gpt-4.1-mini")
        assert reply["ok"] is False and set(reply["errors"]) == {"auth_token"}
        custom.update(api_key="", endpoint=server.url + "/v1", name="other-model")  # another model
        reply = send(panel, "test", provider="custom", fields=custom, keep="gpt-4.1-mini")
        assert reply["ok"] is False and set(reply["errors"]) == {"api_key", "auth_token"}
        insecure = {"api_key": "", "base_url": server.url + "/v1", "allow_insecure_http": True}
        assert send(panel, "test", provider="openai", fields=insecure, keep="openai")["errors"] == reenter
        other_org = {"api_key": "", "base_url": server.url + "/v1", "organization": "org-x"}
        assert send(panel, "test", provider="openai", fields=other_org, keep="openai")["errors"] == reenter
        sent = [r.headers for r in elsewhere.requests]
    assert not any(CANARY in value for headers in sent for value in headers.values())
    assert not sent  # nothing reached the other host at all
    assert org["openai"].base_url == server.url + "/v1" and org["openai"].secret("api_key") == SENTINEL
    assert org["gpt-4.1-mini"].endpoint == server.url + "/v1"
    assert_clean(panel)


def test_a_kept_key_still_works_when_the_endpoint_is_unchanged(org, server):
    panel = ConnectionsPanel(org)
    assert send(panel, "save", provider="openai", fields=openai_fields(server))["ok"]
    before = server.count()
    same = {"api_key": "", "base_url": server.url + "/v1", "organization": "", "allow_insecure_http": False}
    tested = send(panel, "test", provider="openai", fields=same, keep="openai")
    assert tested["ok"] is True and tested["hints"] == {"api_key": "sk-proj-…beef"}
    assert server.count() > before  # the saved key was used, on the host it was saved for
    saved = send(panel, "save", provider="openai", fields=same, keep="openai", replace=True)
    assert saved["ok"] is True and org["openai"].secret("api_key") == SENTINEL
    assert_clean(panel)


def test_many_azure_deployments_and_a_duplicate_refused(org, server):
    panel = ConnectionsPanel(org)
    for name in ("gpt4o", "mini"):
        fields = {"deployment": name, "endpoint": server.url, "api_key": SENTINEL}
        assert send(panel, "save", provider="azure_openai", fields=fields)["ok"]
    assert [c["name"] for c in panel.connections] == ["gpt4o", "mini"]
    again = send(
        panel,
        "save",
        provider="azure_openai",
        fields={"deployment": "mini", "endpoint": server.url, "api_key": OTHER},
    )
    assert again["ok"] is False and again["conflict"] == "mini" and "deployment 'mini'" in again["error"]
    assert_clean(panel)


def test_remove(org, server):
    panel = ConnectionsPanel(org)
    send(panel, "save", provider="openai", fields=openai_fields(server))
    assert send(panel, "remove", name="openai")["ok"] is True
    assert len(org) == 0 and panel.connections == []
    assert "openai" not in nbc.Organization(path=org.path)
    gone = send(panel, "remove", name="openai")
    assert gone["ok"] is False and "no such connection" in gone["error"]


def test_panel_follows_changes_made_in_python(org):
    panel = ConnectionsPanel(org)
    org.add(nbc.Demo())
    assert [c["name"] for c in panel.connections] == ["demo"]
    org.verify()
    (row,) = panel.connections
    assert row["status"] == "ok" and row["models"] == 3


def test_failing_connection_status_is_shown(org, server):
    org.add(nbc.OpenAI(api_key=WRONG, base_url=server.url + "/v1"))
    panel = ConnectionsPanel(org)
    org.verify()
    (row,) = panel.connections
    assert row["status"] == "failing" and row["field"] == "api_key" and "not accepted" in row["message"]
    assert_clean(panel)


def test_environment_connection_shown_with_its_source(org, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    org.add_from_env()
    panel = ConnectionsPanel(org)
    (row,) = panel.connections
    assert row["source"] == "environment" and row["hint"] == "sk-proj-…beef"
    assert send(panel, "remove", name="openai")["ok"] and len(org) == 0
    assert_clean(panel)


# -- validation: messages next to their fields, never the values ---------------------------------


def test_validation_errors_per_field_without_echoing_values(org):
    panel = ConnectionsPanel(org)
    reply = send(panel, "save", provider="azure_openai", fields={"endpoint": SENTINEL, "api_key": SENTINEL})
    assert reply["ok"] is False
    # both problems at once (issue 18: the endpoint check used to hide the missing deployment)
    assert set(reply["errors"]) == {"endpoint", "deployment"}
    assert "not an http(s) URL" in reply["errors"]["endpoint"]
    reply = send(
        panel,
        "save",
        provider="azure_openai",
        fields={"endpoint": "https://x.openai.azure.com", "api_key": SENTINEL},
    )
    assert reply["errors"] == {"deployment": "required"}
    reply = send(
        panel,
        "test",
        provider="custom",
        fields={"name": "m", "endpoint": "https://h.example/api", "api_key": SENTINEL},
    )
    assert (
        "ending in /v1" in reply["errors"]["endpoint"]
        and "https://h.example/api/v1" in reply["errors"]["endpoint"]
    )
    reply = send(
        panel, "save", provider="openai", fields={"api_key": SENTINEL, "base_url": "http://h.example/v1"}
    )
    assert "plain http" in reply["errors"]["base_url"]
    reply = send(panel, "save", provider="demo", fields={"latency": 99})
    assert "less than or equal to 10" in reply["errors"]["latency"]
    reply = send(panel, "save", provider="openai", fields={"api_key": SENTINEL, "nope": 1})
    assert reply["ok"] is False and "'nope'" in reply["error"]
    reply = send(panel, "save", provider="no-such", fields={})
    assert reply["ok"] is False and "unknown provider" in reply["error"]
    assert len(org) == 0
    assert_clean(panel)


def test_custom_llm_form_flags_every_field_at_once_in_the_forms_words(org):
    """Issue 18: one error per press (the endpoint check ran first and hid the rest), and a remote
    http endpoint told a form user to "pass allow_insecure_http=True"."""
    panel = ConnectionsPanel(org)
    fields = {"endpoint": "http://gpu-box.example:8000/v1", "api_key": "two words", "json_mode": "nope"}
    reply = send(panel, "save", provider="custom", fields=fields)
    assert set(reply["errors"]) == {"name", "endpoint", "api_key", "json_mode"}
    assert reply["errors"]["name"] == "required"
    endpoint = reply["errors"]["endpoint"]
    assert "allow_insecure_http=True" not in endpoint and "“Allow plain http to other hosts”" in endpoint
    assert "https://gpu-box.example:8000/v1" in endpoint and reply["show"] == ["allow_insecure_http"]
    assert reply["errors"]["api_key"].startswith("API key has a line break or space inside")
    # the same rule for a URL field checked after the others (OpenAI's Base URL), and no echo
    reply = send(
        panel, "save", provider="openai", fields={"api_key": WRONG + " x", "base_url": "http://h.example/v1"}
    )
    assert set(reply["errors"]) == {"api_key", "base_url"} and "tick" in reply["errors"]["base_url"]
    # fixed: ticking the box is what the message said to do, and it is enough
    reply = send(
        panel,
        "test",
        provider="custom",
        fields={**fields, "name": "m", "api_key": SENTINEL, "json_mode": "auto", "allow_insecure_http": True},
    )
    assert "errors" not in reply or not reply["errors"]
    assert len(org) == 0
    assert_clean(panel)


def test_vertex_key_as_json_text_and_never_a_path(org, tmp_path):
    panel = ConnectionsPanel(org)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(VERTEX_KEY))
    refused = send(panel, "save", provider="vertex", fields={"credentials": str(path)})
    assert (
        refused["ok"] is False and "file paths are read only from Python" in refused["errors"]["credentials"]
    )
    broken = send(
        panel, "save", provider="vertex", fields={"credentials": '{"private_key": "' + CANARY + '"}'}
    )
    assert "client_email" in broken["errors"]["credentials"]
    noproject = dict(VERTEX_KEY, project_id="")
    reply = send(panel, "save", provider="vertex", fields={"credentials": json.dumps(noproject)})
    assert "project" in reply["errors"]
    bad_location = send(
        panel,
        "save",
        provider="vertex",
        fields={"credentials": json.dumps(VERTEX_KEY), "location": "Not A Region"},
    )
    assert set(bad_location["errors"]) == {"location"}
    saved = send(
        panel,
        "save",
        provider="vertex",
        fields={"credentials": json.dumps(VERTEX_KEY), "location": "us-central1"},
    )
    assert saved["ok"] is True and saved["hints"] == {"credentials": VERTEX_KEY["client_email"]}
    (row,) = panel.connections
    assert row["project"] == "proj-from-key" and row["location"] == "us-central1"
    assert org["vertex"].secret("credentials") and CANARY in org["vertex"].secret("credentials")
    assert_clean(panel)


def test_vertex_batch_bucket_in_the_form(org):
    panel = ConnectionsPanel(org)
    key = json.dumps(VERTEX_KEY)
    bad = send(panel, "save", provider="vertex", fields={"credentials": key, "batch_bucket": "My Bucket"})
    assert bad["ok"] is False and set(bad["errors"]) == {"batch_bucket"}
    assert "is not a bucket name" in bad["errors"]["batch_bucket"]
    assert "gs://your-bucket" in bad["errors"]["batch_bucket"]
    plain = send(
        panel, "save", provider="vertex", fields={"credentials": key, "storage_url": "http://10.1.2.3"}
    )
    assert set(plain["errors"]) == {"storage_url"} and "allow_insecure_http" in plain["show"]
    saved = send(
        panel, "save", provider="vertex", fields={"credentials": key, "batch_bucket": "gs://runs-1/nb/"}
    )
    assert saved["ok"] is True and org["vertex"].batch_bucket == "gs://runs-1/nb"
    (row,) = panel.connections
    assert row["batch_bucket"] == "gs://runs-1/nb"
    assert_clean(panel)


def test_custom_llm_with_two_secrets_gets_two_hints(org, server):
    panel = ConnectionsPanel(org)
    fields = {
        "name": "gpt-4.1-mini",
        "endpoint": server.url + "/v1",
        "api_key": SENTINEL,
        "auth_token": OTHER,
    }
    reply = send(panel, "save", provider="custom", fields=fields)
    assert reply["hints"] == {"api_key": "sk-proj-…beef", "auth_token": "sk-proj-…cafe"}
    assert_clean(panel)


def test_no_secret_in_state_after_every_path(org, server, monkeypatch):
    """Test ok / failing, Save, refused Save, Replace, validation errors, Remove: state stays clean."""
    panel = ConnectionsPanel(org)
    send(panel, "test", provider="openai", fields=openai_fields(server))
    send(panel, "test", provider="openai", fields=openai_fields(server, WRONG))
    send(panel, "save", provider="openai", fields=openai_fields(server))
    send(panel, "save", provider="openai", fields=openai_fields(server, OTHER))
    send(panel, "save", provider="openai", fields=openai_fields(server, OTHER), replace=True)
    send(panel, "save", provider="azure_openai", fields={"endpoint": WRONG, "api_key": SENTINEL})
    send(panel, "test", provider="gemini", fields={"api_key": SENTINEL, "base_url": server.url + "/v1beta"})
    monkeypatch.setenv("ANTHROPIC_API_KEY", f"sk-ant-{CANARY}-abcd")
    org.add_from_env()
    org.verify()
    send(panel, "remove", name="openai")
    state = json.dumps(panel.get_state(), default=str)
    assert CANARY not in state and "anthropic" in state
    assert_clean(panel)
    panel.set_state({"connections": [{"name": "forged"}], "store": "/elsewhere"})  # computed: ignored
    assert [c["name"] for c in panel.connections] == ["anthropic"] and panel.store.endswith(
        "connections.json"
    )


def test_replies_kept_for_debugging_are_bounded(org):
    panel = ConnectionsPanel(org)
    for i in range(150):
        send(panel, "remove", name=f"gone-{i}")
    assert len(panel.sent) == 100  # the last hundred, not every reply of a long session
    assert panel.sent[-1]["for"] == "remove" and panel.sent[0]["id"] != panel.sent[-1]["id"]


@pytest.mark.parametrize(
    "make", [nbc.ConnectionsPanel, nbc.ModelPicker, lambda org: nbc.Playground(org).core]
)
def test_every_widget_answers_the_views_hello_at_once(org, make):
    """js/_shared.js messageCheck: without this answer each view shows its 'messages do not flow' note."""
    widget = make(org)
    widget._dispatch(widget, {"kind": "hello", "id": "h"}, None)
    # "at once": the answer is sent before the dispatch returns, not later from the background loop
    (reply,) = [r for r in widget.sent if r.get("id") == "h"]
    assert reply["kind"] == "reply" and reply["for"] == "hello" and reply["ok"] is True
    widget._dispatch(widget, {"kind": "nonsense", "id": "x"}, None)  # unknown kinds stay unanswered
    assert not [r for r in widget.sent if r.get("id") == "x"]

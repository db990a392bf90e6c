"""ModelPicker without a browser: groups, tags, value sync and validation, refresh on org changes,
failing connections shown rather than hidden (issue 5)."""

from __future__ import annotations

import json
import time

import pytest
import traitlets

import nbconnect as nbc
from nbconnect._widgets.picker import ModelPicker
from nbconnect.testing import FakeProvider

CANARY = "PICKERCANARY93ab"
GOOD = f"sk-proj-{CANARY}-0000beef"
WRONG = f"sk-bad-{CANARY}-9999dead"


@pytest.fixture(scope="module")
def server():
    with FakeProvider(api_keys={GOOD}) as fake:
        yield fake


def send(widget, kind: str, timeout: float = 20.0, **body) -> dict:
    msg_id = f"t-{kind}-{time.monotonic_ns()}"
    widget._dispatch(widget, {"kind": kind, "id": msg_id, **body}, None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for reply in widget.sent:
            if reply.get("id") == msg_id:
                return reply
        time.sleep(0.01)
    raise AssertionError(f"no reply to {kind} within {timeout}s")


def test_rows_grouped_by_connection_with_tags():
    org = nbc.Organization(persist=False, connections=[nbc.Demo(), nbc.OpenAI(api_key=GOOD)])
    picker = ModelPicker(org)
    assert [g["name"] for g in picker.connections] == ["demo", "openai"]
    assert {g["status"] for g in picker.connections} == {"unverified"}
    assert picker.rows == org.model_rows()
    demo = [r for r in picker.rows if r["connection"] == "demo"]
    assert {r["ref"] for r in demo} == {"demo:demo-careful", "demo:demo-fast", "demo:demo-echo"}
    assert all(r["demo"] for r in demo) and not any(
        r["demo"] for r in picker.rows if r["connection"] == "openai"
    )
    fast = next(r for r in demo if r["model"] == "demo-fast")
    assert fast["native"] is False and fast["input_per_m"] == 0.1 and fast["context"] == 32000
    assert all(
        set(r) >= {"supported", "native", "input_per_m", "output_per_m", "context", "status"}
        for r in picker.rows
    )
    assert CANARY not in json.dumps(picker.get_state(), default=str)


def test_value_is_synced_observable_and_validated():
    picker = ModelPicker(nbc.Organization.demo())
    seen = []
    picker.observe(lambda change: seen.append(change["new"]), "value")
    picker.set_state({"value": ["demo:demo-fast", "demo:demo-echo"]})  # what ticking two boxes sends
    assert picker.value == ["demo:demo-fast", "demo:demo-echo"]
    assert seen == [["demo:demo-fast", "demo:demo-echo"]]
    assert picker.get_state()["value"] == ["demo:demo-fast", "demo:demo-echo"]
    picker.value = ["demo:demo-echo", "demo:demo-echo"]
    assert picker.value == ["demo:demo-echo"]  # duplicates dropped, order kept
    with pytest.raises(
        traitlets.TraitError, match=r"not a model this organization offers.*demo:demo-careful"
    ):
        picker.value = ["openai:gpt-4.1"]
    assert ModelPicker(nbc.Organization.demo(), value=["demo:demo-fast"]).value == ["demo:demo-fast"]


def test_query_is_state_and_computed_traits_are_not_writable_from_the_browser():
    picker = ModelPicker(nbc.Organization.demo(), query="fast")
    assert picker.get_state()["query"] == "fast"
    picker.set_state({"query": "echo", "rows": [], "connections": []})
    assert picker.query == "echo" and len(picker.rows) == 3 and len(picker.connections) == 1


def test_unknown_keyword_arguments_are_rejected():
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*models"):
        ModelPicker(nbc.Organization.demo(), models=["demo:demo-fast"])
    with pytest.raises(TypeError, match="rows"):
        ModelPicker(nbc.Organization.demo(), rows=[])


def test_refreshes_when_connections_are_added_and_removed():
    org = nbc.Organization.demo()
    picker = ModelPicker(org, value=["demo:demo-fast"])
    changes = []
    picker.observe(lambda change: changes.append(change["new"]), "value")
    org.add(nbc.CustomLLM(name="llama3.2", endpoint="http://localhost:11434/v1"))
    assert [g["name"] for g in picker.connections] == ["demo", "llama3.2"]
    assert "llama3.2" in {r["ref"] for r in picker.rows}
    picker.value = [*picker.value, "llama3.2"]
    org.remove("demo")
    assert [g["name"] for g in picker.connections] == ["llama3.2"]
    assert picker.value == ["llama3.2"]  # the removed connection's models leave the selection
    assert changes[-1] == ["llama3.2"]


def test_verify_message_updates_statuses_and_keeps_failing_connections(server):
    org = nbc.Organization(
        persist=False,
        connections=[
            nbc.Demo(),
            nbc.OpenAI(api_key=WRONG, base_url=server.url + "/v1"),
            nbc.CustomLLM(name="gpt-4.1-mini", endpoint=server.url + "/v1", api_key=GOOD),
        ],
    )
    picker = ModelPicker(org)
    openai_rows_before = [r["ref"] for r in picker.rows if r["connection"] == "openai"]
    reply = send(picker, "verify")
    assert reply["ok"] is True and reply["checked"] == 3 and reply["failing"] == ["openai"]
    groups = {g["name"]: g for g in picker.connections}
    assert groups["demo"]["status"] == "ok" and groups["gpt-4.1-mini"]["status"] == "ok"
    assert groups["openai"]["status"] == "failing" and groups["openai"]["field"] == "api_key"
    assert "not accepted" in groups["openai"]["message"]
    failing_rows = [r for r in picker.rows if r["connection"] == "openai"]
    assert [r["ref"] for r in failing_rows] == openai_rows_before and failing_rows  # shown, not hidden
    assert {r["status"] for r in failing_rows} == {"failing"}
    assert CANARY not in json.dumps(picker.get_state(), default=str) + json.dumps(list(picker.sent))


def test_live_model_list_after_verify(server):
    org = nbc.Organization(persist=False, connections=[nbc.OpenAI(api_key=GOOD, base_url=server.url + "/v1")])
    picker = ModelPicker(org)
    org.verify()  # verified from Python: the picker follows too
    assert picker.connections[0]["status"] == "ok"
    assert {r["ref"] for r in picker.rows} == {"openai:gpt-5-mini", "openai:gpt-4.1-mini", "openai:gpt-4.1"}
    assert {r["status"] for r in picker.rows} == {"ok"}


def test_a_closed_picker_stops_following(server):
    org = nbc.Organization.demo()
    picker = ModelPicker(org)
    picker.close()
    org.add(nbc.CustomLLM(name="m", endpoint=server.url + "/v1"))  # no error from the closed widget
    assert [g["name"] for g in picker.connections] == ["demo"]


def test_the_organization_does_not_keep_a_closed_picker_alive():
    import gc
    import weakref

    org = nbc.Organization.demo()
    picker = ModelPicker(org)
    ref = weakref.ref(picker)
    picker.close()
    del picker
    gc.collect()
    assert ref() is None
    org.add(nbc.CustomLLM(name="m", endpoint="http://localhost:11434/v1"))  # its callback is a no-op

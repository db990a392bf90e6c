"""verify() and list_models() for the OpenAI-family connections against a loopback server."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

import nbconnect as nbc
from nbconnect._wire.adapter import remembered_modes
from nbconnect.testing import FakeProvider, Fault

GOOD = "sk-good-0123456789abcdefXYZ1"
BAD = "sk-bad-0123456789abcdefXYZ2"


@pytest.fixture
def server():
    with FakeProvider(
        api_keys={GOOD},
        models={"openai": ["gpt-4.1-mini", "gpt-5-mini", "text-embedding-3-small", "llama3.2:latest"]},
    ) as srv:
        yield srv


def test_openai_ok_lists_chat_models(server):
    check = nbc.OpenAI(api_key=GOOD, base_url=f"{server.url}/v1").verify()
    assert check.ok, check.message
    assert check.models == ["gpt-4.1-mini", "gpt-5-mini"]  # the embedding model is filtered out
    assert "OK, 2 model(s)" in str(check)


def test_openai_bad_key_is_actionable_and_names_the_field(server):
    check = nbc.OpenAI(api_key=BAD, base_url=f"{server.url}/v1").verify()
    assert not check.ok and check.field == "api_key" and check.error_type == "authentication"
    assert "platform.openai.com/api-keys" in check.message and "…XYZ2" in check.message
    assert BAD not in check.message


def test_azure_deployment_ok_and_unknown(server):
    conn = nbc.AzureOpenAI(deployment="gpt-4.1-mini", endpoint=server.url, api_key=GOOD)
    check = conn.verify()
    assert check.ok and check.models == ["gpt-4.1-mini"]
    sent = server.requests[-1]
    assert (
        sent.path == "/openai/deployments/gpt-4.1-mini/chat/completions" and sent.headers["api-key"] == GOOD
    )
    server.script(
        "/chat/completions",
        [
            Fault(
                "status",
                status=404,
                code="DeploymentNotFound",
                message="The API deployment for this resource does not exist.",
            )
        ],
    )
    missing = nbc.AzureOpenAI(deployment="nope", endpoint=server.url, api_key=GOOD).verify()
    assert not missing.ok and missing.field == "deployment" and "'nope'" in missing.message


def test_foundry_ok(server):
    conn = nbc.AzureAIFoundry(
        model="gpt-4.1-mini", endpoint=f"{server.url}/models/chat/completions", api_key=GOOD
    )
    assert conn.verify().ok
    assert server.requests[-1].query["api-version"] == "2024-05-01-preview"


def test_custom_ok_needs_the_name_served_and_json_mode(server):
    remembered_modes().clear()
    conn = nbc.CustomLLM(name="llama3.2:latest", endpoint=f"{server.url}/v1", api_key=GOOD)
    check = conn.verify()
    assert check.ok, check.message
    assert server.requests[-1].json["response_format"]["type"] == "json_schema"
    wrong = nbc.CustomLLM(name="llama3", endpoint=f"{server.url}/v1", api_key=GOOD).verify()
    assert not wrong.ok and wrong.field == "name" and "llama3.2:latest" in wrong.message


def test_custom_json_mode_auto_falls_back_and_remembers(server):
    remembered_modes().clear()
    # This server answers the OpenAI json_schema wrapper with a 500, like some compatible servers do.
    server.script("/chat/completions", [Fault("server_error", message="unknown response_format type")])
    conn = nbc.CustomLLM(name="llama3.2:latest", endpoint=f"{server.url}/v1", api_key=GOOD)
    assert conn.verify().ok
    kinds = [r.json["response_format"] for r in server.requests if r.path.endswith("/chat/completions")]
    assert kinds[0]["type"] == "json_schema" and kinds[1] == {
        "type": "json_object",
        "schema": kinds[1]["schema"],
    }
    ((key, mode),) = remembered_modes().items()
    assert key[:3] == ("custom", f"{server.url}/v1", "llama3.2:latest") and mode == "json_object_schema"
    remembered_modes().clear()


def test_custom_without_json_mode_is_reported(server):
    remembered_modes().clear()
    server.script(
        "/chat/completions", [Fault("status", status=400, message="response_format not supported")] * 3
    )
    check = nbc.CustomLLM(name="llama3.2:latest", endpoint=f"{server.url}/v1", api_key=GOOD).verify()
    assert not check.ok and check.error_type == "schema_rejected" and "JSON mode" in check.message
    remembered_modes().clear()


def test_unreachable_host():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    check = nbc.OpenAI(api_key=GOOD, base_url=f"http://127.0.0.1:{port}/v1").verify()
    # a network failure blames no form field (issue 18): the message names the host instead
    assert not check.ok and check.error_type == "network" and check.field is None
    assert "cannot reach 127.0.0.1" in check.message


def test_timeout(server):
    server.script("/models", [Fault("slow", seconds=3)])
    check = nbc.OpenAI(api_key=GOOD, base_url=f"{server.url}/v1").verify(timeout=0.3)
    assert not check.ok and check.error_type == "timeout" and "timed out" in check.message


def test_tls_error_is_named(tmp_path):
    # A TLS server with a self-signed certificate: verification must fail, clearly.
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            ctx.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    check = nbc.OpenAI(api_key=GOOD, base_url=f"https://localhost:{port}/v1").verify(timeout=5)
    listener.close()
    assert not check.ok and check.error_type == "network"
    assert "TLS verification failed for localhost" in check.message


def test_demo_verifies_offline():
    check = nbc.Demo().verify()
    assert check.ok and check.models == ["demo-careful", "demo-fast", "demo-echo"]


def test_org_verify_feeds_models_and_status(server):
    org = nbc.Organization(persist=False)
    org.add(nbc.OpenAI(api_key=GOOD, base_url=f"{server.url}/v1"))
    org.add(nbc.CustomLLM(name="broken", endpoint=f"{server.url}/v1", api_key=BAD))
    assert org.status("openai") is None
    outcome = org.verify()
    assert outcome["openai"].ok and not outcome["broken"].ok
    # the live list proves access; the catalog's order and tags are kept
    assert [r for r in org.models() if r.startswith("openai:")] == [
        "openai:gpt-5-mini",
        "openai:gpt-4.1-mini",
    ]
    rows = {r["ref"]: r for r in org.model_rows()}
    assert rows["broken"]["status"] == "failing" and rows["openai:gpt-5-mini"]["status"] == "ok"
    assert rows["openai:gpt-4.1-mini"]["input_per_m"] == 0.4


def test_a_forced_json_mode_is_not_remembered_for_auto_connections(server):
    remembered_modes().clear()
    forced = nbc.CustomLLM(
        name="llama3.2:latest", endpoint=f"{server.url}/v1", api_key=GOOD, json_mode="json_object"
    )
    assert forced.verify().ok
    assert remembered_modes() == {}
    auto = nbc.CustomLLM(name="llama3.2:latest", endpoint=f"{server.url}/v1", api_key=GOOD)
    assert auto.verify().ok
    assert server.requests[-1].json["response_format"]["type"] == "json_schema"
    remembered_modes().clear()

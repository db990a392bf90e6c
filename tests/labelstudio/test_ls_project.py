"""Project's key stays secret (repr, errors, logs) against a small loopback server; bad arguments."""

from __future__ import annotations

import json
import logging
import pickle
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import nbconnect as nbc

pytest.importorskip("label_studio_sdk", reason="the Label Studio tests need label-studio-sdk (the dev extra)")

SENTINEL = "SENTINEL-ls-key-7f3a9c2e51b4"
CONFIG = (
    '<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'
)


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]
    status: int

    def do_GET(self):
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
        if self.status == 200:
            body = json.dumps({"id": 1, "title": "demo", "label_config": CONFIG}).encode()
        else:  # what Label Studio answers to a wrong token, echoing what it got (a server might)
            body = json.dumps({"detail": f"Invalid token {self.headers.get('Authorization')}"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    def start(status: int):
        handler = type("H", (_Handler,), {"seen": [], "status": status})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", handler.seen

    started: list[ThreadingHTTPServer] = []
    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def test_key_reaches_the_server_and_the_config_comes_back(server):
    url, seen = server(200)
    project = nbc.labelstudio.Project(url, api_key=SENTINEL, id=1)
    assert project.config == CONFIG
    assert list(project.schema()["properties"]) == ["c"]
    assert seen[0]["path"] == "/api/projects/1/" and seen[0]["auth"].endswith(SENTINEL)


def test_key_never_shows_in_repr_errors_or_logs(server, caplog):
    url, seen = server(401)
    project = nbc.labelstudio.Project(url, api_key=SENTINEL, id=1)
    assert SENTINEL not in repr(project) and SENTINEL[-4:] in repr(project)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(nbc.AuthenticationError) as info:
        _ = project.config
    assert seen, "the request reached the server"
    err = info.value
    assert err.status == 401 and "check api_key=" in str(err)
    assert "Invalid token" in str(err)  # the server's words are kept, its echo of the key is not
    for text in (str(err), repr(err), err.message, caplog.text):
        assert SENTINEL not in text
    assert err.__cause__ is None and err.__suppress_context__


def test_a_server_that_is_not_there_is_a_network_error_without_the_key():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nothing listens once closed
    project = nbc.labelstudio.Project(f"http://127.0.0.1:{port}", api_key=SENTINEL, id=1, timeout=5)
    with pytest.raises(nbc.NetworkError, match="is the server running") as info:
        project.export()
    assert SENTINEL not in str(info.value)


def test_a_project_refuses_to_be_pickled():
    project = nbc.labelstudio.Project("http://127.0.0.1:9", api_key=SENTINEL, id=1)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(project)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "localhost:8080", "api_key": "k", "id": 1}, "http"),
        ({"url": "http://h", "api_key": "  ", "id": 1}, "api_key= is empty"),
        ({"url": "http://h", "api_key": "k", "id": 0}, "id= must be"),
        ({"url": "http://h", "api_key": "k", "id": "3"}, "id= must be"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(kwargs, message):
    with pytest.raises(nbc.ConfigError, match=message):
        nbc.labelstudio.Project(kwargs.pop("url"), **kwargs)


def test_push_refuses_predictions_without_a_task():
    project = nbc.labelstudio.Project("http://127.0.0.1:9", api_key=SENTINEL, id=1)
    with pytest.raises(nbc.ConfigError, match="name none"):
        project.push([{"data": {"text": "x"}, "predictions": []}])

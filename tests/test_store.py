"""The store on disk: round trip, 0600, atomic writes, corrupt files, concurrent and killed writers."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _orgs import vertex_key

import nbconnect as nbc
from nbconnect import StoreError
from nbconnect._store.store import default_store_path, lock_for

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and SIGKILL are POSIX")
PROJECT_ROOT = Path(nbc.__file__).resolve().parent.parent  # children import this same checkout

VERTEX_KEY = vertex_key()


def seven() -> list[nbc.Connection]:
    return [
        nbc.OpenAI(
            api_key="sk-openai-0123456789abcd", organization="org-1", base_url="https://gw.example.com/v1"
        ),
        nbc.Gemini(api_key="AIza-gemini-0123456789"),
        nbc.VertexAI(credentials=VERTEX_KEY, location="europe-west4"),
        nbc.Anthropic(api_key="sk-ant-anthropic-01234567"),
        nbc.AzureOpenAI(
            endpoint="https://r.openai.azure.com/openai/deployments/D/chat/completions?api-version=2024-08-01-preview",
            api_key="azure-0123456789abcdef",
        ),
        nbc.AzureAIFoundry(
            model="DeepSeek-R1",
            endpoint="https://r.services.ai.azure.com/models",
            api_key="foundry-0123456789ab",
        ),
        nbc.CustomLLM(
            name="llama3.2:latest",
            endpoint="http://localhost:11434/v1",
            api_key="ollama-0123456789ab",
            auth_token="token-0123456789abcd",
            json_mode="json_object",
        ),
    ]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def custom(name: str) -> nbc.CustomLLM:
    return nbc.CustomLLM(name=name, endpoint="http://localhost:11434/v1", api_key=f"key-{name}-0123456789")


def test_round_trip_all_seven_providers(tmp_path):
    path = tmp_path / "store.json"
    original = seven()
    org = nbc.Organization(path=path, connections=original)
    assert all(c.source == "store" for c in org)

    again = nbc.Organization(path=path)
    assert [c.name for c in again] == [c.name for c in original]
    for before in original:
        after = again.get(before.name)
        assert type(after) is type(before)
        assert after.source == "store"
        assert after.model_dump(exclude=set(before.secret_fields)) == before.model_dump(
            exclude=set(before.secret_fields)
        )
        for field in before.secret_fields:
            assert after.secret(field) == before.secret(field)
    assert again.get("vertex").project == "p" and again.get("vertex").location == "europe-west4"
    assert again.get("D").api_version == "2024-08-01-preview"
    assert again.get("llama3.2:latest").json_mode == "json_object"

    raw = json.loads(path.read_text())
    assert raw["version"] == 1
    assert [e["provider"] for e in raw["connections"]] == [c.provider for c in original]


def test_default_path_follows_nbconnect_home(_isolated_home):
    org = nbc.Organization()
    assert org.path == _isolated_home / "connections.json"
    org.add(custom("m"))
    assert (_isolated_home / "connections.json").is_file()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG config dir is the Linux default")
def test_default_path_without_nbconnect_home_is_user_config_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("NBCONNECT_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "nbconnect" / "connections.json"


def test_nothing_is_written_until_something_changes(tmp_path):
    path = tmp_path / "s.json"
    nbc.Organization(path=path)
    assert not path.exists()


@posix_only
def test_file_mode_is_0600_and_parent_dir_is_created_private(tmp_path):
    path = tmp_path / "a" / "b" / "store.json"
    org = nbc.Organization(path=path)
    org.add(custom("m"))
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    org.add(custom("n"))  # every rewrite keeps it
    assert mode(path) == 0o600


@posix_only
def test_loose_store_is_tightened_with_a_warning(tmp_path):
    path = tmp_path / "store.json"
    nbc.Organization(path=path, connections=[custom("m")])
    path.chmod(0o644)
    with pytest.warns(UserWarning, match="tightened it to 600") as record:
        org = nbc.Organization(path=path)
    assert "644" in str(record[0].message) and str(path) in str(record[0].message)
    assert mode(path) == 0o600
    assert "m" in org


def test_corrupt_json_names_file_and_line_and_is_never_overwritten(tmp_path):
    path = tmp_path / "store.json"
    org = nbc.Organization(path=path, connections=[custom("m")])
    broken = path.read_bytes().replace(b'"provider"', b"provider", 1)
    path.write_bytes(broken)
    line = (
        broken.decode().splitlines().index(next(x for x in broken.decode().splitlines() if "provider" in x))
    )

    with pytest.raises(StoreError) as info:
        nbc.Organization(path=path)
    message = str(info.value)
    assert str(path) in message and f"line {line + 1}" in message
    assert "not valid JSON" in message and "left as it is" in message

    with pytest.raises(StoreError):  # an organization opened earlier cannot write over it either
        org.add(custom("n"))
    with pytest.raises(StoreError):
        org.remove("m")
    with pytest.raises(StoreError):
        org.save()
    assert path.read_bytes() == broken
    assert "n" not in org


BAD_STORES = [
    ("", "not valid JSON"),
    ("[]", "no 'connections' list"),
    ('{"connections": {}}', "no 'connections' list"),
    ('{"version": 1}', "no 'connections' list"),
    ('{"version": "1", "connections": []}', "bad 'version'"),
    ('{"version": 99, "connections": []}', "newer nbconnect"),
    ('{"connections": [5]}', "unknown provider None"),
    ('{"connections": [{"provider": "mistral", "fields": {}}]}', "unknown provider 'mistral'"),
    ('{"connections": [{"provider": ["openai"]}]}', "unknown provider"),
    ('{"connections": [{"provider": "openai", "fields": "sk-x"}]}', "no 'fields' object"),
    ('{"connections": [{"provider": "openai", "fields": {}}]}', "(OpenAI) is invalid"),
    ('{"connections": [{"provider": "openai", "fields": {"api_key": "k", "x": 1}}]}', "is invalid"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_STORES)
def test_wrong_structure_is_a_store_error_and_file_is_kept(tmp_path, text, expected):
    path = tmp_path / "store.json"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(StoreError) as info:
        nbc.Organization(path=path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)
    assert path.read_text() == text


def test_unreadable_bytes_are_a_store_error(tmp_path):
    path = tmp_path / "store.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    path.chmod(0o600)
    with pytest.raises(StoreError, match="cannot read"):
        nbc.Organization(path=path)


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_crash_mid_write_keeps_the_old_store_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "store.json"
    org = nbc.Organization(path=path, connections=[custom("old")])
    before = path.read_bytes()

    def half_then_crash(obj, fh, **kwargs):
        fh.write(json.dumps(obj, **kwargs)[:40])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(json, "dump", half_then_crash)
    with pytest.raises(OSError, match="No space left"):
        org.add(custom("new"))
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert _temp_files(tmp_path) == []
    assert [c.name for c in nbc.Organization(path=path)] == ["old"]
    assert "new" not in org  # memory agrees with the disk


def test_orphan_temp_files_are_removed_on_the_next_save(tmp_path):
    path = tmp_path / "store.json"
    org = nbc.Organization(path=path, connections=[custom("a")])
    orphan = tmp_path / ".store.json.k3j4h5g6.tmp"
    orphan.write_text('{"secret": "left by a killed writer"}')
    unrelated = tmp_path / ".other.json.k3j4h5g6.tmp"
    unrelated.write_text("{}")
    org.add(custom("b"))
    assert not orphan.exists()
    assert unrelated.exists()  # another store's temp file is not ours to delete


# -- other processes ---------------------------------------------------------------------------
# Children print "ready" once imported and wait for a "go" file, so the racing part starts together
# however long the import takes on a loaded machine.
ADDER = """
import sys, time, pathlib
import nbconnect as nbc
path, who, go = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
org = nbc.Organization(path=path)  # opened before the other process writes anything
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
for i in range(10):
    org.add(nbc.CustomLLM(name=f"{who}-{i}", endpoint="http://localhost:11434/v1", api_key=f"key-{who}-{i}-0123456789"))
"""


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(child: subprocess.Popen) -> None:
    line = child.stdout.readline()
    if line.strip() != "ready":
        child.kill()
        pytest.fail(f"child did not start: {child.communicate(timeout=30)[1]}")


@pytest.mark.slow
def test_two_processes_adding_at_once_lose_nothing(tmp_path):
    path = tmp_path / "store.json"
    nbc.Organization(path=path, connections=[custom("existing")])
    go = tmp_path / "go"
    children = [_python(ADDER, str(path), who, str(go)) for who in ("p1", "p2")]
    try:
        for child in children:
            _wait_ready(child)
        go.touch()
        for child in children:
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
    finally:
        for child in children:
            child.kill()
            child.communicate()

    org = nbc.Organization(path=path)
    expected = {"existing"} | {f"{who}-{i}" for who in ("p1", "p2") for i in range(10)}
    assert {c.name for c in org} == expected
    assert len(org) == 21
    assert org.get("p2-7").secret("api_key") == "key-p2-7-0123456789"
    assert mode(path) == 0o600 or os.name != "posix"


# One child imports nbconnect once (slow on a loaded machine) and forks a fresh writer per round;
# the test SIGKILLs the writer while it rewrites the store, and the child reports how it died.
KILLABLE = """
import os, sys
import nbconnect as nbc
path = sys.argv[1]
def rewrite_forever():
    org = nbc.Organization(path=path)
    for i in range(5):
        org.add(nbc.CustomLLM(name=f"base-{i}", endpoint="http://localhost:11434/v1", api_key="k" * 20), replace=True)
    print("saving", os.getpid(), flush=True)
    while True:  # old version, new version, old version...
        # replace=True: a kill in the previous round may have left "toggle" in the store
        org.add(nbc.CustomLLM(name="toggle", endpoint="http://localhost:11434/v1", api_key="t" * 20), replace=True)
        org.remove("toggle")
print("ready", flush=True)
for _ in sys.stdin:
    pid = os.fork()
    if pid == 0:
        try:
            rewrite_forever()
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    print("died", os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1, flush=True)
"""


@posix_only
@pytest.mark.slow
def test_writer_killed_at_random_moments_leaves_a_valid_store(tmp_path):
    path = tmp_path / "store.json"
    rng = random.Random(2)
    base = {f"base-{i}" for i in range(5)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(path)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_ready(child)
        for _ in range(8):
            child.stdin.write("go\n")
            child.stdin.flush()
            word, pid = child.stdout.readline().split()
            assert word == "saving"
            time.sleep(rng.uniform(0.0, 0.2))
            os.kill(int(pid), signal.SIGKILL)
            assert child.stdout.readline().split() == ["died", str(int(signal.SIGKILL))]

            raw = json.loads(path.read_text())  # always complete JSON, never a torn write
            names = {e["fields"]["name"] for e in raw["connections"]}
            assert names in (base, base | {"toggle"})
            assert all(e["fields"]["api_key"] in ("k" * 20, "t" * 20) for e in raw["connections"])
            assert mode(path) == 0o600
    finally:
        child.kill()
        _, err = child.communicate(timeout=30)
    assert "Traceback" not in err, err

    # the lock died with the writer: it is free right now (one try, no waiting), and the next writer
    # gets in and tidies its temp files
    lock = lock_for(path)
    lock.acquire(timeout=0)  # raises filelock.Timeout if the dead writer's lock were still held
    lock.release()
    org = nbc.Organization(path=path)
    org.add(custom("after"), replace=True)
    assert base | {"after"} <= {c.name for c in nbc.Organization(path=path)}
    assert _temp_files(tmp_path) == []

"""Vertex AI batch prediction and its Cloud Storage against references that are not our fake.

- google-genai (``vertexai=True``): the create / get / cancel requests nbconnect sends equal the SDK's
  for the same job, and the SDK's reading of a job (the fake's) agrees with our ``BatchStatus``.
- gcp-storage-emulator (an independent Cloud Storage server): our upload / list / download / delete.
- google-cloud-storage (the official client) against the fake's storage: it reads what we uploaded,
  lists in pages, writes what we then read, deletes; so the fake answers what the real client sends.
"""

from __future__ import annotations

import contextlib
import json
import socket

import httpx
import pytest
from google import genai
from google.oauth2 import credentials as oauth2_credentials

import nbconnect as nbc
from nbconnect import _errors as E
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.batch import states
from nbconnect._wire.batch.gcs import CloudStorage
from nbconnect._wire.batch.vertex import VertexBatch
from nbconnect._wire.lookup import adapter_for
from nbconnect.testing import FakeProvider

SCHEMA = as_schema("label: positive|negative, score: float")
CALL = Call(
    model="gemini-2.5-flash",
    user="It was great.",
    system="Classify the review.",
    schema=SCHEMA,
    max_tokens=200,
    temperature=0.3,
)
QUOTA = "billing-project"
JOB = "projects/123456789012/locations/us-central1/batchPredictionJobs/4567"


@pytest.fixture(scope="module")
def fake():
    with FakeProvider() as server:
        server.storage.create_bucket("nbc-batch")
        yield server


def _conn(fake, **kw) -> nbc.VertexAI:
    kw.setdefault("batch_bucket", "gs://nbc-batch/runs")
    key = fake.service_account(project_id="proj", quota_project_id=QUOTA)
    return nbc.VertexAI(credentials=key, location="us-central1", **kw)


@contextlib.asynccontextmanager
async def _adapter(conn: nbc.VertexAI, **kw):
    adapter = adapter_for(conn, **kw)
    try:
        yield adapter
    finally:
        await adapter.aclose()


def _mock_answer(request: httpx.Request) -> httpx.Response:
    """Vertex and Cloud Storage as their references document them, for one finished job."""
    path = request.url.path
    if path.startswith("/upload/storage/"):
        return httpx.Response(200, json={"kind": "storage#object", "name": request.url.params["name"]})
    if path.endswith(":cancel"):
        return httpx.Response(200, json={})
    if path.endswith("/batchPredictionJobs"):
        _CREATED.append(json.loads(request.content))
        return httpx.Response(200, json={"name": JOB, "state": "JOB_STATE_PENDING", **_CREATED[-1]})
    if "/batchPredictionJobs/" in path:
        out = "gs://nbc-batch/runs/nbconnect/x/output/prediction-model-1"
        job = {
            **_CREATED[-1],
            "name": JOB,
            "state": "JOB_STATE_SUCCEEDED",
            "outputInfo": {"gcsOutputDirectory": out},
            "completionStats": {"successfulCount": "1", "failedCount": "0", "incompleteCount": "0"},
        }
        return httpx.Response(200, json=job)
    if request.method == "DELETE":
        return httpx.Response(204)
    if request.url.params.get("alt") == "media":
        row = {"status": "", "processed_time": "t", "request": _SENT[-1], "response": {"candidates": []}}
        return httpx.Response(200, text=json.dumps(row) + "\n")
    name = "runs/nbconnect/x/output/prediction-model-1/predictions.jsonl"
    return httpx.Response(200, json={"kind": "storage#objects", "items": [{"name": name}]})


_SENT: list = []  # the request bodies the mocked predictions rows echo
_CREATED: list = []  # the create bodies the mocked jobs repeat, as Vertex's do


def _recorder():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _mock_answer(request)

    return seen, httpx.MockTransport(handler)


def _same(ours: httpx.Request, theirs: httpx.Request) -> None:
    assert (ours.method, ours.url.path, dict(ours.url.params)) == (
        theirs.method,
        theirs.url.path,
        dict(theirs.url.params),
    )
    assert ours.url.host == theirs.url.host == "us-central1-aiplatform.googleapis.com"
    for header in ("authorization", "x-goog-user-project"):
        assert ours.headers[header] == theirs.headers[header], header


@pytest.mark.anyio
async def test_vertex_batch_requests_match_the_sdk(fake):
    seen_ours, transport = _recorder()
    adapter = adapter_for(_conn(fake), client=httpx.AsyncClient(transport=transport))
    api = adapter.batch_class(adapter)
    assert isinstance(api, VertexBatch)
    prepared = adapter.prepare(CALL, adapter.plan(CALL)[0])
    line = api.line("ignored", prepared)
    assert line == {"request": prepared.body} and line["request"] is prepared.body
    _SENT.append(prepared.body)
    (cid,) = api.custom_ids(["k1"], [prepared])
    name = await api.submit([line], "gemini-2.5-flash", "nbconnect-parity")
    status = await api.status(name)
    results = await api.results(status)
    await api.cancel(name)
    assert name == JOB and [r.custom_id for r in results] == [cid] and results[0].error is None
    methods = [(r.method, r.url.host) for r in seen_ours]
    assert methods == [
        ("POST", "storage.googleapis.com"),  # input.jsonl
        ("POST", "us-central1-aiplatform.googleapis.com"),  # create
        ("GET", "us-central1-aiplatform.googleapis.com"),  # status
        ("GET", "storage.googleapis.com"),  # list the output folder
        ("GET", "storage.googleapis.com"),  # predictions.jsonl
        ("DELETE", "storage.googleapis.com"),  # input.jsonl, the job being over
        ("POST", "us-central1-aiplatform.googleapis.com"),  # cancel
    ]
    upload, create = seen_ours[0], seen_ours[1]
    assert upload.content == (json.dumps({"request": prepared.body}, ensure_ascii=False) + "\n").encode()
    assert upload.headers["authorization"] == create.headers["authorization"]  # the one service account
    ours = json.loads(create.content)
    source = ours["inputConfig"]["gcsSource"]["uris"][0]
    assert source == f"gs://nbc-batch/{upload.url.params['name']}"
    quoted = upload.url.params["name"].replace("/", "%2F")
    assert seen_ours[5].url.raw_path.decode() == f"/storage/v1/b/nbc-batch/o/{quoted}"  # the input, deleted

    token = create.headers["authorization"].removeprefix("Bearer ")
    seen, transport2 = _recorder()
    creds = oauth2_credentials.Credentials(token=token, quota_project_id=QUOTA)
    with httpx.Client(transport=transport2) as sync_http:
        async with httpx.AsyncClient(transport=transport2) as async_http:
            options = {"httpx_client": sync_http, "httpx_async_client": async_http}
            client = genai.Client(
                vertexai=True, project="proj", location="us-central1", credentials=creds, http_options=options
            )
            dest = ours["outputConfig"]["gcsDestination"]["outputUriPrefix"]
            job = await client.aio.batches.create(
                model="gemini-2.5-flash",
                src=source,
                config={"dest": dest, "display_name": "nbconnect-parity"},
            )
            got = await client.aio.batches.get(name=job.name)
            await client.aio.batches.cancel(name=job.name)
    assert len(seen) == 3
    assert json.loads(seen[0].content) == ours  # the create body, displayName included
    for mine, theirs in zip([create, seen_ours[2], seen_ours[6]], seen, strict=True):
        _same(mine, theirs)
    assert _json_or_none(seen_ours[6]) in (None, {}) and _json_or_none(seen[2]) in (None, {})
    # the SDK reads the job as we do
    assert got.state == "JOB_STATE_SUCCEEDED" and status.state == states.DONE
    assert got.output_info.gcs_output_directory == status.results
    assert got.completion_stats.successful_count == status.finished == 1


def _json_or_none(request: httpx.Request):
    return json.loads(request.content) if request.content else None


@contextlib.contextmanager
def _sdk(fake, api):
    """google-genai on the fake (sockets), with the token our adapter was given."""
    token = api.adapter._token
    creds = oauth2_credentials.Credentials(token=token)
    client = genai.Client(
        vertexai=True,
        project="proj",
        location="us-central1",
        credentials=creds,
        http_options={"base_url": fake.url},
    )
    try:
        yield client
    finally:
        client.close()


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["ok", "expire_half", "fail"])
async def test_the_sdk_reads_the_fakes_jobs_as_our_status_does(fake, fault):
    fake.batches.latency, fake.batches.expires_after = 100.0, 10_000.0
    fake.batches.script([fault])
    async with _adapter(_conn(fake, base_url=fake.url, storage_url=fake.url)) as adapter:
        await _statuses_agree(fake, adapter, fault)


async def _statuses_agree(fake, adapter, fault: str) -> None:
    api = adapter.batch_class(adapter)
    calls = [Call(model="gemini-2.5-flash", user=f"text {i}", schema=SCHEMA) for i in range(4)]
    prepared = [adapter.prepare(c, adapter.plan(c)[0]) for c in calls]
    name = await api.submit([api.line("", p) for p in prepared], "gemini-2.5-flash", "nbconnect-sdk")
    try:
        with _sdk(fake, api) as client:
            for step in (0.0, 50.0, 200.0):
                fake.batch_clock.advance(seconds=step)
                ours = await api.status(name)
                theirs = client.batches.get(name=name)
                stats = theirs.completion_stats
                assert (theirs.state, ours.state) in {
                    ("JOB_STATE_PENDING", states.VALIDATING),
                    ("JOB_STATE_RUNNING", states.IN_PROGRESS),
                    ("JOB_STATE_SUCCEEDED", states.DONE),
                    ("JOB_STATE_EXPIRED", states.EXPIRED),
                    ("JOB_STATE_FAILED", states.FAILED),
                }
                assert (stats.successful_count, stats.failed_count) == (ours.finished, ours.failed)
                assert ours.total == 4 == stats.successful_count + stats.failed_count + stats.incomplete_count
                out = theirs.output_info.gcs_output_directory if theirs.output_info else None
                assert out == ours.results
                assert theirs.dest.gcs_uri == ours.body["outputConfig"]["gcsDestination"]["outputUriPrefix"]
                assert (theirs.error.message if theirs.error else None) == ours.message
        final = {"ok": states.DONE, "expire_half": states.EXPIRED, "fail": states.FAILED}[fault]
        assert ours.state == final
        lines = await api.results(ours)
        assert len(lines) == {"ok": 4, "expire_half": 2, "fail": 0}[fault]
        assert {ln.custom_id for ln in lines} <= set(api.custom_ids(["a", "b", "c", "d"], prepared))
    finally:
        fake.batches.latency, fake.batches.expires_after = 0.0, 24 * 3600.0


@pytest.mark.anyio
async def test_the_sdk_cancels_the_job_our_cancel_names(fake):
    fake.batches.latency = 10_000.0
    async with _adapter(_conn(fake, base_url=fake.url, storage_url=fake.url)) as adapter:
        await _cancels_agree(fake, adapter)


async def _cancels_agree(fake, adapter) -> None:
    api = adapter.batch_class(adapter)
    prepared = adapter.prepare(CALL, adapter.plan(CALL)[0])
    first = await api.submit([api.line("", prepared)], "gemini-2.5-flash", "nbconnect-cancel")
    second = await api.submit([api.line("", prepared)], "gemini-2.5-flash", "nbconnect-cancel")
    try:
        await api.cancel(first)
        with _sdk(fake, api) as client:
            client.batches.cancel(name=second)
        ours, theirs = [r.path for r in fake.requests if r.path.endswith(":cancel")][-2:]
        # the same URL for the same job: its id under the client's project and location
        assert ours.replace(first.rsplit("/", 1)[1], "{id}") == theirs.replace(
            second.rsplit("/", 1)[1], "{id}"
        )
        assert ours.startswith("/v1beta1/projects/proj/locations/us-central1/batchPredictionJobs/")
        assert all(fake.batches.batches[n].cancelled_at is not None for n in (first, second))
        assert (await api.status(first)).state == (await api.status(second)).state == states.CANCELLED
    finally:
        fake.batches.latency = 0.0


# -- Cloud Storage ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def emulator():
    server_mod = pytest.importorskip("gcp_storage_emulator.server")
    port = _free_port()
    server = server_mod.create_server("127.0.0.1", port, in_memory=True, default_bucket="emu-bucket")
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.anyio
async def test_our_storage_calls_work_against_an_independent_gcs_server(fake, emulator):
    async with _adapter(_conn(fake, storage_url=emulator, batch_bucket="gs://emu-bucket/pre")) as adapter:
        await _emulator_round_trip(adapter, emulator)


async def _emulator_round_trip(adapter, emulator: str) -> None:
    storage = CloudStorage(adapter, emulator, "emu-bucket")
    names = [f"pre/nbconnect/run-1/output/predictions_{i:05d}.jsonl" for i in range(3)]
    for i, name in enumerate(names):
        await storage.upload(name, f'{{"n": {i}}}\n'.encode())
    await storage.upload("pre/nbconnect/run-10/other.jsonl", b"x\n")  # shares the text prefix, not the folder
    assert sorted(await storage.list("pre/nbconnect/run-1/")) == names
    assert await storage.download(names[1]) == b'{"n": 1}\n'
    await storage.delete(names[0])
    assert sorted(await storage.list("pre/nbconnect/run-1/")) == names[1:]
    with pytest.raises(E.NotFoundError, match="Cloud Storage"):
        await storage.download(names[0])
    # a bucket the emulator does not have: refused, and the error says Cloud Storage, not a model
    with pytest.raises(E.NotFoundError) as err:
        await CloudStorage(adapter, emulator, "no-such-bucket").upload("a.jsonl", b"x\n")
    assert "model" not in str(err.value) and "Cloud Storage" in str(err.value)


@pytest.mark.anyio
async def test_our_listing_follows_pages_and_our_errors_name_the_bucket_and_role(fake):
    async with _adapter(_conn(fake, base_url=fake.url, storage_url=fake.url)) as adapter:
        await _pages_and_errors(fake, adapter)


async def _pages_and_errors(fake, adapter) -> None:
    storage = CloudStorage(adapter, fake.url, "nbc-batch")
    fake.storage.page_size = 2
    try:
        names = [f"runs/nbconnect/paged/{i}.jsonl" for i in range(5)]
        for name in names:
            await storage.upload(name, b"{}\n")
        before = len(fake.requests)
        assert await storage.list("runs/nbconnect/paged/") == names
        pages = [r for r in fake.requests[before:] if r.path.endswith("/o")]
        assert len(pages) == 3 and "pageToken" not in pages[0].query and "pageToken" in pages[2].query
    finally:
        fake.storage.page_size = 1000
    with pytest.raises(E.NotFoundError, match="bucket 'gone-bucket' exists"):
        await CloudStorage(adapter, fake.url, "gone-bucket").upload("a.jsonl", b"x\n")
    from nbconnect.testing import Fault

    fake.script("/upload/storage/v1/b/nbc-batch", [Fault("status", status=403, message="Forbidden")])
    with pytest.raises(E.PermissionDeniedError) as denied:
        await storage.upload("runs/x.jsonl", b"x\n")
    text = str(denied.value)
    assert "roles/storage.objectUser" in text and "gs://nbc-batch" in text and "Vertex AI User" not in text


@pytest.mark.anyio
async def test_the_official_storage_client_and_the_fake_understand_each_other(fake):
    storage_mod = pytest.importorskip("google.cloud.storage")
    from google.auth.credentials import AnonymousCredentials

    client = storage_mod.Client(
        project="proj", credentials=AnonymousCredentials(), client_options={"api_endpoint": fake.url}
    )
    async with _adapter(_conn(fake, base_url=fake.url, storage_url=fake.url)) as adapter:
        # the client's calls block this loop briefly; the fake answers on its own thread
        await _client_round_trip(
            fake, CloudStorage(adapter, fake.url, "nbc-batch"), client.bucket("nbc-batch")
        )
    client.close()


async def _client_round_trip(fake, ours: CloudStorage, bucket) -> None:
    data = "".join(json.dumps({"request": {"n": i, "text": "ü"}}) + "\n" for i in range(3)).encode()
    await ours.upload("runs/nbconnect/client/input.jsonl", data)
    assert bucket.blob("runs/nbconnect/client/input.jsonl").download_as_bytes() == data  # checksums too
    bucket.blob("runs/nbconnect/client/written.jsonl").upload_from_string(b'{"from": "client"}\n')
    assert await ours.download("runs/nbconnect/client/written.jsonl") == b'{"from": "client"}\n'
    before = len(fake.requests)
    blobs = bucket.client.list_blobs("nbc-batch", prefix="runs/nbconnect/client/", page_size=1)
    listed = [b.name for b in blobs]
    assert listed == ["runs/nbconnect/client/input.jsonl", "runs/nbconnect/client/written.jsonl"]
    pages = [r for r in fake.requests[before:] if r.path == "/storage/v1/b/nbc-batch/o"]
    assert [r.query.get("maxResults") for r in pages] == ["1", "1"] and "pageToken" in pages[1].query
    bucket.blob("runs/nbconnect/client/written.jsonl").delete()
    assert await ours.list("runs/nbconnect/client/") == ["runs/nbconnect/client/input.jsonl"]

"""Test helpers: a local fake of the LLM providers' HTTP APIs.

:class:`FakeProvider` is a real HTTP/1.1 server on ``127.0.0.1`` (its own event loop on a
background thread) that answers in the exact wire formats of OpenAI (and OpenAI-compatible
servers), Azure OpenAI / Azure AI Foundry, Anthropic, the Gemini API and Vertex AI (with the
Cloud Storage its batch jobs use). Point any
client at ``server.url`` — nbconnect connections, plain httpx, or the official SDKs::

    import httpx
    from nbconnect.testing import FakeProvider, Fault

    schema = {"type": "object", "properties": {"city": {"type": "string"}},
              "required": ["city"], "additionalProperties": False}
    with FakeProvider(api_keys={"sk-test"}) as server:
        server.script("/chat/completions", [Fault("rate_limit", retry_after=0), Fault("ok")])
        r = httpx.post(server.url + "/v1/chat/completions",
                       headers={"Authorization": "Bearer sk-test"},
                       json={"model": "gpt-4.1-mini",
                             "messages": [{"role": "user", "content": "Paris is nice"}],
                             "response_format": {"type": "json_schema",
                                                 "json_schema": {"name": "place", "schema": schema}}})
        assert r.status_code == 429 and r.headers["retry-after"] == "0"
        assert server.count("/chat/completions") == 1

Routes (any prefix before the OpenAI ones, so base URLs like ``/v1``, ``/openai/v1``,
``/openai/deployments/{name}`` and ``/models`` all work):

===========================  ======================================================================
OpenAI format                ``POST …/chat/completions``, ``GET …/models``, ``GET …/models/{id}``
Anthropic                    ``POST /v1/messages``, ``GET /v1/models[/{id}]``
Gemini API                   ``POST /v1beta/models/{m}:generateContent`` (and ``/v1``),
                             ``GET /v1beta/models[/{m}]`` (and ``/v1``)
Vertex AI                    ``POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent``
                             (and ``:countTokens``, also for Gemini)
                             (and ``v1beta1``), ``GET /v1beta1/publishers/google/models``
Batch APIs                   OpenAI / Azure ``…/files`` + ``…/batches``, Anthropic ``/v1/messages/batches``,
                             Gemini ``…:batchGenerateContent`` + ``/v1/batches/{id}`` (and Google's
                             resumable ``/upload`` and ``/download`` of files), Vertex AI
                             ``…/locations/{l}/batchPredictionJobs[/{id}[:cancel]]``: ``server.batches``,
                             on ``server.batch_clock`` (see ``_batch``, ``_batch_vertex``)
Cloud Storage                ``/upload/storage/v1/b/{b}/o`` (media, multipart), ``/storage/v1/b/{b}/o``
                             (paged list), ``…/o/{object}`` (get, ``alt=media``, delete),
                             ``/download/storage/v1/…``: ``server.storage`` (``create_bucket``), where
                             Vertex AI batch jobs read their input and write their output
Google OAuth2 tokens         ``POST /token``: service-account JWT grants (``server.oauth``, a
                             ``TokenEndpoint``); ``server.service_account()`` is a key it
                             accepts, and its access tokens pass the Vertex routes' ``api_keys``
===========================  ======================================================================

``GET /v1/models`` is shared: requests with ``x-goog-api-key`` (or ``key``/``pageSize``/``pageToken``
query parameters) get the Gemini list, requests with ``anthropic-version`` or ``x-api-key`` the
Anthropic list, anything else the OpenAI list.

Answers satisfy the JSON schema found in the request (OpenAI ``response_format``, Anthropic
``output_config.format`` or a forced tool's ``input_schema``, Gemini ``responseJsonSchema`` or
``responseSchema``) and are a deterministic function of the last user message:
:func:`answer_for` computes the same value, so a test can predict it. Requests are validated
the way the providers do it where it matters to a client (missing ``anthropic-version``,
OpenAI JSON mode without the word "json", ``additionalProperties`` in a Gemini API
``responseSchema``, forced tools with thinking...), and :class:`Fault` scripts every failure a
client must survive.
"""

from __future__ import annotations

from .._schema.openapi import openapi_to_json_schema
from .._schema.values import answer_for, broken_answer
from ._faults import FAULT_KINDS, Fault
from ._server import DEFAULT_MODELS, FakeProvider, Recorded

__all__ = [
    "DEFAULT_MODELS",
    "FAULT_KINDS",
    "FakeProvider",
    "Fault",
    "Recorded",
    "answer_for",
    "broken_answer",
    "openapi_to_json_schema",
]

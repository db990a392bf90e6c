"""Parity with the official SDKs on responses: the same recorded bodies, parsed by each SDK's own
types (``ChatCompletion``, ``Message``, ``GenerateContentResponse``) and by nbconnect, give the
same text, finish reason and token counts (whole prompt, cached part, cache writes, whole output,
reasoning part). The bodies cover a plain answer, a refusal, a truncated answer, content in parts,
tool use, a safety block, and usage with cached and reasoning tokens.
"""

from __future__ import annotations

import json

import pytest
from _sdk_parse import anthropic_sdk, google_sdk, nbconnect_parse, openai_sdk

import nbconnect as nbc
from nbconnect._schema.schema import as_schema
from nbconnect._wire.adapter import Call
from nbconnect._wire.anthropic import FORCED_TOOL, OUTPUT_CONFIG
from nbconnect._wire.lookup import adapter_for

ANSWER = '{"label": "positive", "score": 0.9}'
CALL = Call(model="m", user="I love it", schema=as_schema("label: positive|negative, score: float"))


# -- OpenAI chat.completion -------------------------------------------------------------------------
def completion(message, finish="stop", usage=None):
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-5-mini-2025-08-07",
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", **message}}],
        "usage": usage or {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42},
    }


OPENAI = {
    "plain": completion({"content": ANSWER, "refusal": None}),
    "refusal": completion({"content": None, "refusal": "I can't help with that."}),
    "truncated": completion({"content": '{"label": "posi'}, "length"),
    "tool use": completion(
        {
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "answer", "arguments": ANSWER}}
            ],
        },
        "tool_calls",
    ),
    "safety block": completion({"content": None}, "content_filter"),
    "cached and reasoning": completion(
        {"content": ANSWER},
        usage={
            "prompt_tokens": 2048,
            "completion_tokens": 300,
            "total_tokens": 2348,
            "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 256, "audio_tokens": 0},
        },
    ),
}


@pytest.mark.parametrize("case", list(OPENAI))
def test_openai_responses_parse_like_the_sdk(case):
    adapter = adapter_for(nbc.OpenAI(api_key="sk-parity-0123456789"))
    body = OPENAI[case]
    assert nbconnect_parse(adapter, CALL, "json_schema_strict", body) == openai_sdk(body)


def test_openai_content_parts_are_joined_where_the_sdk_type_has_none():
    """ChatCompletion types ``content`` as a string; some compatible servers send parts anyway."""
    from openai.types.chat import ChatCompletion
    from pydantic import ValidationError

    parts = [{"type": "text", "text": '{"label": '}, {"type": "text", "text": '"positive", "score": 0.9}'}]
    body = completion({"content": parts})
    with pytest.raises(ValidationError):
        ChatCompletion.model_validate(body)
    adapter = adapter_for(nbc.CustomLLM(name="m", endpoint="http://127.0.0.1:9/v1"))
    assert nbconnect_parse(adapter, CALL, "json_schema", body).text == ANSWER


# -- Anthropic message ----------------------------------------------------------------------------------
def message(content, stop="end_turn", usage=None, **extra):
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage or {"input_tokens": 25, "output_tokens": 14},
        **extra,
    }


def text(value):
    return {"type": "text", "text": value}


TOOL = {"type": "tool_use", "id": "toolu_1", "name": "answer", "input": json.loads(ANSWER)}
ANTHROPIC = {
    "plain": message([text(ANSWER)]),
    "refusal": message(
        [], "refusal", stop_details={"type": "refusal", "category": None, "explanation": "no"}
    ),
    "truncated": message([text('{"label": "posi')], "max_tokens"),
    "content parts": message(
        [{"type": "thinking", "thinking": "hmm", "signature": "sig"}, text('{"label": '), text(ANSWER[10:])]
    ),
    "tool use": message([TOOL], "tool_use"),
    "safety block": message([text("I won't.")], "refusal"),
    "cached and reasoning": message(
        [text(ANSWER)],
        usage={
            "input_tokens": 40,
            "cache_creation_input_tokens": 1200,
            "cache_read_input_tokens": 3000,
            "output_tokens": 500,
            "output_tokens_details": {"thinking_tokens": 420},
        },
    ),
}


@pytest.mark.parametrize("case", list(ANTHROPIC))
def test_anthropic_responses_parse_like_the_sdk(case):
    adapter = adapter_for(nbc.Anthropic(api_key="sk-ant-parity-0123456789"))
    body = ANTHROPIC[case]
    assert nbconnect_parse(adapter, CALL, OUTPUT_CONFIG, body) == anthropic_sdk(body)


def test_anthropic_forced_tool_answer_is_the_sdks_tool_input():
    from anthropic.types import Message

    adapter = adapter_for(nbc.Anthropic(api_key="sk-ant-parity-0123456789"))
    reply = adapter.parse(CALL, FORCED_TOOL, ANTHROPIC["tool use"], {})
    block = Message.model_validate(ANTHROPIC["tool use"]).content[0]
    assert block.type == "tool_use" and reply.value == block.input
    assert json.loads(reply.raw) == block.input and reply.finish_reason == "tool_use"


# -- Gemini / Vertex generateContent ------------------------------------------------------------------
def candidate(parts, finish="STOP", **extra):
    return {"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0, **extra}


def generated(candidates, usage=None, **extra):
    return {
        "candidates": candidates,
        "usageMetadata": usage or {"promptTokenCount": 20, "candidatesTokenCount": 9, "totalTokenCount": 29},
        "modelVersion": "gemini-2.5-pro",
        "responseId": "r1",
        **extra,
    }


RATINGS = [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}]
GOOGLE = {
    "plain": generated([candidate([{"text": ANSWER}])]),
    "refusal": generated([{"finishReason": "PROHIBITED_CONTENT", "index": 0}]),
    "truncated": generated([candidate([{"text": '{"label": "posi'}], "MAX_TOKENS")]),
    "content parts": generated(
        [
            candidate(
                [{"text": "Thinking it over", "thought": True}, {"text": '{"label": '}, {"text": ANSWER[10:]}]
            )
        ]
    ),
    "tool use": generated([candidate([{"functionCall": {"name": "answer", "args": json.loads(ANSWER)}}])]),
    "safety block": generated([{"finishReason": "SAFETY", "index": 0, "safetyRatings": RATINGS}]),
    "blocked prompt": {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": RATINGS},
        "usageMetadata": {"promptTokenCount": 20, "totalTokenCount": 20},
        "modelVersion": "gemini-2.5-pro",
    },
    "cached and reasoning": generated(
        [candidate([{"text": ANSWER}])],
        usage={
            "promptTokenCount": 5000,  # includes the cached tokens
            "cachedContentTokenCount": 4096,
            "candidatesTokenCount": 12,  # excludes the thoughts
            "thoughtsTokenCount": 700,
            "totalTokenCount": 5712,
        },
    ),
}


@pytest.mark.parametrize("case", list(GOOGLE))
def test_google_responses_parse_like_the_sdk(case):
    adapter = adapter_for(nbc.Gemini(api_key="AIzaParity0123456789abcdef"))
    body = GOOGLE[case]
    assert nbconnect_parse(adapter, CALL, "response_json_schema", body) == google_sdk(body)


@pytest.mark.parametrize(
    ("adapter", "mode", "body"),
    [
        (adapter_for(nbc.OpenAI(api_key="sk-parity-0123456789")), "json_schema_strict", OPENAI),
        (adapter_for(nbc.Anthropic(api_key="sk-ant-parity-0123456789")), OUTPUT_CONFIG, ANTHROPIC),
        (adapter_for(nbc.Gemini(api_key="AIzaParity0123456789abcdef")), "response_json_schema", GOOGLE),
    ],
    ids=["openai", "anthropic", "google"],
)
def test_cached_and_reasoning_tokens_are_nonzero_parts_of_the_totals(adapter, mode, body):
    """Guards the recorded bodies themselves: the case must really carry both kinds of tokens."""
    got = nbconnect_parse(adapter, CALL, mode, body["cached and reasoning"])
    assert 0 < got.cached < got.input and 0 < got.reasoning < got.output

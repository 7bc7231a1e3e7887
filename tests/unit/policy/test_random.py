"""RandomPolicy: deterministic per seed and turn; arguments follow the tools' schemas."""

import json
import random

import jsonschema
import pytest

from gymforge.policy import RandomPolicy, sample_json_schema
from gymforge.types import JsonValue, Message, Sampling, ToolSpec

S = Sampling()
ORDER_SCHEMA: dict[str, JsonValue] = {
    "type": "object",
    "properties": {
        "order_id": {"type": "integer", "minimum": 1000, "maximum": 1005},
        "reason": {"type": "string", "enum": ["damaged", "late", "wrong item"]},
        "note": {"type": "string", "minLength": 2, "maxLength": 5},
        "qty": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3},
        "price": {"type": "number", "minimum": -2.5, "maximum": 2.5},
        "gift": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
        "address": {
            "type": "object",
            "properties": {"zip": {"type": "string"}, "kind": {"const": "home"}},
            "required": ["zip", "kind"],
        },
        "maybe": {"anyOf": [{"type": "null"}, {"type": "integer", "maximum": -5}]},
        "either": {"type": ["string", "boolean"]},
    },
    "required": ["order_id", "reason", "qty", "address"],
}
TOOLS = [
    ToolSpec(name="refund", description="Refund an order.", parameters=ORDER_SCHEMA),
    ToolSpec(name="ping", description="No arguments.", parameters={"type": "object"}),
]
HISTORY = [Message.system("be helpful"), Message.user("refund my order")]


async def test_same_seed_same_reply_and_the_seed_matters() -> None:
    policy = RandomPolicy(p_tool=0.5)
    replies = [await policy.act(HISTORY, TOOLS, seed=s, sampling=S) for s in range(8)]
    again = [await policy.act(HISTORY, TOOLS, seed=s, sampling=S) for s in range(8)]
    assert replies == again
    assert len({r.model_dump_json() for r in replies}) > 1
    # a fresh instance draws the same values: nothing depends on instance state
    assert await RandomPolicy(p_tool=0.5).act(HISTORY, TOOLS, seed=3, sampling=S) == replies[3]


async def test_each_turn_of_an_episode_draws_fresh_values() -> None:
    policy = RandomPolicy(p_tool=0.0)
    texts = set()
    history = list(HISTORY)
    for _ in range(6):
        reply = await policy.act(history, TOOLS, seed=11, sampling=S)
        texts.add(reply.content)
        history += [reply, Message.user("more")]
    assert len(texts) > 1


def test_sampled_arguments_validate_against_the_schema() -> None:
    rng = random.Random(5)
    validator = jsonschema.Draft202012Validator(ORDER_SCHEMA)
    seen_reasons = set()
    for _ in range(200):
        value = sample_json_schema(ORDER_SCHEMA, rng)
        validator.validate(value)
        assert isinstance(value, dict)
        seen_reasons.add(value["reason"])
    assert seen_reasons == {"damaged", "late", "wrong item"}


def test_draft4_boolean_exclusive_bounds_are_respected() -> None:
    schema: dict[str, JsonValue] = {
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 2,
        "exclusiveMaximum": True,
    }
    rng = random.Random(0)
    assert {sample_json_schema(schema, rng) for _ in range(20)} == {1}


async def test_tool_calls_name_an_offered_tool_with_json_arguments_and_turn_ids() -> None:
    policy = RandomPolicy(p_tool=1.0)
    history = [*HISTORY, Message.assistant("hm"), Message.user("go on")]
    for seed in range(20):
        reply = await policy.act(history, TOOLS, seed=seed, sampling=S)
        assert reply.tool_calls is not None
        assert len(reply.tool_calls) == 1
        call = reply.tool_calls[0]
        assert call.id == "call_1_0"
        spec = next(t for t in TOOLS if t.name == call.name)
        jsonschema.validate(json.loads(call.function.arguments), spec.parameters)


async def test_without_tools_or_with_p_tool_zero_the_reply_is_short_text() -> None:
    for policy, tools in ((RandomPolicy(p_tool=1.0), []), (RandomPolicy(p_tool=0.0), TOOLS)):
        reply = await policy.act(HISTORY, tools, seed=1, sampling=S)
        assert reply.tool_calls is None
        assert reply.content
        assert 1 <= len(reply.content.split()) <= policy.max_words


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="p_tool"):
        RandomPolicy(p_tool=1.5)
    with pytest.raises(ValueError, match="max_words"):
        RandomPolicy(max_words=0)

"""The tool-call text protocol: render, parse, round trip, malformed blocks."""

import json

import pytest

from gymforge.policy import parse_tool_calls, render_history, render_tool_instructions
from gymforge.policy._toolprompt import render_tool_call
from gymforge.types import Message, ToolCall, ToolSpec

LOOKUP = ToolSpec(
    name="lookup_order",
    description="Find an order by id.",
    parameters={"type": "object", "properties": {"order_id": {"type": "integer"}}},
)
NAMES = {"lookup_order", "refund"}


def test_instructions_list_every_tool_with_its_schema() -> None:
    refund = ToolSpec(name="refund", description="Refund it.", parameters={"type": "object"})
    text = render_tool_instructions([LOOKUP, refund])
    assert '<tool_call>{"name": "TOOL_NAME", "arguments": {"ARG": "VALUE"}}</tool_call>' in text
    assert "- lookup_order: Find an order by id." in text
    assert json.dumps(LOOKUP.parameters, sort_keys=True) in text
    assert "- refund: Refund it." in text


@pytest.mark.parametrize(
    "call",
    [
        ToolCall.make("lookup_order", {"order_id": 12}, id="call_3_0"),
        ToolCall.make("refund", {"note": "café ✓", "items": [1, 2], "nested": {"a": None}}, id="x"),
        ToolCall.make("lookup_order", {}, id="y"),
    ],
)
def test_a_rendered_call_parses_back_to_the_same_call(call: ToolCall) -> None:
    content, calls = parse_tool_calls(render_tool_call(call), turn=3)
    assert content is None
    assert len(calls) == 1
    assert calls[0].name == call.name
    assert calls[0].parsed_arguments() == call.parsed_arguments()
    assert calls[0].id == "call_3_0"


def test_several_blocks_and_surrounding_text() -> None:
    text = (
        "Let me check both.\n"
        '<tool_call>{"name": "lookup_order", "arguments": {"order_id": 1}}</tool_call>\n'
        '<tool_call> {"name": "refund", "parameters": {"order_id": 2}} </tool_call>\n'
        "One moment."
    )
    content, calls = parse_tool_calls(text, turn=2, tool_names=NAMES)
    assert content == "Let me check both.\n\n\nOne moment."
    assert [(c.id, c.name, c.parsed_arguments()) for c in calls] == [
        ("call_2_0", "lookup_order", {"order_id": 1}),
        ("call_2_1", "refund", {"order_id": 2}),
    ]


def test_a_block_may_hold_a_list_of_calls() -> None:
    text = (
        '<tool_call>[{"name": "refund", "arguments": {"order_id": 1}}, '
        '{"name": "lookup_order", "arguments": {"order_id": 2}}]</tool_call>'
    )
    content, calls = parse_tool_calls(text, turn=4)
    assert content is None
    assert [(c.id, c.name) for c in calls] == [("call_4_0", "refund"), ("call_4_1", "lookup_order")]
    half_bad = '<tool_call>[{"name": "refund"}, {"oops": 1}]</tool_call>'
    assert parse_tool_calls(half_bad, turn=0) == (half_bad, ())
    empty = "<tool_call>[]</tool_call>"
    assert parse_tool_calls(empty, turn=0) == (empty, ())


def test_unclosed_last_block_and_string_arguments_are_tolerated() -> None:
    text = '<tool_call>{"name": "refund", "arguments": "{\\"order_id\\": 5}"}'
    content, calls = parse_tool_calls(text, turn=0)
    assert content is None
    assert calls[0].function.arguments == '{"order_id": 5}'


@pytest.mark.parametrize(
    "block",
    [
        "<tool_call>not json at all</tool_call>",
        '<tool_call>{"name": "refund", "arguments": {}</tool_call>',
        '<tool_call>{"arguments": {}}</tool_call>',
        '<tool_call>["refund", {}]</tool_call>',
        '<tool_call>{"name": "refund"} trailing words</tool_call>',
        '<tool_call>{"name": 3}</tool_call>',
    ],
)
def test_malformed_blocks_stay_as_text(block: str) -> None:
    text = f"Before. {block} After."
    content, calls = parse_tool_calls(text, turn=0, tool_names=NAMES)
    assert calls == ()
    assert content == text


def test_a_malformed_block_next_to_a_good_one_keeps_the_good_call() -> None:
    good = '<tool_call>{"name": "refund", "arguments": {"order_id": 1}}</tool_call>'
    content, calls = parse_tool_calls(f"<tool_call>oops</tool_call>{good}", turn=0)
    assert content == "<tool_call>oops</tool_call>"
    assert [c.name for c in calls] == ["refund"]


def test_bare_json_counts_only_for_offered_tools_and_without_blocks() -> None:
    bare = '{"name": "refund", "arguments": {"order_id": 7}}'
    content, calls = parse_tool_calls(bare, turn=1, tool_names=NAMES)
    assert content is None
    assert calls[0].parsed_arguments() == {"order_id": 7}
    fenced = f"```json\n{bare}\n```"
    assert parse_tool_calls(fenced, turn=1, tool_names=NAMES)[1][0].name == "refund"
    unknown = '{"name": "delete_everything", "arguments": {}}'
    assert parse_tool_calls(unknown, turn=1, tool_names=NAMES) == (unknown, ())
    assert parse_tool_calls(bare, turn=1) == (bare, ())
    assert parse_tool_calls("just words", turn=1, tool_names=NAMES) == ("just words", ())


def test_history_renders_calls_and_results_in_the_same_protocol() -> None:
    call_a = ToolCall.make("lookup_order", {"order_id": 1}, id="call_0_0")
    call_b = ToolCall.make("refund", {"order_id": 1}, id="call_0_1")
    history = render_history(
        [
            Message.system("You are support."),
            Message.user("refund order 1"),
            Message.assistant("Checking.", tool_calls=[call_a, call_b]),
            Message.tool("order 1: shipped", tool_call_id="call_0_0", name="lookup_order"),
            Message.tool("refunded", tool_call_id="call_0_1"),
            Message.user("thanks"),
        ],
        [LOOKUP],
    )
    assert [m["role"] for m in history] == ["system", "user", "assistant", "user", "user"]
    assert history[0]["content"].startswith("You are support.\n\nYou can call tools.")
    content, calls = parse_tool_calls(history[2]["content"], turn=0)
    assert content == "Checking."
    assert [(c.name, c.parsed_arguments()) for c in calls] == [
        ("lookup_order", {"order_id": 1}),
        ("refund", {"order_id": 1}),
    ]
    assert history[3]["content"] == (
        '<tool_response id="call_0_0" name="lookup_order">\norder 1: shipped\n</tool_response>\n'
        '<tool_response id="call_0_1">\nrefunded\n</tool_response>'
    )
    assert history[4] == {"role": "user", "content": "thanks"}


def test_tool_instructions_become_a_system_message_when_there_is_none() -> None:
    history = render_history([Message.user("hi")], [LOOKUP])
    assert history[0]["role"] == "system"
    assert "lookup_order" in history[0]["content"]
    assert render_history([Message.user("hi")]) == [{"role": "user", "content": "hi"}]

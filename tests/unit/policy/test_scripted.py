"""ScriptedPolicy and ConstantPolicy: scripts by turn, functions, clear errors."""

from collections.abc import Sequence

import pytest

from gymforge.errors import PolicyError, PolicyOutputError, PolicyTimeout
from gymforge.policy import ConstantPolicy, Policy, ScriptedPolicy
from gymforge.types import Message, Sampling, ToolCall, ToolSpec

S = Sampling()


async def test_script_plays_the_reply_of_each_assistant_turn() -> None:
    first = Message.assistant(tool_calls=[ToolCall.make("look", {"q": 1}, id="c0")])
    second = Message.assistant("done")
    policy = ScriptedPolicy([first, second])
    history = [Message.system("s"), Message.user("go")]
    assert await policy.act(history, [], seed=0, sampling=S) == first
    history += [first, Message.tool("found", tool_call_id="c0")]
    assert await policy.act(history, [], seed=0, sampling=S) == second
    # the position comes from the conversation, so a repeated call gives the same reply
    assert await policy.act(history, [], seed=9, sampling=S) == second


async def test_running_out_of_script_is_the_policys_output_and_says_so() -> None:
    policy = ScriptedPolicy([Message.assistant("only")])
    history = [Message.user("a"), Message.assistant("only"), Message.user("b")]
    with pytest.raises(PolicyOutputError, match=r"ran out of replies.*turn 1.*only 1 message"):
        await policy.act(history, [], seed=0, sampling=S)


async def test_function_script_sees_messages_and_tools() -> None:
    seen: list[tuple[int, list[str]]] = []

    def reply(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Message:
        seen.append((len(messages), [t.name for t in tools]))
        return Message.assistant(f"n={len(messages)}")

    policy = ScriptedPolicy(reply)
    tool = ToolSpec(name="t", description="d", parameters={"type": "object"})
    out = await policy.act([Message.user("x")] * 3, [tool], seed=0, sampling=S)
    assert out.content == "n=3"
    assert seen == [(3, ["t"])]


async def test_function_script_failures_and_bad_replies_are_reported() -> None:
    def boom(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Message:
        raise KeyError("nope")

    with pytest.raises(PolicyError, match="function failed") as info:
        await ScriptedPolicy(boom).act([], [], seed=0, sampling=S)
    assert type(info.value) is PolicyError  # a bug in the policy's code: no finer cause

    def slow(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Message:
        raise PolicyTimeout("the fake model server did not answer")

    with pytest.raises(PolicyTimeout, match="did not answer"):  # passes through as raised
        await ScriptedPolicy(slow).act([], [], seed=0, sampling=S)
    with pytest.raises(ValueError, match="role 'user'"):
        await ScriptedPolicy(lambda m, t: Message.user("x")).act([], [], seed=0, sampling=S)


def test_script_rejects_non_assistant_messages_up_front() -> None:
    with pytest.raises(ValueError, match=r"responses\[1\] has role 'user'"):
        ScriptedPolicy([Message.assistant("a"), Message.user("b")])
    with pytest.raises(TypeError, match=r"responses\[0\] must be a gymforge Message"):
        ScriptedPolicy(["text"])  # type: ignore[list-item]


async def test_constant_policy_returns_its_one_message() -> None:
    policy = ConstantPolicy("ok")
    a = await policy.act([Message.user("1")], [], seed=1, sampling=S)
    b = await policy.act([Message.user("2")] * 5, [], seed=2, sampling=S)
    assert a is b
    assert a.role == "assistant"
    assert a.content == "ok"
    with pytest.raises(ValueError, match="role 'tool'"):
        ConstantPolicy(Message.tool("x", tool_call_id="c"))


def test_policies_satisfy_the_protocol() -> None:
    assert isinstance(ScriptedPolicy([]), Policy)
    assert isinstance(ConstantPolicy(), Policy)

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from gymforge.env import EnvSpec, MaxTurns, TimeLimit, ToolEnv, Wrapper, tool
from gymforge.errors import EnvError
from gymforge.types import Message, ToolCall


class Chatty(ToolEnv):
    """Never ends on text; `finish` ends it; `nap` sleeps."""

    async def opening_messages(self) -> Sequence[Message]:
        return [Message.user(self.task.prompt)]

    async def on_text(self, message: Message) -> Sequence[Message]:
        return [Message.user("go on")]

    @tool
    def finish(self) -> str:
        """End the episode."""
        self.end_episode()
        return "done"

    @tool
    async def nap(self, seconds: float) -> str:
        """Sleep."""
        await asyncio.sleep(seconds)
        return "rested"

    async def reference_action(self) -> Message:
        return Message.assistant(tool_calls=[ToolCall.make("finish", {}, id="f")])


def nap(seconds: float) -> Message:
    return Message.assistant(tool_calls=[ToolCall.make("nap", {"seconds": seconds}, id="n")])


@pytest.fixture
def chatty(family: Any, grader: Any) -> Chatty:
    return Chatty(family, grader)


async def test_max_turns_truncates_at_the_limit(chatty: Chatty) -> None:
    env = MaxTurns(chatty, 2)
    await env.reset(seed=0)
    first = await env.step(Message.assistant("a"))
    second = await env.step(Message.assistant("b"))
    assert (first.truncated, second.truncated, second.terminated) == (False, True, False)
    with pytest.raises(EnvError, match="truncated at 2 turns"):
        await env.step(Message.assistant("c"))
    await env.reset(seed=0)
    assert (await env.step(Message.assistant("a"))).truncated is False


async def test_max_turns_keeps_a_natural_end_untruncated(chatty: Chatty) -> None:
    env = MaxTurns(chatty, 1)
    await env.reset(seed=0)
    result = await env.step(await env.reference_action())
    assert (result.terminated, result.truncated) == (True, False)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None])
def test_max_turns_validates(chatty: Chatty, bad: Any) -> None:
    with pytest.raises(ValueError, match="max_turns"):
        MaxTurns(chatty, bad)


def test_wrappers_need_an_env() -> None:
    with pytest.raises(TypeError, match="wraps an Env"):
        MaxTurns("env", 3)  # type: ignore[arg-type]


async def test_time_limit_truncates_after_the_deadline(chatty: Chatty) -> None:
    now = [100.0]
    env = TimeLimit(chatty, 10, clock=lambda: now[0])
    await env.reset(seed=0)
    now[0] = 105.0
    assert (await env.step(Message.assistant("a"))).truncated is False
    now[0] = 111.0
    result = await env.step(Message.assistant("b"))
    assert result.truncated is True
    assert result.observation == (Message.user("go on"),)
    with pytest.raises(EnvError, match="time limit"):
        await env.step(Message.assistant("c"))


async def test_time_limit_cancels_a_step_that_runs_past_the_deadline(chatty: Chatty) -> None:
    env = TimeLimit(chatty, 0.05)
    _, info = await env.reset(seed=0)
    result = await env.step(nap(30))
    assert (result.observation, result.truncated, result.terminated) == ((), True, False)
    assert result.info == info


@pytest.mark.parametrize("bad", [0, -2.0, "5", True])
def test_time_limit_validates(chatty: Chatty, bad: Any) -> None:
    with pytest.raises(ValueError, match="seconds"):
        TimeLimit(chatty, bad)


async def test_wrapper_forwards_the_contract(chatty: Chatty) -> None:
    env = Wrapper(MaxTurns(chatty, 5))
    assert env.unwrapped is chatty
    obs, _ = await env.reset(seed=1)
    assert env.task is chatty.task
    assert obs[0].content == chatty.task.prompt
    assert env.task_family is chatty.task_family
    assert env.grader() is chatty.grader()
    assert (await env.reference_action()).tool_calls is not None
    assert (await env.step(Message.assistant("x"))).observation == (Message.user("go on"),)
    env.spec = EnvSpec(id="test/Chatty-v0", entry_point="m:C")
    assert chatty.spec is not None
    assert chatty.spec.id == "test/Chatty-v0"
    assert repr(env) == "<Wrapper<MaxTurns<Chatty test/Chatty-v0>>>"
    await env.close()

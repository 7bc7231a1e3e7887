from collections.abc import Sequence
from typing import Any

import pytest

from gymforge.env import SingleTurnEnv, ToolEnv, check_env, oracle_episode, tool
from gymforge.errors import ConfigError, EnvError, ToolError
from gymforge.types import Message, Task, ToolCall

ORDERS = {1: "pending", 2: "shipped"}


class ShopEnv(ToolEnv):
    """Look up an order, refund it if pending, then submit the answer."""

    def __init__(self, family: Any, grader: Any, **kwargs: Any) -> None:
        super().__init__(family, grader, policy="Refund only pending orders.", **kwargs)

    async def on_reset(self, options: Any) -> None:
        self.orders = dict(ORDERS)
        self.milestones = {"looked_up": 0, "refunded": False}

    async def opening_messages(self) -> Sequence[Message]:
        return [Message.system("You are a shop agent."), Message.user(self.task.prompt)]

    @tool
    def lookup(self, order_id: int) -> str:
        """Find an order's status.

        Args:
            order_id: The order number.
        """
        if order_id not in self.orders:
            raise ToolError(f"no order #{order_id}")
        looked = self.milestones["looked_up"]
        assert isinstance(looked, int)
        self.milestones["looked_up"] = looked + 1
        return self.orders[order_id]

    @tool(writes=True)
    def refund(self, order_id: int) -> str:
        """Refund a pending order."""
        if self.orders.get(order_id) != "pending":
            raise ToolError(f"order #{order_id} is not pending")
        self.orders[order_id] = "refunded"
        self.milestones["refunded"] = True
        return "refunded"

    @tool
    def submit(self, answer: int) -> str:
        """Submit the final answer and end the episode."""
        self.end_episode()
        self.add_reward(0.5)
        return "submitted"

    @tool
    def crash(self) -> str:
        """A buggy tool."""
        raise RuntimeError("database is gone")

    async def reference_action(self) -> Message:
        if self.milestones["looked_up"] == 0:
            return Message.assistant(tool_calls=[ToolCall.make("lookup", {"order_id": 1}, id="r0")])
        return Message.assistant(f"\\boxed{{{self.task.answer}}}")


def calls(*items: tuple[str, Any]) -> Message:
    return Message.assistant(
        tool_calls=[ToolCall.make(name, args, id=f"c{i}") for i, (name, args) in enumerate(items)]
    )


async def test_reset_reports_tools_policy_and_milestones(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    obs, info = await env.reset(seed=3)
    assert [m.role for m in obs] == ["system", "user"]
    assert obs[1].content == env.task.prompt
    assert [t.name for t in info.tools] == ["lookup", "refund", "submit", "crash"]
    assert [t.writes for t in info.tools] == [False, True, False, False]
    assert info.policy == "Refund only pending orders."
    assert info.milestones == {"looked_up": 0, "refunded": False}


async def test_model_mistakes_are_error_tool_messages(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    await env.reset(seed=0)
    result = await env.step(
        calls(
            ("calc", {"x": 1}),
            ("lookup", {}),
            ("lookup", {"order_id": "seven"}),
            ("lookup", "{oops"),
            ("lookup", {"order_id": 99}),
            ("refund", {"order_id": 2}),
            ("lookup", {"order_id": 1, "verbose": True}),
        )
    )
    texts = [m.content for m in result.observation]
    assert texts == [
        "error: unknown tool 'calc'; available: lookup, refund, submit, crash",
        "error: argument 'order_id': field required",
        "error: argument 'order_id': input should be a valid integer, unable to parse string "
        "as an integer",
        texts[3],
        "error: no order #99",
        "error: order #2 is not pending",
        "error: argument 'verbose': unexpected argument; valid arguments: order_id",
    ]
    assert texts[3] is not None
    assert texts[3].startswith("error: arguments are not valid JSON")
    assert [m.tool_call_id for m in result.observation] == [f"c{i}" for i in range(7)]
    assert all(m.role == "tool" for m in result.observation)
    assert result.terminated is False
    assert result.info.milestones == {"looked_up": 0, "refunded": False}


async def test_tool_calls_run_in_order_and_update_milestones(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    await env.reset(seed=0)
    result = await env.step(
        calls(
            ("lookup", {"order_id": 1}), ("refund", {"order_id": "1"}), ("lookup", {"order_id": 1})
        )
    )
    assert [m.content for m in result.observation] == ["pending", "refunded", "refunded"]
    assert [m.name for m in result.observation] == ["lookup", "refund", "lookup"]
    assert result.info.milestones == {"looked_up": 2, "refunded": True}


async def test_calls_after_the_episode_ends_are_not_run(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    await env.reset(seed=0)
    result = await env.step(calls(("submit", {"answer": 1}), ("refund", {"order_id": 1})))
    assert result.terminated is True
    assert result.reward == 0.5
    assert result.observation[1].content == "error: the episode has ended; this call was not run"
    assert env.orders[1] == "pending"
    with pytest.raises(EnvError, match="call reset"):
        await env.step(Message.assistant("more"))


async def test_plain_text_ends_the_episode_by_default(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    await env.reset(seed=0)
    result = await env.step(Message.assistant("\\boxed{3}"))
    assert (result.observation, result.terminated, result.truncated) == ((), True, False)


async def test_a_crashing_tool_is_the_envs_bug(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    await env.reset(seed=0)
    with pytest.raises(EnvError, match="tool 'crash' crashed"):
        await env.step(calls(("crash", {})))


async def test_programmer_errors_raise(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    with pytest.raises(EnvError, match="before reset"):
        await env.step(Message.assistant("hi"))
    with pytest.raises(EnvError, match="call reset"):
        _ = env.task
    await env.reset(seed=0)
    with pytest.raises(ValueError, match="assistant message"):
        await env.step(Message.user("hi"))


async def test_extra_function_tools(family: Any, grader: Any) -> None:
    def echo(text: str) -> str:
        """Repeat the text."""
        return text * 2

    env = ShopEnv(family, grader, tools=[echo])
    _, info = await env.reset(seed=0)
    assert info.tools[-1].name == "echo"
    result = await env.step(calls(("echo", {"text": "ab"})))
    assert result.observation[0].content == "abab"


async def test_reset_is_seeded_and_reads_options(family: Any, grader: Any) -> None:
    env = ShopEnv(family, grader)
    first = await env.reset(seed=11)
    task = env.task
    assert await env.reset(seed=11) == first
    assert env.task == task
    await env.reset(seed=11, options={"task_index": 4, "difficulty": 2})
    assert env.task.id == "count/s11/4"
    assert env.task.difficulty == 2
    pinned = Task(id="mine", prompt="What is 40 + 2?", answer=42)
    obs, _ = await env.reset(seed=5, options={"task": pinned.model_dump()})
    assert env.task == pinned
    assert obs[1].content == "What is 40 + 2?"


async def test_reset_without_seed_follows_the_last_seed(family: Any, grader: Any) -> None:
    a, b = ShopEnv(family, grader), ShopEnv(family, grader)
    await a.reset(seed=9)
    await b.reset(seed=9)
    await a.reset()
    await b.reset()
    assert a.task == b.task
    fresh_a, fresh_b = ShopEnv(family, grader), ShopEnv(family, grader)
    await fresh_a.reset()
    await fresh_b.reset()
    assert fresh_a.task == fresh_b.task


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"level": 3}, ConfigError, r"unknown reset option\(s\) \['level'\]"),
        ({"task": {"prompt": "no id"}}, ConfigError, "not a valid Task"),
        ({"task_index": -1}, ConfigError, "task_index"),
        ({"difficulty": "hard"}, ConfigError, "difficulty"),
        ({"difficulty": 9}, ConfigError, "difficulty must be 1-3"),
    ],
)
async def test_bad_reset_options(
    family: Any, grader: Any, options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        await ShopEnv(family, grader).reset(seed=0, options=options)


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), ("1", TypeError), (True, TypeError)])
async def test_bad_seeds(family: Any, grader: Any, seed: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        await ShopEnv(family, grader).reset(seed=seed)


async def test_shop_env_passes_check_env(family: Any, grader: Any) -> None:
    await check_env(ShopEnv(family, grader))
    traj = await oracle_episode(ShopEnv(family, grader), seed=2)
    assert [m.role for m in traj.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert traj.terminated
    assert traj.turns[-1].milestones == {"looked_up": 1, "refunded": False}


async def test_single_turn_env(family: Any, grader: Any) -> None:
    env = SingleTurnEnv(family, grader, system_prompt="Be brief.")
    obs, info = await env.reset(seed=4, options={"task_index": 2})
    assert [(m.role, m.content) for m in obs] == [
        ("system", "Be brief."),
        ("user", "What is 2 + 4?"),
    ]
    assert info.milestones == {"answered": False}
    assert info.tools == ()
    action = await env.reference_action()
    assert action == Message.assistant("\\boxed{6}")
    result = await env.step(action)
    assert result.terminated
    assert result.observation == ()
    assert result.info.milestones == {"answered": True}
    with pytest.raises(EnvError, match="ended"):
        await env.step(action)


async def test_single_turn_env_answers_tool_calls_with_errors(family: Any, grader: Any) -> None:
    env = SingleTurnEnv(family, grader)
    await env.reset(seed=0)
    result = await env.step(calls(("calculate", {"expression": "1+1"})))
    assert result.terminated
    assert result.observation[0].content == (
        "error: unknown tool 'calculate'; available: (none: this env has no tools)"
    )


async def test_single_turn_reference_prefers_metadata(family: Any, grader: Any) -> None:
    env = SingleTurnEnv(family, grader)
    task = Task(id="t", prompt="?", answer=3, metadata={"reference": "It is \\boxed{3}."})
    await env.reset(seed=0, options={"task": task})
    assert (await env.reference_action()).content == "It is \\boxed{3}."
    await check_env(SingleTurnEnv(family, grader))

import asyncio
import contextvars
import json
import threading
from collections.abc import Sequence
from typing import Any

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

from gymforge.env import (
    AnyText,
    GymnasiumEnv,
    MaxTurns,
    SingleTurnEnv,
    TimeLimit,
    ToolEnv,
    _gym,
    decode_observation,
    encode_observation,
    load_plugins,
    make,
    parse_action,
    tool,
)
from gymforge.env._gym import _InfoDicts, _message_data
from gymforge.errors import EnvError
from gymforge.types import Generation, Info, Message, Score, Task, ToolCall, ToolSpec, Trajectory

BUILTIN = ["gymforge/Arithmetic-v0", "gymforge/CalculatorAgent-v0"]


@pytest.fixture(autouse=True)
def _plugins() -> None:
    load_plugins()


@pytest.mark.parametrize("env_id", BUILTIN)
def test_gymnasium_make_and_env_checker(env_id: str) -> None:
    env = gymnasium.make(env_id)
    try:
        assert isinstance(env.unwrapped, GymnasiumEnv)
        gymnasium_check_env(env.unwrapped)
    finally:
        env.close()


def test_reset_seed_gives_the_same_task_as_the_async_env() -> None:
    env = gymnasium.make("gymforge/Arithmetic-v0")
    try:
        obs, info = env.reset(seed=17)
        adapter = env.unwrapped
        assert isinstance(adapter, GymnasiumEnv)
        task = adapter.env.task
        direct = make("gymforge/Arithmetic-v0")
        import asyncio

        direct_obs, _ = asyncio.run(direct.reset(seed=17))
        assert direct.task == task
        assert decode_observation(obs) == direct_obs
        assert info == {"tools": [], "policy": None, "milestones": {"answered": False}, "extra": {}}
    finally:
        env.close()


def test_reset_without_seed_is_driven_by_np_random() -> None:
    a, b = gymnasium.make("gymforge/Arithmetic-v0"), gymnasium.make("gymforge/Arithmetic-v0")
    try:
        a.reset(seed=3)
        b.reset(seed=3)
        assert a.reset()[0] == b.reset()[0]
    finally:
        a.close()
        b.close()


def test_oracle_through_the_adapter_is_graded() -> None:
    env = gymnasium.make("gymforge/CalculatorAgent-v0")
    try:
        env.reset(seed=5)
        adapter = env.unwrapped
        assert isinstance(adapter, GymnasiumEnv)
        expression = adapter.env.task.metadata["expression"]
        call = json.dumps({"name": "calculate", "arguments": {"expression": expression}})
        obs, reward, terminated, truncated, info = env.step(call)
        [tool_msg] = decode_observation(obs)
        assert tool_msg.role == "tool"
        assert tool_msg.content == str(adapter.env.task.answer)
        assert (reward, terminated, truncated) == (0.0, False, False)
        assert info["milestones"]["used_calculator"] is True
        assert "score" not in info
        obs, reward, terminated, truncated, info = env.step(f"\\boxed{{{tool_msg.content}}}")
        assert (obs, reward, terminated, truncated) == ("[]", 1.0, True, False)
        assert info["score"]["value"] == 1.0
    finally:
        env.close()


def test_wrong_answer_scores_zero_and_grade_false_skips_grading() -> None:
    for grade, expected in ((True, 0.0), (False, 0.0)):
        env = gymnasium.make("gymforge/Arithmetic-v0", grade=grade)
        try:
            env.reset(seed=0)
            _, reward, terminated, _, info = env.step("\\boxed{123456789}")
            assert (reward, terminated) == (expected, True)
            assert ("score" in info) is grade
        finally:
            env.close()


def test_max_turns_truncation_shows_through_the_adapter() -> None:
    env = gymnasium.make("gymforge/CalculatorAgent-v0", max_turns=2)
    try:
        env.reset(seed=0)
        assert env.step("hmm")[3] is False
        _, reward, terminated, truncated, info = env.step("still thinking")
        assert (terminated, truncated, reward) == (False, True, 0.0)
        assert info["score"]["value"] == 0.0
    finally:
        env.close()


def test_adapting_an_unregistered_env(family: Any, grader: Any) -> None:
    env = GymnasiumEnv(env=SingleTurnEnv(family, grader))
    try:
        obs, _ = env.reset(seed=1, options={"task_index": 3})
        assert decode_observation(obs) == [Message.user("What is 3 + 1?")]
        _, reward, terminated, _, _ = env.step("\\boxed{4}")
        assert (reward, terminated) == (1.0, True)
    finally:
        env.close()
        env.close()


async def test_the_adapter_works_inside_a_running_event_loop() -> None:
    env = GymnasiumEnv("gymforge/Arithmetic-v0")
    try:
        obs, _ = env.reset(seed=2)
        assert decode_observation(obs)[0].role == "user"
        assert env.step("\\boxed{0}")[2] is True
    finally:
        env.close()


def test_constructor_validation() -> None:
    with pytest.raises(TypeError, match="exactly one"):
        GymnasiumEnv()
    with pytest.raises(ValueError, match="no render modes"):
        GymnasiumEnv("gymforge/Arithmetic-v0", render_mode="human")


def test_sync_vector_env_over_text_spaces() -> None:
    envs = gymnasium.vector.SyncVectorEnv(
        [lambda: gymnasium.make("gymforge/CalculatorAgent-v0") for _ in range(2)]
    )
    try:
        obs, _ = envs.reset(seed=[1, 2])
        assert len(obs) == 2
        call = '{"name": "calculate", "arguments": {"expression": "2**10"}}'
        obs, rewards, terminated, _, _ = envs.step(("hello", call))
        assert decode_observation(obs[1])[0].content == "1024"
        assert list(terminated) == [False, False]
    finally:
        envs.close()


def test_any_text_space() -> None:
    space = AnyText(50, min_length=1, seed=4)
    assert "Café τ 🙂" in space
    assert "" not in space
    assert "x" * 51 not in space
    assert b"bytes" not in space
    samples = [space.sample() for _ in range(20)]
    assert all(s in space and len(s) <= 50 for s in samples)
    assert AnyText(50, seed=4).sample() == AnyText(50, seed=4).sample()
    assert repr(space) == "AnyText(1, 50)"


@pytest.mark.parametrize(
    ("action", "content", "calls"),
    [
        ("The answer is \\boxed{3}", "The answer is \\boxed{3}", None),
        ("{not json", "{not json", None),
        ('{"unrelated": 1}', '{"unrelated": 1}', None),
        ('{"role": "user", "content": "x"}', '{"role": "user", "content": "x"}', None),
        (
            '{"name": "calculate", "arguments": {"expression": "1+2"}}',
            None,
            [("call_0", "calculate", '{"expression": "1+2"}')],
        ),
        (
            '{"name": "calculate", "arguments": "{\\"expression\\": \\"7\\"}"}',
            None,
            [("call_0", "calculate", '{"expression": "7"}')],
        ),
        (
            '[{"name": "a", "arguments": {}}, {"name": "b", "parameters": {"x": 1}}]',
            None,
            [("call_0", "a", "{}"), ("call_1", "b", '{"x": 1}')],
        ),
        (
            '{"content": "let me check", "tool_calls": [{"id": "abc", "type": "function", '
            '"function": {"name": "lookup", "arguments": "{}"}}]}',
            "let me check",
            [("abc", "lookup", "{}")],
        ),
        ('{"name": "f", "id": 7}', None, [("7", "f", "{}")]),
        ("[]", None, None),
        # JSON that is no action is text, never an exception
        ("[1]", "[1]", None),
        ("[[]]", "[[]]", None),
        ('{"tool_calls": "abc"}', '{"tool_calls": "abc"}', None),
        ('{"tool_calls": {"a": 1}}', '{"tool_calls": {"a": 1}}', None),
        ('{"name": "f", "arguments": 5}', '{"name": "f", "arguments": 5}', None),
        ('{"content": 3}', '{"content": 3}', None),
    ],
)
def test_parse_action(
    action: str, content: str | None, calls: list[tuple[str, str, str]] | None
) -> None:
    message = parse_action(action)
    assert message.role == "assistant"
    assert message.content == content
    got = [(c.id, c.name, c.function.arguments) for c in message.tool_calls or ()] or None
    assert got == calls
    # the very message the constructors build (fields, and which fields were set)
    built = Message.assistant(
        content,
        tool_calls=[ToolCall.make(name, args, id=i) for i, name, args in calls or ()] or None,
    )
    assert message == built
    assert message.model_fields_set == built.model_fields_set
    for ours, theirs in zip(message.tool_calls or (), built.tool_calls or (), strict=True):
        assert ours.model_fields_set == theirs.model_fields_set
        assert ours.function.model_fields_set == theirs.function.model_fields_set


def test_parse_action_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="an action is a str"):
        parse_action(42)  # type: ignore[arg-type]


def test_observation_encoding_is_lossless() -> None:
    messages = [
        Message.system("Sé breve — τ"),
        Message.assistant(
            "calling",
            tool_calls=[ToolCall.make("f", {"x": [1, 2]}, id="c1")],
            generation=Generation(model="m", token_ids=(1, 2), logprobs=(-0.5, -0.25)),
        ),
        Message.tool("ok", tool_call_id="c1", name="f"),
    ]
    text = encode_observation(messages)
    assert "τ" in text  # not escaped
    assert decode_observation(text) == messages


def test_async_vector_env_runs_envs_in_real_subprocesses() -> None:
    envs = gymnasium.vector.AsyncVectorEnv(
        [lambda: gymnasium.make("gymforge/CalculatorAgent-v0") for _ in range(2)],
        shared_memory=False,
    )
    try:
        first, _ = envs.reset(seed=[1, 2])
        again, _ = envs.reset(seed=[1, 2])
        assert first == again
        call = '{"name": "calculate", "arguments": {"expression": "3 * (2 + 5)"}}'
        obs, _, terminated, _, _ = envs.step((call, "\\boxed{0}"))
        assert decode_observation(obs[0])[0].content == "21"
        assert list(terminated) == [False, True]
    finally:
        envs.close()


def test_a_fresh_interpreter_finds_the_envs_through_the_entry_point() -> None:
    import subprocess
    import sys

    code = (
        "import gymnasium, gymforge.env\n"
        "gymforge.env.load_plugins()\n"
        "env = gymnasium.make('gymforge/Arithmetic-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "print(sorted(env.spec.id for _ in [0]), info['milestones'])\n"
        "env.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == "['gymforge/Arithmetic-v0'] {'answered': False}"


class PayingEnv(ToolEnv):
    """Pays what ``pay`` asks as step reward; ``pay_and_end`` also ends; text ends."""

    threads: list[int]

    async def opening_messages(self) -> Sequence[Message]:
        self.threads = [threading.get_ident()]
        return [Message.user(self.task.prompt)]

    async def reference_action(self) -> Message:
        return Message.assistant("done")

    @tool
    def pay(self, amount: float) -> str:
        """Pay a step reward.

        Args:
            amount: The reward.
        """
        self.threads.append(threading.get_ident())
        self.add_reward(amount)
        return "paid"

    @tool
    def pay_and_end(self, amount: float) -> str:
        """Pay a step reward and end the episode.

        Args:
            amount: The reward.
        """
        self.add_reward(amount)
        self.end_episode()
        return "paid, bye"


class FixedGrader:
    """Grades every episode `value` (None: undecided), whatever happened."""

    name = "fixed"

    def __init__(self, value: float | None) -> None:
        self.value = value

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        return Score(value=self.value, explanation="fixed")


def pay(amount: float, *, end: bool = False) -> str:
    name = "pay_and_end" if end else "pay"
    return json.dumps({"name": name, "arguments": {"amount": amount}})


def rewards_of(env: GymnasiumEnv, actions: Sequence[str]) -> tuple[list[float], dict[str, Any]]:
    env.reset(seed=0)
    rewards, info = [], {}
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        rewards.append(reward)
        if terminated or truncated:
            break
    return rewards, info


@pytest.mark.parametrize(
    ("actions", "rewards"),
    [
        ([pay(0.25), pay(0.5), "the end"], [0.25, 0.5, 1.25]),
        ([pay(0.25), pay(0.5, end=True)], [0.25, 1.75]),
        ([pay(3.0), pay(-0.5), "the end"], [3.0, -0.5, -0.5]),
        (["the end"], [2.0]),
    ],
)
def test_an_episode_pays_step_rewards_then_the_rest_of_the_grade(
    family: Any, actions: list[str], rewards: list[float]
) -> None:
    env = GymnasiumEnv(env=PayingEnv(family, FixedGrader(2.0)))
    try:
        for _ in range(2):  # the second episode starts from nothing paid
            paid, info = rewards_of(env, actions)
            assert paid == rewards
            assert sum(paid) == 2.0
            assert info["score"] == {"value": 2.0, "components": {}, "explanation": "fixed"}
    finally:
        env.close()


def test_a_truncated_episode_is_paid_its_grade_too(family: Any) -> None:
    env = GymnasiumEnv(env=MaxTurns(PayingEnv(family, FixedGrader(2.0)), 2))
    try:
        paid, info = rewards_of(env, [pay(0.5), pay(0.25), pay(9.0)])
        assert paid == [0.5, 1.5]
        assert info["score"]["value"] == 2.0
    finally:
        env.close()


@pytest.mark.parametrize("grade", [True, False])
def test_undecided_or_ungraded_episodes_pay_the_step_rewards_only(family: Any, grade: bool) -> None:
    env = GymnasiumEnv(env=PayingEnv(family, FixedGrader(None)), grade=grade)
    try:
        paid, info = rewards_of(env, [pay(0.25), pay(0.5, end=True)])
        assert paid == [0.25, 0.5]
        if grade:
            assert info["score"] == {"value": None, "components": {}, "explanation": "fixed"}
        else:
            assert "score" not in info
    finally:
        env.close()


async def test_inside_a_running_loop_the_env_always_runs_on_one_thread(family: Any) -> None:
    inner = PayingEnv(family, FixedGrader(1.0))
    env = GymnasiumEnv(env=inner)
    try:
        paid, _ = rewards_of(env, [pay(0.5), pay(0.5), "the end"])
        assert paid == [0.5, 0.5, 0.0]
        assert len(inner.threads) == 3
        assert len(set(inner.threads)) == 1
        assert inner.threads[0] != threading.get_ident()
    finally:
        env.close()


ODD_MESSAGES = [
    Message.system("Sé breve — τ \u2028 \x00"),
    Message.user(""),
    Message.assistant(),
    Message.assistant(
        "both", tool_calls=[ToolCall.make("f", "{bad", id="1"), ToolCall.make("g", {}, id="2")]
    ),
    Message.tool("ok", tool_call_id="c1"),
    Message.tool("named", tool_call_id="c1", name="f"),
    Message(role="user", content="odd", name="someone", tool_call_id="x"),
    Message.assistant("gen", generation=Generation(model="m", token_ids=(1,), logprobs=(-0.5,))),
]


def test_the_hand_built_dumps_are_in_use() -> None:
    # They fall back to pydantic when Info's or Message's fields change: then update
    # _InfoDicts and _message_data (the tests below compare them with pydantic's dump).
    assert _gym._FAST_INFO
    assert _gym._FAST_MESSAGES


def test_observations_are_the_pydantic_dump_encoded() -> None:
    for message in ODD_MESSAGES:
        assert _message_data(message) == message.model_dump(mode="json", exclude_none=True)
    reference = json.dumps(
        [m.model_dump(mode="json", exclude_none=True) for m in ODD_MESSAGES], ensure_ascii=False
    )
    assert encode_observation(ODD_MESSAGES) == reference
    assert encode_observation([]) == "[]"


def test_info_dicts_are_the_pydantic_dump() -> None:
    spec = ToolSpec(name="f", description="d", parameters={"type": "object", "properties": {}})
    other = ToolSpec(name="g", description="e", parameters={"type": "object"})
    milestones = {"n": 3, "x": 0.5, "inf": float("inf"), "s": "é", "ok": True, "none": None}
    nested = {"list": [1, [2, {"a": [3]}]], "dict": {"k": {"v": [None]}}}
    infos = [
        Info(),
        Info(tools=(spec,), policy="be nice", milestones=milestones, extra=nested),
        Info(tools=(spec,), milestones={"n": 4}),
        Info(tools=(spec, other), extra={"e": [1]}),
        Info(tools=(ToolSpec(name="f", description="d", parameters=spec.parameters),)),
    ]
    dicts = _InfoDicts()
    for info in infos:
        assert dicts(info) == info.model_dump(mode="json")
    # the copies are the caller's: changing one changes neither the Info nor the next dict
    info = infos[1]
    first = dicts(info)
    first["milestones"]["n"] = 99
    first["extra"]["list"][1].append("x")
    first["policy"] = "changed"
    assert dicts(info) == info.model_dump(mode="json")
    # the tool list is built once per tool set and shared while the tools stay the same
    assert dicts(infos[1])["tools"] is dicts(infos[2])["tools"]
    assert dicts(infos[3])["tools"] is not dicts(infos[2])["tools"]


def test_the_adapter_shares_the_tool_list_between_steps_and_copies_the_rest() -> None:
    env = gymnasium.make("gymforge/CalculatorAgent-v0")
    try:
        _, first = env.reset(seed=0)
        first["milestones"]["calculator_calls"] = 99
        _, _, _, _, second = env.step("hmm")
        assert second["tools"] is first["tools"]
        assert second["milestones"]["calculator_calls"] == 0
    finally:
        env.close()


VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="outside")


class AsyncioEnv(ToolEnv):
    """Tools that wait, spawn tasks, read the current task, set a context variable, fail."""

    background: list[str]

    async def opening_messages(self) -> Sequence[Message]:
        self.background = []
        return [Message.user(self.task.prompt)]

    async def reference_action(self) -> Message:
        return Message.assistant("done")

    @tool
    async def nap(self, seconds: float) -> str:
        """Sleep.

        Args:
            seconds: How long.
        """
        await asyncio.sleep(seconds)
        return "rested"

    @tool
    async def spawn(self) -> str:
        """Start a background task."""

        async def note() -> None:
            self.background.append("ran")

        self._task_ref = asyncio.get_running_loop().create_task(note())
        return "spawned"

    @tool
    async def whoami(self) -> str:
        """Name the current task's kind."""
        return type(asyncio.current_task()).__name__

    @tool
    async def set_var(self) -> str:
        """Set a context variable."""
        VAR.set("inside")
        return VAR.get()

    @tool
    async def crash(self) -> str:
        """An env bug."""
        raise RuntimeError("bug")


def call(name: str, **arguments: Any) -> str:
    return json.dumps({"name": name, "arguments": arguments})


def observed(env: Any, action: str) -> str | None:
    return decode_observation(env.step(action)[0])[0].content


@pytest.mark.parametrize("eager_start", [True, False])
def test_asyncio_inside_a_step_works_in_both_loop_modes(family: Any, eager_start: bool) -> None:
    inner = AsyncioEnv(family, FixedGrader(1.0))
    env = GymnasiumEnv(env=inner, eager_start=eager_start)
    try:
        env.reset(seed=0)
        assert observed(env, call("nap", seconds=0.01)) == "rested"
        assert observed(env, call("whoami")) == "Task"
        assert observed(env, call("set_var")) == "inside"
        assert VAR.get() == "outside"  # each call runs in its own copy of the context
        assert observed(env, call("spawn")) == "spawned"
        assert inner.background == ["ran"]  # the loop served the spawned task in that call
        with pytest.raises(EnvError, match="crashed"):
            env.step(call("crash"))
    finally:
        env.close()


@pytest.mark.parametrize("eager_start", [True, False])
def test_a_time_limit_cuts_a_step_in_both_loop_modes(family: Any, eager_start: bool) -> None:
    env = GymnasiumEnv(
        env=TimeLimit(AsyncioEnv(family, FixedGrader(1.0)), 0.2), eager_start=eager_start
    )
    try:
        env.reset(seed=0)
        for _ in range(300):  # each step's timer is cancelled and cleared, never kept
            assert observed(env, call("whoami")) == "Task"
        assert env._loop is not None
        assert len(env._loop._scheduled) <= 1  # type: ignore[attr-defined]
        _, reward, terminated, truncated, info = env.step(call("nap", seconds=5))
        assert (reward, terminated, truncated) == (1.0, False, True)
        assert info["score"]["value"] == 1.0
    finally:
        env.close()


@pytest.mark.parametrize("eager_start", [True, False])
def test_a_plain_step_turns_the_loop_only_without_eager_start(
    family: Any, eager_start: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = GymnasiumEnv(env=PayingEnv(family, FixedGrader(1.0)), eager_start=eager_start)
    try:
        env.reset(seed=0)
        assert env._loop is not None
        turns: list[object] = []
        run_forever = env._loop.run_forever

        def counted() -> None:
            turns.append(None)
            run_forever()

        monkeypatch.setattr(env._loop, "run_forever", counted)
        for _ in range(5):
            assert env.step(pay(0.5))[1] == 0.5
        assert len(turns) == (0 if eager_start else 5)
    finally:
        env.close()


def test_grade_is_read_at_reset_and_an_ungraded_episode_keeps_no_transcript(family: Any) -> None:
    env = GymnasiumEnv(env=PayingEnv(family, FixedGrader(2.0)), grade=False)
    try:
        env.reset(seed=0)
        env.grade = True  # takes effect at the next reset: this episode has no transcript
        assert rewards_of_current(env, [pay(0.5), "the end"]) == ([0.5, 0.0], False)
        assert env._messages == []
        assert env._turns == []
        paid, info = rewards_of(env, [pay(0.5), "the end"])
        assert (paid, info["score"]["value"]) == ([0.5, 1.5], 2.0)
    finally:
        env.close()


def rewards_of_current(env: GymnasiumEnv, actions: Sequence[str]) -> tuple[list[float], bool]:
    """Rewards of `actions` in the current episode, and whether the last info has a score."""
    rewards, info = [], {}
    for action in actions:
        _, reward, _, _, info = env.step(action)
        rewards.append(reward)
    return rewards, "score" in info

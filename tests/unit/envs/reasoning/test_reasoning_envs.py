"""Reasoning envs: the Env contract, oracle/do-nothing baselines, multi-step milestones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from gymforge.env import check_env, make, oracle_episode
from gymforge.env.authoring import episode_trajectory
from gymforge.envs.reasoning import MultiStepEnv, ReasoningEnv
from gymforge.envs.reasoning._register import ENV_IDS
from gymforge.graders._math_pool import shared_pool
from gymforge.types import Message, ToolCall, Turn

ALL_IDS = [*ENV_IDS, "gymforge/MultiStep-v0"]


@pytest.fixture(scope="module", autouse=True)
def _close_pool() -> Iterator[None]:
    yield
    shared_pool().close()


@pytest.mark.parametrize("env_id", ALL_IDS)
async def test_check_env(env_id: str) -> None:
    await check_env(make(env_id), seed=3)


@pytest.mark.parametrize("env_id", ALL_IDS)
async def test_oracle_one_and_do_nothing_zero_at_every_level(env_id: str) -> None:
    env = make(env_id)
    for level in (1, 2, 3, 4, 5):
        options = {"difficulty": level}
        oracle = await oracle_episode(env, seed=level, options=options)
        assert oracle.task.difficulty == level
        score = await env.grader().grade(oracle.task, oracle)
        assert score.value == 1.0, score
        obs, _ = await env.reset(seed=level, options=options)
        silent = Message.assistant("")
        result = await env.step(silent)
        traj = episode_trajectory(
            env, [*obs, silent, *result.observation], [Turn(reward=0.0)], seed=level, policy="none"
        )
        assert (await env.grader().grade(env.task, traj)).value == 0.0


async def test_numeric_envs_accept_equivalent_forms() -> None:
    env = ReasoningEnv(family="fractions", difficulty=4)
    obs, _ = await env.reset(seed=0)
    num, _, den = str(env.task.answer).partition("/")
    latex = rf"\boxed{{\frac{{{num}}}{{{den or 1}}}}}"
    action = Message.assistant(latex)
    result = await env.step(action)
    traj = episode_trajectory(env, [*obs, action], [Turn(reward=0.0)], seed=0, policy="p")
    assert result.terminated
    assert (await env.grader().grade(env.task, traj)).value == 1.0


def test_unknown_family_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown reasoning family 'chess'"):
        ReasoningEnv(family="chess")


async def test_multistep_milestones_record_each_verified_value() -> None:
    env = MultiStepEnv(difficulty=3)
    await env.reset(seed=1)
    steps = env.task.metadata["steps"]
    assert isinstance(steps, list)
    values = {s["name"]: s["value"] for s in steps if isinstance(s, dict)}
    result = await env.step(Message.assistant(f"a = {values['a']}, b = {values['b'] + 1}"))
    assert not result.terminated
    assert result.info.milestones == {
        "step_a": True,
        "step_b": False,
        "step_c": False,
        "step_d": False,
    }
    assert "step" not in (result.observation[-1].content or "")  # no feedback on correctness
    result = await env.step(Message.assistant(f"b = {values['b']}. Also a = 0."))
    assert result.info.milestones["step_a"] is True  # once verified, stays verified
    assert result.info.milestones["step_b"] is True
    call = ToolCall.make("calc", {}, id="c1")
    result = await env.step(Message.assistant(tool_calls=[call]))
    assert result.observation[0].content.startswith("error")  # type: ignore[union-attr]
    result = await env.step(Message.assistant(rf"d = {values['d']}, \boxed{{{values['d']}}}"))
    assert result.terminated
    assert result.info.milestones == {
        "step_a": True,
        "step_b": True,
        "step_c": False,
        "step_d": True,
    }


def test_multistep_oracle_states_one_value_per_turn() -> None:
    env = make("gymforge/MultiStep-v0")
    traj = asyncio.run(oracle_episode(env, seed=2, options={"difficulty": 5}))
    assert len(traj.turns) == 7  # six steps, then the boxed answer
    reached = [sum(bool(v) for v in t.milestones.values()) for t in traj.turns]
    assert reached == [1, 2, 3, 4, 5, 6, 6]


def test_family_grader_pickles_and_records_its_config() -> None:
    import pickle

    from gymforge.envs.reasoning import family_grader

    grader = pickle.loads(pickle.dumps(family_grader("sudoku4")))
    assert grader.name == "sudoku4"
    assert grader.config == {"factory": "gymforge/family_grader", "args": {"family": "sudoku4"}}


async def test_multistep_repeated_call_id_is_a_duplicate_in_a_later_step() -> None:
    """The env has no tools, but a call id is still unique within the episode."""
    env = MultiStepEnv(difficulty=1)
    await env.reset(seed=0)
    call = ToolCall.make("calculate", {"expression": "1+1"}, id="same")
    kinds = []
    for _ in range(2):
        result = await env.step(Message.assistant(tool_calls=[call]))
        kinds += [o.kind for o in result.tool_outcomes]
    assert kinds == ["unknown_tool", "duplicate_id"]
    await env.reset(seed=0)  # a new episode starts with no ids used
    result = await env.step(Message.assistant(tool_calls=[call]))
    assert [o.kind for o in result.tool_outcomes] == ["unknown_tool"]

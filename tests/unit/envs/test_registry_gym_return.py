"""Through Gymnasium, every registered env pays an episode's grade and nothing else.

`Trajectory.reward` is the grader's value, so the rewards `gymnasium.make(id)` returns over
an episode must sum to that value (docs/env.md, "Gymnasium adapter"). For every registered
id this plays an episode through gymforge (the oracle with `oracle_episode`, then a seeded
episode of random tool calls and garbage text), grades it with the env's grader, replays
the same actions through ``gymnasium.make(id)`` and compares:

- every step but the last pays the env's step reward as it comes;
- the rewards sum to the grader's value (to the sum of the step rewards when the grader
  is undecided), and ``info["score"]`` is that grade.

The replay checks that Gymnasium saw the very same messages, so a mismatch is always the
adapter's arithmetic, never a different episode (replaying needs a deterministic env; every
registered env is). A third test steps gymforge and Gymnasium side by side and checks that
every observation and info the adapter returns is pydantic's dump of the env's (the adapter
builds them by hand, for speed).
"""

from __future__ import annotations

import asyncio
import json
import math
import warnings
from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
import pytest

from gymforge.env import decode_observation, list_envs, make, oracle_episode, parse_action
from gymforge.env.authoring import episode_trajectory, turn_record
from gymforge.types import JsonValue, Message, Score, ToolCall, Trajectory, Turn

SPECS = list_envs()
IDS = [s.id for s in SPECS]
SEED = 1
"""One seed for every env: its oracle episodes are short (ConnectFour's solver plays few moves)
and they win (FrozenLake reaches the goal), so a double payment shows."""
RANDOM_TURNS = 8
"""Turn limit of the random episode (through ``max_turns``, the same on both sides)."""
GARBAGE = "\x00 }{ ✗ garbage ``` <|im_end|> \\boxed{"


def action_text(message: Message) -> str:
    """The adapter action string that `parse_action` turns back into exactly `message`."""
    data: dict[str, Any] = {"content": message.content}
    if message.tool_calls:
        data["tool_calls"] = [call.model_dump() for call in message.tool_calls]
    return json.dumps(data, ensure_ascii=False)


def random_arguments(schema: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Arguments for a tool's parameters schema: plausible types, random values."""
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if "enum" in prop:
            out[name] = prop["enum"][int(rng.integers(len(prop["enum"])))]
        elif kind == "integer":
            out[name] = int(rng.integers(-1, 9))
        elif kind == "number":
            out[name] = float(rng.normal())
        elif kind == "boolean":
            out[name] = bool(rng.integers(2))
        elif kind == "array":
            out[name] = []
        else:
            out[name] = "".join(rng.choice(list("ab1 #_{}"), size=int(rng.integers(0, 6))))
    return out


def random_action(turn: int, tools: Any, rng: np.random.Generator) -> Message:
    """Mostly random calls of the offered tools; else an unknown tool, garbage or text."""
    kind = int(rng.integers(10))
    if tools and kind < 6:
        picked = [tools[int(j)] for j in rng.integers(len(tools), size=int(rng.integers(1, 3)))]
        calls = [
            ToolCall.make(spec.name, random_arguments(spec.parameters, rng), id=f"r{turn}_{i}")
            for i, spec in enumerate(picked)
        ]
        return Message.assistant(tool_calls=calls)
    if kind < 7:
        return Message.assistant(tool_calls=[ToolCall.make("no_such_tool", "{oops", id=f"r{turn}")])
    if kind < 9:
        return Message.assistant(GARBAGE)
    return Message.assistant("I am not sure yet.")


async def random_episode(env_id: str, seed: int) -> tuple[Trajectory, Score]:
    """A seeded episode of `random_action`s (recorded like `oracle_episode` does) and its grade."""
    env = make(env_id, max_turns=RANDOM_TURNS)
    rng = np.random.default_rng(seed)
    try:
        observation, info = await env.reset(seed=seed)
        messages = list(observation)
        turns: list[Turn] = []
        milestones: Mapping[str, JsonValue] = info.milestones
        for turn in range(RANDOM_TURNS):
            action = random_action(turn, info.tools, rng)
            result = await env.step(action)
            messages.extend((action, *result.observation))
            turns.append(turn_record(result))
            info, milestones = result.info, result.info.milestones
            if result.terminated or result.truncated:
                break
        trajectory = episode_trajectory(
            env, messages, turns, seed=seed, policy="random", milestones=milestones
        )
        return trajectory, await env.grader().grade(trajectory.task, trajectory)
    finally:
        await env.close()


def replay_through_gymnasium(
    env_id: str, trajectory: Trajectory, **kwargs: Any
) -> tuple[list[float], dict[str, Any]]:
    """Play `trajectory`'s actions through ``gymnasium.make``: (rewards paid, last info)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is out of date.*")  # v0 beside a v1
        env = gymnasium.make(env_id, **kwargs)
    expected = list(trajectory.messages)
    rewards: list[float] = []
    try:
        obs, info = env.reset(seed=trajectory.seed)
        seen = decode_observation(obs)
        while len(seen) < len(expected):
            action = expected[len(seen)]
            assert parse_action(action_text(action)) == action
            obs, reward, terminated, truncated, info = env.step(action_text(action))
            seen += [action, *decode_observation(obs)]
            rewards.append(reward)
            assert seen == expected[: len(seen)], f"the replay left the episode at {len(seen)}"
            if terminated or truncated:
                break
    finally:
        env.close()
    assert (seen, len(rewards)) == (expected, len(trajectory.turns)), "the replay did not end"
    assert terminated or truncated, "the episode did not end through Gymnasium"
    return rewards, info


def check_the_return(trajectory: Trajectory, score: Score, rewards: list[float], info: Any) -> None:
    step_rewards = [t.reward for t in trajectory.turns]
    assert rewards[:-1] == step_rewards[:-1], "step rewards are paid as they come"
    graded = score.value if score.value is not None else math.fsum(step_rewards)
    total = sum(rewards)
    assert math.isclose(total, graded, rel_tol=1e-12, abs_tol=1e-12), (
        f"Gymnasium paid {total} for an episode graded {score.value} "
        f"(step rewards {math.fsum(step_rewards)})"
    )
    assert info["score"]["value"] == score.value


async def oracle_and_grade(env_id: str, seed: int) -> tuple[Trajectory, Score]:
    env = make(env_id)
    try:
        trajectory = await oracle_episode(env, seed=seed, max_steps=1000)
        return trajectory, await env.grader().grade(trajectory.task, trajectory)
    finally:
        await env.close()


# The tests are sync, so the replay runs the adapter the way a script does (test_gym.py
# covers calls made inside a running loop).
@pytest.mark.parametrize("eager_start", [True, False], ids=["eager", "loop"])
@pytest.mark.parametrize("env_id", IDS)
def test_the_oracle_is_paid_its_grade_through_gymnasium(env_id: str, eager_start: bool) -> None:
    trajectory, score = asyncio.run(oracle_and_grade(env_id, SEED))
    assert trajectory.terminated or trajectory.truncated, "the oracle did not finish"
    rewards, info = replay_through_gymnasium(env_id, trajectory, eager_start=eager_start)
    check_the_return(trajectory, score, rewards, info)


@pytest.mark.parametrize("env_id", IDS)
def test_a_random_episode_is_paid_its_grade_through_gymnasium(env_id: str) -> None:
    trajectory, score = asyncio.run(random_episode(env_id, SEED))
    rewards, info = replay_through_gymnasium(env_id, trajectory, max_turns=RANDOM_TURNS)
    check_the_return(trajectory, score, rewards, info)


def reference_observation(messages: Any) -> str:
    """The observation encoding, as pydantic dumps it (the adapter builds it faster)."""
    dumped = [m.model_dump(mode="json", exclude_none=True) for m in messages]
    return json.dumps(dumped, ensure_ascii=False)


@pytest.mark.parametrize("env_id", IDS)
def test_every_step_through_gymnasium_is_the_pydantic_encoding(env_id: str) -> None:
    """Observations and infos are pydantic's dumps; ungraded, the rewards are the step rewards."""
    trajectory, _ = asyncio.run(oracle_and_grade(env_id, SEED))
    loop = asyncio.new_event_loop()
    env = make(env_id)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is out of date.*")
        gym_env = gymnasium.make(env_id, grade=False)
    try:
        observation, info = loop.run_until_complete(env.reset(seed=SEED))
        got = gym_env.reset(seed=SEED)
        assert got == (reference_observation(observation), info.model_dump(mode="json"))
        position = len(observation)
        while position < len(trajectory.messages):
            action = trajectory.messages[position]
            result = loop.run_until_complete(env.step(action))
            expected = (
                reference_observation(result.observation),
                result.reward,
                result.terminated,
                result.truncated,
                result.info.model_dump(mode="json"),
            )
            assert gym_env.step(action_text(action)) == expected
            position += 1 + len(result.observation)
    finally:
        gym_env.close()
        loop.run_until_complete(env.close())
        loop.close()

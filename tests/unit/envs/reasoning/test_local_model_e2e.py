"""The real local model (SmolLM2-135M via llama.cpp) plays reasoning envs end to end.

The model is tiny and mostly wrong here; what this proves is the plumbing with real model
text: every episode ends, and grading real output (math grader workers included) gives
a 0/1 verdict with a reason, never an exception; MultiStep records milestones per turn.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gymforge.env import Env, make
from gymforge.env.authoring import episode_trajectory
from gymforge.graders._math_pool import shared_pool
from gymforge.policy import LocalPolicy
from gymforge.types import Message, Sampling, Trajectory, Turn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SAMPLING = Sampling(temperature=0.0, max_tokens=64)


@pytest.fixture(scope="module")
def policy() -> Iterator[LocalPolicy]:
    yield LocalPolicy()
    shared_pool().close()


async def play(env: Env, policy: LocalPolicy, *, seed: int, max_turns: int) -> Trajectory:
    obs, info = await env.reset(seed=seed, options={"difficulty": 1})
    messages: list[Message] = list(obs)
    turns: list[Turn] = []
    for _ in range(max_turns):
        action = await policy.act(messages, info.tools, seed=seed, sampling=SAMPLING)
        result = await env.step(action)
        info = result.info
        messages += [action, *result.observation]
        turns.append(
            Turn(
                reward=result.reward,
                milestones=info.milestones,
                terminated=result.terminated,
                truncated=result.truncated,
            )
        )
        if result.terminated or result.truncated:
            break
    return episode_trajectory(env, messages, turns, seed=seed, policy="local")


@pytest.mark.parametrize(
    "env_id", ["gymforge/LinearEquations-v0", "gymforge/Countdown-v0", "gymforge/KnightsKnaves-v0"]
)
async def test_single_turn_episode_is_graded(env_id: str, policy: LocalPolicy) -> None:
    env = make(env_id)
    traj = await play(env, policy, seed=0, max_turns=1)
    assert traj.terminated
    assert traj.messages[-1].role == "assistant"
    score = await env.grader().grade(traj.task, traj)
    assert score.value in (0.0, 1.0)
    assert score.explanation


async def test_multistep_episode_records_milestones(policy: LocalPolicy) -> None:
    env = make("gymforge/MultiStep-v0")
    traj = await play(env, policy, seed=1, max_turns=3)
    assert traj.turns
    for turn in traj.turns:
        assert set(turn.milestones) == {"step_a", "step_b"}
    score = await env.grader().grade(traj.task, traj)
    assert score.value in (0.0, 1.0)

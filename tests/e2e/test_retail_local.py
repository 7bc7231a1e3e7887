"""The real local model (SmolLM2-135M-Instruct via llama.cpp) plays Retail-v0 end to end.

The model is tiny and scores ~0 here; what this proves is the plumbing with a real
model in the loop: its free text goes to the scripted customer, its tool calls (if
any) hit the SQLite tools, every episode ends (stop marker, hand-off or the turn
limit) and grades to a number with the three components. It also plays the
customer: an LLM user simulator driven by the same local model.
"""

import pytest

from gymforge.env import make
from gymforge.env.authoring import episode_trajectory
from gymforge.envs.retail import RetailEnv, RetailTaskFamily
from gymforge.policy import LocalPolicy
from gymforge.types import Sampling, Turn

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SAMPLING = Sampling(temperature=0.0, max_tokens=64)


@pytest.fixture(scope="module")
def policy() -> LocalPolicy:
    # The policy text and 15 tool schemas take ~2.3k tokens: 2048 (the default) is too small.
    return LocalPolicy(n_ctx=8192)


async def play(env, policy, *, seed: int, max_turns: int):
    obs, info = await env.reset(seed=seed)
    messages, turns, result = list(obs), [], None
    for _ in range(max_turns):
        action = await policy.act(messages, info.tools, seed=seed + len(turns), sampling=SAMPLING)
        result = await env.step(action)
        info = result.info
        messages += [action, *result.observation]
        turns.append(
            Turn(reward=result.reward, milestones=info.milestones, terminated=result.terminated)
        )
        if result.terminated:
            break
    traj = episode_trajectory(env, messages, turns, seed=seed, policy=policy.name)
    traj = traj.model_copy(update={"info": dict(info.extra)})
    return traj, await env.grader().grade(env.task, traj)


async def test_local_model_plays_a_retail_episode(policy: LocalPolicy) -> None:
    # Two turns keep this affordable on a shared 2-core machine (a turn reads ~2.5k tokens).
    env = make("gymforge/Retail-v0")
    for seed in range(1):
        traj, score = await play(env, policy, seed=seed, max_turns=2)
        assert any(m.role == "assistant" and m.generation is not None for m in traj.messages)
        assert any(m.role == "user" for m in traj.messages[2:])  # the customer answered the model
        assert score.value is not None
        assert 0.0 <= score.value <= 1.0
        assert set(score.components) == {"db", "outputs", "policy"}


async def test_local_model_plays_the_customer(policy: LocalPolicy) -> None:
    env = RetailEnv(user=policy, user_sampling=Sampling(temperature=0.0, max_tokens=32))
    task = RetailTaskFamily().generate(0, seed=0, difficulty=1)
    obs, _ = await env.reset(seed=0, options={"task": task})
    first = await env.reference_action()  # the oracle asks who the customer is
    result = await env.step(first)
    reply = result.observation[0]
    assert reply.role == "user"
    assert reply.content
    assert "###STOP###" not in reply.content  # nothing is done yet: a stop would be withheld

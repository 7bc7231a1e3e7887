"""Every registered env (built-in now and later, and plugins) keeps the Env contract.

The ids are read from the registry at collection time, so an env is checked as soon
as its subpackage registers it: our `check_env`, Gymnasium's `check_env` through the
adapter, and "the oracle scores the spec's oracle_score under the env's grader".
"""

import math
import warnings

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

from gymforge.env import GymnasiumEnv, check_env, list_envs, make, oracle_episode
from gymforge.types import Message, ToolCall

SPECS = list_envs()
IDS = [s.id for s in SPECS]


def test_the_registry_holds_the_first_envs() -> None:
    assert {"gymforge/Arithmetic-v0", "gymforge/CalculatorAgent-v0"} <= set(IDS)


@pytest.mark.parametrize("env_id", IDS)
async def test_check_env(env_id: str) -> None:
    await check_env(make(env_id), grade=False)


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(env_id: str) -> None:
    with warnings.catch_warnings():
        # Making v0 while a v1 exists is fine here; Gymnasium warns about it.
        warnings.filterwarnings("ignore", message=".*is out of date.*")
        env = gymnasium.make(env_id)
    try:
        assert isinstance(env.unwrapped, GymnasiumEnv)
        gymnasium_check_env(env.unwrapped)
    finally:
        env.close()


@pytest.mark.parametrize(
    "env_spec", [s for s in SPECS if s.oracle_score is not None], ids=lambda s: s.id
)
@pytest.mark.parametrize("seed", [0, 1, 2])
async def test_oracle_scores_the_spec_oracle_score(env_spec, seed: int) -> None:  # type: ignore[no-untyped-def]
    env = make(env_spec.id)
    # A survival env (CartPole) declares the horizon its reference lasts to.
    horizon = getattr(env.unwrapped, "oracle_truncates_at", None)
    try:
        trajectory = await oracle_episode(env, seed=seed, max_steps=horizon or 256)
        finished = trajectory.terminated or (
            horizon is not None and trajectory.truncated and len(trajectory.turns) == horizon
        )
        assert finished, f"the oracle did not finish {env_spec.id} (seed {seed})"
        score = await env.grader().grade(trajectory.task, trajectory)
    finally:
        await env.close()
    assert score.value is not None, score.explanation
    assert math.isclose(score.value, env_spec.oracle_score, abs_tol=1e-9), score.explanation


@pytest.mark.parametrize("env_id", IDS)
async def test_a_call_id_repeated_in_one_message_is_a_duplicate(env_id: str) -> None:
    """Every env, with tools or without (check_env probes ids only where there are tools)."""
    env = make(env_id)
    try:
        await env.reset(seed=0)
        call = ToolCall.make("no_such_tool", {}, id="same")
        result = await env.step(Message.assistant(tool_calls=[call, call]))
    finally:
        await env.close()
    assert [o.kind for o in result.tool_outcomes] == ["unknown_tool", "duplicate_id"]

"""The Gymnasium bridge: rendering, act validation, reward/terminated/truncated pass-through."""

import itertools
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from gymforge.env import check_env, make, oracle_episode
from gymforge.envs.classic import GymToolEnv
from gymforge.envs.classic._reference import blackjack_policy
from gymforge.envs.classic._register import BRIDGED
from gymforge.envs.classic._render import render_generic
from gymforge.errors import ConfigError, EnvError
from gymforge.types import Message, StepResult, ToolCall

_IDS = itertools.count()


def _act(*actions: Any) -> Message:
    """One message of `act` calls, each with a fresh id (ids are unique in an episode)."""
    calls = [ToolCall.make("act", {"action": a}, id=f"a{next(_IDS)}") for a in actions]
    return Message.assistant(tool_calls=calls)


@pytest.mark.parametrize("env_id", sorted(BRIDGED))
async def test_registered_bridge_passes_check_env(env_id: str) -> None:
    await check_env(make(env_id))


@pytest.mark.parametrize(
    ("gym_id", "n"), [("FrozenLake-v1", 4), ("Taxi-v4", 6), ("CartPole-v1", 2)]
)
async def test_out_of_range_actions_are_tool_errors_and_do_not_step(gym_id: str, n: int) -> None:
    env = GymToolEnv(gym_id)
    obs, _ = await env.reset(seed=0)
    for bad in (-1, n, 1000, "abc", 1.5, None):
        result = await env.step(_act(bad))
        content = result.observation[0].content or ""
        assert content.startswith("error"), (bad, content)
        kind = result.tool_outcomes[0].kind
        assert kind == ("tool_raised" if isinstance(bad, int) else "bad_arguments"), (bad, kind)
        assert env.env_steps == 0
        assert result.reward == 0.0
        assert not result.terminated
    again, _ = await env.reset(seed=0)
    assert again == obs


async def test_frozen_lake_reward_and_termination_pass_through() -> None:
    env = GymToolEnv("FrozenLake-v1", env_kwargs={"is_slippery": False})
    await env.reset(seed=0)
    # S F F F / F H F H / F F F H / H F F G : down, down, right, right, down, right.
    result = await env.step(_act(1, 1, 2, 2, 1))
    assert result.reward == 0.0
    assert not result.terminated
    assert env.env_steps == 5
    result = await env.step(_act(2, 0))  # the second call comes after the end
    assert result.reward == 1.0
    assert result.terminated
    assert "return 1" in (result.observation[0].content or "")
    assert (result.observation[1].content or "").startswith("error")
    assert [o.kind for o in result.tool_outcomes] == ["ok", "after_end"]
    assert env.env_steps == 6


async def test_taxi_rewards_are_summed_over_a_turn() -> None:
    env = GymToolEnv("Taxi-v4")
    await env.reset(seed=1)
    result = await env.step(_act(4, 4))  # two illegal pick-ups (passenger is not here)
    assert result.reward in (-20.0, -11.0)
    assert result.info.extra["episode_return"] == result.reward


async def test_truncation_passes_through_and_ends_the_episode() -> None:
    env = GymToolEnv("CartPole-v1", env_kwargs={"max_episode_steps": 3})
    await env.reset(seed=0)
    result: StepResult = await env.step(_act(0, 1, 0, 1))
    assert result.truncated
    assert not result.terminated
    assert result.reward == 3.0
    assert (result.observation[-1].content or "").startswith("error")
    # The call after the time limit is not run: the episode was over (as after an end).
    assert [o.kind for o in result.tool_outcomes] == ["ok", "ok", "ok", "after_end"]
    with pytest.raises(EnvError, match="truncated"):
        await env.step(_act(0))


async def test_same_seed_same_episode_even_on_slippery_ice() -> None:
    async def run(seed: int) -> list[str | None]:
        env = GymToolEnv("FrozenLake-v1")
        out = [m.content for m in (await env.reset(seed=seed))[0]]
        for _ in range(8):
            result = await env.step(_act(2))
            out += [m.content for m in result.observation]
            if result.terminated or result.truncated:
                break
        return out

    assert await run(5) == await run(5)
    assert len({tuple(await run(s)) for s in range(6)}) > 1


async def test_value_iteration_reference_is_optimal_on_deterministic_grids() -> None:
    cliff = await oracle_episode(GymToolEnv("CliffWalking-v1"), seed=0)
    assert sum(t.reward for t in cliff.turns) == -13.0  # the shortest path along the cliff
    lake = await oracle_episode(
        GymToolEnv("FrozenLake-v1", env_kwargs={"is_slippery": False}), seed=0
    )
    assert [t.reward for t in lake.turns] == [0.0] * 5 + [1.0]  # 6 moves is the shortest path


class _Custom(gymnasium.Env[np.ndarray, np.int64]):
    """A user's env: Box observations, actions -1..1 (Discrete with start=-1)."""

    def __init__(self) -> None:
        self.observation_space = spaces.Box(-10.0, 10.0, shape=(2,), dtype=np.float64)
        self.action_space = spaces.Discrete(3, start=-1)
        self.x = 0.0

    def reset(self, *, seed: int | None = None, options: Any = None) -> Any:
        super().reset(seed=seed)
        self.x = float(self.np_random.uniform(-1, 1))
        return np.array([self.x, 0.0]), {}

    def step(self, action: Any) -> Any:
        self.x += int(action)
        return np.array([self.x, float(action)]), -abs(self.x), abs(self.x) > 3, False, {}


async def test_users_env_with_generic_renderer_and_offset_actions() -> None:
    env = GymToolEnv(_Custom(), action_names=["left", "stay", "right"])
    obs, info = await env.reset(seed=0)
    assert "observation: [" in (obs[-1].content or "")
    assert "-1 = left, 0 = stay, 1 = right" in (obs[-1].content or "")
    bad = await env.step(_act(2))
    assert "out of range" in (bad.observation[0].content or "")
    good = await env.step(_act(-1))
    assert good.reward < 0
    assert env.obs[1] == -1.0
    # No reference policy: a seeded random action, the same for the same seed.
    await env.reset(seed=4)
    first = await env.reference_action()
    await env.reset(seed=4)
    assert await env.reference_action() == first


async def test_custom_renderer_is_used() -> None:
    env = GymToolEnv("Taxi-v4", renderer=lambda gym_env, obs: f"state #{int(obs)}")
    obs, _ = await env.reset(seed=0)
    assert (obs[-1].content or "").endswith(f"state #{int(env.obs)}")


def test_non_discrete_and_unknown_envs_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="Discrete"):
        GymToolEnv("MountainCarContinuous-v0")
    with pytest.raises(ConfigError, match="cannot make"):
        GymToolEnv("NoSuchEnv-v9")
    with pytest.raises(ConfigError, match="env_kwargs"):
        GymToolEnv(_Custom(), env_kwargs={"x": 1})


def test_renderers_and_blackjack_strategy() -> None:
    assert render_generic(None, (3, 4)) == "observation: (3, 4)"
    assert blackjack_policy((11, 10, 0)) == 1
    assert blackjack_policy((18, 10, 1)) == 0
    assert blackjack_policy((13, 3, 0)) == 0


async def test_a_repeated_call_id_is_a_duplicate_and_not_played() -> None:
    env = GymToolEnv("FrozenLake-v1", env_kwargs={"is_slippery": False})
    await env.reset(seed=0)
    call = ToolCall.make("act", {"action": 1}, id="same")
    assert [
        o.kind for o in (await env.step(Message.assistant(tool_calls=[call]))).tool_outcomes
    ] == ["ok"]
    result = await env.step(Message.assistant(tool_calls=[call, call]))
    assert [o.kind for o in result.tool_outcomes] == ["duplicate_id", "duplicate_id"]
    assert env.env_steps == 1  # neither repeat stepped the Gymnasium env
    assert result.reward == 0.0

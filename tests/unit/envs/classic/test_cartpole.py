"""CartPole through the bridge: registered, balanced for the whole horizon, truncated there.

Gymnasium semantics: balancing CartPole-v1 for 500 steps is ``truncated`` with return
500; the episode only *terminates* when the pole falls or the cart leaves the track.
"""

import itertools
import random

import gymnasium
import pytest
from gymnasium import spaces
from gymnasium.envs.classic_control import CartPoleEnv

from gymforge.env import EnvCheckError, check_env, make, oracle_episode
from gymforge.envs.classic import GymToolEnv
from gymforge.envs.classic._reference import cartpole_policy
from gymforge.envs.classic._register import BRIDGED
from gymforge.types import Message, ToolCall

CARTPOLE = "gymforge/CartPole-v0"


_IDS = itertools.count()


def _act(action: int) -> Message:
    call_id = f"a{next(_IDS)}"  # ids are unique within an episode
    return Message.assistant(tool_calls=[ToolCall.make("act", {"action": action}, id=call_id)])


def test_cartpole_is_registered_with_room_for_the_whole_horizon() -> None:
    gym_id, max_turns = BRIDGED[CARTPOLE]
    assert gym_id == "CartPole-v1"
    horizon = gymnasium.spec(gym_id).max_episode_steps
    assert horizon == 500
    assert max_turns >= horizon  # the gymforge limit must not cut a balancing agent short
    assert make(CARTPOLE).unwrapped.oracle_truncates_at == horizon  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
async def test_reference_holds_the_pole_for_the_whole_horizon(seed: int) -> None:
    env = make(CARTPOLE)
    traj = await oracle_episode(env, seed=seed, max_steps=1000)
    assert traj.truncated, f"seed {seed}: the pole fell after {len(traj.turns)} steps"
    assert not traj.terminated
    assert len(traj.turns) == 500
    assert sum(t.reward for t in traj.turns) == 500.0
    score = await env.grader().grade(traj.task, traj)
    assert score.value == 500.0  # the env's own reward, graded as the return
    assert env.unwrapped.episode_return == 500.0  # type: ignore[attr-defined]


async def test_reference_keeps_balancing_well_past_the_horizon() -> None:
    env = GymToolEnv("CartPole-v1", env_kwargs={"max_episode_steps": 2000})
    assert env.oracle_truncates_at == 2000  # the declaration follows the env's time limit
    traj = await oracle_episode(env, seed=11, max_steps=2500)
    assert traj.truncated
    assert len(traj.turns) == 2000
    assert abs(float(env.obs[0])) < 1.0  # the cart stays near the centre, far from +-2.4


async def test_random_play_drops_the_pole_far_earlier() -> None:
    env = make(CARTPOLE)
    lengths = []
    for seed in range(20):
        await env.reset(seed=seed)
        rng = random.Random(seed)
        result = await env.step(_act(rng.randrange(2)))
        while not (result.terminated or result.truncated):  # make's turn limit bounds this
            result = await env.step(_act(rng.randrange(2)))
        steps: int = env.unwrapped.env_steps  # type: ignore[attr-defined]
        assert result.terminated, f"seed {seed}: random play balanced for {steps} steps"
        lengths.append(steps)
    assert max(lengths) < 200
    assert sum(lengths) / len(lengths) < 60


async def test_registered_cartpole_passes_check_env_with_its_truncating_oracle() -> None:
    await check_env(make(CARTPOLE))


async def test_check_env_rejects_a_cartpole_reference_that_drops_the_pole() -> None:
    always_right = GymToolEnv("CartPole-v1", reference=lambda obs: 1)
    with pytest.raises(EnvCheckError, match="terminated after [0-9]+ turns"):
        await check_env(always_right)


async def test_check_env_rejects_a_turn_limit_below_the_horizon() -> None:
    with pytest.raises(EnvCheckError, match="truncated after 100 turns"):
        await check_env(make(CARTPOLE, max_turns=100))


def test_only_survival_envs_with_a_time_limit_declare_truncation() -> None:
    assert GymToolEnv("FrozenLake-v1").oracle_truncates_at is None
    assert GymToolEnv("MountainCar-v0").oracle_truncates_at is None
    assert GymToolEnv(CartPoleEnv()).oracle_truncates_at is None  # no time limit: never ends


def test_policy_pushes_towards_the_fall_and_recentres_the_cart() -> None:
    assert cartpole_policy([0.0, 0.0, 0.05, 0.0]) == 1
    assert cartpole_policy([0.0, 0.0, -0.05, 0.0]) == 0
    assert cartpole_policy([0.0, 0.0, 0.02, -0.1]) == 0  # already swinging back
    assert cartpole_policy([1.0, 0.0, 0.0, 0.0]) == 1  # cart right: tip the pole left first


def _latest_discrete_classic_ids() -> set[str]:
    """Gymnasium's own classic-control and toy-text ids with Discrete actions, newest version."""
    latest: dict[str, tuple[int, str]] = {}
    for env_id, env_spec in gymnasium.registry.items():
        entry = str(env_spec.entry_point)
        if entry.startswith(("gymnasium.envs.classic_control", "gymnasium.envs.toy_text")):
            version = env_spec.version or 0
            if version >= latest.get(env_spec.name, (-1, ""))[0]:
                latest[env_spec.name] = (version, env_id)
    discrete = set()
    for _, env_id in latest.values():
        env = gymnasium.make(env_id, disable_env_checker=True)
        if isinstance(env.action_space, spaces.Discrete):
            discrete.add(env_id)
        env.close()
    return discrete


def test_every_discrete_classic_and_toy_text_env_of_gymnasium_is_bridged() -> None:
    shipped = _latest_discrete_classic_ids()
    assert {"CartPole-v1", "Taxi-v4", "Acrobot-v1"} <= shipped
    assert shipped <= {gym_id for gym_id, _ in BRIDGED.values()}

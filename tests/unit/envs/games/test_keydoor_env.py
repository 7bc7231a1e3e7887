"""KeyDoor-v0 as an env: check_env, sparse reward, milestones, decoy, horizon, bad calls."""

import itertools
from collections import deque

import pytest

from gymforge.env import check_env, make, oracle_episode
from gymforge.envs.games import KeyDoorEnv
from gymforge.graders import env_reward
from gymforge.types import Message, ToolCall

_IDS = itertools.count()


def _call(name: str, **args: str) -> Message:
    call_id = f"k{next(_IDS)}"  # ids are unique within an episode
    return Message.assistant(tool_calls=[ToolCall.make(name, args, id=call_id)])


async def test_registered_keydoor_passes_check_env() -> None:
    await check_env(make("gymforge/KeyDoor-v0"))


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
async def test_oracle_reaches_the_goal_in_the_optimal_number_of_turns(level: int) -> None:
    env = KeyDoorEnv(difficulty=level)
    for seed in range(3):
        traj = await oracle_episode(env, seed=seed)
        assert traj.terminated
        assert len(traj.turns) == traj.task.answer
        assert [t.reward for t in traj.turns].count(1.0) == 1
        assert sum(t.reward for t in traj.turns) == 1.0
        assert (await env_reward().grade(traj.task, traj)).value == 1.0
        assert traj.milestones["goal"] is True
        if level >= 3:
            assert len(traj.turns) >= 8


async def test_milestones_fire_as_the_oracle_progresses() -> None:
    env = KeyDoorEnv(difficulty=2)
    traj = await oracle_episode(env, seed=4)
    firsts: list[str] = []
    for turn in traj.turns:
        firsts += [k for k in turn.milestones if k not in firsts]
    assert firsts == ["key:red", "door:red", "room:2", "goal"]
    assert all(t.reward == 0.0 for t in traj.turns[:-1])


async def test_decoy_milestone_is_declared_and_fires_without_reward() -> None:
    env = KeyDoorEnv(difficulty=1, decoy=True)
    _, info = await env.reset(seed=2)
    assert info.extra["decoy_milestones"] == ["key:yellow"]
    decoy = next(c for c, k in env.layout.keys.items() if k == "yellow")
    # Walk to the decoy key with BFS over moves only (level 1 has no doors).
    deltas = {"north": (0, -1), "south": (0, 1), "east": (1, 0), "west": (-1, 0)}
    prev: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {env.state.pos: None}
    queue = deque([env.state.pos])
    while queue:
        cur = queue.popleft()
        for d, (dx, dy) in deltas.items():
            nxt = (cur[0] + dx, cur[1] + dy)
            if nxt not in prev and nxt not in env.layout.walls and nxt != env.layout.goal:
                prev[nxt] = (cur, d)
                queue.append(nxt)
    path: list[str] = []
    cell = decoy
    while (link := prev[cell]) is not None:
        cell, d = link
        path.append(d)
    for d in reversed(path):
        result = await env.step(_call("move", direction=d))
        assert result.reward == 0.0
    result = await env.step(_call("pick_up"))
    assert result.info.milestones == {"key:yellow": True}
    assert result.reward == 0.0
    assert not result.terminated


async def test_horizon_truncates_and_then_step_is_refused() -> None:
    env = KeyDoorEnv(difficulty=3, horizon=2)
    _, info = await env.reset(seed=0)
    assert info.extra["horizon"] == 2
    first = await env.step(_call("pick_up"))
    assert not first.truncated
    second = await env.step(Message.assistant("thinking..."))
    assert second.truncated
    assert not second.terminated
    with pytest.raises(Exception, match="truncated"):
        await env.step(_call("pick_up"))


async def test_default_horizon_is_twice_the_optimum_plus_eight() -> None:
    env = KeyDoorEnv(difficulty=4)
    _, info = await env.reset(seed=1)
    assert info.extra["horizon"] == 2 * int(env.task.answer) + 8  # type: ignore[arg-type]


async def test_bad_calls_are_error_observations() -> None:
    env = KeyDoorEnv(difficulty=2)
    await env.reset(seed=0)
    start = env.state
    result = await env.step(_call("move", direction="up"))
    assert (result.observation[0].content or "").startswith("error")
    assert result.tool_outcomes[0].kind == "bad_arguments"  # not a direction
    result = await env.step(_call("open_door", direction="north"))
    assert (result.observation[0].content or "").startswith("error")
    assert result.tool_outcomes[0].kind == "tool_raised"  # no door there
    result = await env.step(Message.assistant("where am I?"))
    assert (result.observation[0].content or "").startswith("error")
    assert not result.terminated
    assert env.state == start


async def test_same_seed_same_world_different_seeds_differ() -> None:
    env = KeyDoorEnv(difficulty=3)
    a, _ = await env.reset(seed=5)
    b, _ = await env.reset(seed=5)
    c, _ = await env.reset(seed=6)
    assert a == b
    assert a != c


def test_bad_horizon_is_rejected() -> None:
    with pytest.raises(ValueError, match="horizon"):
        KeyDoorEnv(horizon=0)
    with pytest.raises(ValueError, match="difficulty"):
        KeyDoorEnv(difficulty=7)


async def test_a_repeated_call_id_is_a_duplicate_and_not_played() -> None:
    env = KeyDoorEnv(difficulty=1)
    await env.reset(seed=0)
    plan = await env.reference_action()
    first = plan.tool_calls[0]  # type: ignore[index]
    done = await env.step(Message.assistant(tool_calls=[first]))
    assert [o.kind for o in done.tool_outcomes] == ["ok"]
    where = env.state
    step = (await env.reference_action()).tool_calls[0]  # type: ignore[index]
    again = ToolCall.make(step.name, step.function.arguments, id=first.id)
    result = await env.step(Message.assistant(tool_calls=[again]))
    assert [o.kind for o in result.tool_outcomes] == ["duplicate_id"]
    assert env.state == where  # not played


async def test_the_last_turn_before_the_horizon_is_played_then_truncated() -> None:
    env = KeyDoorEnv(difficulty=3, horizon=1)
    await env.reset(seed=0)
    start = env.state
    result = await env.step(await env.reference_action())
    assert result.truncated
    assert not result.terminated
    assert [o.kind for o in result.tool_outcomes] == ["ok"]
    assert env.state != start  # the call was played before the cut

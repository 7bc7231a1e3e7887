"""ConnectFour-v0 with the exact solver: seeded openings, perfect reference, perfect opponent."""

from __future__ import annotations

import random

import pytest

from gymforge.envs.games import ConnectFourEnv, TicTacToeEnv
from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._opponents import PerfectOpponent
from gymforge.envs.games._solver import optimal_moves, solve
from gymforge.envs.games._tictactoe import TicTacToe
from gymforge.errors import ConfigError
from gymforge.types import Task


async def _value_at_first_turn(env: ConnectFourEnv, seed: int) -> int:
    """Reset, then the exact value of the position for the agent (it is to move)."""
    await env.reset(seed=seed)
    assert env.state.to_move == env.agent_player
    return solve(env.state)  # type: ignore[arg-type]


async def _play_reference(env: ConnectFourEnv) -> str | None:
    while True:
        result = await env.step(await env.reference_action())
        if result.terminated:
            return env.outcome


@pytest.mark.parametrize("seed", range(6))
async def test_reference_against_perfect_play_gets_exactly_the_solved_result(seed: int) -> None:
    env = ConnectFourEnv(opponent="perfect")
    value = await _value_at_first_turn(env, seed)
    outcome = await _play_reference(env)
    assert outcome == ("win" if value > 0 else "draw" if value == 0 else "loss")
    assert env.info().extra["opponent"] == "perfect"


@pytest.mark.parametrize("seed", range(6))
async def test_reference_never_falls_below_the_solved_value(seed: int) -> None:
    env = ConnectFourEnv(opponent="random")
    value = await _value_at_first_turn(env, seed)
    outcome = await _play_reference(env)
    if value > 0:
        assert outcome == "win"
    elif value == 0:
        assert outcome in ("win", "draw")


async def test_difficulty_five_is_the_perfect_opponent() -> None:
    env = ConnectFourEnv(difficulty=5)
    await env.reset(seed=0)
    assert env.info().extra["opponent"] == "perfect"
    env = ConnectFourEnv(difficulty=4)
    await env.reset(seed=0)
    assert env.info().extra["opponent"] == "minimax:4"


async def test_tasks_start_from_a_seeded_opening() -> None:
    env = ConnectFourEnv(opponent="random")
    openings = set()
    for seed in range(8):
        obs, _ = await env.reset(seed=seed)
        opening = env.task.metadata["opening"]
        assert isinstance(opening, list)
        assert len(opening) == 8
        openings.add(tuple(opening))
        text = obs[-1].content or ""
        assert "8-move opening" in text
        # 8 stones, plus the opponent's first move when the agent is O.
        stones = sum(env.state.heights)  # type: ignore[attr-defined]
        assert stones == (8 if env.agent_player == 1 else 9)
        again, _ = await env.reset(seed=seed)
        assert again == obs
    assert len(openings) == 8


async def test_opening_zero_is_the_empty_board_and_bounds_are_checked() -> None:
    env = ConnectFourEnv(opponent="random", opening=0)
    await env.reset(seed=1)
    assert "opening" not in env.task.metadata
    assert sum(env.state.heights) in (0, 1)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="opening must be an int 0..20"):
        ConnectFourEnv(opening=21)
    with pytest.raises(ValueError, match="opening must be an int 0..6"):
        TicTacToeEnv(opening=7)


async def test_tictactoe_may_open_too_and_its_perfect_opponent_is_exact() -> None:
    env = TicTacToeEnv(opponent="perfect", opening=2)
    await env.reset(seed=3)
    assert isinstance(env.state, TicTacToe)
    assert len(env.task.metadata["opening"]) == 2  # type: ignore[arg-type]
    outcome = await _play_reference(env)  # type: ignore[arg-type]
    assert outcome in ("draw", "win", "loss")


@pytest.mark.parametrize(
    ("opening", "problem"),
    [("3,3", "must be a list"), ([3, "x"], "not an int"), ([3] * 7, "not legal")],
)
async def test_a_bad_opening_in_task_metadata_is_a_config_error(
    opening: object, problem: str
) -> None:
    env = ConnectFourEnv(opponent="random")
    task = Task(id="mine/1", prompt="p", metadata={"agent_player": 1, "opening": opening})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match=rf"task 'mine/1'.*{problem}"):
        await env.reset(seed=0, options={"task": task})


async def test_an_opening_that_ends_the_game_is_a_config_error() -> None:
    env = ConnectFourEnv(opponent="random")
    task = Task(id="won", prompt="p", metadata={"opening": [0, 1, 0, 1, 0, 1, 0]})
    with pytest.raises(ConfigError, match="ends the game"):
        await env.reset(seed=0, options={"task": task})


async def test_perfect_opponent_breaks_ties_with_the_rng_among_optimal_moves_only() -> None:
    state = ConnectFour.initial()
    for col in (3, 3, 2, 2, 4, 4):
        state = state.play(col)
    best, _ = optimal_moves(state)
    opponent = PerfectOpponent(lambda s: optimal_moves(s)[0])  # type: ignore[arg-type]
    picks = {await opponent.choose(state, "", random.Random(i)) for i in range(20)}
    assert picks == set(best)
    assert len(best) == 2

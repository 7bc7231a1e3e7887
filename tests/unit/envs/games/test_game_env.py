"""TicTacToe-v0 / ConnectFour-v0: illegal-move retries, opponents, self-play, rewards, reference."""

import itertools
import re
from collections.abc import Sequence

import pytest

from gymforge.env import check_env, make, oracle_episode
from gymforge.envs.games import ConnectFourEnv, TicTacToeEnv
from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._tictactoe import TicTacToe
from gymforge.errors import ConfigError
from gymforge.graders import env_reward
from gymforge.policy import ScriptedPolicy
from gymforge.types import Message, StepResult, Task, ToolCall, ToolSpec

_IDS = itertools.count()


def _move(value: object, arg: str = "cell", call_id: str | None = None) -> Message:
    """A move call; a fresh id unless one is given (ids are unique within an episode)."""
    call_id = call_id or f"m{next(_IDS)}"
    return Message.assistant(tool_calls=[ToolCall.make("move", {arg: value}, id=call_id)])


async def _play_reference(env: TicTacToeEnv | ConnectFourEnv, seed: int) -> StepResult:
    await env.reset(seed=seed)
    while True:
        result = await env.step(await env.reference_action())
        if result.terminated:
            return result


@pytest.mark.parametrize("env_id", ["gymforge/TicTacToe-v0", "gymforge/ConnectFour-v0"])
async def test_registered_game_passes_check_env(env_id: str) -> None:
    await check_env(make(env_id))


async def test_same_seed_same_game_and_both_sides_occur() -> None:
    env = TicTacToeEnv(opponent="random")
    sides = set()
    for seed in range(12):
        a, _ = await env.reset(seed=seed)
        b, _ = await env.reset(seed=seed)
        assert a == b
        sides.add(env.agent_player)
        if env.agent_player == 2:  # the opponent opened: one X on the board
            assert sum(1 for c in env.state.board if c == 1) == 1  # type: ignore[attr-defined]
    assert sides == {1, 2}


@pytest.mark.parametrize("retries", [0, 1, 3])
async def test_illegal_turns_get_errors_then_lose(retries: int) -> None:
    env = TicTacToeEnv(opponent="random", retries=retries)
    await env.reset(seed=0)
    bad_actions = [
        _move(10),  # off the board
        Message.assistant("I think I will go in the middle."),  # no move at all
        Message.assistant(tool_calls=[ToolCall.make("move", "{not json", id="c1")]),
        _move("abc"),
    ]
    for i in range(retries):
        result = await env.step(bad_actions[i % len(bad_actions)])
        assert not result.terminated
        assert result.reward == 0.0
        assert result.observation[0].content.startswith("error")  # type: ignore[union-attr]
    result = await env.step(_move(0))
    assert result.terminated
    assert result.reward == -1.0
    assert result.info.milestones["outcome"] == "loss"
    assert result.info.milestones["illegal_forfeit"] is True


async def test_a_legal_move_resets_the_retry_count() -> None:
    env = TicTacToeEnv(opponent="random", retries=1)
    await env.reset(seed=0)
    assert not (await env.step(_move(42))).terminated
    free = next(i + 1 for i, c in enumerate(env.state.board) if c == 0)  # type: ignore[attr-defined]
    assert not (await env.step(_move(free))).terminated
    assert not (await env.step(_move(42))).terminated  # one retry again, not a loss


async def test_taken_cell_and_full_column_are_errors() -> None:
    env = TicTacToeEnv(opponent="random")
    await env.reset(seed=0)
    taken = next(i + 1 for i, c in enumerate(env.state.board) if c == 0)  # type: ignore[attr-defined]
    await env.step(_move(taken))
    result = await env.step(_move(taken))
    assert result.observation[0].content == f"error: cell {taken} is taken: pick another"
    c4 = ConnectFourEnv(opponent="random")
    await c4.reset(seed=0)
    full = ConnectFour.initial()
    for _ in range(6):
        full = full.play(3)
    c4.state = full
    result = await c4.step(_move(4, "column"))
    assert result.observation[0].content == "error: column 4 is full: pick another"
    assert c4.state == full


async def test_only_one_move_per_turn() -> None:
    env = TicTacToeEnv(opponent="random")
    await env.reset(seed=3)
    free = [i + 1 for i, c in enumerate(env.state.board) if c == 0]  # type: ignore[attr-defined]
    calls = [
        ToolCall.make("move", {"cell": free[0]}, id="a"),
        ToolCall.make("move", {"cell": free[1]}, id="b"),
    ]
    result = await env.step(Message.assistant(tool_calls=calls))
    assert "one move per turn" in (result.observation[1].content or "")
    assert sum(1 for c in env.state.board if c) in (2, 3)  # type: ignore[attr-defined]


async def test_random_opponent_is_reproducible_from_the_seed() -> None:
    async def transcript(seed: int) -> list[str | None]:
        env = TicTacToeEnv(opponent="random")
        out = [m.content for m in (await env.reset(seed=seed))[0]]
        while not env.ended:
            # The agent always takes the first free cell, so only the opponent varies.
            free = next(i + 1 for i, c in enumerate(env.state.board) if c == 0)  # type: ignore[attr-defined]
            out += [m.content for m in (await env.step(_move(free))).observation]
        return out

    assert await transcript(7) == await transcript(7)
    assert len({tuple(await transcript(s)) for s in range(8)}) > 1


async def test_difficulty_level_picks_the_opponent() -> None:
    env = TicTacToeEnv()
    names = []
    for level in range(1, 6):
        _, info = await env.reset(seed=0, options={"difficulty": level})
        names.append(info.extra["opponent"])
    assert names == ["random", "minimax:1", "minimax:2", "minimax:4", "minimax:9"]
    _, info = await ConnectFourEnv(opponent="minimax", depth=3).reset(seed=0)
    assert info.extra["opponent"] == "minimax:3"


@pytest.mark.parametrize("opponent", ["random", "minimax"])
async def test_tictactoe_reference_never_loses_and_reward_matches_grader(opponent: str) -> None:
    env = TicTacToeEnv(opponent=opponent, depth=9 if opponent == "minimax" else None)  # type: ignore[arg-type]
    outcomes = []
    for seed in range(10):
        traj = await oracle_episode(env, seed=seed)
        score = await env_reward().grade(traj.task, traj)
        outcome = traj.milestones["outcome"]
        outcomes.append(outcome)
        assert score.value == {"win": 1.0, "draw": 0.0, "loss": -1.0}[str(outcome)]
    assert "loss" not in outcomes
    if opponent == "minimax":  # perfect against perfect: always a draw
        assert set(outcomes) == {"draw"}
    else:
        assert "win" in outcomes


async def test_connect4_reference_beats_random_play() -> None:
    env = ConnectFourEnv(opponent="random", reference_depth=4)
    for seed in range(3):
        result = await _play_reference(env, seed)
        assert result.reward == 1.0


def _first_free(board_text: str) -> int:
    return int(re.findall(r"\b([1-9])\b", board_text.split("You are")[0])[0])


async def test_self_play_with_two_scripted_policies() -> None:
    seen: list[str] = []

    def opponent_fn(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Message:
        assert [t.name for t in tools] == ["move"]
        last = messages[-1].content or ""
        seen.append(last)
        n = sum(1 for m in messages if m.role == "assistant")
        return Message.assistant(
            tool_calls=[ToolCall.make("move", {"cell": _first_free(last)}, id=f"o{n}")]
        )

    env = TicTacToeEnv(opponent=ScriptedPolicy(opponent_fn, name="first-free"))
    _, info = await env.reset(seed=1)
    assert info.extra["opponent"] == "policy:first-free"
    agent_mark = "X" if env.agent_player == 1 else "O"
    opp_mark = "O" if agent_mark == "X" else "X"
    result = None
    while not env.ended:
        # The agent plays the last free cell; the opponent the first.
        free = [i for i, c in enumerate(env.state.board) if c == 0]  # type: ignore[attr-defined]
        result = await env.step(_move(free[-1] + 1))
    assert result is not None
    assert all(f"You are {opp_mark}" in text for text in seen)
    final = env.state
    assert isinstance(final, TicTacToe)
    # Replay the two scripted strategies by hand: same final board.
    s = TicTacToe.initial()
    while not s.is_over():
        free = [i for i in range(9) if s.board[i] == 0]
        s = s.play(free[-1] if s.to_move == env.agent_player else free[0])
    assert final == s
    expected = 0.0 if s.winner is None else (1.0 if s.winner == env.agent_player else -1.0)
    assert result.reward == expected


async def test_self_play_opponent_that_never_moves_forfeits() -> None:
    silent = ScriptedPolicy(lambda m, t: Message.assistant("pass"), name="silent")
    env = TicTacToeEnv(opponent=silent, retries=2)
    for seed in range(10):
        await env.reset(seed=seed)
        if env.agent_player == 1:
            break
    result = await env.step(_move(5))
    assert result.terminated
    assert result.reward == 1.0
    assert result.info.milestones["opponent_forfeit"] is True
    opp = env._opponent  # noqa: SLF001 - the opponent's own conversation
    assert sum(1 for m in opp.messages if m.role == "assistant") == 3  # type: ignore[attr-defined]


def test_bad_constructor_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="retries"):
        TicTacToeEnv(retries=-1)
    with pytest.raises(ValueError, match="opponent"):
        TicTacToeEnv(opponent="alphazero")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="depth"):
        ConnectFourEnv(opponent="minimax", depth=0)
    with pytest.raises(TypeError, match="opponent"):
        TicTacToeEnv(opponent=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="depth"):
        ConnectFourEnv(reference_depth=-2)


async def test_pinned_task_with_unknown_difficulty_is_a_config_error() -> None:
    env = TicTacToeEnv()
    task = Task(id="t", prompt="play", difficulty=9, metadata={"agent_player": 1})
    with pytest.raises(ConfigError, match="difficulty"):
        await env.reset(seed=0, options={"task": task})


async def test_opening_forfeit_is_paid_on_the_agents_first_step() -> None:
    silent = ScriptedPolicy(lambda m, t: Message.assistant("pass"), name="silent")
    env = TicTacToeEnv(opponent=silent, retries=0)
    for seed in range(10):
        obs, info = await env.reset(seed=seed)
        if env.agent_player == 2:
            break
    assert env.agent_player == 2
    assert "forfeits" in (obs[-1].content or "")
    assert not env.ended
    result = await env.step(await env.reference_action())
    assert result.terminated
    assert result.reward == 1.0
    assert result.info.milestones["outcome"] == "win"


def _kinds(result: StepResult) -> list[str]:
    return [o.kind for o in result.tool_outcomes]


@pytest.mark.parametrize(("cls", "arg"), [(TicTacToeEnv, "cell"), (ConnectFourEnv, "column")])
async def test_a_repeated_call_id_is_a_duplicate_and_not_played(
    cls: type[TicTacToeEnv | ConnectFourEnv], arg: str
) -> None:
    env = cls(opponent="random", retries=1)
    await env.reset(seed=0)
    first = next(m for m in range(env.rules.size) if m in env.state.legal_moves())
    assert _kinds(await env.step(_move(first + 1, arg, call_id="same"))) == ["ok"]
    board = env.state
    again = next(m for m in range(env.rules.size) if m in env.state.legal_moves())
    result = await env.step(_move(again + 1, arg, call_id="same"))
    assert _kinds(result) == ["duplicate_id"]
    assert env.state == board  # not played
    assert result.info.milestones["moves"] == 1
    # Not a legal move, so an illegal turn: with retries=1 the next one loses.
    assert "1 more illegal turn(s)" in (result.observation[-1].content or "")


async def test_outcome_kinds_bad_move_is_raised_rule_refusals_are_refused() -> None:
    env = TicTacToeEnv(opponent="random")
    await env.reset(seed=3)
    await env.step(_move(next(i + 1 for i, c in enumerate(env.state.board) if c == 0)))  # type: ignore[attr-defined]
    free = [i + 1 for i, c in enumerate(env.state.board) if c == 0]  # type: ignore[attr-defined]
    taken = next(i + 1 for i, c in enumerate(env.state.board) if c)  # type: ignore[attr-defined]
    calls = [
        ToolCall.make("move", {"cell": taken}, id="bad"),
        ToolCall.make("move", {"cell": free[0]}, id="good"),
        ToolCall.make("move", {"cell": free[1]}, id="second"),
    ]
    result = await env.step(Message.assistant(tool_calls=calls))
    assert _kinds(result) == ["tool_raised", "ok", "refused"]
    assert result.info.milestones["moves"] == 2
    assert len(result.observation) == 3  # a legal move was played: no illegal-turn note


async def test_moves_milestone_is_an_int_counting_legal_moves() -> None:
    env = TicTacToeEnv(opponent="random")
    _, info = await env.reset(seed=1)
    assert info.milestones["moves"] == 0
    counts = []
    while not env.ended:
        free = next(i + 1 for i, c in enumerate(env.state.board) if c == 0)  # type: ignore[attr-defined]
        await env.step(_move(42))  # illegal: not counted
        result = await env.step(_move(free))
        counts.append(result.info.milestones["moves"])
    assert counts == list(range(1, len(counts) + 1))
    assert all(type(c) is int for c in counts)


async def test_forfeit_steps_keep_their_tool_outcomes() -> None:
    """The steps that end a game by forfeit record their calls like any other step."""
    env = TicTacToeEnv(opponent="random", retries=0)
    await env.reset(seed=0)
    action = _move(10)
    result = await env.step(action)
    assert result.terminated
    assert result.reward == -1.0
    assert _kinds(result) == ["tool_raised"]
    assert result.observation[0].tool_call_id == action.tool_calls[0].id  # type: ignore[index]
    silent = ScriptedPolicy(lambda m, t: Message.assistant("pass"), name="silent")
    env = TicTacToeEnv(opponent=silent, retries=0)
    for seed in range(10):
        await env.reset(seed=seed)
        if env.agent_player == 2:
            break
    result = await env.step(_move(5))
    assert result.terminated
    assert result.reward == 1.0
    assert _kinds(result) == ["refused"]  # the game was over before the agent moved
    assert result.observation[-1].content == "Your opponent forfeited its opening move: you win."

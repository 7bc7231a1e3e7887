"""The exact ConnectFour solver: checked against brute force, its twin, and optimal self-play."""

from __future__ import annotations

import functools
import importlib.util
import random
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._game_env import draw_opening
from gymforge.envs.games._solver import (
    LIBRARY,
    NativeSolver,
    PySolver,
    default_solver,
    optimal_moves,
    perfect_connect4_move,
    position,
    solve,
)


def _random_position(stones: int, rng: random.Random) -> ConnectFour:
    """A random undecided position with `stones` stones where the mover cannot win at once."""
    while True:
        state = ConnectFour.initial()
        for _ in range(stones):
            state = state.play(rng.choice(state.legal_moves()))
            if state.is_over():
                break
        else:
            if all(state.play(m).winner is None for m in state.legal_moves()):
                return state


@functools.cache
def _brute(state: ConnectFour) -> int:
    """Exact score by plain minimax over the rules (no pruning, no bitboard tricks)."""
    stones = sum(state.heights)
    best = -99
    for move in state.legal_moves():
        after = state.play(move)
        if after.winner is not None:
            value = 22 - (stones // 2 + 1)  # the mover's own stone count after the move
        elif after.is_over():
            value = 0
        else:
            value = -_brute(after)
        best = max(best, value)
    return best


def _brute_optimal(state: ConnectFour) -> tuple[int, ...]:
    best = _brute(state)
    stones = sum(state.heights)
    out = []
    for move in state.legal_moves():
        after = state.play(move)
        if after.winner is not None:
            value = 22 - (stones // 2 + 1)
        elif after.is_over():
            value = 0
        else:
            value = -_brute(after)
        if value == best:
            out.append(move)
    return tuple(out)


def test_the_compiled_solver_is_the_one_in_use() -> None:
    assert LIBRARY.exists(), "make/pip install must compile c4solver.so (hatch_build.py)"
    assert default_solver().name == "native"


@pytest.mark.parametrize("stones", [30, 32, 34, 36])
def test_scores_and_optimal_moves_match_brute_force(stones: int) -> None:
    rng = random.Random(stones)
    native, twin = NativeSolver(), PySolver()
    for _ in range(6):
        state = _random_position(stones, rng)
        expected = _brute(state)
        assert solve(state, native) == expected
        assert solve(state, twin) == expected
        assert optimal_moves(state, native) == (_brute_optimal(state), expected)
        assert optimal_moves(state, twin) == (_brute_optimal(state), expected)


def test_native_and_python_twins_agree_in_the_middle_game() -> None:
    rng = random.Random(7)
    native, twin = NativeSolver(), PySolver()
    for stones in (20, 22, 24, 26):
        state = _random_position(stones, rng)
        assert optimal_moves(state, native) == optimal_moves(state, twin)


def test_score_scale_of_immediate_and_forced_outcomes() -> None:
    s = ConnectFour.initial()
    for col in (3, 3, 2, 2, 4, 4):
        s = s.play(col)
    # X wins with its 4th stone in column 2 or 6.
    assert optimal_moves(s) == ((1, 5), 22 - 4)
    # O to move faces two open threats: every move loses to X's 4th stone.
    o_to_move = ConnectFour.initial()
    for col in (3, 0, 2, 0, 4):
        o_to_move = o_to_move.play(col)
    moves, score = optimal_moves(o_to_move)
    assert score == -(22 - 4)
    assert set(moves) == set(o_to_move.legal_moves())


def _play_optimally(state: ConnectFour, rng: random.Random) -> ConnectFour:
    while not state.is_over():
        state = state.play(perfect_connect4_move(state, rng))
    return state


def test_optimal_self_play_ends_exactly_as_the_score_says() -> None:
    """Both sides keep the exact score, so the result and the winner's last stone follow from it."""
    rng = random.Random(3)
    for seed in range(6):
        start = ConnectFour.initial()
        for move in draw_opening(ConnectFour.initial(), 10, random.Random(seed)):
            start = start.play(move)
        score = solve(start)
        end = _play_optimally(start, rng)
        mover = start.to_move
        if score == 0:
            assert end.winner is None
        else:
            winner = mover if score > 0 else 3 - mover
            assert end.winner == winner
            winner_stones = end.boards[winner - 1].bit_count()
            assert winner_stones == 22 - abs(score)


def test_optimal_play_never_lets_a_random_player_spoil_its_result() -> None:
    for seed in range(8):
        rng = random.Random(seed)
        state = ConnectFour.initial()
        for move in draw_opening(ConnectFour.initial(), 10, rng):
            state = state.play(move)
        me = state.to_move
        value = solve(state)
        while not state.is_over():
            if state.to_move == me:
                state = state.play(perfect_connect4_move(state))
            else:
                state = state.play(rng.choice(state.legal_moves()))
        if value > 0:
            assert state.winner == me
        elif value == 0:
            assert state.winner in (None, me)


def test_a_finished_game_is_refused() -> None:
    s = ConnectFour.initial()
    for col in (0, 1, 0, 1, 0, 1, 0):
        s = s.play(col)
    with pytest.raises(ValueError, match="game is over"):
        solve(s)
    with pytest.raises(ValueError, match="game is over"):
        optimal_moves(s)


def test_position_encodes_the_side_to_move() -> None:
    s = ConnectFour.initial().play(3).play(2)
    cur, mask, moves = position(s)
    assert moves == 2
    assert cur == s.boards[0]
    assert mask == s.boards[0] | s.boards[1]


def _build_hook() -> ModuleType:
    path = Path(__file__).parents[4] / "hatch_build.py"
    spec = importlib.util.spec_from_file_location("hatch_build", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_hook_compiles_a_working_library(tmp_path: Path) -> None:
    hatch_build = _build_hook()
    out = tmp_path / "c4solver.so"
    hatch_build.compile_solver(out)
    solver = NativeSolver(out)
    state = _random_position(32, random.Random(11))
    assert solve(state, solver) == _brute(state)


def test_a_missing_library_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"nope\.so"):
        NativeSolver(tmp_path / "nope.so")


def test_compile_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hatch_build = _build_hook()
    monkeypatch.setenv("CC", "false")
    with pytest.raises(subprocess.CalledProcessError):
        hatch_build.compile_solver(tmp_path / "x.so")

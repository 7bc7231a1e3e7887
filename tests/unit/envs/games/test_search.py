"""Alpha-beta agrees with brute-force minimax; choices are deterministic; perfect play holds."""

import random

import pytest

from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._search import WIN, alphabeta, choose_move, minimax, move_values
from gymforge.envs.games._tictactoe import TicTacToe, perfect_move


def _random_position(game: type[TicTacToe] | type[ConnectFour], rng: random.Random, plies: int):  # type: ignore[no-untyped-def]
    s = game.initial()
    for _ in range(plies):
        if s.is_over():
            break
        s = s.play(rng.choice(s.legal_moves()))
    return s


def _brute_force_choice(state, depth: int) -> int:  # type: ignore[no-untyped-def]
    best_move, best = None, None
    for m in state.legal_moves():
        v = -minimax(state.play(m), depth - 1, ply=1)
        if best is None or v > best:
            best_move, best = m, v
    assert best_move is not None
    return best_move


@pytest.mark.parametrize("seed", range(30))
def test_alphabeta_equals_minimax_on_random_tictactoe_positions(seed: int) -> None:
    rng = random.Random(seed)
    s = _random_position(TicTacToe, rng, rng.randint(2, 6))
    for depth in (1, 2, 3, 9):
        assert alphabeta(s, depth) == minimax(s, depth)
        if not s.is_over():
            assert choose_move(s, depth) == _brute_force_choice(s, depth)


@pytest.mark.parametrize("seed", range(12))
def test_alphabeta_equals_minimax_on_random_connect4_positions(seed: int) -> None:
    rng = random.Random(100 + seed)
    s = _random_position(ConnectFour, rng, rng.randint(0, 20))
    for depth in (1, 2, 3, 4):
        assert alphabeta(s, depth) == minimax(s, depth)
        if not s.is_over():
            assert choose_move(s, depth) == _brute_force_choice(s, depth)


def test_search_finds_forced_win_and_block_in_connect4() -> None:
    s = ConnectFour.initial()
    for m in (0, 6, 1, 6, 2):  # X threatens 0-1-2-3; O to move must block column 3
        s = s.play(m)
    assert choose_move(s, 4) == 3
    s2 = s.play(5)  # O does not block: X wins at once
    assert choose_move(s2, 1) == 3
    assert move_values(s2, 1)[3] == WIN - 1


def test_rng_breaks_ties_among_best_moves_only() -> None:
    s = TicTacToe.initial().play(4)
    values = move_values(s, 9)
    best = max(values.values())
    chosen = {choose_move(s, 9, random.Random(seed)) for seed in range(12)}
    assert len(chosen) > 1  # the four corners all draw, so the rng spreads them
    assert all(values[m] == best for m in chosen)
    assert choose_move(s, 9, random.Random(5)) == choose_move(s, 9, random.Random(5))


def test_choose_move_rejects_bad_depth_and_finished_games() -> None:
    with pytest.raises(ValueError, match="depth"):
        choose_move(TicTacToe.initial(), 0)
    done = TicTacToe.initial()
    for m in (0, 3, 1, 4, 2):
        done = done.play(m)
    with pytest.raises(ValueError, match="over"):
        choose_move(done, 3)


def _worst_outcome_against_everything(state: TicTacToe, me: int) -> int:
    """Worst result for `me` (+1/0/-1) over every opponent reply, `me` playing perfect_move."""
    if state.winner is not None:
        return 1 if state.winner == me else -1
    if not state.legal_moves():
        return 0
    if state.to_move == me:
        return _worst_outcome_against_everything(state.play(perfect_move(state)), me)
    return min(_worst_outcome_against_everything(state.play(m), me) for m in state.legal_moves())


@pytest.mark.parametrize("me", [1, 2])
def test_tictactoe_perfect_play_never_loses_against_any_opponent(me: int) -> None:
    assert _worst_outcome_against_everything(TicTacToe.initial(), me) == 0

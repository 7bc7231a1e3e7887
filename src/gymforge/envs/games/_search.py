"""Game-tree search shared by every two-player game: minimax and alpha-beta (negamax form).

Scores are integers from the side to move: a win found ``p`` plies ahead is worth
``WIN - p`` (a quicker win is better, a slower loss is better), a draw 0, and a
position at the depth limit gets the game's own heuristic, which stays far below
``WIN``. Move ordering is the game's `legal_moves` order, so a search is a pure
function of the position and the depth; `choose_move` breaks ties between equally
good moves by that order unless it is given a `random.Random` to shuffle the root.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from typing import Protocol, Self

__all__ = ["WIN", "GameState", "alphabeta", "choose_move", "minimax", "move_values"]

WIN = 1_000_000
"""Score of a win at the root; a win `p` plies ahead scores `WIN - p`."""


class GameState(Protocol):
    """An immutable position of a two-player, zero-sum, perfect-information game."""

    @property
    def to_move(self) -> int:
        """The player to move: 1 (moves first) or 2."""
        ...

    @property
    def winner(self) -> int | None:
        """1 or 2 when that player has won, else None."""
        ...

    def legal_moves(self) -> tuple[int, ...]:
        """Legal moves in the search's fixed ordering (empty when the game is over)."""
        ...

    def is_over(self) -> bool:
        """True after a win or when no move is left (a draw)."""
        ...

    def play(self, move: int) -> Self:
        """The position after `move`; raises `ValueError` for an illegal move."""
        ...

    def heuristic(self) -> int:
        """Static value for the side to move, with ``abs(value) < WIN // 2``."""
        ...

    def key(self) -> Hashable:
        """A hashable identity of the position (for caches)."""
        ...

    def __hash__(self) -> int: ...


def _terminal(state: GameState, ply: int) -> int | None:
    if state.winner is not None:
        # Only the player who just moved can have completed a line.
        return -(WIN - ply) if state.winner != state.to_move else WIN - ply
    if not state.legal_moves():
        return 0
    return None


def minimax(state: GameState, depth: int, *, ply: int = 0) -> int:
    """Plain depth-limited minimax (negamax), no pruning: the reference for tests.

    Example:
        >>> from gymforge.envs.games._tictactoe import TicTacToe
        >>> minimax(TicTacToe.initial().play(4).play(1), 7)  # X to move wins in 5 plies
        999995
    """
    done = _terminal(state, ply)
    if done is not None:
        return done
    if depth <= 0:
        return state.heuristic()
    return max(-minimax(state.play(m), depth - 1, ply=ply + 1) for m in state.legal_moves())


def alphabeta(
    state: GameState,
    depth: int,
    alpha: int = -2 * WIN,
    beta: int = 2 * WIN,
    *,
    ply: int = 0,
) -> int:
    """Depth-limited alpha-beta (fail-soft negamax); equals `minimax` on a full window.

    Example:
        >>> from gymforge.envs.games._tictactoe import TicTacToe
        >>> alphabeta(TicTacToe.initial(), 9)
        0
    """
    done = _terminal(state, ply)
    if done is not None:
        return done
    if depth <= 0:
        return state.heuristic()
    best = -2 * WIN
    for move in state.legal_moves():
        value = -alphabeta(state.play(move), depth - 1, -beta, -alpha, ply=ply + 1)
        if value > best:
            best = value
            if value > alpha:
                alpha = value
                if alpha >= beta:
                    break
    return best


def choose_move(state: GameState, depth: int, rng: random.Random | None = None) -> int:
    """The best move by alpha-beta at `depth` plies; ties go to the first in order.

    With `rng`, the root moves are shuffled first, so ties are broken at random
    (reproducibly from the rng's seed) while the chosen move stays a best one.

    Example:
        >>> from gymforge.envs.games._tictactoe import TicTacToe
        >>> choose_move(TicTacToe.initial().play(0).play(4).play(1), 9)  # block 0-1-2
        2
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    moves = list(state.legal_moves())
    if not moves:
        raise ValueError("the game is over: there is no move to choose")
    if rng is not None:
        rng.shuffle(moves)
    best_move, best, alpha = moves[0], -2 * WIN, -2 * WIN
    for move in moves:
        value = -alphabeta(state.play(move), depth - 1, -2 * WIN, -alpha, ply=1)
        if value > best:
            best_move, best = move, value
            alpha = max(alpha, value)
    return best_move


def move_values(state: GameState, depth: int) -> dict[int, int]:
    """The exact alpha-beta value of every legal move (for analysis and tests).

    Example:
        >>> from gymforge.envs.games._tictactoe import TicTacToe
        >>> max(move_values(TicTacToe.initial(), 9).values())
        0
    """
    return {m: -alphabeta(state.play(m), depth - 1, ply=1) for m in state.legal_moves()}

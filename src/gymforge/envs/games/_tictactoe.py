"""TicTacToe rules: an immutable 3x3 position, win lines, rendering and a perfect solver."""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass

from gymforge.envs.games._search import choose_move

__all__ = ["TicTacToe", "perfect_move"]

LINES: tuple[tuple[int, int, int], ...] = (
    (0, 1, 2),
    (3, 4, 5),
    (6, 7, 8),  # rows
    (0, 3, 6),
    (1, 4, 7),
    (2, 5, 8),  # columns
    (0, 4, 8),
    (2, 4, 6),  # diagonals
)
"""The eight winning lines as cell indices 0..8 (row-major)."""

_ORDER = (4, 0, 2, 6, 8, 1, 3, 5, 7)  # centre, corners, edges: alpha-beta prunes early
MARKS = {0: " ", 1: "X", 2: "O"}


@dataclass(frozen=True, slots=True)
class TicTacToe:
    """A TicTacToe position. Cells are 0..8 row-major; player 1 is X and moves first.

    Example:
        >>> s = TicTacToe.initial().play(0).play(3).play(1).play(4).play(2)
        >>> s.winner, s.legal_moves()
        (1, ())
    """

    board: tuple[int, ...] = (0,) * 9
    """0 empty, 1 X, 2 O for each cell."""
    to_move: int = 1
    """The player to move (1 = X, 2 = O)."""
    winner: int | None = None
    """The player who completed a line, if any."""

    @classmethod
    def initial(cls) -> TicTacToe:
        """The empty board with X to move."""
        return cls()

    def legal_moves(self) -> tuple[int, ...]:
        """Empty cells in search order (centre, corners, edges); () when the game is over."""
        if self.winner is not None:
            return ()
        return tuple(c for c in _ORDER if self.board[c] == 0)

    def is_over(self) -> bool:
        """True after a win or on a full board."""
        return self.winner is not None or all(self.board)

    def play(self, move: int) -> TicTacToe:
        """Put the mover's mark on cell `move` (0..8)."""
        if not isinstance(move, int) or not 0 <= move < 9:
            raise ValueError(f"cell must be an int in 0..8, got {move!r}")
        if self.is_over():
            raise ValueError("the game is over: no more moves")
        if self.board[move] != 0:
            raise ValueError(f"cell {move} is already taken by {MARKS[self.board[move]]}")
        board = list(self.board)
        board[move] = self.to_move
        won = any(all(board[c] == self.to_move for c in line) for line in LINES if move in line)
        return TicTacToe(tuple(board), 3 - self.to_move, self.to_move if won else None)

    def heuristic(self) -> int:
        """Lines still open for the side to move minus lines open for the other side."""
        me, them = self.to_move, 3 - self.to_move
        score = 0
        for line in LINES:
            cells = {self.board[c] for c in line}
            if them not in cells:
                score += 1
            if me not in cells:
                score -= 1
        return score

    def key(self) -> Hashable:
        """The board and the side to move."""
        return (self.board, self.to_move)

    def render(self) -> str:
        """The board as text; empty cells show the number (1..9) that plays them.

        Example:
            >>> print(TicTacToe.initial().play(4).render())
             1 | 2 | 3
            ---+---+---
             4 | X | 6
            ---+---+---
             7 | 8 | 9
        """
        cells = [MARKS[v] if v else str(i + 1) for i, v in enumerate(self.board)]
        rows = [f" {cells[r * 3]} | {cells[r * 3 + 1]} | {cells[r * 3 + 2]}" for r in range(3)]
        return "\n---+---+---\n".join(rows)


@functools.lru_cache(maxsize=8192)
def perfect_move(state: TicTacToe) -> int:
    """A perfect-play move: full-depth alpha-beta (wins soonest, loses latest, else draws).

    Example:
        >>> perfect_move(TicTacToe.initial())
        4
    """
    return choose_move(state, 9)

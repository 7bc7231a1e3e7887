"""ConnectFour rules on bitboards: 7 columns x 6 rows, gravity, four in a row wins.

Column ``c`` owns bits ``7c .. 7c+5`` (row 0 at the bottom) and a spare bit ``7c+6``
that keeps lines from wrapping, so "four in a row" in direction ``d`` is a shift
test: ``m = b & (b >> d); m & (m >> 2d)`` for ``d`` in 1 (vertical), 7
(horizontal), 6 and 8 (the diagonals).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

__all__ = ["COLUMNS", "ROWS", "THREAT", "ConnectFour"]

COLUMNS = 7
"""Board width."""
ROWS = 6
"""Board height."""
_H1 = ROWS + 1
_ORDER = (3, 2, 4, 1, 5, 0, 6)  # centre first: the usual best move ordering
_MARKS = {0: ".", 1: "X", 2: "O"}
_DIRECTIONS = (1, _H1, _H1 - 1, _H1 + 1)


def _has_four(board: int) -> bool:
    for d in _DIRECTIONS:
        m = board & (board >> d)
        if m & (m >> (2 * d)):
            return True
    return False


def _bit(col: int, row: int) -> int:
    return 1 << (col * _H1 + row)


def _windows() -> tuple[int, ...]:
    out = []
    for c in range(COLUMNS):
        for r in range(ROWS):
            for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
                cells = [(c + i * dc, r + i * dr) for i in range(4)]
                if all(0 <= x < COLUMNS and 0 <= y < ROWS for x, y in cells):
                    mask = 0
                    for x, y in cells:
                        mask |= _bit(x, y)
                    out.append(mask)
    return tuple(out)


_WINDOWS = _windows()  # the 69 four-cell windows a line can occupy
THREAT = 100_000
"""Heuristic value of a win in hand (far above window scores, far below search wins)."""
_WEIGHT = (0, 1, 5, 40, 0)  # window holding n of one side's pieces and none of the other's
_CENTRE = sum(_bit(3, r) for r in range(ROWS))
_FULL = sum(_bit(c, r) for c in range(COLUMNS) for r in range(ROWS))
_BOTTOM = sum(_bit(c, 0) for c in range(COLUMNS))
_THREAT_CELL = 30


def _threats(pos: int, mask: int) -> int:
    """Empty cells where `pos` would connect four (bit-parallel, after P. Pons)."""
    r = (pos << 1) & (pos << 2) & (pos << 3)  # vertical: only from below
    for d in (_H1, _H1 - 1, _H1 + 1):
        p = (pos << d) & (pos << 2 * d)
        r |= p & (pos << 3 * d)
        r |= p & (pos >> d)
        p = (pos >> d) & (pos >> 2 * d)
        r |= p & (pos << d)
        r |= p & (pos >> 3 * d)
    return r & (_FULL ^ mask)


@dataclass(frozen=True, slots=True)
class ConnectFour:
    """A ConnectFour position. Columns are 0..6; player 1 is X and moves first.

    Example:
        >>> s = ConnectFour.initial()
        >>> for col in (0, 1, 0, 1, 0, 1, 0):
        ...     s = s.play(col)
        >>> s.winner
        1
    """

    boards: tuple[int, int] = (0, 0)
    """Bitboards of player 1 and player 2."""
    heights: tuple[int, ...] = (0,) * COLUMNS
    """Pieces in each column (the row the next piece lands in)."""
    to_move: int = 1
    """The player to move (1 = X, 2 = O)."""
    winner: int | None = None
    """The player who connected four, if any."""

    @classmethod
    def initial(cls) -> ConnectFour:
        """The empty board with X to move."""
        return cls()

    def legal_moves(self) -> tuple[int, ...]:
        """Columns that are not full, centre first; () when the game is over."""
        if self.winner is not None:
            return ()
        return tuple(c for c in _ORDER if self.heights[c] < ROWS)

    def is_over(self) -> bool:
        """True after a win or on a full board."""
        return self.winner is not None or all(h == ROWS for h in self.heights)

    def play(self, move: int) -> ConnectFour:
        """Drop the mover's piece into column `move` (0..6)."""
        if not isinstance(move, int) or not 0 <= move < COLUMNS:
            raise ValueError(f"column must be an int in 0..{COLUMNS - 1}, got {move!r}")
        if self.is_over():
            raise ValueError("the game is over: no more moves")
        row = self.heights[move]
        if row >= ROWS:
            raise ValueError(f"column {move} is full")
        me = self.to_move - 1
        board = self.boards[me] | _bit(move, row)
        boards = (board, self.boards[1]) if me == 0 else (self.boards[0], board)
        heights = self.heights[:move] + (row + 1,) + self.heights[move + 1 :]
        won = self.to_move if _has_four(board) else None
        return ConnectFour(boards, heights, 3 - self.to_move, won)

    def heuristic(self) -> int:
        """Static value for the side to move: immediate tactics, threats, open windows.

        - The side to move can connect four now: ``+THREAT`` (it wins next ply).
        - Otherwise, the other side can connect four on two or more cells next move:
          ``-THREAT`` (only one can be blocked).
        - Otherwise, a sum (positive for the side to move) of: 30 for every empty cell
          that would complete a four for a side (a "threat"); 1, 5 or 40 for every
          four-cell window holding n = 1, 2, 3 of one side's pieces and none of the
          other's; 3 for each piece in the centre column.

        The tactical checks stop the search from scoring a position statically when
        the side to move has a win in hand (the horizon error of a leaf). Weighting
        threats by row parity (the zugzwang rule) was tried and measured worse.
        """
        mine, theirs = self.boards[self.to_move - 1], self.boards[2 - self.to_move]
        mask = mine | theirs
        playable = (mask + _BOTTOM) & _FULL
        my_threats, their_threats = _threats(mine, mask), _threats(theirs, mask)
        if my_threats & playable:
            return THREAT
        if (their_threats & playable).bit_count() >= 2:
            return -THREAT
        score = _THREAT_CELL * (my_threats.bit_count() - their_threats.bit_count())
        score += 3 * ((mine & _CENTRE).bit_count() - (theirs & _CENTRE).bit_count())
        for w in _WINDOWS:
            a, b = w & mine, w & theirs
            if a and not b:
                score += _WEIGHT[a.bit_count()]
            elif b and not a:
                score -= _WEIGHT[b.bit_count()]
        return score

    def key(self) -> Hashable:
        """Both bitboards (the side to move follows from the piece count)."""
        return self.boards

    def cell(self, col: int, row: int) -> int:
        """0 empty, 1 X or 2 O at (col, row), row 0 at the bottom."""
        bit = _bit(col, row)
        return 1 if self.boards[0] & bit else 2 if self.boards[1] & bit else 0

    def render(self) -> str:
        """The board as text, top row first, with column numbers 1..7 for the `move` tool.

        Example:
            >>> print(ConnectFour.initial().play(3).play(3).render())
             1 2 3 4 5 6 7
            |. . . . . . .|
            |. . . . . . .|
            |. . . . . . .|
            |. . . . . . .|
            |. . . O . . .|
            |. . . X . . .|
            +-------------+
        """
        lines = [" " + " ".join(str(c + 1) for c in range(COLUMNS))]
        for row in reversed(range(ROWS)):
            cells = " ".join(_MARKS[self.cell(c, row)] for c in range(COLUMNS))
            lines.append(f"|{cells}|")
        lines.append("+" + "-" * (2 * COLUMNS - 1) + "+")
        return "\n".join(lines)

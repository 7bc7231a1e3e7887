"""An exact ConnectFour solver: perfect play for the reference and the perfect opponent.

The search (negamax, alpha-beta on null windows, a transposition table of upper
and lower bounds keyed up to mirror symmetry, threat-based move ordering, pruning
of moves that give away an immediate win) lives in ``_native/c4solver.c``, built
into a shared library when gymforge is installed (``hatch_build.py``) and loaded
with ctypes. `PySolver` is the same algorithm in pure Python: the fallback when
the library is missing and the cross-check in the tests. It is some 100x slower.

Scores are from the side to move: 0 is a draw; winning with one's own k-th stone
scores ``22 - k``, losing to the opponent's k-th stone ``-(22 - k)``. So the
highest score is the quickest win and, when every move loses, the slowest loss.
Optimal play (`optimal_moves`) keeps the exact score; a strong solver in the sense
of the solved-game literature.

Cost grows steeply towards the empty board: from 8 stones played a move takes
about a second here, from 12 a few hundredths; the first plies of the empty
board take minutes to hours, which is why ConnectFour tasks start from an opening
(see docs/envs/games.md).
"""

from __future__ import annotations

import ctypes
import random
import threading
from pathlib import Path
from typing import Protocol

from gymforge.envs.games._connect4 import COLUMNS, ROWS, ConnectFour, _threats

__all__ = [
    "NativeSolver",
    "PySolver",
    "Solver",
    "default_solver",
    "optimal_moves",
    "perfect_connect4_move",
    "position",
    "solve",
]

_H1 = ROWS + 1
_CELLS = COLUMNS * ROWS
_BOTTOM = sum(1 << (c * _H1) for c in range(COLUMNS))
_FULL = _BOTTOM * ((1 << ROWS) - 1)
_ORDER = (3, 2, 4, 1, 5, 0, 6)
_MIN_SCORE = -_CELLS // 2 + 3
_MAX_SCORE = (_CELLS + 1) // 2 - 3
_UPPER_TOP = _MAX_SCORE - _MIN_SCORE + 1
_LOWER_BIAS = _UPPER_TOP - _MIN_SCORE + 1
_COLUMN = tuple(((1 << ROWS) - 1) << (c * _H1) for c in range(COLUMNS))
LIBRARY = Path(__file__).with_name("_native") / "c4solver.so"
"""Where the built solver library lives (next to its C source)."""


def position(state: ConnectFour) -> tuple[int, int, int]:
    """``(stones of the side to move, all stones, stones played)`` as bitboards.

    Example:
        >>> position(ConnectFour.initial().play(3))
        (0, 2097152, 1)
    """
    mask = state.boards[0] | state.boards[1]
    return state.boards[state.to_move - 1], mask, mask.bit_count()


def _mirror(key: int) -> int:
    out = 0
    for c in range(COLUMNS):
        out |= ((key >> (c * _H1)) & 0x7F) << ((COLUMNS - 1 - c) * _H1)
    return out


class Solver(Protocol):
    """What both solver implementations offer (positions as `position` returns them)."""

    name: str
    """``"native"`` or ``"python"``."""

    def solve(self, cur: int, mask: int, moves: int) -> int:
        """The exact score of a position that is not over."""
        ...

    def optimal(self, cur: int, mask: int, moves: int) -> tuple[int, int]:
        """``(bitmask of optimal columns, exact score)``; ``(0, 0)`` when over."""
        ...


class PySolver:
    """The C solver's algorithm in pure Python (slow; for fallback and cross-checks).

    Example:
        >>> PySolver().solve(*position(ConnectFour.initial().play(0).play(1).play(0)
        ...                            .play(1).play(0).play(1)))  # X wins with stone 4
        18
    """

    name = "python"

    def __init__(self) -> None:
        self._table: dict[int, int] = {}
        self.nodes = 0
        """Positions searched (for tests and benchmarks)."""

    def _non_losing(self, cur: int, mask: int) -> int:
        moves = (mask + _BOTTOM) & _FULL
        theirs = _threats(cur ^ mask, mask)
        forced = moves & theirs
        if forced:
            if forced & (forced - 1):
                return 0
            moves = forced
        return moves & ~(theirs >> 1)

    def _negamax(self, cur: int, mask: int, moves: int, alpha: int, beta: int) -> int:
        self.nodes += 1
        nxt = self._non_losing(cur, mask)
        if not nxt:
            return -((_CELLS - moves) // 2)
        if moves >= _CELLS - 2:
            return 0
        lo = -((_CELLS - 2 - moves) // 2)
        if alpha < lo:
            alpha = lo
            if alpha >= beta:
                return alpha
        hi = (_CELLS - 1 - moves) // 2
        key = cur + mask
        key = min(key, _mirror(key))
        cached = self._table.get(key, 0)
        if cached > _UPPER_TOP:
            if alpha < cached - _LOWER_BIAS:
                alpha = cached - _LOWER_BIAS
                if alpha >= beta:
                    return alpha
        elif cached:
            hi = cached + _MIN_SCORE - 1
        if beta > hi:
            beta = hi
            if alpha >= beta:
                return beta
        cands = [nxt & _COLUMN[c] for c in _ORDER if nxt & _COLUMN[c]]
        cands.sort(key=lambda m: -_threats(cur | m, mask).bit_count())  # stable
        for m in cands:
            v = -self._negamax(cur ^ mask, mask | m, moves + 1, -beta, -alpha)
            if v >= beta:
                if v >= _MIN_SCORE:
                    self._table[key] = v + _LOWER_BIAS
                return v
            alpha = max(alpha, v)
        if alpha >= _MIN_SCORE:
            self._table[key] = alpha - _MIN_SCORE + 1
        return alpha

    def solve(self, cur: int, mask: int, moves: int) -> int:
        """The exact score (binary search of null-window negamax calls)."""
        if _threats(cur, mask) & (mask + _BOTTOM) & _FULL:
            return (_CELLS + 1 - moves) // 2
        lo, hi = -((_CELLS - moves) // 2), (_CELLS + 1 - moves) // 2
        while lo < hi:
            med = lo + (hi - lo) // 2
            if med <= 0 and int(lo / 2) < med:
                med = int(lo / 2)
            elif med >= 0 and hi // 2 > med:
                med = hi // 2
            r = self._negamax(cur, mask, moves, med, med + 1)
            if r <= med:
                hi = r
            else:
                lo = r
        return lo

    def optimal(self, cur: int, mask: int, moves: int) -> tuple[int, int]:
        """Every column that keeps the exact score, as a bitmask, and the score."""
        open_ = (mask + _BOTTOM) & _FULL
        if not open_ or moves >= _CELLS:
            return 0, 0
        wins = _threats(cur, mask) & open_
        if wins:
            return _columns(wins), (_CELLS + 1 - moves) // 2
        safe = self._non_losing(cur, mask)
        if not safe:
            return _columns(open_), -((_CELLS - moves) // 2)
        v = self.solve(cur, mask, moves)
        out = 0
        for c in range(COLUMNS):
            m = safe & _COLUMN[c]
            if m and self._negamax(cur ^ mask, mask | m, moves + 1, -v, -v + 1) <= -v:
                out |= 1 << c
        return out, v


def _columns(cells: int) -> int:
    return sum(1 << c for c in range(COLUMNS) if cells & _COLUMN[c])


class NativeSolver:
    """The compiled solver (``_native/c4solver.so``), loaded with ctypes.

    Its transposition table (about 80 MB) is allocated on the first call and kept
    for the life of the process; a lock serialises calls from threads.

    Raises:
        OSError: The library is missing or cannot be loaded.
    """

    name = "native"

    def __init__(self, library: Path = LIBRARY) -> None:
        lib = ctypes.CDLL(str(library))
        u64, cint = ctypes.c_uint64, ctypes.c_int
        lib.gf_c4_solve.argtypes = [u64, u64, cint, cint]
        lib.gf_c4_solve.restype = cint
        lib.gf_c4_optimal.argtypes = [u64, u64, cint, cint, ctypes.POINTER(cint)]
        lib.gf_c4_optimal.restype = cint
        lib.gf_c4_nodes.argtypes = []
        lib.gf_c4_nodes.restype = u64
        self._lib = lib
        self._lock = threading.Lock()

    @property
    def nodes(self) -> int:
        """Positions searched by this process so far."""
        return int(self._lib.gf_c4_nodes())

    def solve(self, cur: int, mask: int, moves: int) -> int:
        """The exact score of a position that is not over."""
        with self._lock:
            value = int(self._lib.gf_c4_solve(cur, mask, moves, 0))
        if value == -1000:
            raise MemoryError("the ConnectFour solver could not allocate its 80 MB table")
        return value

    def optimal(self, cur: int, mask: int, moves: int) -> tuple[int, int]:
        """Every column that keeps the exact score, as a bitmask, and the score."""
        score = ctypes.c_int(0)
        with self._lock:
            bits = int(self._lib.gf_c4_optimal(cur, mask, moves, 0, ctypes.byref(score)))
        if not bits and (mask + _BOTTOM) & _FULL and moves < _CELLS:
            raise MemoryError("the ConnectFour solver could not allocate its 80 MB table")
        return bits, int(score.value)


_default: Solver | None = None
_default_lock = threading.Lock()


def default_solver() -> Solver:
    """The native solver when its library loads, else the pure-Python one (cached).

    Example:
        >>> default_solver().name in ("native", "python")
        True
    """
    global _default
    with _default_lock:
        if _default is None:
            try:
                _default = NativeSolver()
            except OSError:
                _default = PySolver()
        return _default


def _check_open(state: ConnectFour) -> None:
    if state.is_over():
        raise ValueError("the game is over: there is nothing to solve")


def solve(state: ConnectFour, solver: Solver | None = None) -> int:
    """The exact score of `state` for the side to move (see the module docstring).

    Example:
        >>> s = ConnectFour.initial()
        >>> for col in (0, 1, 0, 1, 0, 1):
        ...     s = s.play(col)
        >>> solve(s)  # X connects four with its 4th stone: 22 - 4
        18
    """
    _check_open(state)
    return (solver or default_solver()).solve(*position(state))


def optimal_moves(state: ConnectFour, solver: Solver | None = None) -> tuple[tuple[int, ...], int]:
    """Every move (0-based column, centre first) that keeps the exact score, and the score.

    Example:
        >>> s = ConnectFour.initial()
        >>> for col in (3, 3, 2, 2, 4, 4):
        ...     s = s.play(col)
        >>> optimal_moves(s)  # X wins at once in column 2 or 6
        ((1, 5), 18)
    """
    _check_open(state)
    bits, score = (solver or default_solver()).optimal(*position(state))
    return tuple(c for c in _ORDER if bits >> c & 1), score


def perfect_connect4_move(
    state: ConnectFour, rng: random.Random | None = None, solver: Solver | None = None
) -> int:
    """A perfect-play move: centre-most optimal column, or a random optimal one with `rng`.

    Example:
        >>> s = ConnectFour.initial()
        >>> for col in (3, 3, 2, 2, 4, 4):
        ...     s = s.play(col)
        >>> perfect_connect4_move(s)
        1
    """
    moves, _score = optimal_moves(state, solver)
    return rng.choice(moves) if rng is not None else moves[0]

"""Rules of TicTacToe and ConnectFour: every win direction, draws, full columns, bad moves."""

import itertools
import random

import pytest

from gymforge.envs.games._connect4 import THREAT, ConnectFour
from gymforge.envs.games._tictactoe import LINES, TicTacToe


def _ttt(moves: list[int]) -> TicTacToe:
    s = TicTacToe.initial()
    for m in moves:
        s = s.play(m)
    return s


def _c4(moves: list[int]) -> ConnectFour:
    s = ConnectFour.initial()
    for m in moves:
        s = s.play(m)
    return s


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("player", [1, 2])
def test_tictactoe_every_line_wins_for_either_player(
    line: tuple[int, int, int], player: int
) -> None:
    others = [c for c in range(9) if c not in line]
    # The other side's three cells must not form a line themselves.
    filler = next(
        list(f) for f in itertools.combinations(others, 3) if tuple(sorted(f)) not in LINES
    )
    moves: list[int] = []
    if player == 2:
        moves.append(filler.pop())
    for i, cell in enumerate(line):
        moves.append(cell)
        if i < 2:
            moves.append(filler[i])
    s = _ttt(moves)
    assert s.winner == player
    assert s.is_over()
    assert s.legal_moves() == ()
    free = next(c for c in range(9) if s.board[c] == 0)
    with pytest.raises(ValueError, match="over"):
        s.play(free)


def test_tictactoe_draw_on_full_board() -> None:
    s = _ttt([0, 1, 2, 4, 3, 5, 7, 6, 8])
    assert s.winner is None
    assert s.is_over()
    assert s.legal_moves() == ()


def test_tictactoe_rejects_taken_and_out_of_range_cells() -> None:
    s = _ttt([4])
    with pytest.raises(ValueError, match="already taken by X"):
        s.play(4)
    for bad in (-1, 9):
        with pytest.raises(ValueError, match=r"0\.\.8"):
            s.play(bad)


def test_tictactoe_render_numbers_free_cells() -> None:
    text = _ttt([0, 8]).render()
    assert text.splitlines()[0] == " X | 2 | 3"
    assert text.splitlines()[-1] == " 7 | 8 | O"


def _naive_c4_winner(s: ConnectFour) -> int | None:
    for p in (1, 2):
        for c in range(7):
            for r in range(6):
                for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
                    cells = [(c + i * dc, r + i * dr) for i in range(4)]
                    if all(0 <= x < 7 and 0 <= y < 6 and s.cell(x, y) == p for x, y in cells):
                        return p
    return None


@pytest.mark.parametrize(
    ("moves", "winner"),
    [
        ([0, 1, 0, 1, 0, 1, 0], 1),  # vertical
        ([6, 0, 6, 0, 6, 0, 5, 0], 2),  # vertical for O at the edge column
        ([0, 0, 1, 1, 2, 2, 3], 1),  # horizontal, bottom row
        ([6, 6, 5, 5, 4, 4, 3], 1),  # horizontal ending at the right edge
        ([0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3], 1),  # diagonal up-right
        ([6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3], 1),  # diagonal up-left
    ],
)
def test_connect4_win_directions(moves: list[int], winner: int) -> None:
    s = _c4(moves)
    assert s.winner == winner == _naive_c4_winner(s)
    assert s.legal_moves() == ()


def test_connect4_lines_do_not_wrap_around_edges() -> None:
    # X on column 6 rows 0..2 and column 0 row 3 are adjacent bits without the spare row.
    s = _c4([6, 1, 6, 1, 6, 2, 0, 2, 0, 3, 0, 3, 0])
    assert _naive_c4_winner(s) == 1  # column 0 got four in the end
    s2 = _c4([6, 1, 6, 1, 6, 2, 0, 2, 0, 3, 0])
    assert s2.winner is None
    assert _naive_c4_winner(s2) is None


def test_connect4_full_column_is_illegal() -> None:
    s = _c4([3, 3, 3, 3, 3, 3])
    assert 3 not in s.legal_moves()
    with pytest.raises(ValueError, match="column 3 is full"):
        s.play(3)
    with pytest.raises(ValueError, match=r"0\.\.6"):
        s.play(7)


def test_connect4_win_detection_matches_naive_scan_on_random_games() -> None:
    rng = random.Random(0)
    winners = set()
    for _ in range(40):
        s = ConnectFour.initial()
        while not s.is_over():
            s = s.play(rng.choice(s.legal_moves()))
            assert s.winner == _naive_c4_winner(s)
        winners.add(s.winner)
    assert winners >= {1, 2}


def test_connect4_draw_on_full_board() -> None:
    rng = random.Random(1)
    for _ in range(20000):
        s = ConnectFour.initial()
        while not s.is_over():
            s = s.play(rng.choice(s.legal_moves()))
        if s.winner is None:
            break
    assert s.winner is None
    assert s.is_over()
    assert all(h == 6 for h in s.heights)
    assert s.legal_moves() == ()
    assert "." not in s.render()


def test_connect4_render_shows_pieces_bottom_up() -> None:
    lines = _c4([0, 6]).render().splitlines()
    assert lines[0] == " 1 2 3 4 5 6 7"
    assert lines[-2] == "|X . . . . . O|"


def _completes_four(s: ConnectFour, col: int, row: int, side: int) -> bool:
    for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
        for start in range(-3, 1):
            cells = [(col + (start + i) * dc, row + (start + i) * dr) for i in range(4)]
            if all(0 <= x < 7 and 0 <= y < 6 for x, y in cells) and all(
                (x, y) == (col, row) or s.cell(x, y) == side for x, y in cells
            ):
                return True
    return False


def _naive_heuristic(s: ConnectFour) -> int:
    mine, theirs = s.to_move, 3 - s.to_move
    wins_now = [c for c in s.legal_moves() if s.play(c).winner == mine]
    if wins_now:
        return THREAT
    flipped = ConnectFour(s.boards, s.heights, theirs, None)  # the other side to move
    if sum(1 for c in flipped.legal_moves() if flipped.play(c).winner == theirs) >= 2:
        return -THREAT
    score = 3 * (
        sum(s.cell(3, r) == mine for r in range(6)) - sum(s.cell(3, r) == theirs for r in range(6))
    )
    for side, sign in ((mine, 1), (theirs, -1)):
        for c in range(7):
            for r in range(6):
                if s.cell(c, r) == 0 and _completes_four(s, c, r, side):
                    score += sign * 30
    weight = {1: 1, 2: 5, 3: 40}
    for c in range(7):
        for r in range(6):
            for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
                cells = [(c + i * dc, r + i * dr) for i in range(4)]
                if not all(0 <= x < 7 and 0 <= y < 6 for x, y in cells):
                    continue
                vals = [s.cell(x, y) for x, y in cells]
                if theirs not in vals and vals.count(mine):
                    score += weight[vals.count(mine)]
                if mine not in vals and vals.count(theirs):
                    score -= weight[vals.count(theirs)]
    return score


def test_connect4_heuristic_matches_a_cell_by_cell_count() -> None:
    rng = random.Random(3)
    for _ in range(30):
        s = ConnectFour.initial()
        for _ in range(rng.randint(0, 30)):
            if s.is_over():
                break
            s = s.play(rng.choice(s.legal_moves()))
            if not s.is_over():
                assert s.heuristic() == _naive_heuristic(s)

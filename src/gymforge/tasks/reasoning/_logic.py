r"""Logic families: knights and knaves (unique solutions) and 4x4 Sudoku (unique, solver-checked).

Knights always tell the truth, knaves always lie. The generator draws a hidden
assignment, lets each person say something whose truth matches their kind, and
keeps drawing statements until brute force over all 2^n assignments finds exactly
one that fits. Levels: 1 two people, plain claims and "and" claims; 2 three
people, adding "or"; 3 four people; 4 five people, adding "exactly one of" and
"if ... then"; 5 six people with all statement kinds.

Sudoku4 is the 4x4 grid with 2x2 boxes. The generator shuffles a solved grid,
then removes cells in a seeded order while a backtracking solver still finds
exactly one solution. Levels set the number of givens: 1: 12, 2: 10, 3: 8,
4: 6, 5: as few as uniqueness allows (often 4-5).
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable

from gymforge.tasks._fields import task_field
from gymforge.tasks.reasoning._common import ReasoningFamily
from gymforge.types import JsonValue, Score, Task

__all__ = ["KnightsKnavesFamily", "Sudoku4Family", "count_sudoku_solutions"]

_PEOPLE = ("Alice", "Bob", "Carmen", "Dev", "Emeka", "Fatima", "Gus", "Hiro")
_ROLE_RE = re.compile(
    r"\b(" + "|".join(_PEOPLE) + r")\b\s*(?::|=|is\s+an?|is|-)?\s*(knight|knave)s?\b",
    re.IGNORECASE,
)
# A statement: (text, truth function of the assignment tuple, where True = knight).
_Statement = tuple[str, Callable[[tuple[bool, ...]], bool]]


def _claim(who: int, speaker: int, knight: bool) -> str:
    if who == speaker:
        return "I am a knight" if knight else "I am a knave"
    return f"{_PEOPLE[who]} is {'a knight' if knight else 'a knave'}"


def _statement(rng: random.Random, speaker: int, n: int, level: int) -> _Statement:
    kinds = {1: 2, 2: 3, 3: 3, 4: 5, 5: 5}[level]
    kind = rng.randrange(kinds)
    a = rng.randrange(n)
    b = rng.choice([i for i in range(n) if i != a])
    ka, kb = rng.random() < 0.5, rng.random() < 0.5
    ca, cb = _claim(a, speaker, ka), _claim(b, speaker, kb)
    if kind == 0:
        return f"{ca[0].upper()}{ca[1:]}.", lambda s: s[a] == ka
    if kind == 1:
        return f"{ca[0].upper()}{ca[1:]} and {cb}.", lambda s: s[a] == ka and s[b] == kb
    if kind == 2:
        return f"{ca[0].upper()}{ca[1:]} or {cb}.", lambda s: s[a] == ka or s[b] == kb
    if kind == 3:
        pa, pb = _PEOPLE[a], _PEOPLE[b]
        return f"Exactly one of {pa} and {pb} is a knight.", lambda s: s[a] != s[b]
    return f"If {ca}, then {cb}.", lambda s: s[a] != ka or s[b] == kb


def _fits(assignment: tuple[bool, ...], says: list[tuple[int, _Statement]]) -> bool:
    return all(stmt[1](assignment) == assignment[who] for who, stmt in says)


class KnightsKnavesFamily(ReasoningFamily):
    """Knights-and-knaves puzzles with exactly one solution (see the module's levels).

    The answer is ``"Alice: knight, Bob: knave, ..."``; the scorer accepts any
    wording that names each person once as knight or knave ("Bob is a knave").

    Example:
        >>> fam = KnightsKnavesFamily(difficulty=2)
        >>> task = fam.generate(0, seed=0)
        >>> fam.score(task, task.reference).value
        1.0
    """

    name = "knights_knaves"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        n = level + 1
        names = _PEOPLE[:n]
        truth = tuple(rng.random() < 0.5 for _ in range(n))
        for attempt in itertools.count(1):
            if attempt % 200 == 0:  # this assignment is hard to pin down: draw another
                truth = tuple(rng.random() < 0.5 for _ in range(n))
            says: list[tuple[int, _Statement]] = []
            for speaker in range(n):
                stmt = _statement(rng, speaker, n, level)
                while stmt[1](truth) != truth[speaker]:
                    stmt = _statement(rng, speaker, n, level)
                says.append((speaker, stmt))
            fits = [s for s in itertools.product((True, False), repeat=n) if _fits(s, says)]
            if fits == [truth]:
                break
        lines = [f'{names[who]} says: "{stmt[0]}"' for who, stmt in says]
        answer = ", ".join(
            f"{p}: {'knight' if k else 'knave'}" for p, k in zip(names, truth, strict=True)
        )
        prompt = (
            "On an island, knights always tell the truth and knaves always lie. You meet "
            f"{', '.join(names[:-1])} and {names[-1]}.\n\n"
            + "\n".join(lines)
            + "\n\nWho is a knight and who is a knave? Answer in \\boxed{}, e.g. "
            "\\boxed{Alice: knight, Bob: knave}."
        )
        metadata: dict[str, JsonValue] = {
            "people": list(names),
            "statements": [stmt[0] for _, stmt in says],
            "reference": f"\\boxed{{{answer}}}",
        }
        return prompt, answer, metadata

    def score_answer(self, task: Task, answer: str) -> Score:
        """1.0 when everybody is named exactly once with the right kind."""
        gold = dict(_ROLE_RE.findall(str(task.answer)))
        claims: dict[str, set[str]] = {}
        for person, role in _ROLE_RE.findall(answer):
            claims.setdefault(person.capitalize(), set()).add(role.lower())
        if any(len(roles) > 1 for roles in claims.values()):
            return self.verdict(False, "someone is called both a knight and a knave")
        got = {p: roles.pop() for p, roles in claims.items()}
        missing = sorted(set(gold) - set(got))
        if missing:
            return self.verdict(False, f"no verdict for {', '.join(missing)}")
        wrong = sorted(p for p in gold if got[p] != gold[p])
        return self.verdict(not wrong, "all correct" if not wrong else f"wrong: {', '.join(wrong)}")


Grid = list[int]
_UNITS = (
    [[r * 4 + c for c in range(4)] for r in range(4)]
    + [[r * 4 + c for r in range(4)] for c in range(4)]
    + [
        [(br + r) * 4 + bc + c for r in range(2) for c in range(2)]
        for br in (0, 2)
        for bc in (0, 2)
    ]
)
_PEERS = [sorted({j for unit in _UNITS if i in unit for j in unit} - {i}) for i in range(16)]
_GIVENS = {1: 12, 2: 10, 3: 8, 4: 6, 5: 0}


def count_sudoku_solutions(grid: Grid, limit: int = 2) -> int:
    """Solutions of a 4x4 grid (0 = empty), counting up to `limit`.

    Example:
        >>> count_sudoku_solutions([0] * 16, limit=2)
        2
        >>> count_sudoku_solutions([1,2,3,4, 3,4,1,2, 2,1,4,3, 4,3,2,0])
        1
    """
    try:
        empty = grid.index(0)
    except ValueError:
        return 1
    found = 0
    for digit in range(1, 5):
        if all(grid[p] != digit for p in _PEERS[empty]):
            grid[empty] = digit
            found += count_sudoku_solutions(grid, limit - found)
            grid[empty] = 0
            if found >= limit:
                break
    return found


def _valid_solution(cells: Grid) -> bool:
    return all(sorted(cells[i] for i in unit) == [1, 2, 3, 4] for unit in _UNITS)


def _render(grid: Grid) -> str:
    return "\n".join(
        " ".join(str(v) if v else "." for v in grid[r * 4 : r * 4 + 4]) for r in range(4)
    )


class Sudoku4Family(ReasoningFamily):
    """4x4 Sudoku with a unique solution (see the module's levels for the givens).

    The answer is the 16 digits row by row; the scorer accepts any layout of them
    (spaces, slashes, newlines) and checks the rules and the givens, not a string.

    Example:
        >>> fam = Sudoku4Family(difficulty=3)
        >>> task = fam.generate(0, seed=0)
        >>> count_sudoku_solutions(list(task.metadata["puzzle"]))
        1
        >>> fam.score(task, task.reference).value
        1.0
    """

    name = "sudoku4"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        digits = rng.sample([1, 2, 3, 4], 4)
        rows = [0, 1, 2, 3] if rng.random() < 0.5 else [1, 0, 3, 2]
        if rng.random() < 0.5:
            rows = rows[2:] + rows[:2]
        cols = [0, 1, 2, 3] if rng.random() < 0.5 else [1, 0, 3, 2]
        base = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]
        solution = [digits[base[rows[r] * 4 + cols[c]] - 1] for r in range(4) for c in range(4)]
        if rng.random() < 0.5:  # transpose
            solution = [solution[c * 4 + r] for r in range(4) for c in range(4)]
        puzzle = list(solution)
        for cell in rng.sample(range(16), 16):
            if sum(1 for v in puzzle if v) <= _GIVENS[level]:
                break
            puzzle[cell] = 0
            if count_sudoku_solutions(list(puzzle)) != 1:
                puzzle[cell] = solution[cell]
        answer = "/".join("".join(map(str, solution[r * 4 : r * 4 + 4])) for r in range(4))
        prompt = (
            "Fill in the 4x4 Sudoku (each row, column and 2x2 box holds 1-4 once; '.' is "
            f"empty):\n\n{_render(puzzle)}\n\nGive the full grid row by row in \\boxed{{}}, "
            "e.g. \\boxed{1234/3412/2143/4321}."
        )
        metadata: dict[str, JsonValue] = {
            "puzzle": list(puzzle),
            "reference": f"\\boxed{{{answer}}}",
        }
        return prompt, answer, metadata

    def validate_task(self, task: Task) -> None:
        """Also ``metadata.puzzle``: 16 integers row by row, 1-4 for a given, 0 for empty.

        Raises:
            ValueError: Naming the field that is missing or wrong.
        """
        super().validate_task(task)
        why = "the givens the grader keeps: 16 integers row by row, 1-4 or 0 for empty"
        puzzle = task_field(task, "metadata", "puzzle", kind=list, why=why)
        if len(puzzle) != 16:
            raise ValueError(f"metadata.puzzle: expected 16 cells, got {len(puzzle)} ({why})")
        for i in range(16):
            task_field(task, "metadata", "puzzle", i, kind=int, choices=range(5), why=why)

    def score_answer(self, task: Task, answer: str) -> Score:
        """1.0 for a complete valid grid that keeps every given."""
        cells = [int(ch) for ch in answer if ch.isdigit()]
        if len(cells) != 16 or any(v not in (1, 2, 3, 4) for v in cells):
            return self.verdict(False, f"expected 16 digits 1-4, got {len(cells)} digits")
        puzzle = task.metadata["puzzle"]
        if not isinstance(puzzle, list):
            raise ValueError(f"task {task.id} lacks its sudoku puzzle in metadata")
        if any(isinstance(g, int) and g and g != v for g, v in zip(puzzle, cells, strict=True)):
            return self.verdict(False, "the grid changes a given cell")
        ok = _valid_solution(cells)
        return self.verdict(ok, "valid solution" if ok else "a row, column or box repeats a digit")

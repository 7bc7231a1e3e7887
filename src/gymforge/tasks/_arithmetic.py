"""Seeded procedural arithmetic: exact integer expressions at five difficulty levels.

Levels (numbers are the operands as written; every answer is an exact integer):

====  =====================================================================
1     ``a + b``, one-digit operands (0-9).
2     two operations among ``+ -`` on two-digit operands (10-99).
3     three operations among ``+ - *`` (at least one ``*``) on 1-20, grouped
      by a random tree so parentheses appear.
4     three operations among ``+ - * /`` on -30..30, negatives included, with
      at least one exact division (the dividend is a multiple of the divisor).
5     five to seven operations among ``+ - *`` in a random nested tree on
      -200..200, plus divisions by a literal in ±2..12 wherever one divides the
      subexpression to its left exactly; a product whose size would pass 10^6
      becomes a sum, so every intermediate value stays below ~10^6 in size.
====  =====================================================================

``/`` is exact division: the generator only divides when the quotient is a whole
number, so true division and floor division agree on every task.

The generator is built for throughput (the rollout benchmark asks for tens of
thousands of tasks per second): one BLAKE2b seed per (seed, level) is cached, and
each item's stream is a SplitMix64 step of that seed and the index, never
`random.Random` (whose seeding alone costs ~10 microseconds).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from gymforge._util import derive_seed
from gymforge.tasks._fields import task_field
from gymforge.types import Task, _trusted

__all__ = ["ArithmeticFamily"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MAX_PRODUCT = 10**6
LEVELS = (1, 2, 3, 4, 5)
"""The difficulty levels `ArithmeticFamily` knows."""

_PROMPT = (
    "Compute the value of this expression. Operators follow the usual precedence and "
    "'/' is exact division (every division in it comes out whole).\n\n{expr}\n\n"
    "Show your work if you like, then give the final answer as an integer in \\boxed{{}}."
)

# A node is (text, value, precedence): 3 atom, 2 * and /, 1 + and -.
_Node = tuple[str, int, int]


class _Rng:
    """SplitMix64 with a mixed-radix pool: each 64-bit word serves several small draws.

    Tiny, fast and identical in every process (no salted hashing, no global state).
    """

    __slots__ = ("pool", "state")

    def __init__(self, state: int) -> None:
        self.state = state & _MASK
        self.pool = 0

    def _refill(self) -> int:
        self.state = (self.state + _GOLDEN) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return (z ^ (z >> 31)) | (1 << 64)

    def below(self, n: int) -> int:
        """An int in [0, n); refills when fewer than 16 spare bits are left."""
        pool = self.pool
        if pool < (n << 16):
            pool = self._refill()
        self.pool, r = divmod(pool, n)
        return r

    def between(self, lo: int, hi: int) -> int:
        """An int in [lo, hi]."""
        return lo + self.below(hi - lo + 1)


@lru_cache(maxsize=4096)
def _base_seed(seed: int, level: int) -> int:
    return derive_seed("arithmetic", seed, level)


def _leaf(value: int) -> _Node:
    return (f"({value})" if value < 0 else str(value), value, 3)


def _combine(op: str, left: _Node, right: _Node) -> _Node:
    """Join two nodes with the fewest parentheses that keep the meaning."""
    lt, lv, lp = left
    rt, rv, rp = right
    if op == "+":
        return (f"{lt} + {rt}", lv + rv, 1)
    if op == "-":
        return (f"{lt} - ({rt})" if rp <= 1 else f"{lt} - {rt}", lv - rv, 1)
    ltext = f"({lt})" if lp < 2 else lt
    if op == "*":
        return (f"{ltext} * ({rt})" if rp < 2 else f"{ltext} * {rt}", lv * rv, 2)
    # "/": callers guarantee `right` is a literal that divides `left` exactly.
    return (f"{ltext} / {rt}", lv // rv, 2)


def _exact_division(rng: _Rng, lo: int, hi: int) -> _Node:
    """`n / d` with n a multiple of d, both within [lo, hi] in magnitude."""
    d = rng.between(2, 12)
    if lo < 0 and rng.below(2):
        d = -d
    q = rng.between(lo, hi) // abs(d) or 1
    return _combine("/", _leaf(q * d), _leaf(d))


def _divisor(rng: _Rng, value: int) -> int | None:
    """A literal in ±[2, 12] dividing `value`, or None when there is none."""
    start = rng.below(11)
    for k in range(11):
        d = 2 + (start + k) % 11
        if value % d == 0:
            return -d if rng.below(2) else d
    return None


def _tree(rng: _Rng, leaves: int, ops: str, lo: int, hi: int) -> _Node:
    """A random expression tree with `leaves` >= 2 operands; '/' only where it is exact."""
    k = 1 + rng.below(leaves - 1)
    left = _tree(rng, k, ops, lo, hi) if k > 1 else _leaf(rng.between(lo, hi))
    op = ops[rng.below(len(ops))]
    if op == "/":
        d = _divisor(rng, left[1])
        if d is not None:
            # Divide first, then still join the right subtree, so no leaves are lost.
            left = _combine("/", left, _leaf(d))
        op = "+-*"[rng.below(3)]
    k = leaves - k
    right = _tree(rng, k, ops, lo, hi) if k > 1 else _leaf(rng.between(lo, hi))
    if op == "*" and abs(left[1] * right[1]) > _MAX_PRODUCT:
        op = "+"  # keep answers human-sized: no 15-digit products
    return _combine(op, left, right)


def _level1(rng: _Rng) -> _Node:
    return _combine("+", _leaf(rng.below(10)), _leaf(rng.below(10)))


def _level2(rng: _Rng) -> _Node:
    node = _leaf(rng.between(10, 99))
    for _ in range(2):
        node = _combine("+-"[rng.below(2)], node, _leaf(rng.between(10, 99)))
    return node


def _level3(rng: _Rng) -> _Node:
    # Three ops over four leaves, one of them forced to '*', shaped by a random tree.
    forced = rng.below(3)
    ops = ["*" if j == forced else "+-*"[rng.below(3)] for j in range(3)]
    nodes = [_leaf(rng.between(1, 20)) for _ in range(4)]
    while len(nodes) > 1:
        j = rng.below(len(nodes) - 1)
        nodes[j : j + 2] = [_combine(ops.pop(), nodes[j], nodes[j + 1])]
    return nodes[0]


def _level4(rng: _Rng) -> _Node:
    # One exact division term, joined with two more operands by random ops.
    nodes = [_exact_division(rng, -30, 30)]
    nodes.insert(rng.below(2), _leaf(rng.between(-30, 30)))
    nodes.insert(rng.below(3), _leaf(rng.between(-30, 30)))
    while len(nodes) > 1:
        j = rng.below(len(nodes) - 1)
        nodes[j : j + 2] = [_combine("+-*"[rng.below(3)], nodes[j], nodes[j + 1])]
    return nodes[0]


def _level5(rng: _Rng) -> _Node:
    return _tree(rng, 6 + rng.below(3), "+-*/", -200, 200)


_BUILDERS = (_level1, _level2, _level3, _level4, _level5)


class ArithmeticFamily:
    """Procedural integer arithmetic at difficulty 1-5 (see the module's level table).

    Item ``i`` at seed ``s`` is the same task in every process. With no difficulty
    (neither here nor in `generate`), levels cycle 1..5 over consecutive indices,
    starting at a level chosen by the seed.

    Args:
        difficulty: Default level 1-5, or None to mix all levels.

    Example:
        >>> fam = ArithmeticFamily(difficulty=1)
        >>> task = fam.generate(0, seed=7)
        >>> task.id
        'arithmetic/d1/s7/0'
        >>> eval(task.metadata["expression"]) == task.answer
        True
        >>> fam.generate(0, seed=7) == task
        True
    """

    name: str = "arithmetic"
    """Family name; task ids start with it."""

    def __init__(self, difficulty: int | None = None) -> None:
        self.difficulty = _check_level(difficulty)

    def __repr__(self) -> str:
        return f"ArithmeticFamily(difficulty={self.difficulty!r})"

    def level_for(self, index: int, *, seed: int, difficulty: int | None = None) -> int:
        """The level item `index` gets at `seed` (the cycle when no difficulty is set)."""
        level = _check_level(difficulty) or self.difficulty
        return level if level is not None else 1 + (index + seed) % 5

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` at `seed`; `difficulty` overrides the family's default.

        Raises:
            ValueError: `index` is negative or `difficulty` is not 1-5.
        """
        if index < 0:
            raise ValueError(f"index must be >= 0, got {index}")
        level = self.level_for(index, seed=seed, difficulty=difficulty)
        rng = _Rng(_base_seed(seed, level) ^ ((index * _GOLDEN) & _MASK))
        expr, value, _ = _BUILDERS[level - 1](rng)
        return _trusted_task(
            {
                "id": f"arithmetic/d{level}/s{seed}/{index}",
                "prompt": _PROMPT.format(expr=expr),
                "answer": value,
                "family": "arithmetic",
                "difficulty": level,
                "tags": (),
                "reference": None,
                "metadata": {"expression": expr},
            }
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what the arithmetic envs read.

        ``answer`` is the value the `numeric` grader compares with; the optional
        ``metadata.expression`` (a string) is what the calculator's oracle calculates.

        Raises:
            ValueError: Naming the field that is missing or wrong.
        """
        task_field(
            task,
            "answer",
            kind=(int, float),
            why="arithmetic tasks are graded against their integer value",
        )
        task_field(
            task,
            "metadata",
            "expression",
            kind=str,
            optional=True,
            why="the expression the calculator's reference solution calculates",
        )


def _trusted_task(fields: dict[str, Any]) -> Task:
    """A `Task` from fields that are valid by construction, without re-validating them.

    Half the cost of validation, which is most of the cost of an item. Every field
    must be given; a unit test checks the result equals the validated `Task(**fields)`.
    """
    return _trusted(Task, fields)


def _check_level(difficulty: int | None) -> int | None:
    if difficulty is None:
        return None
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or difficulty not in LEVELS:
        raise ValueError(f"arithmetic difficulty must be one of 1-5 or None, got {difficulty!r}")
    return difficulty

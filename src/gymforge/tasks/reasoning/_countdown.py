r"""Countdown-style number puzzles, with a verifier that accepts *any* valid solution.

Reach the target with ``+ - * /`` and brackets, using each given number at most as
often as it is given. The verifier parses the expression with `ast` (never
`eval`), allows only number literals, the four operators and brackets, checks the
multiset of numbers used, and evaluates with exact `Fraction` arithmetic, so
``(6 / 4) * 8`` is 12 exactly and a division by zero is simply wrong.

Levels:

====  ==================================================================
1     3 numbers (1-10), target made with 2 of them and one operation.
2     4 numbers (1-10), target made with 3 of them.
3     5 numbers (1-10 and one of 25/50/75/100), target made with 3-4 of them.
4     6 numbers (1-10 and one or two of 25/50/75/100), 4-5 of them used.
5     6 numbers, 5-6 used, a target of three digits.
====  ==================================================================
"""

from __future__ import annotations

import ast
import random
from collections import Counter
from fractions import Fraction

from gymforge.tasks._fields import task_field
from gymforge.tasks.reasoning._common import ReasoningFamily
from gymforge.types import JsonValue, Score, Task

__all__ = ["CountdownFamily", "evaluate_countdown"]

_MAX_EXPR = 200
_SHAPES = {1: (3, 0, 2, 2), 2: (4, 0, 3, 3), 3: (5, 1, 3, 4), 4: (6, 2, 4, 5), 5: (6, 2, 5, 6)}
_BIG = (25, 50, 75, 100)
_NORMALISE = {"×": "*", "·": "*", "÷": "/", "−": "-", r"\times": "*", r"\cdot": "*", r"\div": "/"}
_OP = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _walk(node: ast.AST, used: list[int]) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        used.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OP:
        left, right = _walk(node.left, used), _walk(node.right, used)
        op = _OP[type(node.op)]
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise ZeroDivisionError("division by zero")
        return left / right
    raise ValueError(f"only numbers, + - * / and brackets are allowed, found {type(node).__name__}")


def evaluate_countdown(expression: str, numbers: list[int]) -> tuple[Fraction | None, str]:
    """Exact value of `expression` if it uses only `numbers` (each at most as given).

    Returns ``(value, reason)``; value is None when the expression is not allowed.

    Example:
        >>> evaluate_countdown("(6 / 4) * 8", [4, 6, 8, 9])
        (Fraction(12, 1), 'ok')
        >>> evaluate_countdown("6 * 6", [6, 2])[1]
        'uses 6 more often than given'
        >>> evaluate_countdown("__import__('os')", [1])[0] is None
        True
    """
    text = expression.strip().strip("$")
    for old, new in _NORMALISE.items():
        text = text.replace(old, new)
    if "=" in text:  # "3 * 4 = 12": judge the left side only
        text = text.split("=", 1)[0]
    if len(text) > _MAX_EXPR:
        return None, f"expression longer than {_MAX_EXPR} characters"
    try:
        tree = ast.parse(text, mode="eval")
        used: list[int] = []
        value = _walk(tree.body, used)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError) as exc:
        return None, f"not a valid expression: {exc}"
    over = Counter(used) - Counter(numbers)
    if over:
        number = min(over)
        return None, f"uses {number} more often than given"
    return value, "ok"


def _build_expression(rng: random.Random, picks: list[int]) -> tuple[str, Fraction]:
    """A random expression over `picks` with positive whole intermediate results."""
    nodes: list[tuple[str, Fraction]] = [(str(n), Fraction(n)) for n in picks]
    while len(nodes) > 1:
        i, j = rng.sample(range(len(nodes)), 2)
        (lt, lv), (rt, rv) = nodes[i], nodes[j]
        options = [("+", lv + rv), ("*", lv * rv)]
        if lv > rv:
            options.append(("-", lv - rv))
        if rv > 1 and lv % rv == 0:
            options.append(("/", lv / rv))
        op, value = rng.choice(options)
        rest = [n for k, n in enumerate(nodes) if k not in (i, j)]
        nodes = [*rest, (f"({lt} {op} {rt})", value)]
    text, value = nodes[0]
    return (text[1:-1] if text.startswith("(") else text), value


class CountdownFamily(ReasoningFamily):
    r"""Reach a target number from given numbers (see the module's level table).

    Example:
        >>> fam = CountdownFamily(difficulty=2)
        >>> task = fam.generate(0, seed=0)
        >>> fam.score(task, task.reference).value
        1.0
        >>> fam.score(task, r"\boxed{1 + 1}").value
        0.0
    """

    name = "countdown"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        count, big, lo, hi = _SHAPES[level]
        while True:
            numbers = [rng.choice(_BIG) for _ in range(big)]
            numbers += [rng.randint(1, 10) for _ in range(count - big)]
            rng.shuffle(numbers)
            picks = rng.sample(numbers, rng.randint(lo, hi))
            expr, value = _build_expression(rng, picks)
            low = 100 if level == 5 else 2
            if value.denominator == 1 and low <= value <= 999 and value not in numbers:
                break
        target = int(value)
        prompt = (
            f"Use the numbers {', '.join(map(str, numbers))} to make {target}. You may use "
            "+, -, *, / and brackets; each number at most as often as it appears in the list "
            "(you need not use all of them). Give the expression in \\boxed{}, e.g. "
            "\\boxed{(3 + 5) * 2}."
        )
        metadata: dict[str, JsonValue] = {
            "numbers": list(numbers),
            "target": target,
            "reference": f"\\boxed{{{expr}}}",
        }
        return prompt, expr, metadata

    def validate_task(self, task: Task) -> None:
        """Also ``metadata.numbers`` (integers) and ``metadata.target`` (an integer).

        Raises:
            ValueError: Naming the field that is missing or wrong.
        """
        super().validate_task(task)
        why = "the numbers the expression may use (the grader checks them)"
        for i in range(len(task_field(task, "metadata", "numbers", kind=list, why=why))):
            task_field(task, "metadata", "numbers", i, kind=int, why=why)
        task_field(task, "metadata", "target", kind=int, why="the value the expression must reach")

    def score_answer(self, task: Task, answer: str) -> Score:
        """1.0 for any allowed expression whose exact value is the target."""
        numbers = task.metadata["numbers"]
        target = task.metadata["target"]
        if not isinstance(numbers, list) or not isinstance(target, int):
            raise ValueError(f"task {task.id} lacks countdown metadata (numbers, target)")
        value, reason = evaluate_countdown(answer, [n for n in numbers if isinstance(n, int)])
        if value is None:
            return self.verdict(False, reason)
        return self.verdict(value == target, f"{answer} = {value}, target {target}")

r"""Algebra families: linear equations, linear systems, and fraction arithmetic.

Every answer is exact (a `fractions.Fraction` written as ``7`` or ``-3/4``) and the
scorers compare exactly; the env layer grades numeric answers with the hardened
math grader, which accepts any equivalent form (``\frac{3}{4}``, ``0.75``).

LinearEquations levels (solve for x):

====  ==================================================================
1     ``x + a = b``, natural numbers up to 20, x >= 0.
2     ``a x + b = c``, integer x in -10..10.
3     x on both sides: ``a x + b = c x + d``, integer x in -15..15.
4     brackets: ``a(x + b) - c = d x + e``, integer x in -30..30.
5     fractional coefficients, the solution a reduced fraction.
====  ==================================================================

LinearSystems levels: 1 ``x + y = s, x - y = d``; 2 a 2x2 system, coefficients
-5..5, integer solution in -10..10; 3 2x2, coefficients -9..9, solution -20..20;
4 a 3x3 system with an integer solution; 5 a 3x3 system whose solution has
fractions. The answer is the tuple ``(x, y)`` or ``(x, y, z)``.

Fractions levels: 1 ``a/b + c/b``; 2 ``a/b ± c/d``; 3 three fractions with a
product (precedence matters); 4 a bracketed sum divided by a fraction; 5 four or
five fractions, nested brackets, all four operations.
"""

from __future__ import annotations

import random
from fractions import Fraction

from gymforge.tasks.reasoning._common import ReasoningFamily, format_number, parse_rational
from gymforge.types import JsonValue, Score, Task

__all__ = ["FractionsFamily", "LinearEquationsFamily", "LinearSystemsFamily"]

_ANSWER_RULE = "Give the final answer as an integer or a reduced fraction p/q in \\boxed{}."


def _nonzero(rng: random.Random, lo: int, hi: int) -> int:
    value = 0
    while value == 0:
        value = rng.randint(lo, hi)
    return value


def _frac_text(value: Fraction) -> str:
    return format_number(value) if value.denominator == 1 else f"({format_number(value)})"


def _linear(coefs: list[Fraction], names: str, const: Fraction | None = None) -> str:
    """``3x - y + 2z (+ const)`` with signs folded and unit coefficients dropped."""
    parts: list[str] = []
    for coef, var in zip(coefs, names, strict=True):
        if coef == 0:
            continue
        mag = abs(coef)
        body = var if mag == 1 else f"{_frac_text(mag).strip('()')}{var}"
        if mag.denominator != 1:
            body = f"({format_number(mag)}){var}"
        parts.append(("- " if coef < 0 else "+ ") + body)
    if const:
        parts.append(("- " if const < 0 else "+ ") + format_number(abs(const)))
    text = " ".join(parts) or "0"
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


class _ExactNumberScorer(ReasoningFamily):
    def score_answer(self, task: Task, answer: str) -> Score:
        """1.0 when the answer is exactly the gold number."""
        value = parse_rational(answer)
        if value is None:
            return self.verdict(False, f"answer {answer!r} is not a number or a fraction")
        gold = parse_rational(str(task.answer))
        return self.verdict(value == gold, f"answer {format_number(value)} vs gold {task.answer}")


class LinearEquationsFamily(_ExactNumberScorer):
    r"""Solve one linear equation for x at difficulty 1-5 (see the module's table).

    Example:
        >>> task = LinearEquationsFamily(difficulty=2).generate(0, seed=1)
        >>> task.id, task.metadata["equation"]
        ('linear_equations/d2/s1/0', '4x - 12 = -20')
        >>> LinearEquationsFamily().score(task, r"x = \boxed{-2}").value
        1.0
    """

    name = "linear_equations"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        if level == 1:
            x, a = rng.randint(0, 20), rng.randint(1, 20)
            eq = f"x + {a} = {x + a}"
            sol = Fraction(x)
        elif level == 2:
            x, a, b = rng.randint(-10, 10), _nonzero(rng, -9, 9), rng.randint(-20, 20)
            eq = f"{_linear([Fraction(a)], 'x', Fraction(b))} = {a * x + b}"
            sol = Fraction(x)
        elif level in (3, 4):
            span = 15 if level == 3 else 30
            x = rng.randint(-span, span)
            a, c = _nonzero(rng, -9, 9), _nonzero(rng, -9, 9)
            while c == a:
                c = _nonzero(rng, -9, 9)
            if level == 3:
                b = rng.randint(-20, 20)
                d = a * x + b - c * x
                left = _linear([Fraction(a)], "x", Fraction(b))
            else:
                b, k = _nonzero(rng, -12, 12), rng.randint(-30, 30)
                d = a * (x + b) - k - c * x
                inner = _linear([Fraction(1)], "x", Fraction(b))
                left = f"{a}(" + inner + ")" + (f" - {k}" if k >= 0 else f" + {-k}")
            eq = f"{left} = {_linear([Fraction(c)], 'x', Fraction(d))}"
            sol = Fraction(x)
        else:
            sol = Fraction(rng.randint(-20, 20), rng.randint(2, 9))
            coef = Fraction(_nonzero(rng, -9, 9), rng.randint(2, 6))
            const = Fraction(rng.randint(-9, 9), rng.randint(2, 6))
            eq = f"{_linear([coef], 'x', const)} = {format_number(coef * sol + const)}"
        prompt = f"Solve for x:\n\n{eq}\n\n{_ANSWER_RULE}"
        answer = format_number(sol)
        return prompt, answer, {"equation": eq, "reference": f"x = \\boxed{{{answer}}}"}


def _solve(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss-Jordan over the rationals; None when the matrix is singular."""
    n = len(rhs)
    rows = [[*row, b] for row, b in zip(matrix, rhs, strict=True)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        lead = rows[col][col]
        rows[col] = [v / lead for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [v - factor * p for v, p in zip(rows[r], rows[col], strict=True)]
    return [rows[r][n] for r in range(n)]


def parse_tuple(text: str, size: int) -> list[Fraction] | None:
    r"""``(1, -2)``, ``x=1, y=-2`` or ``\left(1, \frac{1}{2}\right)`` as exact values.

    Example:
        >>> parse_tuple("(1, -3/2)", 2)
        [Fraction(1, 1), Fraction(-3, 2)]
    """
    body = text.replace(r"\left", "").replace(r"\right", "").strip().strip("()[]")
    parts = [p for p in body.replace(";", ",").split(",") if p.strip()]
    if len(parts) != size:
        return None
    values = [parse_rational(p) for p in parts]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


class LinearSystemsFamily(ReasoningFamily):
    """Solve a 2x2 or 3x3 linear system (unique solution) at difficulty 1-5.

    Example:
        >>> task = LinearSystemsFamily(difficulty=1).generate(0, seed=0)
        >>> LinearSystemsFamily().score(task, task.reference).value
        1.0
    """

    name = "linear_systems"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        n = 2 if level <= 3 else 3
        names = "xyz"[:n]
        coef_span, sol_span = {1: (1, 10), 2: (5, 10), 3: (9, 20), 4: (5, 10), 5: (5, 6)}[level]
        while True:
            if level == 1:
                matrix = [[Fraction(1), Fraction(1)], [Fraction(1), Fraction(-1)]]
            else:
                matrix = [
                    [Fraction(rng.randint(-coef_span, coef_span)) for _ in range(n)]
                    for _ in range(n)
                ]
            if level == 5:
                sol = [Fraction(rng.randint(-sol_span, sol_span), rng.randint(1, 4)) for _ in names]
            else:
                sol = [Fraction(rng.randint(-sol_span, sol_span)) for _ in names]
            rhs = [
                sum((c * s for c, s in zip(row, sol, strict=True)), Fraction(0)) for row in matrix
            ]
            if _solve(matrix, rhs) == sol:
                break
        lines = [
            f"{_linear(row, names)} = {format_number(b)}"
            for row, b in zip(matrix, rhs, strict=True)
        ]
        answer = "(" + ", ".join(format_number(v) for v in sol) + ")"
        prompt = (
            "Solve the system of equations:\n\n"
            + "\n".join(lines)
            + f"\n\nGive the solution as the tuple ({', '.join(names)}) in \\boxed{{}}, "
            "each value an integer or a reduced fraction p/q."
        )
        equations: list[JsonValue] = list(lines)
        return prompt, answer, {"equations": equations, "reference": f"\\boxed{{{answer}}}"}

    def score_answer(self, task: Task, answer: str) -> Score:
        """1.0 when every component equals the solution exactly, in order."""
        gold = parse_tuple(str(task.answer), str(task.answer).count(",") + 1)
        got = parse_tuple(answer, len(gold or []))
        if got is None:
            return self.verdict(
                False, f"answer {answer!r} is not a tuple of {len(gold or [])} numbers"
            )
        return self.verdict(got == gold, f"answer {answer} vs gold {task.answer}")


def _rand_frac(rng: random.Random, den_max: int) -> Fraction:
    """A proper or improper fraction that is not a whole number."""
    value = Fraction(1)
    while value.denominator == 1:
        value = Fraction(rng.randint(1, 12), rng.randint(2, den_max))
    return value


_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


class FractionsFamily(_ExactNumberScorer):
    """Multi-step fraction arithmetic at difficulty 1-5 (see the module's table).

    Example:
        >>> task = FractionsFamily(difficulty=1).generate(3, seed=0)
        >>> FractionsFamily().score(task, task.reference).value
        1.0
    """

    name = "fractions"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        fracs = [_rand_frac(rng, 9 if level < 4 else 12) for _ in range(5)]
        if level == 1:
            den = rng.randint(2, 12)
            a, b = Fraction(rng.randint(1, 11), den), Fraction(rng.randint(1, 11), den)
            text = f"{a.numerator}/{den} + {b.numerator}/{den}"
            value = a + b
        else:
            ops = [rng.choice("+-") for _ in range(4)]
            w = [f"{f.numerator}/{f.denominator}" for f in fracs]
            if level == 2:
                text, value = f"{w[0]} {ops[0]} {w[1]}", _OPS[ops[0]](fracs[0], fracs[1])
            elif level == 3:
                text = f"{w[0]} {ops[0]} {w[1]} * {w[2]}"
                value = _OPS[ops[0]](fracs[0], fracs[1] * fracs[2])
            elif level == 4:
                text = f"({w[0]} {ops[0]} {w[1]}) / ({w[2]})"
                value = _OPS[ops[0]](fracs[0], fracs[1]) / fracs[2]
            else:
                inner = _OPS[ops[1]](fracs[2], fracs[3])
                text = f"({w[0]} {ops[0]} {w[1]}) * ({w[2]} {ops[1]} {w[3]}) / ({w[4]})"
                value = _OPS[ops[0]](fracs[0], fracs[1]) * inner / fracs[4]
        prompt = f"Compute exactly (usual precedence, '/' is division):\n\n{text}\n\n{_ANSWER_RULE}"
        answer = format_number(value)
        return prompt, answer, {"expression": text, "reference": f"\\boxed{{{answer}}}"}

r"""A multi-step family whose intermediate results are verifiable: each one is a milestone.

The task defines named quantities one after another (``a = 7 * 8``, then
``b = a - 19``, then ``c = b / 3`` ...) and asks for the last one. Every
intermediate value is known exactly, so an env can check each value the agent
states (``a = 56``) and record it as a milestone; reward shaping builds on those.

Levels: 1 two steps on 1-10 with + and -; 2 three steps adding *; 3 four steps on
1-20; 4 five steps adding exact division; 5 six steps on 1-50, any operation, each
step may refer to any earlier quantity.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction

from gymforge.tasks._fields import task_field
from gymforge.tasks.reasoning._algebra import _ExactNumberScorer
from gymforge.tasks.reasoning._common import format_number, parse_rational
from gymforge.types import JsonValue, Task

__all__ = ["MultiStepFamily", "stated_values"]

_NAMES = "abcdefgh"
_SHAPES = {
    1: (2, 10, "+-"),
    2: (3, 10, "+-*"),
    3: (4, 20, "+-*"),
    4: (5, 20, "+-*/"),
    5: (6, 50, "+-*/"),
}
_LEADING_NUMBER_RE = re.compile(r"\s*(-?\s*\d+(?:\s*/\s*\d+)?)\s*(?:$|[.;)$\\])")
_STATED_RE = re.compile(r"(?<![A-Za-z0-9_\\])([a-h])\s*(?:=|\bis\b)\s*([^,;\nA-Za-z]+)")


def stated_values(text: str) -> dict[str, Fraction]:
    """The last value stated for each quantity name in `text` ("a = 56", "b is -3").

    In a worked line ("a = 7 + 8 = 15") the value is the last one.

    Example:
        >>> stated_values("First a = 7 + 8 = 15, so b = 37. Actually b = 38.")
        {'a': Fraction(15, 1), 'b': Fraction(38, 1)}
    """
    found: dict[str, Fraction] = {}
    for name, raw in _STATED_RE.findall(text):
        number = _LEADING_NUMBER_RE.match(raw.split("=")[-1])
        value = parse_rational(number.group(1).replace(" ", "")) if number else None
        if value is not None:
            found[name] = value
    return found


def _step(
    rng: random.Random, known: list[tuple[str, int]], span: int, ops: str, level: int
) -> tuple[str, int]:
    ref_name, ref = known[-1] if level < 5 or len(known) < 2 else rng.choice(known)
    while True:
        op = rng.choice(ops)
        k = rng.randint(1, span) if op != "*" else rng.randint(2, 9)
        if op == "/":
            divisors = [d for d in range(2, 13) if ref % d == 0]
            if not divisors:
                continue
            k = rng.choice(divisors)
        value = {"+": ref + k, "-": ref - k, "*": ref * k, "/": ref // k if k else ref}[op]
        if abs(value) <= 100_000:
            return f"{ref_name} {op} {k}", value


class MultiStepFamily(_ExactNumberScorer):
    """Chains of named quantities; every intermediate value is a checkable milestone.

    ``task.metadata["steps"]`` lists ``{"name", "expression", "value"}`` per step;
    `milestones` says which of them a response stated correctly.

    Example:
        >>> fam = MultiStepFamily(difficulty=2)
        >>> task = fam.generate(0, seed=0)
        >>> fam.score(task, task.reference).value
        1.0
        >>> all(fam.milestones(task, task.reference).values())
        True
    """

    name = "multi_step"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        count, span, ops = _SHAPES[level]
        first = (rng.randint(1, span), rng.randint(1, span))
        known: list[tuple[str, int]] = [("a", first[0] + first[1])]
        steps: list[JsonValue] = [
            {"name": "a", "expression": f"{first[0]} + {first[1]}", "value": known[0][1]}
        ]
        for name in _NAMES[1:count]:
            expr, value = _step(rng, known, span, ops, level)
            known.append((name, value))
            steps.append({"name": name, "expression": expr, "value": value})
        lines = [f"{s['name']} = {s['expression']}" for s in steps if isinstance(s, dict)]
        last = known[-1][0]
        prompt = (
            "Work out these quantities in order ('/' divides exactly):\n\n"
            + "\n".join(lines)
            + f'\n\nState each value as you go (e.g. "a = 12"), then give {last} in \\boxed{{}}.'
        )
        worked = ", ".join(f"{n} = {v}" for n, v in known)
        answer = format_number(Fraction(known[-1][1]))
        return prompt, answer, {"steps": steps, "reference": f"{worked}. \\boxed{{{answer}}}"}

    def validate_task(self, task: Task) -> None:
        """Also ``metadata.steps``: ``{"name", "value"}`` per step (the milestones).

        Raises:
            ValueError: Naming the field that is missing or wrong.
        """
        super().validate_task(task)
        why = 'the steps whose stated values are the milestones, [{"name", "value"}, ...]'
        steps = task_field(task, "metadata", "steps", kind=list, why=why)
        if not steps:
            raise ValueError(f"metadata.steps: empty ({why})")
        for i in range(len(steps)):
            task_field(task, "metadata", "steps", i, "name", kind=str, why=why)
            task_field(task, "metadata", "steps", i, "value", kind=(int, float), why=why)
            task_field(task, "metadata", "steps", i, "expression", kind=str, optional=True, why=why)

    def milestones(self, task: Task, text: str) -> dict[str, bool]:
        """``{"step_a": True, ...}``: which intermediate values `text` states correctly."""
        stated = stated_values(text)
        out: dict[str, bool] = {}
        steps = task.metadata.get("steps")
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and isinstance(step.get("name"), str):
                name = str(step["name"])
                out[f"step_{name}"] = stated.get(name) == step.get("value")
        return out

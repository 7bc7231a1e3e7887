r"""Templated word problems with randomised people, things, and units.

Levels (every answer is an exact number in the unit the question names):

====  =======================================================================
1     one step: buy / give away / share equally (whole numbers up to 50).
2     two steps: packs of items, then some used or given away.
3     three steps with a unit conversion (cm/m, g/kg, minutes/hours, mL/L).
4     rates: two people's speed x time in mixed units (minutes and hours), total
      distance; the answer may be a fraction.
5     a percentage discount on several packs, then a fraction of the discounted
      total paid by someone else; the answer may be a fraction.
====  =======================================================================
"""

from __future__ import annotations

import random
from fractions import Fraction

from gymforge.tasks.reasoning._algebra import _ExactNumberScorer
from gymforge.tasks.reasoning._common import format_number
from gymforge.types import JsonValue

__all__ = ["WordProblemsFamily"]

_NAMES = (
    "Ava", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jamal",
    "Kenji", "Lucía", "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
)  # fmt: skip
_ITEMS = (
    ("pencils", "box"), ("stickers", "sheet"), ("marbles", "bag"), ("cookies", "tray"),
    ("stamps", "album"), ("apples", "crate"), ("beads", "jar"), ("cards", "deck"),
)  # fmt: skip
# (big unit, small unit, small units per big unit, quantity noun)
_UNITS = (
    ("m", "cm", 100, "ribbon"),
    ("kg", "g", 1000, "flour"),
    ("hours", "minutes", 60, "practice"),
    ("L", "mL", 1000, "juice"),
)
_ANSWER_RULE = "Give the final answer as a number (no units) in \\boxed{}."


def _people(rng: random.Random, k: int) -> list[str]:
    return rng.sample(_NAMES, k)


def _level1(rng: random.Random) -> tuple[str, Fraction]:
    a, b = _people(rng, 2)
    item, _ = rng.choice(_ITEMS)
    kind = rng.randrange(3)
    if kind == 0:
        x, y = rng.randint(2, 30), rng.randint(2, 20)
        return (
            f"{a} has {x} {item} and buys {y} more. How many {item} does {a} have now?",
            Fraction(x + y),
        )
    if kind == 1:
        x = rng.randint(10, 50)
        y = rng.randint(1, x - 1)
        return f"{a} has {x} {item} and gives {y} to {b}. How many {item} does {a} keep?", Fraction(
            x - y
        )
    k, each = rng.randint(2, 6), rng.randint(2, 8)
    text = f"{a} shares {k * each} {item} equally among {k} friends. How many {item} does each get?"
    return text, Fraction(each)


def _level2(rng: random.Random) -> tuple[str, Fraction]:
    (a,) = _people(rng, 1)
    item, pack = rng.choice(_ITEMS)
    packs, per = rng.randint(2, 9), rng.randint(4, 15)
    used = rng.randint(1, packs * per - 1)
    text = (
        f"{a} buys {packs} {pack}s of {item} with {per} {item} in each {pack}, "
        f"then uses {used} of them. How many {item} are left?"
    )
    return text, Fraction(packs * per - used)


def _level3(rng: random.Random) -> tuple[str, Fraction]:
    (a,) = _people(rng, 1)
    big, small, factor, noun = rng.choice(_UNITS)
    total_big = rng.randint(2, 9)
    pieces = rng.randint(2, 6)
    piece = rng.randint(1, (total_big * factor) // pieces - 1)
    text = (
        f"{a} has {total_big} {big} of {noun}. {a} uses {pieces} portions of {piece} {small} each. "
        f"How many {small} of {noun} are left?"
    )
    return text, Fraction(total_big * factor - pieces * piece)


def _level4(rng: random.Random) -> tuple[str, Fraction]:
    a, b = _people(rng, 2)
    speed_a, speed_b = rng.randint(3, 20), rng.randint(3, 20)
    minutes = rng.choice((30, 90, 120, 150, 180))
    hours_b = rng.randint(1, 4)
    text = (
        f"{a} cycles at {speed_a} km per hour for {minutes} minutes. {b} cycles at {speed_b} km "
        f"per hour for {hours_b} hours. How many km do they cover together?"
    )
    return text, Fraction(speed_a * minutes, 60) + speed_b * hours_b


def _level5(rng: random.Random) -> tuple[str, Fraction]:
    a, b = _people(rng, 2)
    item, pack = rng.choice(_ITEMS)
    packs, price = rng.randint(3, 12), rng.randint(2, 15)
    discount = rng.choice((10, 20, 25, 50))
    share = rng.choice((2, 3, 4, 5))
    cost = Fraction(packs * price) * (100 - discount) / 100
    text = (
        f"A {pack} of {item} costs {price} dollars. {a} buys {packs} {pack}s with a {discount}% "
        f"discount on the whole order, and {b} pays 1/{share} of the discounted total. "
        f"How many dollars does {a} pay?"
    )
    return text, cost - cost / share


_BUILDERS = (_level1, _level2, _level3, _level4, _level5)


class WordProblemsFamily(_ExactNumberScorer):
    """Word problems with random names, things and units at difficulty 1-5.

    Example:
        >>> task = WordProblemsFamily(difficulty=3).generate(0, seed=0)
        >>> WordProblemsFamily().score(task, task.reference).value
        1.0
        >>> WordProblemsFamily().score(task, "no idea").value
        0.0
    """

    name = "word_problems"

    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        text, value = _BUILDERS[level - 1](rng)
        answer = format_number(value)
        prompt = f"{text}\n\n{_ANSWER_RULE}"
        return prompt, answer, {"reference": f"\\boxed{{{answer}}}"}

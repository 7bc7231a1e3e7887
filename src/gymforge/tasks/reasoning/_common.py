"""What every reasoning family shares: seeding, levels, answer extraction, exact scoring."""

from __future__ import annotations

import abc
import random
import re
from fractions import Fraction

from gymforge._util import derive_seed
from gymforge.tasks._arithmetic import LEVELS
from gymforge.tasks._fields import task_field
from gymforge.types import JsonValue, Score, Task

__all__ = [
    "LEVELS",
    "ReasoningFamily",
    "check_level",
    "final_answer",
    "format_number",
    "parse_rational",
]

_BOX_OPEN = re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANCHOR = re.compile(r"(?:final answer|answer)\s*(?:is|:)\s*(.+)", re.IGNORECASE)
_RATIONAL = re.compile(r"^([+-]?)\s*(\d+(?:\.\d+)?)(?:\s*/\s*(\d+))?$")
_FRAC = re.compile(r"^([+-]?)\\[dt]?frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}$")
_MAX_RESPONSE = 20_000


def check_level(difficulty: int | None, family: str) -> int | None:
    """`difficulty` validated as one of 1-5 (or None).

    Raises:
        ValueError: it is something else.

    Example:
        >>> check_level(3, "demo")
        3
    """
    if difficulty is None:
        return None
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or difficulty not in LEVELS:
        raise ValueError(f"{family} difficulty must be one of 1-5 or None, got {difficulty!r}")
    return difficulty


def _box_contents(text: str) -> list[str]:
    found: list[str] = []
    for match in _BOX_OPEN.finditer(text):
        depth, end = 1, match.end()
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        if depth == 0:
            found.append(text[match.end() : end - 1].strip())
    return found


def final_answer(response: str) -> tuple[str | None, str]:
    r"""The response's final answer: the boxed one, else the text after "answer:".

    Returns ``(answer, reason)``; answer is None when there is none or when
    several different boxed answers hedge (no credit for listing options).

    Example:
        >>> final_answer(r"it is \boxed{42}")
        ('42', 'boxed')
        >>> final_answer(r"\boxed{1} \boxed{2}")
        (None, 'several different boxed answers')
        >>> final_answer("Final answer: 7")
        ('7', 'anchored')
    """
    text = response[:_MAX_RESPONSE]
    boxes = _box_contents(text)
    if boxes:
        if len({re.sub(r"\s+", "", b) for b in boxes}) > 1:
            return None, "several different boxed answers"
        return (boxes[-1], "boxed") if boxes[-1] else (None, "empty box")
    anchored = list(_ANCHOR.finditer(text))
    if anchored:
        line = anchored[-1].group(1).strip().splitlines()[0].strip().rstrip(".").strip("$ ")
        return (line, "anchored") if line else (None, "empty answer")
    return None, "no boxed or anchored answer"


def parse_rational(text: str) -> Fraction | None:
    r"""An integer, decimal, ``p/q`` or ``\frac{p}{q}`` as an exact Fraction, else None.

    Example:
        >>> parse_rational(r"-\frac{6}{4}")
        Fraction(-3, 2)
        >>> parse_rational("2.5"), parse_rational("x")
        (Fraction(5, 2), None)
    """
    text = text.strip().strip("$").replace(r"\!", "").replace(",", "")
    text = re.sub(r"^[a-zA-Z]\s*=\s*", "", text)
    match = _RATIONAL.match(text) or _FRAC.match(text)
    if match is None:
        return None
    sign, num, den = match.groups()
    if den is not None and int(den) == 0:
        return None
    value = Fraction(num) / (int(den) if den else 1)
    return -value if sign == "-" else value


def format_number(value: Fraction) -> str:
    """An exact value as the family writes answers: ``7``, ``-3/4``.

    Example:
        >>> format_number(Fraction(6, 4))
        '3/2'
    """
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


class ReasoningFamily(abc.ABC):
    """Base of the reasoning families: seeding, the level cycle, ids, and `score`.

    Subclasses set `name` and implement `_build(rng, level)` (returning prompt,
    answer, metadata) and `score_answer`. Item ``i`` at seed ``s`` and level ``d``
    comes from a private ``random.Random(derive_seed(name, s, d, i))``, so it is the
    same task in every process. With no difficulty, levels cycle 1..5 over
    consecutive indices, starting at a level chosen by the seed.
    """

    name: str = "reasoning"
    """Family name; task ids start with it."""

    def __init__(self, difficulty: int | None = None) -> None:
        self.difficulty = check_level(difficulty, self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(difficulty={self.difficulty!r})"

    def level_for(self, index: int, *, seed: int, difficulty: int | None = None) -> int:
        """The level item `index` gets at `seed` (the cycle when no difficulty is set)."""
        level = check_level(difficulty, self.name) or self.difficulty
        return level if level is not None else 1 + (index + seed) % 5

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` at `seed`; `difficulty` overrides the family's default.

        Raises:
            ValueError: `index` is negative or `difficulty` is not 1-5.
        """
        if index < 0:
            raise ValueError(f"index must be >= 0, got {index}")
        level = self.level_for(index, seed=seed, difficulty=difficulty)
        rng = random.Random(derive_seed(self.name, seed, level, index))
        prompt, answer, metadata = self._build(rng, level)
        reference = metadata.pop("reference", None)
        return Task(
            id=f"{self.name}/d{level}/s{seed}/{index}",
            prompt=prompt,
            answer=answer,
            family=self.name,
            difficulty=level,
            reference=reference if isinstance(reference, str) else None,
            metadata=metadata,
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what the family's env and grader read.

        Every family needs ``answer`` (a string or a number): the gold answer, and
        the oracle's when the task has no ``reference``. Families that grade from
        metadata check it too (see each family).

        Raises:
            ValueError: Naming the field that is missing or wrong.
        """
        task_field(
            task,
            "answer",
            kind=(str, int, float),
            why=f"{self.name} tasks are graded against it (the oracle's without a reference)",
        )

    @abc.abstractmethod
    def _build(self, rng: random.Random, level: int) -> tuple[str, JsonValue, dict[str, JsonValue]]:
        """(prompt, answer, metadata) of one item; metadata["reference"] is the oracle text.

        `generate` moves the reference into `Task.reference`.
        """

    @abc.abstractmethod
    def score_answer(self, task: Task, answer: str) -> Score:
        """Score an extracted final answer against the task."""

    def score(self, task: Task, response: str) -> Score:
        """Score a whole response: extract its final answer, then `score_answer`.

        A missing, empty or hedged answer scores 0 with the reason.
        """
        answer, reason = final_answer(response)
        if answer is None:
            return Score(value=0.0, components={self.name: 0.0}, explanation=reason)
        return self.score_answer(task, answer)

    def verdict(self, ok: bool, why: str) -> Score:
        """A 1/0 score with this family's component name."""
        value = 1.0 if ok else 0.0
        return Score(value=value, components={self.name: value}, explanation=why)

"""Numeric answers: a small exact parser (no sympy) and the `numeric` grader.

Numbers are parsed to `fractions.Fraction`, so ``0.1 + 0.2``-style float error
never decides a grade and comparison is symmetric.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction

from gymforge.graders._extract import Extractor, answer_or_missing, check_order, strip_wrapping
from gymforge.graders._registry import BuiltinGrader, register_grader
from gymforge.types import JsonValue, Score, Task, Trajectory

__all__ = ["numeric", "parse_number"]

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE](?P<exp>[+-]?\d+))?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FRAC = re.compile(r"\\[dt]?frac\s*\{(?P<num>[^{}]*)\}\s*\{(?P<den>[^{}]*)\}")
_VARIABLE = re.compile(r"[A-Za-z]\w{0,15}\s*=\s*")
_LATEX_SPACE = re.compile(r"\\[,!;: ]|\\q?quad")
_MAX_EXPONENT = 1000
_MAX_DIGITS = 4000


def parse_number(text: str) -> tuple[Fraction, bool] | None:
    r"""Parse a written number to ``(exact value, had a percent sign)``, or None.

    Accepts integers, decimals, scientific notation (``1.5e-3``), thousands
    separators (``1,234``), negatives (also with a Unicode minus), simple
    fractions ``a/b`` and ``\frac{a}{b}`` (``\dfrac``, ``\tfrac``), surrounding
    ``$``, a trailing ``.``, a leading ``x =``, and a trailing ``%`` or ``\%``.
    The percent sign is reported, never applied: ``50%`` parses as 50.

    Example:
        >>> parse_number(r"$-\frac{3}{4}$")
        (Fraction(-3, 4), False)
        >>> parse_number("12.5%")
        (Fraction(25, 2), True)
        >>> parse_number("seven") is None
        True
    """
    if _INTEGER.fullmatch(text) and len(text) <= _MAX_DIGITS:
        # The common case (a bare integer), which every rule below leaves as it is.
        return Fraction(int(text)), False
    s = strip_wrapping(_LATEX_SPACE.sub("", text))
    s = s.replace("−", "-").replace("\\left", "").replace("\\right", "")
    s = _VARIABLE.sub("", s, count=1) if _VARIABLE.match(s) else s
    percent = s.endswith("%")
    if percent:
        s = s.removesuffix("%").removesuffix("\\").strip()
    sign = 1
    if s[:1] in "+-" and s[1:2] == "\\":
        sign, s = (-1 if s[0] == "-" else 1), s[1:]
    frac = _FRAC.fullmatch(s)
    if frac:
        num, den = _simple(frac["num"].strip()), _simple(frac["den"].strip())
    elif s.count("/") == 1:
        a, b = s.split("/")
        num, den = _simple(a.strip()), _simple(b.strip())
    else:
        num, den = _simple(s), Fraction(1)
    if num is None or den is None or den == 0:
        return None
    return sign * num / den, percent


def _simple(s: str) -> Fraction | None:
    """An int, decimal or scientific literal (thousands separators allowed)."""
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    m = _PLAIN.fullmatch(s)
    if m is None or len(s) > _MAX_DIGITS:
        return None
    if m["exp"] is not None and abs(int(m["exp"])) > _MAX_EXPONENT:
        return None
    return Fraction(s)


def _gold_number(gold: JsonValue) -> tuple[Fraction, bool] | None:
    if isinstance(gold, bool):
        return None
    if isinstance(gold, int):
        return Fraction(gold), False
    if isinstance(gold, float):
        return (Fraction(gold), False) if math.isfinite(gold) else None
    if isinstance(gold, str):
        return parse_number(gold)
    return None


class NumericGrader(BuiltinGrader):
    """1.0 when the extracted answer equals the gold number within tolerance."""

    def __init__(
        self,
        *,
        rel_tol: float,
        abs_tol: float,
        extract: tuple[Extractor, ...],
        percent_ok: bool,
        name: str,
    ) -> None:
        super().__init__(name)
        for label, tol in (("rel_tol", rel_tol), ("abs_tol", abs_tol)):
            if not (isinstance(tol, int | float) and math.isfinite(tol) and tol >= 0):
                raise ValueError(f"{label} must be a finite number >= 0, got {tol!r}")
        self.rel_tol = Fraction(rel_tol)
        self.abs_tol = Fraction(abs_tol)
        self.extract = extract
        self.percent_ok = percent_ok

    def _candidates(self, parsed: tuple[Fraction, bool]) -> list[Fraction]:
        value, percent = parsed
        return [value / 100, value] if percent and self.percent_ok else [value]

    def close(self, a: Fraction, b: Fraction) -> bool:
        """Symmetric closeness: ``|a-b| <= max(rel_tol * max(|a|, |b|), abs_tol)``."""
        if a == b:  # both tolerances are >= 0, so equal values are always close
            return True
        return abs(a - b) <= max(self.rel_tol * max(abs(a), abs(b)), self.abs_tol)

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Compare the extracted answer with ``task.answer`` (a list means any of them)."""
        golds = task.answer if isinstance(task.answer, list) else [task.answer]
        parsed_golds = [p for g in golds if (p := _gold_number(g)) is not None]
        if not golds or len(parsed_golds) != len(golds):
            return Score(
                value=None, explanation=f"gold answer {task.answer!r} is not a number: cannot grade"
            )
        answer = answer_or_missing(trajectory, self.extract)
        if isinstance(answer, Score):
            return answer
        parsed = parse_number(answer)
        if parsed is None:
            return Score(value=0.0, explanation=f"answer {answer!r} is not a number")
        note = ""
        if parsed[1]:
            note = " (percent sign: also read as /100)" if self.percent_ok else " (% ignored)"
        ours = self._candidates(parsed)
        for gold in parsed_golds:
            if any(self.close(a, g) for a in ours for g in self._candidates(gold)):
                return Score(value=1.0, explanation=f"{answer!r} equals {task.answer!r}{note}")
        return Score(value=0.0, explanation=f"{answer!r} != {task.answer!r}{note}")


@register_grader
def numeric(
    *,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-9,
    extract: Sequence[Extractor] = ("boxed", "answer_line"),
    percent_ok: bool = False,
    name: str = "numeric",
) -> NumericGrader:
    r"""Numeric equality of the extracted answer and ``task.answer`` within tolerance.

    Values are exact fractions; they match when
    ``|a - b| <= max(rel_tol * max(|a|, |b|), abs_tol)``. A trailing percent sign
    is never applied silently: with ``percent_ok=False`` "50%" is read as 50 (so
    it does NOT equal gold 0.5); with ``percent_ok=True`` it equals 0.5 or 50.
    A missing or non-numeric answer scores 0.0; a gold answer that is not a
    number gives None (the task, not the model, is at fault).

    Args:
        rel_tol: Relative tolerance.
        abs_tol: Absolute tolerance.
        extract: Extraction methods tried in order (see `extract_answer`).
        percent_ok: Also read a percent sign as /100.
        name: Metric name.

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="1/2 as a decimal?", answer=0.5)
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant(r"\boxed{\frac{1}{2}}"),))
        >>> asyncio.run(numeric().grade(task, traj)).value
        1.0
    """
    return NumericGrader(
        rel_tol=rel_tol,
        abs_tol=abs_tol,
        extract=check_order(extract),
        percent_ok=percent_ok,
        name=name,
    )

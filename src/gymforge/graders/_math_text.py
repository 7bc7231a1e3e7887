"""Text side of the math grader: boxed answers, hardenings and the exact fast path.

Nothing here imports sympy: these checks run in the calling process on every
answer, so that the common cases (a plain number, a known hack) never reach a
worker process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "Candidate",
    "fast_compare",
    "find_boxed",
    "has_percent",
    "has_relation",
    "plain_number",
    "prepare_candidate",
    "strip_percent",
]

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
_SPACE_RE = re.compile(r"\s+")
# Relations that make a boxed answer say more than one thing ("3 = 2", "2 \approx 3").
_RELATION_RE = re.compile(
    r"(?<![\\<>!])=|\\approx|\\simeq|\\sim\b|\\cong|\\equiv|\\neq|\\ne\b|!=|\\leq?\b|\\geq?\b"
    r"|\\le(?:q|qslant)\b|\\ge(?:q|qslant)\b|<|>|\\lt\b|\\gt\b|\\to\b|\\rightarrow|\\Rightarrow"
    r"|\\implies|\\iff|\\pm|\\mp|\\lor|\\vee|\\text\{\s*or\s*\}|\\text\{\s*and\s*\}"
)
# "x = 5", "a_1 = 5", "y_{n} = 5": a bare variable on the left of one "=".
_ASSIGNMENT_RE = re.compile(r"^\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*=(?!=)(.*)$", re.DOTALL)
_PERCENT_RE = re.compile(r"\\?%\s*$")
_TEXT_WRAP_RE = re.compile(r"^\\(?:text|textbf|mathrm|mathbf)\{([^{}]*)\}$")
_NUMBER_RE = re.compile(r"^([+-]?)(\d+(?:\.\d+)?|\.\d+)$")
_FRACTION_RE = re.compile(
    r"^([+-]?)(?:\\[dt]?frac\{\s*(-?\d+)\s*\}\{\s*(\d+)\s*\}|(\d+)\s*/\s*(\d+))$"
)


def find_boxed(text: str) -> list[str]:
    r"""Contents of every ``\boxed{...}`` / ``\fbox{...}`` in `text`, braces balanced.

    An unclosed box is ignored (it is not an answer).

    Example:
        >>> find_boxed(r"so \boxed{\frac{1}{2}} and \fbox{3}")
        ['\\frac{1}{2}', '3']
        >>> find_boxed(r"\boxed{")
        []
    """
    out: list[str] = []
    for match in _BOX_RE.finditer(text):
        depth = 1
        i = match.end()
        while i < len(text) and depth:
            ch = text[i]
            if ch == "\\" and i + 1 < len(text):
                i += 2
                continue
            depth += ch == "{"
            depth -= ch == "}"
            i += 1
        if depth == 0:
            out.append(text[match.end() : i - 1])
    return out


def _norm(text: str) -> str:
    return _SPACE_RE.sub("", text).replace(r"\left", "").replace(r"\right", "").replace("$", "")


def has_relation(text: str) -> bool:
    r"""Whether `text` states a relation (=, approximations, inequalities, "or", ±).

    Example:
        >>> has_relation(r"2 \approx 3"), has_relation("5")
        (True, False)
    """
    return _RELATION_RE.search(text) is not None


def has_percent(text: str) -> bool:
    r"""Whether `text` ends with a percent sign (``50\%`` or ``50%``).

    Example:
        >>> has_percent(r"50\%"), has_percent("50")
        (True, False)
    """
    return _PERCENT_RE.search(text.strip()) is not None


def strip_percent(text: str) -> str:
    """`text` without a trailing percent sign."""
    return _PERCENT_RE.sub("", text.strip()).strip()


@dataclass(frozen=True)
class Candidate:
    """The answer to compare, or the reason there is none to credit."""

    text: str | None
    """The answer text to compare with the gold (None: no credit, see `reason`)."""
    reason: str = ""
    """Why there is no answer or why it gets no credit (empty when `text` is set)."""
    percent: bool = False
    """The answer carried a percent sign (its value is the number divided by 100)."""


def prepare_candidate(boxes: list[str], gold: str) -> Candidate:
    r"""Apply the hardenings to the boxed answers and pick the one to compare.

    Rules (each one closes a known reward hack):

    - several boxes with *different* contents get no credit (hedging by listing);
    - an empty box is no answer;
    - a relation inside the box (``3 = 2``, ``x=1=2``, ``2 \approx 3``, ``2 \pm 1``,
      ``2 \text{ or } 3``) gets no credit unless the gold itself is a relation; only a
      plain assignment ``x = 5`` is unwrapped to ``5``;
    - a trailing percent sign is kept as a flag: the value is the number / 100.

    Example:
        >>> prepare_candidate(["x = 5"], "5").text
        '5'
        >>> prepare_candidate(["3 = 2"], "2").reason
        'hedged relation in the answer: 3 = 2'
    """
    if not boxes:
        return Candidate(None, "no boxed answer")
    distinct = {_norm(b) for b in boxes}
    if len(distinct) > 1:
        return Candidate(None, f"{len(distinct)} different boxed answers (hedging gets no credit)")
    answer = boxes[-1].strip()
    if not _norm(answer):
        return Candidate(None, "empty box")
    if not has_relation(gold) and has_relation(answer):
        assigned = _ASSIGNMENT_RE.match(answer)
        if assigned is None or has_relation(assigned.group(1)) or not _norm(assigned.group(1)):
            return Candidate(None, f"hedged relation in the answer: {answer}")
        answer = assigned.group(1).strip()
    wrapped = _TEXT_WRAP_RE.match(answer)
    if wrapped is not None and plain_number(wrapped.group(1).strip()) is not None:
        answer = wrapped.group(1).strip()
    if has_percent(answer):
        return Candidate(strip_percent(answer), percent=True)
    return Candidate(answer)


def plain_number(text: str) -> tuple[Fraction, bool] | None:
    r"""A plain integer, decimal or simple fraction as (exact value, is_decimal).

    Anything else (symbols, roots, thousands separators, LaTeX beyond ``\frac``) is
    None: the caller sends it to math-verify.

    Example:
        >>> plain_number(r"-\frac{3}{4}")
        (Fraction(-3, 4), False)
        >>> plain_number("2.50")
        (Fraction(5, 2), True)
        >>> plain_number("x") is None
        True
    """
    text = text.strip()
    if len(text) > 40:
        return None
    m = _NUMBER_RE.match(text)
    if m is not None:
        value = Fraction(m.group(2))
        return (-value if m.group(1) == "-" else value, "." in m.group(2))
    m = _FRACTION_RE.match(text)
    if m is not None:
        num = int(m.group(2) or m.group(4))
        den = int(m.group(3) or m.group(5))
        if den == 0:
            return None
        value = Fraction(num, den)
        return (-value if m.group(1) == "-" else value, False)
    return None


def _round6(value: Fraction) -> Fraction:
    return Fraction(round(value * 1_000_000), 1_000_000)


def fast_compare(gold: str, candidate: Candidate) -> bool | None:
    r"""Exact verdict for plain numbers, or None when sympy must decide.

    Mirrors math-verify's numeric rule: when either side is a decimal both are
    rounded to 6 places; otherwise the values must be equal exactly. A percent
    answer ``p%`` means p/100, unless the gold is itself a percentage ``g%``: then
    ``g%``, ``g`` and ``g/100`` are all accepted.

    Example:
        >>> fast_compare("0.5", Candidate("50", percent=True))
        True
        >>> fast_compare("2", Candidate("2", percent=True))
        False
        >>> fast_compare("x+1", Candidate("2")) is None
        True
    """
    if candidate.text is None:
        return False
    gold_percent = has_percent(gold)
    g = plain_number(strip_percent(gold) if gold_percent else gold)
    c = plain_number(candidate.text)
    if g is None or c is None:
        return None
    (gv, g_dec), (cv, c_dec) = g, c
    if candidate.percent and not gold_percent:
        cv /= 100
    if gold_percent and not candidate.percent:
        return _equal(gv, cv, g_dec or c_dec) or _equal(gv / 100, cv, g_dec or c_dec)
    return _equal(gv, cv, g_dec or c_dec)


def _equal(gold: Fraction, answer: Fraction, decimal: bool) -> bool:
    if gold == answer:
        return True
    if not decimal or abs(gold - answer) > Fraction(1, 100_000):
        return False
    return _round6(gold) == _round6(answer)

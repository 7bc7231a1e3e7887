r"""Answer extraction: find the model's final answer in free text, by explicit anchors.

Every function takes any text and returns a string or None; none of them raises
on arbitrary input. Nothing guesses without an anchor (``\boxed{}``, an
``Answer:`` line, a JSON block) unless the caller asks for ``last_number`` or
``full`` by name.

Example:
    >>> extract_answer("so the sum is \\boxed{42}.\nAnswer: 41")
    '42'
    >>> extract_answer("Answer: 41", order=("boxed", "answer_line"))
    '41'
    >>> extract_answer("it is 41") is None
    True
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Literal, TypeAlias

from gymforge.types import Score, Trajectory

__all__ = [
    "EXTRACTORS",
    "Extractor",
    "extract_answer",
    "extract_answer_line",
    "extract_boxed",
    "extract_json_block",
    "extract_last_number",
    "final_text",
]

Extractor: TypeAlias = Literal["boxed", "answer_line", "json", "last_number", "full"]
"""Name of one extraction method, as used in `extract_answer(order=...)`."""

_BOX_START = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BRACE = re.compile(r"\\[{}]|[{}]")
_ANSWER_LINE = re.compile(
    r"^[ \t>*#_\-]*(?:the\s+)?(?:final\s+)?answer(?:\s+is)?[ \t*_]*[:：](?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_ANSWER_PHRASE = re.compile(
    r"\b(?:the\s+)?(?:final\s+)?answer\s+is\b[ \t]*[:：]?[ \t]*", re.IGNORECASE
)
_NEXT_LINE = re.compile(r"\s*([^\n]+)")
_JSON_FENCE = re.compile(r"```[ \t]*json[ \t]*\r?\n(?P<body>.*?)```", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(
    r"(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?:/\d+)?"
    r"|(?<![\w.])[-+−]?\.\d+(?:[eE][-+]?\d+)?"
)
_JSON_TOKEN = re.compile(r'[{}"\\]')
_MAX_JSON_ATTEMPTS = 64


def extract_boxed(text: str | None) -> str | None:
    r"""Content of the LAST ``\boxed{...}`` (or ``\fbox{...}``) with balanced braces.

    Escaped braces (``\{``, ``\}``) inside do not count. A box left unclosed (a
    truncated answer) or empty (an echoed instruction) is skipped in favour of the
    previous one.

    Example:
        >>> extract_boxed(r"first \boxed{1}, then \boxed{\frac{1}{2}}")
        '\\frac{1}{2}'
        >>> extract_boxed(r"\boxed{7} and a cut-off \boxed{8")
        '7'
        >>> extract_boxed("no box") is None
        True
    """
    if not text or "\\" not in text:
        return None
    opens = {m.end() - 1: m.end() for m in _BOX_START.finditer(text)}
    if not opens:
        return None
    closes: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(text, min(opens)):
        tok = m.group()
        if tok == "{":
            stack.append(m.start())
        elif tok == "}" and stack:
            closes[stack.pop()] = m.start()
    for brace in sorted(opens, reverse=True):
        if brace in closes:
            content = text[opens[brace] : closes[brace]].strip()
            if content:  # an empty box (an echoed instruction) is not an answer
                return content
    return None


def extract_answer_line(text: str | None) -> str | None:
    r"""The text after the LAST answer anchor (case-insensitive).

    Anchors are an ``Answer:`` line (also ``Final answer:``, ``The answer is:``,
    Markdown emphasis as in ``**Answer:** 5``, a full-width colon; when the line has
    nothing after the colon, the next non-blank line is the answer) and the phrase
    ``the answer is X`` inside a sentence (up to the end of its line, a final period
    dropped). Whichever anchor comes last wins. Text without the word "answer" is
    never guessed from.

    Example:
        >>> extract_answer_line("Answer: 3\n**Final Answer:** 12")
        '12'
        >>> extract_answer_line("answer:\n\n  x = 4")
        'x = 4'
        >>> extract_answer_line("6 + 7 = 13\n\nSo the answer is 13.")
        '13'
        >>> extract_answer_line("6 + 7 = 13") is None
        True
    """
    if not text:
        return None
    candidates: list[tuple[int, str]] = []
    for m in reversed(list(_ANSWER_LINE.finditer(text))):
        rest = m.group("rest").strip().strip("*_").strip()
        if not rest:
            following = _NEXT_LINE.match(text, m.end())
            line = following.group(1).strip() if following else ""
            rest = "" if _ANSWER_LINE.fullmatch(line) else line
        if rest:
            candidates.append((m.start(), rest))
            break
    for m in reversed(list(_ANSWER_PHRASE.finditer(text))):
        end = text.find("\n", m.end())
        rest = text[m.end() : None if end < 0 else end]
        rest = rest.strip().rstrip(".!").strip("*_ \t").rstrip(".!").strip()
        if rest:
            candidates.append((m.start(), rest))
            break
    return max(candidates)[1] if candidates else None


def extract_json_block(text: str | None) -> str | None:
    r"""The LAST fenced ```` ```json ```` block, else the last top-level JSON object.

    Returns the JSON *text* (a fenced block is returned even if it is not valid
    JSON, so a grader can say why); a bare object is only returned when it
    parses.

    Example:
        >>> extract_json_block('before {"a": 1} after {"b": {"c": 2}}')
        '{"b": {"c": 2}}'
        >>> extract_json_block('```json\n{"ok": true}\n```')
        '{"ok": true}'
    """
    if not text:
        return None
    fences = list(_JSON_FENCE.finditer(text))
    if fences:
        return fences[-1].group("body").strip()
    # Balanced {...} spans in one linear pass, then parse the ones that end last
    # (outermost first). Parsing at every "{" instead is quadratic on brace-heavy
    # text, because each failed json parse counts lines up to its position.
    spans = sorted(_object_spans(text), key=lambda span: (-span[1], span[0]))
    for start, end in spans[:_MAX_JSON_ATTEMPTS]:
        try:
            json.loads(text[start:end])
        except (ValueError, RecursionError):
            continue
        return text[start:end]
    return None


def _object_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every brace pair; quotes are tracked only inside braces."""
    spans: list[tuple[int, int]] = []
    stack: list[int] = []
    in_string = False
    skip = -1
    for m in _JSON_TOKEN.finditer(text):
        i = m.start()
        if i == skip:
            continue
        c = text[i]
        if in_string:
            if c == "\\":
                skip = i + 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = bool(stack)
        elif c == "{":
            stack.append(i)
        elif c == "}" and stack:
            spans.append((stack.pop(), i + 1))
    return spans


def extract_last_number(text: str | None) -> str | None:
    """The last number written in the text (anchor-less: only when asked for).

    Integers, decimals, thousands separators, scientific notation and simple
    fractions ``a/b`` are recognised; a Unicode minus becomes ``-``.

    Example:
        >>> extract_last_number("between 1,000 and -2.5e3, say 3/4.")
        '3/4'
    """
    if not text:
        return None
    found = None
    for found in _NUMBER.finditer(text):  # noqa: B007 - we want the last match
        pass
    return found.group().replace("−", "-") if found else None


def _full(text: str | None) -> str | None:
    return text.strip() or None if text else None


EXTRACTORS: dict[str, Callable[[str | None], str | None]] = {
    "boxed": extract_boxed,
    "answer_line": extract_answer_line,
    "json": extract_json_block,
    "last_number": extract_last_number,
    "full": _full,
}
"""Extraction methods by name; ``full`` is the whole text, stripped."""


def check_order(order: Sequence[str]) -> tuple[Extractor, ...]:
    """Validate an extraction order (used by graders at build time).

    Raises:
        ValueError: An unknown method name, or an empty order.
    """
    if isinstance(order, str):
        order = (order,)
    if not order:
        raise ValueError(f"extraction order is empty: give one or more of {sorted(EXTRACTORS)}")
    for name in order:
        if name not in EXTRACTORS:
            raise ValueError(
                f"unknown extraction method {name!r}: expected one of {sorted(EXTRACTORS)}"
            )
    return tuple(order)  # type: ignore[arg-type]


def extract_answer(
    text: str | None, order: Sequence[Extractor] = ("boxed", "answer_line")
) -> str | None:
    """The first answer found by the methods in `order` (see `EXTRACTORS`).

    Raises:
        ValueError: `order` names an unknown method.

    Example:
        >>> extract_answer("x is 5", order=("boxed", "last_number"))
        '5'
    """
    for name in check_order(order):
        found = EXTRACTORS[name](text)
        if found is not None:
            return found
    return None


def describe_order(order: Sequence[str]) -> str:
    r"""How a missing answer is explained, e.g. ``expected \boxed{...} or 'Answer: ...'``."""
    words = {
        "boxed": "\\boxed{...}",
        "answer_line": "an 'Answer: ...' line",
        "json": "a JSON object",
        "last_number": "a number",
        "full": "any text",
    }
    return "expected " + " or ".join(words[name] for name in order)


def final_text(trajectory: Trajectory) -> str | None:
    """Content of the last assistant message, or None when there is none.

    Example:
        >>> from gymforge.types import Message, Task
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=Task(id="t", prompt="?"),
        ...     messages=(Message.user("?"), Message.assistant("4")))
        >>> final_text(traj)
        '4'
    """
    for message in reversed(trajectory.messages):
        if message.role == "assistant":
            return message.content
    return None


def strip_wrapping(text: str) -> str:
    r"""Strip surrounding whitespace, ``$``, trailing ``.`` and a whole-text ``\boxed{}``.

    Repeats until nothing changes, so ``$\boxed{5}$.`` becomes ``5``.

    Example:
        >>> strip_wrapping(" $$5$$. ")
        '5'
        >>> strip_wrapping(r"$\boxed{x+1}$.")
        'x+1'
    """
    s, previous = text.strip(), None
    while s != previous:
        previous, s = s, s.strip("$").strip().rstrip(".").rstrip()
        box = _BOX_START.match(s)
        if box and s.endswith("}"):
            inner = s[box.end() : -1]
            if extract_boxed(s) == inner.strip():
                s = inner.strip()
    return s


def answer_or_missing(trajectory: Trajectory, order: Sequence[Extractor]) -> str | Score:
    """The extracted final answer, or the zero `Score` saying that none was found.

    A missing answer is decidable (the model failed to answer), so it scores 0.0,
    never None.
    """
    text = final_text(trajectory)
    if text is None:
        return Score(value=0.0, explanation="no answer found: no assistant message with text")
    found = extract_answer(text, order)
    if found is None:
        return Score(value=0.0, explanation=f"no answer found: {describe_order(order)}")
    return found

"""The "implement this function" templates: parameters, reference source, input generators.

Each template draws its parameters from the task's private random stream (a
shift, divisors, separators, ...), so two tasks of one template ask for
different functions. The reference source (a `string.Template` with ``$name``
placeholders) is the single source of truth: the family executes it here, in
this trusted process, to compute the expected value of every test, and the
oracle submits it verbatim.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CATEGORIES", "TEMPLATES", "Template"]

CATEGORIES = ("data_structure", "list", "math", "parsing", "string")
"""Task categories, sorted."""

Params = dict[str, Any]


@dataclass(frozen=True)
class Template:
    """One family of functions to implement (an in-process spec)."""

    function: str
    """The function's name."""
    category: str
    """One of `CATEGORIES`."""
    level: int
    """Difficulty 1 (easy) to 3 (hard)."""
    signature: str
    """``name(arg: type, ...) -> type``, with ``$param`` placeholders."""
    description: str
    """What the function must do, with ``$param`` placeholders."""
    source: str
    """The reference solution, with ``$param`` placeholders (Python literals)."""
    draw_params: Callable[[random.Random], Params]
    """Parameters of one task."""
    draw_args: Callable[[random.Random, Params], list[Any]]
    """Arguments of one random test."""
    edge_args: Callable[[Params], list[list[Any]]] = field(default=lambda p: [])
    """Arguments of the fixed edge-case tests."""
    raw: frozenset[str] = frozenset()
    """Parameters that are code fragments, put into the source as they are."""

    def code(self, params: Params) -> str:
        """The reference source: parameters as Python literals (`raw` ones as code)."""
        values = {k: v if k in self.raw else repr(v) for k, v in params.items()}
        return string.Template(self.source).substitute(values)

    def text(self, template: str, params: Params) -> str:
        """A signature or description with the parameters as plain text."""
        return string.Template(template).substitute({k: str(v) for k, v in params.items()})


def _word(rng: random.Random, lo: int = 1, hi: int = 8, alphabet: str = "abcdefghij") -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def _text(rng: random.Random, n: int) -> str:
    chars = string.ascii_letters + "   ,.!?0123"
    return "".join(rng.choice(chars) for _ in range(rng.randint(0, n)))


def _ints(rng: random.Random, n: int, lo: int = -50, hi: int = 50) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(0, n))]


COUNT_CHARS = Template(
    function="count_chars",
    category="string",
    level=1,
    signature="count_chars(s: str) -> int",
    description="Return how many characters of `s` are one of the letters $letters, ignoring case.",
    source="""def count_chars(s):
    letters = $letters
    return sum(1 for ch in s.lower() if ch in letters)
""",
    draw_params=lambda r: {"letters": "".join(sorted(r.sample("aeiouxyzst", r.randint(2, 5))))},
    draw_args=lambda r, p: [_text(r, 30)],
    edge_args=lambda p: [[""], [p["letters"].upper()], ["bcd"]],
)

ROTATE = Template(
    function="rotate",
    category="list",
    level=1,
    signature="rotate(xs: list[int], k: int) -> list[int]",
    description="Return a new list: `xs` rotated $direction by `k` positions (`k` may be "
    "larger than the length or zero; an empty list stays empty).",
    source="""def rotate(xs, k):
    if not xs:
        return []
    k %= len(xs)
    if $direction == "right":
        k = (len(xs) - k) % len(xs)
    return xs[k:] + xs[:k]
""",
    draw_params=lambda r: {"direction": r.choice(["left", "right"])},
    draw_args=lambda r, p: [_ints(r, 9), r.randint(0, 20)],
    edge_args=lambda p: [[[], 3], [[1], 5], [[1, 2, 3], 0], [[1, 2, 3], 3]],
)

SUM_MULTIPLES = Template(
    function="sum_multiples",
    category="math",
    level=1,
    signature="sum_multiples(n: int) -> int",
    description="Return the sum of all positive integers below `n` that are multiples of "
    "$a or $b (0 when there are none).",
    source="""def sum_multiples(n):
    return sum(i for i in range(1, n) if i % $a == 0 or i % $b == 0)
""",
    draw_params=lambda r: dict(zip(("a", "b"), r.sample(range(2, 12), 2), strict=True)),
    draw_args=lambda r, p: [r.randint(0, 400)],
    edge_args=lambda p: [[0], [1], [p["a"]], [p["a"] * p["b"] + 1]],
)

FIZZ = Template(
    function="fizz",
    category="math",
    level=1,
    signature="fizz(n: int) -> list[str]",
    description='Return the list for 1..n: "$w1$w2" for multiples of both $a and $b, '
    '"$w1" for multiples of $a, "$w2" for multiples of $b, else the number as a string.',
    source="""def fizz(n):
    out = []
    for i in range(1, n + 1):
        word = ($w1 if i % $a == 0 else "") + ($w2 if i % $b == 0 else "")
        out.append(word or str(i))
    return out
""",
    draw_params=lambda r: {
        **dict(zip(("a", "b"), r.sample([2, 3, 4, 5, 7], 2), strict=True)),
        **dict(zip(("w1", "w2"), r.sample(["Fizz", "Buzz", "Bang", "Pop", "Zap"], 2), strict=True)),
    },
    draw_args=lambda r, p: [r.randint(0, 40)],
    edge_args=lambda p: [[0], [1], [p["a"] * p["b"]]],
)

SECOND_LARGEST = Template(
    function="second_largest",
    category="list",
    level=2,
    signature="second_largest(xs: list[int]) -> int | None",
    description="Return the second largest *distinct* value of `xs`, or None when `xs` "
    "has fewer than two distinct values.",
    source="""def second_largest(xs):
    values = sorted(set(xs))
    return values[-2] if len(values) >= 2 else None
""",
    draw_params=lambda r: {},
    draw_args=lambda r, p: [_ints(r, 10, -9, 9)],
    edge_args=lambda p: [[[]], [[5]], [[5, 5, 5]], [[1, 2]], [[3, 3, 1]]],
)

CAESAR = Template(
    function="caesar",
    category="string",
    level=2,
    signature="caesar(s: str) -> str",
    description="Shift every ASCII letter of `s` forward by $k places in the alphabet, "
    "wrapping from z to a and keeping case; other characters stay as they are.",
    source="""def caesar(s):
    out = []
    for ch in s:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + $k) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + $k) % 26 + 65))
        else:
            out.append(ch)
    return "".join(out)
""",
    draw_params=lambda r: {"k": r.randint(1, 25)},
    draw_args=lambda r, p: [_text(r, 25)],
    edge_args=lambda p: [[""], ["xyz XYZ"], ["123 !?"]],
)

RUN_LENGTH = Template(
    function="run_length",
    category="string",
    level=2,
    signature="run_length(s: str) -> str",
    description="Run-length encode `s`: each maximal run of one character becomes $shape "
    '(for example "aaab" becomes "$example"). The empty string encodes to "".',
    source="""def run_length(s):
    out = []
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        out.append(f"{s[i]}{j - i}" if $char_first else f"{j - i}{s[i]}")
        i = j
    return "".join(out)
""",
    draw_params=lambda r: (
        {"char_first": True, "shape": "the character then the count", "example": "a3b1"}
        if r.random() < 0.5
        else {"char_first": False, "shape": "the count then the character", "example": "3a1b"}
    ),
    draw_args=lambda r, p: [_word(r, 0, 14, "aab")],
    edge_args=lambda p: [[""], ["a"], ["aaaaaaaaaaaa"]],
)

NTH_PRIME = Template(
    function="nth_prime",
    category="math",
    level=2,
    signature="nth_prime(n: int) -> int",
    description="Return the n-th prime number, counting from nth_prime($first) == 2.",
    source="""def nth_prime(n):
    count = n - $first
    candidate = 1
    while count >= 0:
        candidate += 1
        if all(candidate % d for d in range(2, int(candidate ** 0.5) + 1)):
            count -= 1
    return candidate
""",
    draw_params=lambda r: {"first": r.choice([0, 1])},
    draw_args=lambda r, p: [p["first"] + r.randint(0, 150)],
    edge_args=lambda p: [[p["first"]], [p["first"] + 1], [p["first"] + 24]],
)

PARSE_PAIRS = Template(
    function="parse_pairs",
    category="parsing",
    level=2,
    signature="parse_pairs(s: str) -> dict[str, int]",
    description='Parse `s`, made of entries `key$eq<integer>` separated by "$sep", into a '
    "dict. Spaces around keys and values are ignored, empty entries are skipped, and "
    "a key that appears again overrides the earlier value.",
    source="""def parse_pairs(s):
    out = {}
    for entry in s.split($sep):
        if not entry.strip():
            continue
        key, value = entry.split($eq, 1)
        out[key.strip()] = int(value.strip())
    return out
""",
    draw_params=lambda r: dict(
        zip(("sep", "eq"), r.choice([(";", "="), (",", ":"), ("&", "=")]), strict=True)
    ),
    draw_args=lambda r, p: [
        p["sep"].join(
            f"{' ' * r.randint(0, 1)}{_word(r, 1, 4, 'abcd')}{p['eq']}{r.randint(-99, 99)}"
            for _ in range(r.randint(0, 5))
        )
    ],
    edge_args=lambda p: [[""], [p["sep"] * 2], [f"a{p['eq']}1{p['sep']}a{p['eq']}2"]],
)

BALANCED = Template(
    function="balanced",
    category="data_structure",
    level=2,
    signature="balanced(s: str) -> bool",
    description="Return True when the brackets $pairs in `s` are balanced and properly "
    "nested; every other character is ignored.",
    source="""def balanced(s):
    pairs = $pairs
    closing = {pair[1]: pair[0] for pair in pairs}
    stack = []
    for ch in s:
        if ch in closing:
            if not stack or stack.pop() != closing[ch]:
                return False
        elif any(ch == pair[0] for pair in pairs):
            stack.append(ch)
    return not stack
""",
    draw_params=lambda r: {"pairs": sorted(r.sample(["()", "[]", "{}", "<>"], r.randint(2, 3)))},
    draw_args=lambda r, p: [
        "".join(r.choice("".join(p["pairs"]) + "x") for _ in range(r.randint(0, 12)))
        if r.random() < 0.6
        else _nested(r, p["pairs"])
    ],
    edge_args=lambda p: [[""], [p["pairs"][0]], [p["pairs"][0][::-1]], ["x"]],
)


def _nested(rng: random.Random, pairs: list[str]) -> str:
    if rng.random() < 0.3:
        return ""
    pair = rng.choice(pairs)
    return (
        pair[0]
        + _nested(rng, pairs)
        + pair[1]
        + (_nested(rng, pairs) if rng.random() < 0.4 else "")
    )


MERGE_INTERVALS = Template(
    function="merge_intervals",
    category="list",
    level=3,
    signature="merge_intervals(intervals: list[list[int]]) -> list[list[int]]",
    description="Merge overlapping closed intervals [start, end] (start <= end) and return "
    "them sorted by start. Intervals that only touch (end == next start) $touch.",
    source="""def merge_intervals(intervals):
    out = []
    for start, end in sorted(intervals):
        if out and (start < out[-1][1] or ($merge_touching and start == out[-1][1])):
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out
""",
    draw_params=lambda r: (
        {"merge_touching": True, "touch": "are merged too"}
        if r.random() < 0.5
        else {"merge_touching": False, "touch": "stay separate"}
    ),
    draw_args=lambda r, p: [
        [sorted([r.randint(0, 30), r.randint(0, 30)]) for _ in range(r.randint(0, 6))]
    ],
    edge_args=lambda p: [[[]], [[[1, 2], [2, 3]]], [[[5, 9], [1, 10]]]],
)

PARSE_DURATION = Template(
    function="parse_duration",
    category="parsing",
    level=3,
    signature="parse_duration(s: str) -> int",
    description='Return the number of seconds in a duration such as "$example": numbers '
    "each followed by a unit, d (days), h (hours), m (minutes) or s (seconds), in any "
    'order, units may repeat and add up; spaces are ignored; "" is 0.',
    source="""def parse_duration(s):
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for ch in s.replace(" ", ""):
        if ch.isdigit():
            number += ch
        else:
            total += int(number) * units[ch]
            number = ""
    return total
""",
    draw_params=lambda r: {"example": r.choice(["1h30m", "2d 5s", "45m10s", "3h"])},
    draw_args=lambda r, p: [
        " ".join(f"{r.randint(0, 99)}{r.choice('dhms')}" for _ in range(r.randint(0, 4)))
    ],
    edge_args=lambda p: [[""], ["0s"], ["1d1d"], [p["example"]]],
)

EVAL_RPN = Template(
    function="eval_rpn",
    category="data_structure",
    level=3,
    signature="eval_rpn(tokens: list[str]) -> int",
    description="Evaluate a reverse Polish notation expression of integer tokens and the "
    'operators + - * and "$op" (which means $meaning). The tokens always form a '
    "valid expression.",
    source="""def eval_rpn(tokens):
    stack = []
    for token in tokens:
        if token in ("+", "-", "*", $op):
            b, a = stack.pop(), stack.pop()
            if token == "+":
                stack.append(a + b)
            elif token == "-":
                stack.append(a - b)
            elif token == "*":
                stack.append(a * b)
            else:
                stack.append($expr)
        else:
            stack.append(int(token))
    return stack[0]
""",
    draw_params=lambda r: r.choice(
        [
            {"op": "max", "meaning": "the larger of the two", "expr": "max(a, b)"},
            {"op": "min", "meaning": "the smaller of the two", "expr": "min(a, b)"},
            {"op": "^", "meaning": "a * a - b", "expr": "a * a - b"},
        ]
    ),
    draw_args=lambda r, p: [_rpn(r, p["op"], r.randint(0, 4))],
    edge_args=lambda p: [[["7"]], [["-3", "4", p["op"]]]],
    raw=frozenset({"expr"}),
)


def _rpn(rng: random.Random, op: str, depth: int) -> list[str]:
    if depth == 0:
        return [str(rng.randint(-9, 9))]
    left = _rpn(rng, op, rng.randint(0, depth - 1))
    right = _rpn(rng, op, rng.randint(0, depth - 1))
    return [*left, *right, rng.choice(["+", "-", "*", op])]


TOP_WORDS = Template(
    function="top_words",
    category="data_structure",
    level=3,
    signature="top_words(text: str, k: int) -> list[tuple[str, int]]",
    description="Split `text` into words (maximal runs of letters, compared $case) and "
    "return the k most frequent as (word, count) tuples, most frequent first, ties in "
    "alphabetical order; fewer when there are fewer distinct words.",
    source="""def top_words(text, k):
    import re
    from collections import Counter
    words = re.findall("[A-Za-z]+", text)
    if $fold:
        words = [w.lower() for w in words]
    ranked = sorted(Counter(words).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:k]
""",
    draw_params=lambda r: (
        {"fold": True, "case": "case-insensitively, reported in lower case"}
        if r.random() < 0.5
        else {"fold": False, "case": "case-sensitively"}
    ),
    draw_args=lambda r, p: [
        " ".join(
            r.choice(["a", "b", "B", "cat", "Cat", "dog", "x1", "it's"])
            for _ in range(r.randint(0, 15))
        ),
        r.randint(0, 4),
    ],
    edge_args=lambda p: [["", 3], ["a A a", 1], ["z y x", 0]],
)

TEMPLATES: tuple[Template, ...] = (
    COUNT_CHARS,
    ROTATE,
    SUM_MULTIPLES,
    FIZZ,
    SECOND_LARGEST,
    CAESAR,
    RUN_LENGTH,
    NTH_PRIME,
    PARSE_PAIRS,
    BALANCED,
    MERGE_INTERVALS,
    PARSE_DURATION,
    EVAL_RPN,
    TOP_WORDS,
)
"""Every template, in a fixed order (task generation depends on it)."""

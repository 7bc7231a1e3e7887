"""`CodeFunctionFamily`: seeded "implement this function" tasks with hidden tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gymforge._util import seeded_random
from gymforge.sandbox import decode_value, encode_value
from gymforge.tasks._fields import task_field
from gymforge.tasks.code._templates import CATEGORIES, TEMPLATES, Template
from gymforge.types import JsonValue, Task

__all__ = ["CodeFunctionFamily", "LEVELS"]

LEVELS = (1, 2, 3)
"""Difficulty levels: 1 easy (one loop), 2 medium (edge cases, state), 3 hard (parsing,
stacks, sorting with ties)."""

_VISIBLE = 3
_PROMPT = """Implement this Python function:

    def {signature}

{description}

Examples:
{examples}

Reply with the complete function in a single ```python code block. Use only the \
standard library; the function must not read input or print."""


def _reference(template: Template, code: str) -> Any:
    namespace: dict[str, Any] = {}
    # Our own reference solution, run in this trusted process to compute expected values.
    exec(compile(code, f"<reference {template.function}>", "exec"), namespace)  # noqa: S102
    return namespace[template.function]


class CodeFunctionFamily:
    r"""Procedural "implement this function" tasks from 14 templates in 5 categories.

    Categories: string, list, math, parsing and data_structure; each template draws
    its own parameters per task (a shift, divisors, separators, a rule), so one
    template yields many different functions. The prompt shows the signature, the
    description and three examples. The hidden tests (``task.answer``, typed JSON
    for `gymforge.graders.unit_tests`) are the examples, fixed edge cases, and
    ``8 + 4 * level`` random inputs whose expected values come from running the
    reference solution here, so special-casing the visible examples fails.
    ``task.reference`` is the reference solution as a fenced code block
    (what the oracle answers); ``metadata["examples"]`` the visible tests.

    Args:
        difficulty: Level 1-3, or None to cycle levels with the index.
        categories: Restrict to these categories (None: all).

    Example:
        >>> family = CodeFunctionFamily(difficulty=2)
        >>> task = family.generate(0, seed=0)
        >>> task.id == family.generate(0, seed=0).id, task.difficulty
        (True, 2)
        >>> len(task.answer["tests"]) >= 16
        True
    """

    name = "code"

    def __init__(
        self, difficulty: int | None = None, *, categories: Sequence[str] | None = None
    ) -> None:
        if difficulty is not None and difficulty not in LEVELS:
            raise ValueError(f"code difficulty must be one of {LEVELS} or None, got {difficulty!r}")
        chosen = tuple(categories) if categories is not None else CATEGORIES
        unknown = sorted(set(chosen) - set(CATEGORIES))
        if unknown or not chosen:
            raise ValueError(f"unknown code categories {unknown}; choose from {list(CATEGORIES)}")
        self.difficulty = difficulty
        self.categories = chosen
        self._templates = [t for t in TEMPLATES if t.category in chosen]

    def __repr__(self) -> str:
        cats = list(self.categories)
        return f"CodeFunctionFamily(difficulty={self.difficulty!r}, categories={cats})"

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item ``index`` at ``seed``; ``difficulty`` overrides the family's default."""
        if index < 0:
            raise ValueError(f"index must be >= 0, got {index}")
        level = difficulty if difficulty is not None else self.difficulty
        if level is None:
            level = LEVELS[index % len(LEVELS)]
        if level not in LEVELS:
            raise ValueError(f"code difficulty must be one of {LEVELS}, got {level!r}")
        pool = [t for t in self._templates if t.level == level] or self._templates
        rng = seeded_random("gymforge.tasks.code", seed, index, level)
        template = rng.choice(pool)
        params = template.draw_params(rng)
        code = template.code(params)
        func = _reference(template, code)
        tests: list[dict[str, JsonValue]] = []
        seen: set[str] = set()

        def add(args: list[Any]) -> None:
            encoded = encode_value(list(args))
            key = json.dumps(encoded, sort_keys=True)
            if key not in seen:
                seen.add(key)
                tests.append({"args": encoded, "expected": encode_value(func(*args))})

        attempts = 0
        while len(tests) < _VISIBLE and attempts < 50:
            add(template.draw_args(rng, params))
            attempts += 1
        visible = list(tests)
        for args in template.edge_args(params):
            add(args)
        target, attempts = len(tests) + 8 + 4 * level, 0
        while len(tests) < target and attempts < 20 * target:
            add(template.draw_args(rng, params))
            attempts += 1
        signature = template.text(template.signature, params)
        description = template.text(template.description, params)
        examples = "\n".join(f"    {_call(template.function, t)}" for t in visible)
        prompt = _PROMPT.format(
            signature=signature,
            description=description,
            examples=examples,
        )
        return Task(
            id=f"code/{template.function}/d{level}/s{seed}/{index}",
            prompt=prompt,
            answer={"function": template.function, "tests": list(tests)},
            family=self.name,
            difficulty=level,
            reference=f"```python\n{code}```",
            metadata={
                "solution": code,
                "function": template.function,
                "signature": signature,
                "description": description,
                "category": template.category,
                "examples": list(visible),
            },
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what the code envs, their grader and oracle read.

        Needed by both envs (``PythonFunction-v0`` and ``PythonAgent-v0``): the
        hidden tests, ``answer.function`` and ``answer.tests`` (one or more
        ``{"args": [...], "expected": ...}`` in the sandbox's typed JSON, see
        `gymforge.sandbox.encode_value`). Needed by the agent env: the
        ``metadata.function``, ``metadata.signature`` and ``metadata.description`` it
        shows, and the ``metadata.solution`` its oracle writes; ``metadata.examples``
        (the visible tests, same form) is optional.

        Raises:
            ValueError: Naming the first field that is missing or wrong.
        """
        task_field(task, "answer", "function", kind=str, why="the function the tests call")
        why = 'the hidden tests, [{"args": [...], "expected": ...}, ...]'
        tests = task_field(task, "answer", "tests", kind=list, why=why)
        if not tests:
            raise ValueError(f"answer.tests: empty ({why})")
        _check_tests(task, ("answer", "tests"), why)
        shown = "what the agent env shows the model"
        for key in ("function", "signature", "description"):
            task_field(task, "metadata", key, kind=str, why=shown)
        task_field(
            task, "metadata", "solution", kind=str, why="the code the agent env's oracle writes"
        )
        why = 'the visible tests run_tests runs, [{"args": [...], "expected": ...}, ...]'
        if task_field(task, "metadata", "examples", kind=list, optional=True, why=why):
            _check_tests(task, ("metadata", "examples"), why)


def _check_tests(task: Task, at: tuple[str, str], why: str) -> None:
    """Each test of the list at `at` is ``{"args": list, "expected": value}`` that decodes."""
    for i, test in enumerate(task_field(task, *at, kind=list, why=why)):
        task_field(task, *at, i, kind=dict, why=why)
        task_field(task, *at, i, "args", kind=list, why=why)
        where = f"{at[0]}.{at[1]}[{i}]"
        if "expected" not in test:
            raise ValueError(f"{where}.expected: missing ({why})")
        for key in ("args", "expected"):
            try:
                decode_value(test[key])
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{where}.{key}: not the sandbox's typed JSON ({exc}); write values with "
                    "gymforge.sandbox.encode_value"
                ) from None


def _call(function: str, test: dict[str, JsonValue]) -> str:
    args = decode_value(test["args"])
    shown = ", ".join(repr(a) for a in args)
    return f"{function}({shown}) == {decode_value(test['expected'])!r}"

"""`PythonFunctionEnv`: one "implement this function" task, graded by hidden unit tests."""

from __future__ import annotations

from collections.abc import Sequence

from gymforge.env import SingleTurnEnv
from gymforge.graders import unit_tests
from gymforge.sandbox import Limits
from gymforge.tasks.code import CodeFunctionFamily

__all__ = ["PythonFunctionEnv", "SYSTEM_PROMPT"]

SYSTEM_PROMPT = (
    "You are an expert Python programmer. Write correct, self-contained Python 3.11 "
    "using only the standard library. Answer with the complete function in one "
    "```python code block."
)
"""The default system message."""


class PythonFunctionEnv(SingleTurnEnv):
    r"""Implement a function from its signature, description and three examples.

    Tasks come from `CodeFunctionFamily` (string, list, math, parsing and
    data-structure templates at levels 1-3, parameters drawn per task). The first
    answer ends the episode; the `unit_tests` grader takes its last ```python block
    and runs every hidden test (the examples, edge cases and random inputs checked
    against the reference solution) in its own sandboxed process. Reward = fraction
    passed; components ``pass_rate`` and ``all_passed``. The oracle answers with the
    reference solution (1.0); an answer without code scores 0.

    Args:
        difficulty: Level 1-3, or None to cycle levels.
        categories: Restrict to these task categories (None: all five).
        backend: Sandbox backend for the grader (None: bubblewrap where installed).
        limits: Limits of each test case (None: the grader's default, 3 s, 512 MiB).
        system_prompt: The system message.

    Example:
        >>> import asyncio
        >>> env = PythonFunctionEnv(difficulty=1)
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> [m.role for m in obs], env.task.family
        (['system', 'user'], 'code')
    """

    def __init__(
        self,
        *,
        difficulty: int | None = None,
        categories: Sequence[str] | None = None,
        backend: str | None = None,
        limits: Limits | None = None,
        system_prompt: str | None = SYSTEM_PROMPT,
    ) -> None:
        super().__init__(
            CodeFunctionFamily(difficulty, categories=categories),
            unit_tests(backend=backend, limits=limits),
            system_prompt=system_prompt,
        )

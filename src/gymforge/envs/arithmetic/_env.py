"""`ArithmeticEnv`: a single-turn env over `ArithmeticFamily`, graded by `numeric`."""

from __future__ import annotations

from functools import cache

from gymforge.env import SingleTurnEnv
from gymforge.graders import Grader, numeric
from gymforge.tasks import ArithmeticFamily

__all__ = ["ArithmeticEnv"]


class ArithmeticEnv(SingleTurnEnv):
    r"""One integer arithmetic question; the first answer ends the episode.

    The task's prompt asks for the value in ``\boxed{}``; the `numeric` grader
    extracts the boxed (or "Answer:") number and compares it exactly. The grader
    is stateless, so every instance shares one (building it costs more than the
    rest of the env); each env is still a fresh instance.

    Args:
        difficulty: Level 1-5 of `ArithmeticFamily`, or None to cycle all levels.
        system_prompt: Optional system message before the question.

    Example:
        >>> import asyncio
        >>> env = ArithmeticEnv(difficulty=1)
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> env.task.id
        'arithmetic/d1/s0/8789'
    """

    def __init__(self, *, difficulty: int | None = None, system_prompt: str | None = None) -> None:
        super().__init__(ArithmeticFamily(difficulty), _grader(), system_prompt=system_prompt)


@cache
def _grader() -> Grader:
    return numeric()

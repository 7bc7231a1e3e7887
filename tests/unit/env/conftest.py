from collections.abc import Iterator

import gymnasium
import pytest

from gymforge.env import _registry
from gymforge.types import Score, Task, Trajectory


class CountFamily:
    """A tiny deterministic family: item i at seed s asks for i + s % 7."""

    name = "count"
    difficulty = None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        if difficulty is not None and not 1 <= difficulty <= 3:
            raise ValueError("difficulty must be 1-3")
        return Task(
            id=f"count/s{seed}/{index}",
            prompt=f"What is {index} + {seed % 7}?",
            answer=index + seed % 7,
            family="count",
            difficulty=difficulty or 1,
        )


class LastTextGrader:
    """1.0 when the last assistant text is exactly the boxed answer."""

    name = "last_text"

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        texts = [m.content for m in trajectory.messages if m.role == "assistant" and m.content]
        ok = bool(texts) and texts[-1] == f"\\boxed{{{task.answer}}}"
        return Score(value=1.0 if ok else 0.0)


@pytest.fixture
def family() -> CountFamily:
    return CountFamily()


@pytest.fixture
def grader() -> LastTextGrader:
    return LastTextGrader()


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Restore gymforge's and Gymnasium's registries after the test."""
    _registry.load_plugins()
    saved = _registry._snapshot()
    gym_saved = dict(gymnasium.registry)
    try:
        yield
    finally:
        _registry._restore(saved)
        gymnasium.registry.clear()
        gymnasium.registry.update(gym_saved)

"""A task family over a fixed list of tasks, and a helper to draw n tasks from any family."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from gymforge.tasks._base import TaskFamily
from gymforge.tasks._io import load_tasks
from gymforge.types import Task

__all__ = ["StaticTasks", "generate_tasks"]


class StaticTasks:
    """A `TaskFamily` over a fixed list (e.g. a task file), in the list's order.

    The seed does not change a fixed list: item ``i`` is the i-th task at every
    seed. With a difficulty (here or in `generate`), item ``i`` is the i-th task
    *of that difficulty*.

    Args:
        tasks: The tasks; ids must be unique.
        name: Family name (reports and errors use it).
        difficulty: Default difficulty filter, or None for all tasks.

    Raises:
        ValueError: No tasks, or a repeated id.

    Example:
        >>> from gymforge.types import Task
        >>> fam = StaticTasks([Task(id="a", prompt="?"), Task(id="b", prompt="?")], name="demo")
        >>> fam.generate(1, seed=123).id, len(fam)
        ('b', 2)
    """

    def __init__(
        self, tasks: Iterable[Task], *, name: str = "static", difficulty: int | None = None
    ) -> None:
        self.tasks = tuple(tasks)
        self.name = name
        self.difficulty = difficulty
        if not self.tasks:
            raise ValueError(f"StaticTasks {name!r} needs at least one task")
        seen: set[str] = set()
        for task in self.tasks:
            if not isinstance(task, Task):
                raise TypeError(f"StaticTasks {name!r}: expected Task, got {type(task).__name__}")
            if task.id in seen:
                raise ValueError(f"StaticTasks {name!r}: duplicate task id {task.id!r}")
            seen.add(task.id)

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, name: str | None = None, difficulty: int | None = None
    ) -> StaticTasks:
        """The tasks of a JSONL file (see `load_tasks`); the name defaults to the file stem."""
        return cls(load_tasks(path), name=name or Path(path).stem, difficulty=difficulty)

    def __len__(self) -> int:
        return len(self.tasks)

    def __repr__(self) -> str:
        return f"StaticTasks(<{len(self.tasks)} tasks>, name={self.name!r})"

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Task `index` (the seed is ignored: a fixed list is the same at every seed).

        Raises:
            IndexError: `index` is outside the list (or the tasks of that difficulty).
        """
        level = difficulty if difficulty is not None else self.difficulty
        pool = self.tasks if level is None else [t for t in self.tasks if t.difficulty == level]
        which = "" if level is None else f" at difficulty {level}"
        if not pool:
            raise IndexError(f"task family {self.name!r} has no tasks{which}")
        if not 0 <= index < len(pool):
            raise IndexError(
                f"task family {self.name!r} has {len(pool)} tasks{which}: index {index} is out "
                f"of range (valid: 0..{len(pool) - 1})"
            )
        return pool[index]


def generate_tasks(
    family: TaskFamily, n: int, *, seed: int, difficulty: int | None = None
) -> list[Task]:
    """Items ``0..n-1`` of `family` at `seed`.

    Raises:
        ValueError: `n` is negative.

    Example:
        >>> from gymforge.tasks import ArithmeticFamily
        >>> [t.id for t in generate_tasks(ArithmeticFamily(), 2, seed=0, difficulty=1)]
        ['arithmetic/d1/s0/0', 'arithmetic/d1/s0/1']
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return [family.generate(i, seed=seed, difficulty=difficulty) for i in range(n)]

"""The `TaskFamily` protocol: a seeded generator of tasks, and its optional validation hook."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gymforge.types import Task

__all__ = ["TaskFamily", "TaskValidator"]


@runtime_checkable
class TaskFamily(Protocol):
    """A seeded task generator.

    ``generate(i, seed=s)`` is a pure function of ``(i, s, difficulty)``: item i of
    the family at seed s is the same task in every process and on every machine
    (no use of Python's salted ``hash``, global random state, or dict order
    of unordered sources). ``difficulty`` follows the family's documented scale.

    Optional hook: a family whose env needs more of a task than ``id`` and
    ``prompt`` (its world's seed, the hidden tests, the gold script) also defines
    ``validate_task(task) -> None`` (see `TaskValidator`), which raises `ValueError`
    naming the first field that is missing or wrong. ``load_tasks(path,
    validate=family)``, and so ``gymforge run --tasks-file``, call it on every task
    of the file, so a bad file fails at load with its file, line and field instead
    of in the middle of a run. Families without the hook accept any valid `Task`.
    """

    name: str
    """Family name; task ids start with it."""
    difficulty: int | None
    """Difficulty used when `generate` is not given one (None: the family's default mix)."""

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` of the family at `seed`."""
        ...


@runtime_checkable
class TaskValidator(Protocol):
    """What a family with the validation hook has (`TaskFamily`'s optional method).

    Example:
        >>> from gymforge.tasks import ArithmeticFamily
        >>> isinstance(ArithmeticFamily(), TaskValidator)
        True
        >>> ArithmeticFamily().validate_task(Task(id="a", prompt="1+1?"))
        Traceback (most recent call last):
        ...
        ValueError: answer: missing (arithmetic tasks are graded against their integer value)
    """

    def validate_task(self, task: Task) -> None:
        """Raise `ValueError` naming the field when `task` lacks what the env reads.

        The message starts with the field, e.g. ``metadata.world_seed: missing
        (...)``. Generated tasks always pass; the hook is for tasks from files and other
        hand-made sources.
        """
        ...

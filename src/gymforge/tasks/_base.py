"""The `TaskFamily` protocol: a seeded generator of tasks."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gymforge.types import Task

__all__ = ["TaskFamily"]


@runtime_checkable
class TaskFamily(Protocol):
    """A seeded task generator.

    ``generate(i, seed=s)`` is a pure function of ``(i, s, difficulty)``: item i of
    the family at seed s is the same task in every process and on every machine
    (no use of Python's salted ``hash``, global random state, or dict order
    of unordered sources). ``difficulty`` follows the family's documented scale.
    """

    name: str
    """Family name; task ids start with it."""
    difficulty: int | None
    """Difficulty used when `generate` is not given one (None: the family's default mix)."""

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` of the family at `seed`."""
        ...

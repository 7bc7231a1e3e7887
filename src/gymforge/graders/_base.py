"""The `Grader` protocol: one async method from (task, trajectory) to a `Score`."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gymforge.types import Score, Task, Trajectory

__all__ = ["Grader"]


@runtime_checkable
class Grader(Protocol):
    """Turns what the agent did into a `Score`.

    ``grade`` must not raise for a wrong or missing answer: that is a low score or
    ``Score(value=None, ...)`` ("could not decide"). It raises
    `gymforge.errors.GraderError` only when grading itself broke.
    """

    name: str
    """Metric name used for this grader's component in reports."""

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Score one finished episode."""
        ...

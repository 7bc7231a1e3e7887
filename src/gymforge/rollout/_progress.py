"""Progress display: a rich bar on stderr (rate, ETA, mean reward, errors), or nothing."""

from __future__ import annotations

import sys
from typing import Any

from gymforge.types import Trajectory

__all__ = ["ProgressDisplay"]


class ProgressDisplay:
    """Shows the run's progress when enabled; every method is a no-op otherwise.

    Args:
        total: Episodes to run in this invocation.
        enabled: True forces the bar, False hides it, None shows it when stderr is a TTY.
        description: Text left of the bar.
    """

    def __init__(self, total: int, *, enabled: bool | None, description: str) -> None:
        self._reward_sum = 0.0
        self._rewarded = 0
        self._errors = 0
        self._progress: Any = None
        self._task: Any = None
        if enabled is None:
            enabled = sys.stderr.isatty()
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("reward {task.fields[reward]}  errors {task.fields[errors]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task(
            description, total=total, rate="-/s", reward="-", errors=0
        )

    def __enter__(self) -> ProgressDisplay:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, trajectory: Trajectory) -> None:
        """Count one finished episode."""
        if trajectory.reward is not None:
            self._reward_sum += trajectory.reward
            self._rewarded += 1
        if trajectory.error is not None:
            self._errors += 1
        if self._progress is None:
            return
        task = self._progress.tasks[0]
        speed = task.finished_speed or task.speed
        self._progress.update(
            self._task,
            advance=1,
            rate=f"{speed:.1f}/s" if speed else "-/s",
            reward=f"{self._reward_sum / self._rewarded:.3f}" if self._rewarded else "-",
            errors=self._errors,
        )

"""Adaptive curriculum for runs: tasks drawn in waves at a level that follows success.

A curriculum run draws its tasks from the env's task family through
`gymforge.tasks.reasoning.Curriculum`, in *waves* of ``ceil(window / group_size)``
tasks (one curriculum window of outcomes). Every task of wave k is drawn at the
level the curriculum holds when wave k starts; the wave's outcomes (G per task,
success = ``reward >= threshold``) are recorded in task-index order, sample by
sample, only when the whole wave has finished. So the level of wave k depends only
on the outcomes of waves before it: not on the concurrency, the backend, or the
order in which episodes finished.

Fresh runs and resumed runs take the same path: a wave whose episodes are all in
the trajectories file is recorded from the file instead of being run, so a resume
rebuilds the curriculum state exactly and continues at the first unfinished wave.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gymforge.errors import ConfigError, ResumeError
from gymforge.tasks import TaskFamily
from gymforge.tasks.reasoning import Curriculum, CurriculumConfig
from gymforge.types import Task, Trajectory

__all__ = [
    "PROBED_LEVELS",
    "CurriculumReport",
    "CurriculumSpec",
    "CurriculumWaves",
    "WaveReport",
    "WavePlan",
    "family_levels",
]

PROBED_LEVELS = tuple(range(1, 11))
"""Difficulties tried on a family to find its levels (built-in families use 1-3 or 1-5)."""


class CurriculumSpec(BaseModel):
    """How a run's difficulty follows the policy's success (`RunConfig.curriculum`).

    Example:
        >>> spec = CurriculumSpec(window=8, up=0.8, down=0.3)
        >>> spec.wave_size(group_size=4), spec.wave_size(group_size=3)
        (2, 3)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    window: int = Field(default=8, ge=1)
    """Outcomes (episodes) judged together before the level may move."""
    up: float = Field(default=0.8, ge=0.0, le=1.0)
    """Success rate at or above which the level rises."""
    down: float = Field(default=0.3, ge=0.0, le=1.0)
    """Success rate at or below which the level falls (below `up`)."""
    start_level: int = 1
    """The level of the first wave (one of the family's levels)."""
    threshold: float = 1.0
    """An episode succeeds when its reward is >= this (the pass@k threshold)."""

    @model_validator(mode="after")
    def _down_below_up(self) -> CurriculumSpec:
        if self.down >= self.up:
            raise ValueError(f"down ({self.down}) must be below up ({self.up})")
        return self

    def wave_size(self, *, group_size: int) -> int:
        """Tasks per wave: enough groups of `group_size` samples to fill one window."""
        return math.ceil(self.window / group_size)


class WaveReport(BaseModel):
    """One wave of a curriculum run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: int
    """The level every task of the wave was drawn at."""
    tasks: int
    """Tasks in the wave."""
    episodes: int
    """Episodes in the wave (tasks x group size)."""
    successes: int
    """Episodes with ``reward >= threshold``."""


class CurriculumReport(BaseModel):
    """The level path of a curriculum run (in `RunReport` and `RunResult`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: str
    """The task family's name."""
    levels: tuple[int, ...]
    """The family's levels, easiest first."""
    wave_size: int
    """Tasks per wave."""
    waves: tuple[WaveReport, ...]
    """Every wave, in order."""
    final_level: int
    """The level after the last recorded outcome (where the next wave would start)."""

    @property
    def level_path(self) -> tuple[int, ...]:
        """The level of each wave, in order."""
        return tuple(w.level for w in self.waves)

    @property
    def level_span(self) -> str:
        """The family's levels as text: "1-5", or a list when they have gaps."""
        return _span(self.levels)


class WavePlan(Protocol):
    """What the engine runs: waves of (task, sample) pairs, each after the last finished."""

    total: int
    """Episodes the run covers."""
    skipped: int
    """Episodes found in the file instead of being run (so far)."""

    def next_wave(self, finished: Sequence[Trajectory]) -> list[tuple[Task, int]]:
        """The next episodes to run, given those of the previous wave; [] when done."""
        ...

    def report(self) -> CurriculumReport | None:
        """The level path, for a curriculum; None otherwise."""
        ...


def family_levels(
    family: TaskFamily, spec: CurriculumSpec, *, seed: int, where: str
) -> tuple[int, ...]:
    """The difficulties in `PROBED_LEVELS` whose task `family` really draws at that level.

    A level counts when ``family.generate(0, seed=seed, difficulty=level)`` succeeds
    and returns a task whose ``difficulty`` is that level.

    Raises:
        ConfigError: Fewer than two levels (the family has no difficulty scale), or
            `spec.start_level` is not one of them.

    Example:
        >>> from gymforge.tasks.code import CodeFunctionFamily
        >>> family_levels(CodeFunctionFamily(), CurriculumSpec(), seed=0, where="code")
        (1, 2, 3)
    """
    levels: list[int] = []
    for level in PROBED_LEVELS:
        try:
            task = family.generate(0, seed=seed, difficulty=level)
        except (ValueError, TypeError, IndexError, KeyError, ConfigError):
            continue
        if task.difficulty == level:
            levels.append(level)
    if len(levels) < 2:
        raise ConfigError(
            f"--curriculum needs a task family with difficulty levels, but family "
            f"{family.name!r} of {where} draws tasks at "
            f"{'level ' + str(levels[0]) + ' only' if levels else 'no level'} "
            f"(tried difficulty {PROBED_LEVELS[0]}-{PROBED_LEVELS[-1]}); use an env whose "
            "tasks come in levels (e.g. gymforge/Arithmetic-v0, gymforge/LinearEquations-v0), "
            "or run without --curriculum"
        )
    if spec.start_level not in levels:
        raise ConfigError(
            f"--curriculum-start {spec.start_level} is not a level of family "
            f"{family.name!r} of {where} (its levels: {_span(levels)})"
        )
    return tuple(levels)


def _span(levels: Sequence[int]) -> str:
    contiguous = list(levels) == list(range(levels[0], levels[-1] + 1))
    return f"{levels[0]}-{levels[-1]}" if contiguous else ", ".join(map(str, levels))


class CurriculumWaves:
    """The waves of a curriculum run, rebuilt from `recorded` episodes where they exist.

    Args:
        family: The env's task family.
        levels: Its levels, from `family_levels`.
        spec: Window, thresholds, start level.
        seed: The run seed (the curriculum derives the family's draw seed from it).
        group_size: Samples per task.
        num_tasks: Tasks in the run (the last wave may be partial).
        recorded: Episodes already in the trajectories file.

    Example:
        >>> from gymforge.tasks import ArithmeticFamily
        >>> plan = CurriculumWaves(ArithmeticFamily(), (1, 2, 3, 4, 5), CurriculumSpec(
        ...     window=2, up=1.0, down=0.0), seed=0, group_size=1, num_tasks=4, recorded=())
        >>> [task.difficulty for task, _ in plan.next_wave([])]
        [1, 1]
    """

    def __init__(
        self,
        family: TaskFamily,
        levels: tuple[int, ...],
        spec: CurriculumSpec,
        *,
        seed: int,
        group_size: int,
        num_tasks: int,
        recorded: Iterable[Trajectory],
    ) -> None:
        self.levels = levels
        config = CurriculumConfig(
            window=spec.window,
            up=spec.up,
            down=spec.down,
            start_level=spec.start_level,
            levels=self.levels,
        )
        self._curriculum = Curriculum([family], seed=seed, config=config)
        self._name = family.name
        self._spec = spec
        self._group_size = group_size
        self._num_tasks = num_tasks
        self.wave_size = spec.wave_size(group_size=group_size)
        self._recorded = {t.key: t for t in recorded}
        self._drawn = 0
        self._wave: list[Task] = []
        self._wave_level = spec.start_level
        self._waves: list[WaveReport] = []
        self.total = num_tasks * group_size
        self.skipped = 0

    def next_wave(self, finished: Sequence[Trajectory]) -> list[tuple[Task, int]]:
        """Record the finished wave, then draw waves until one has episodes to run."""
        for trajectory in finished:
            self._recorded[trajectory.key] = trajectory
        if self._wave:
            self._close_wave()
        cur, name = self._curriculum, self._name
        while self._drawn < self._num_tasks:
            count = min(self.wave_size, self._num_tasks - self._drawn)
            self._wave_level = cur.level(name)
            self._wave = [cur.next_task(name) for _ in range(count)]
            self._drawn += count
            missing = [pair for task in self._wave for pair in self._missing(task)]
            if missing:
                return missing
            self._close_wave()
        return []

    def _missing(self, task: Task) -> list[tuple[Task, int]]:
        missing = []
        for sample in range(self._group_size):
            found = self._recorded.get((task.id, sample))
            if found is None:
                missing.append((task, sample))
                continue
            if found.task.difficulty != task.difficulty:
                raise ResumeError(
                    f"episode {task.id}#{sample} in the file was drawn at level "
                    f"{found.task.difficulty}, but replaying the curriculum from the file "
                    f"draws it at level {task.difficulty}: an earlier episode was re-run with "
                    "another outcome (a damaged line and a nondeterministic policy). "
                    "Use a new --out to start over."
                )
            self.skipped += 1
        return missing

    def _close_wave(self) -> None:
        """Feed the wave's outcomes to the curriculum in task order, sample by sample."""
        threshold = self._spec.threshold
        successes = 0
        for task in self._wave:
            for sample in range(self._group_size):
                reward = self._recorded[(task.id, sample)].reward
                ok = reward is not None and reward >= threshold
                successes += ok
                self._curriculum.record(self._name, ok)
        self._waves.append(
            WaveReport(
                level=self._wave_level,
                tasks=len(self._wave),
                episodes=len(self._wave) * self._group_size,
                successes=successes,
            )
        )
        self._wave = []

    def report(self) -> CurriculumReport:
        """The level path so far (complete waves only)."""
        return CurriculumReport(
            family=self._name,
            levels=self.levels,
            wave_size=self.wave_size,
            waves=tuple(self._waves),
            final_level=self._curriculum.level(self._name),
        )

"""A per-family difficulty curriculum driven by the recent success rate.

Each family starts at `start_level`. After every `window` outcomes recorded at
the current level the curriculum looks at their success rate: at or above `up`
the level rises by one, at or below `down` it falls by one (within `levels`,
1-5 unless configured), and the window starts afresh. Tasks are
``family.generate(i, seed=derive_seed("curriculum", seed, name), difficulty=level)``
with ``i`` counting that family's draws, so the whole run is a pure function of the
seed and the sequence of outcomes: `replay` recomputes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gymforge._util import derive_seed
from gymforge.tasks._base import TaskFamily
from gymforge.tasks.reasoning._common import LEVELS
from gymforge.types import Task

__all__ = ["Curriculum", "CurriculumConfig"]


@dataclass(frozen=True)
class CurriculumConfig:
    """When the difficulty moves.

    Example:
        >>> CurriculumConfig(window=4, up=0.75, down=0.25).window
        4
        >>> CurriculumConfig(levels=(1, 2, 3), start_level=3).levels
        (1, 2, 3)
    """

    window: int = 8
    """Outcomes judged together before the level may move."""
    up: float = 0.8
    """Success rate at or above which the level rises."""
    down: float = 0.3
    """Success rate at or below which the level falls."""
    start_level: int = 1
    """Level every family starts at."""
    levels: tuple[int, ...] = LEVELS
    """The levels, in increasing difficulty; a move goes to the neighbouring entry.
    The reasoning families know 1-5; other families declare their own (code: 1-3)."""

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"window must be >= 1, got {self.window}")
        if not 0.0 <= self.down < self.up <= 1.0:
            raise ValueError(f"need 0 <= down < up <= 1, got down={self.down} up={self.up}")
        if not self.levels or list(self.levels) != sorted(set(self.levels)):
            raise ValueError(f"levels must be increasing and non-empty, got {self.levels}")
        if self.start_level not in self.levels:
            raise ValueError(f"start_level must be one of {self.levels}, got {self.start_level}")


@dataclass
class _FamilyState:
    level: int
    drawn: int = 0
    outcomes: list[bool] = field(default_factory=list)


class Curriculum:
    """Draws tasks from several families at a per-family level that follows success.

    Args:
        families: The families, keyed by their names.
        seed: Seed of the whole run.
        config: Thresholds and window.

    Example:
        >>> from gymforge.tasks.reasoning import LinearEquationsFamily
        >>> cur = Curriculum([LinearEquationsFamily()], seed=0,
        ...                  config=CurriculumConfig(window=2, up=1.0, down=0.0))
        >>> cur.next_task("linear_equations").difficulty
        1
        >>> [cur.record("linear_equations", ok) for ok in (True, True)]
        [1, 2]
        >>> cur.level("linear_equations")
        2
    """

    def __init__(
        self,
        families: Sequence[TaskFamily],
        *,
        seed: int,
        config: CurriculumConfig | None = None,
    ) -> None:
        self.config = config or CurriculumConfig()
        self.seed = seed
        self.families: dict[str, TaskFamily] = {}
        for family in families:
            if family.name in self.families:
                raise ValueError(f"two families are named {family.name!r}; names must be unique")
            self.families[family.name] = family
        self._state = {name: _FamilyState(self.config.start_level) for name in self.families}

    def _get(self, name: str) -> _FamilyState:
        try:
            return self._state[name]
        except KeyError:
            known = ", ".join(sorted(self._state))
            raise KeyError(f"unknown family {name!r}; this curriculum has: {known}") from None

    def level(self, name: str) -> int:
        """The current level of family `name`."""
        return self._get(name).level

    def levels(self) -> dict[str, int]:
        """Current level of every family."""
        return {name: state.level for name, state in self._state.items()}

    def next_task(self, name: str) -> Task:
        """The next task of family `name` at its current level."""
        state = self._get(name)
        index = state.drawn
        state.drawn += 1
        family_seed = derive_seed("curriculum", self.seed, name)
        return self.families[name].generate(index, seed=family_seed, difficulty=state.level)

    def record(self, name: str, success: bool) -> int:
        """Record one outcome of family `name`; returns its (possibly new) level."""
        state = self._get(name)
        state.outcomes.append(bool(success))
        if len(state.outcomes) >= self.config.window:
            rate = sum(state.outcomes) / len(state.outcomes)
            levels = self.config.levels
            at = levels.index(state.level)
            if rate >= self.config.up and at + 1 < len(levels):
                state.level = levels[at + 1]
            elif rate <= self.config.down and at > 0:
                state.level = levels[at - 1]
            state.outcomes.clear()
        return state.level

    @classmethod
    def replay(
        cls,
        families: Sequence[TaskFamily],
        *,
        seed: int,
        outcomes: Iterable[tuple[str, bool]],
        config: CurriculumConfig | None = None,
    ) -> tuple[list[Task], Mapping[str, int]]:
        """Re-run a curriculum: the tasks it drew and the levels it ended at.

        Each ``(name, success)`` draws the next task of that family, then records
        the outcome, exactly as a live run does.
        """
        cur = cls(families, seed=seed, config=config)
        tasks: list[Task] = []
        for name, success in outcomes:
            tasks.append(cur.next_task(name))
            cur.record(name, success)
        return tasks, cur.levels()

"""What every task-based env does at reset: pick the seed, then the task, from options."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pydantic

from gymforge._util import derive_seed, seeded_random
from gymforge.errors import ConfigError, EnvError
from gymforge.types import JsonValue, Message, StepResult, Task, Trajectory, Turn

if TYPE_CHECKING:
    from gymforge.env._env import Env
    from gymforge.graders import Grader
    from gymforge.tasks import TaskFamily

__all__ = [
    "RESET_OPTIONS",
    "SeedStream",
    "TaskBound",
    "episode_trajectory",
    "reference_answer",
    "resolve_task",
    "task_index_for",
    "turn_record",
]

RESET_OPTIONS = frozenset({"task", "task_index", "difficulty"})
"""Reset options every task-based env understands."""

_INDEX_RANGE = 10_000


class SeedStream:
    """Seeds for episodes: ``reset(seed=s)`` re-seeds, ``reset()`` draws the next seed.

    Like Gymnasium's ``np_random``: after ``reset(seed=123)``, further resets without
    a seed follow a fixed sequence, and a fresh env starts from seed 0's sequence,
    so nothing ever depends on global random state.

    Example:
        >>> a, b = SeedStream(), SeedStream()
        >>> a.next(5), b.next(5)
        (5, 5)
        >>> a.next(None) == b.next(None)
        True
    """

    __slots__ = ("_rng", "_seed")

    def __init__(self) -> None:
        # The generator is seeded lazily, on the first unseeded reset: seeding a
        # `random.Random` costs more than the rest of a cheap env's reset, and the
        # rollout engine always passes a seed, so it is never needed there.
        self._seed = 0
        self._rng: random.Random | None = None

    def next(self, seed: int | None) -> int:
        """The episode seed: `seed` itself, or the next one of the stream when None.

        Raises:
            TypeError: `seed` is not an int.
            ValueError: `seed` is negative.
        """
        if seed is None:
            rng = self._rng
            if rng is None:
                rng = self._rng = seeded_random("gymforge.env.seeds", self._seed)
            return rng.getrandbits(63)
        if seed.__class__ is not int and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self._seed, self._rng = seed, None
        return seed


def task_index_for(seed: int) -> int:
    """The family item an env draws when reset with `seed` and no task option.

    Example:
        >>> task_index_for(3) == task_index_for(3)
        True
    """
    return derive_seed("gymforge.env.task_index", seed) % _INDEX_RANGE


def resolve_task(
    family: TaskFamily,
    seed: int,
    options: Mapping[str, Any] | None,
    *,
    allowed: Collection[str] = RESET_OPTIONS,
) -> Task:
    """The episode's task from the reset options, else item `task_index_for(seed)`.

    Options: ``task`` (a `Task` or its dict) pins the task; ``task_index`` picks an
    item of the family at `seed`; ``difficulty`` is passed to the family.

    Raises:
        ConfigError: An unknown option, or a value of the wrong kind.
    """
    if options is not None and len(options) == 1:
        pinned = options.get("task")
        if isinstance(pinned, Task):  # the rollout engine's case: nothing else to check
            return pinned
    opts = dict(options or {})
    unknown = sorted(set(opts) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown reset option(s) {unknown}; this env accepts {sorted(allowed)}")
    task = opts.get("task")
    if task is not None:
        if isinstance(task, Task):
            return task
        try:
            return Task.model_validate(task)
        except pydantic.ValidationError as exc:
            raise ConfigError(f"options['task'] is not a valid Task: {exc}") from exc
    index = opts.get("task_index")
    if index is None:
        index = task_index_for(seed)
    elif isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ConfigError(f"options['task_index'] must be an int >= 0, got {index!r}")
    difficulty = opts.get("difficulty")
    if difficulty is not None and (isinstance(difficulty, bool) or not isinstance(difficulty, int)):
        raise ConfigError(f"options['difficulty'] must be an int, got {difficulty!r}")
    try:
        return family.generate(index, seed=seed, difficulty=difficulty)
    except ValueError as exc:
        raise ConfigError(f"family {family.name!r} cannot generate that task: {exc}") from exc


def reference_answer(task: Task) -> str:
    r"""The text of a task's reference final message.

    ``task.reference`` when the family provides one, else ``\boxed{answer}``.

    Example:
        >>> reference_answer(Task(id="t", prompt="2+3?", answer=5))
        '\\boxed{5}'
    """
    if task.reference is not None:
        return task.reference
    return f"\\boxed{{{task.answer}}}"


def turn_record(result: StepResult) -> Turn:
    """The trajectory's `Turn` record of one step.

    Example:
        >>> turn_record(StepResult(observation=(), reward=0.5, terminated=True)).reward
        0.5
    """
    return Turn(
        reward=result.reward,
        milestones=result.info.milestones,
        terminated=result.terminated,
        truncated=result.truncated,
        tool_outcomes=result.tool_outcomes,
    )


def episode_trajectory(
    env: Env,
    messages: Sequence[Message],
    turns: Sequence[Turn],
    *,
    seed: int,
    policy: str,
    milestones: Mapping[str, JsonValue] | None = None,
) -> Trajectory:
    """A `Trajectory` of one local episode, for grading it outside the rollout engine.

    Example:
        >>> import asyncio
        >>> from gymforge.env import make
        >>> env = make("gymforge/Arithmetic-v0")
        >>> obs, _ = asyncio.run(env.reset(seed=0))
        >>> traj = episode_trajectory(env, obs, [], seed=0, policy="none")
        >>> traj.task_id == env.task.id, traj.env_id, traj.terminated
        (True, 'gymforge/Arithmetic-v0', False)
    """
    last = turns[-1] if turns else None
    return Trajectory(
        run_id="local",
        env_id=env.spec.id if env.spec else type(env.unwrapped).__name__,
        task_id=env.task.id,
        sample=0,
        seed=seed,
        policy=policy,
        task=env.task,
        messages=tuple(messages),
        turns=tuple(turns),
        milestones=dict(milestones or {}),
        terminated=bool(last and last.terminated),
        truncated=bool(last and last.truncated),
    )


class TaskBound:
    """Mixin of task-based envs: the family, the grader, the current task, step checks."""

    _family: TaskFamily
    _grader: Grader
    _task: Task | None = None

    def _check_step(self, action: Message, *, ended: bool) -> None:
        """Refuse a step before reset, after the end, or with a non-assistant message."""
        if self._task is None:
            raise EnvError("step() before reset(): call reset() to start an episode")
        if ended:
            raise EnvError("the episode has ended; call reset() to start a new one")
        if action.role != "assistant":
            raise ValueError(f"an action is an assistant message, got role {action.role!r}")

    @property
    def task(self) -> Task:
        """The current task; raises `EnvError` before the first reset."""
        if self._task is None:
            raise EnvError("no task yet: call reset() first")
        return self._task

    @property
    def task_family(self) -> TaskFamily:
        """The family tasks come from."""
        return self._family

    def grader(self) -> Grader:
        """The grader given at construction."""
        return self._grader

r"""Plumbing for env authors: what a task-based env's own base class is built from.

`ToolEnv` and `SingleTurnEnv` are built from these; an env that subclasses `Env`
directly uses them to behave the same way (see docs/env.md, "Writing an env from
`Env`"):

- `TaskBound`: a mixin holding the family, the grader and the current task, giving
  ``task``, ``task_family``, ``grader()`` and ``_check_step`` (refuses a step before
  reset, after the end, or from a non-assistant message).
- `SeedStream`: the episode seed, ``reset(seed=s)`` re-seeding and ``reset()``
  drawing the next one.
- `resolve_task` with `RESET_OPTIONS` and `task_index_for`: the episode's task from
  the reset options (``task``, ``task_index``, ``difficulty``) or the seed.
- `reference_answer`: a single-turn task's reference final message.
- `answer_tool_calls`: `ToolEnv`'s handling of tool calls, for envs that do not
  subclass it.
- `turn_record` and `episode_trajectory`: the `Turn` of a step and the `Trajectory`
  of a local episode, to grade it with ``env.grader()`` outside the rollout engine.
- `parse_google_docstring`: how `tool` reads descriptions from a docstring.

Example:
    >>> from gymforge.env.authoring import SeedStream, reference_answer
    >>> from gymforge.types import Task
    >>> SeedStream().next(7)
    7
    >>> reference_answer(Task(id="t", prompt="2+3?", answer=5))
    '\\boxed{5}'
"""

from gymforge.env._episode import (
    RESET_OPTIONS,
    SeedStream,
    TaskBound,
    episode_trajectory,
    reference_answer,
    resolve_task,
    task_index_for,
    turn_record,
)
from gymforge.env._toolenv import answer_tool_calls
from gymforge.env._tools import parse_google_docstring

__all__ = [
    "RESET_OPTIONS",
    "SeedStream",
    "TaskBound",
    "answer_tool_calls",
    "episode_trajectory",
    "parse_google_docstring",
    "reference_answer",
    "resolve_task",
    "task_index_for",
    "turn_record",
]

"""A test-only oracle for ``py:`` factories, which are never given the env.

`ShadowOracle` rebuilds the episode from what its `PolicyContext` says (env id, task
id, episode seed): it makes its own env of the same id, regenerates the task from the
family with the level, seed and index the task id spells (``family/dL/sS/I``, as
Arithmetic and LinearEquations write them), and plays that env's reference solution,
stepping it with the same actions. It checks that the prompt it rebuilt is the one the
real episode showed, so a wrong reconstruction fails loudly instead of scoring 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gymforge.env import Env, make
from gymforge.errors import PolicyError
from gymforge.policy import PolicyContext
from gymforge.types import Message, Sampling, Task, ToolSpec

_TASK_ID = re.compile(r"/d(?P<level>\d+)/s(?P<seed>-?\d+)/(?P<index>\d+)$")


def rebuild_task(context: PolicyContext) -> tuple[Env, Task]:
    """A new env of the episode's id and the episode's task, regenerated from its id."""
    match = _TASK_ID.search(context.task_id)
    if match is None:
        raise PolicyError(f"cannot rebuild task {context.task_id!r}: expected .../dL/sS/I")
    env = make(context.env_id)
    task = env.task_family.generate(
        int(match["index"]), seed=int(match["seed"]), difficulty=int(match["level"])
    )
    return env, task


class ShadowOracle:
    """Plays the reference solution of its own copy of the episode (see the module)."""

    name = "shadow-oracle"

    def __init__(self, context: PolicyContext) -> None:
        self._context = context
        self._env: Env | None = None
        self.task: Task | None = None

    async def start(self, messages: Sequence[Message]) -> Task:
        """Rebuild the episode once; returns its task."""
        if self._env is None or self.task is None:
            env, task = rebuild_task(self._context)
            opening, _ = await env.reset(seed=self._context.seed, options={"task": task})
            if [m.content for m in opening] != [m.content for m in messages[: len(opening)]]:
                raise PolicyError(f"the rebuilt task {task.id!r} shows another prompt")
            self._env, self.task = env, task
        return self.task

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        await self.start(messages)
        assert self._env is not None
        action = await self._env.reference_action()
        result = await self._env.step(action)
        if result.terminated or result.truncated:
            await self._env.close()
        return action

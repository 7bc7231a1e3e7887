"""`SingleTurnEnv`: one prompt, one answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gymforge.env._env import Env
from gymforge.env._episode import SeedStream, TaskBound, reference_answer, resolve_task
from gymforge.env._toolenv import answer_tool_calls
from gymforge.types import Info, Message, StepResult, Task

if TYPE_CHECKING:
    from gymforge.graders import Grader
    from gymforge.tasks import TaskFamily

__all__ = ["SingleTurnEnv"]


class SingleTurnEnv(TaskBound, Env):
    r"""The model reads the task's prompt and answers once; that answer ends the episode.

    `reset` returns ``[system?, user(prompt)]``. The first assistant message
    terminates the episode with reward 0: the grader scores it afterwards. Tool
    calls are answered with ``error:`` tool messages (there are no tools), and
    still end the episode. `reference_action` is the task's reference answer:
    ``task.reference`` if the family gives one, else ``\boxed{answer}``.
    Milestones: ``{"answered": bool}``.

    Args:
        family: Where tasks come from.
        grader: The grader of the answer.
        system_prompt: Optional system message put before the prompt.

    Example:
        >>> import asyncio
        >>> from gymforge.tasks import ArithmeticFamily
        >>> env = SingleTurnEnv(ArithmeticFamily(difficulty=1), grader=None)
        >>> obs, info = asyncio.run(env.reset(seed=3))
        >>> [m.role for m in obs], info.milestones
        (['user'], {'answered': False})
        >>> action = asyncio.run(env.reference_action())
        >>> asyncio.run(env.step(action)).terminated
        True
    """

    def __init__(
        self, family: TaskFamily, grader: Grader, *, system_prompt: str | None = None
    ) -> None:
        self._family = family
        self._grader = grader
        self.system_prompt = system_prompt
        self._seeds = SeedStream()
        self._task: Task | None = None
        self._answered = False

    def _info(self) -> Info:
        return Info(milestones={"answered": self._answered})

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Draw the task (see `Env.reset`) and show its prompt."""
        episode_seed = self._seeds.next(seed)
        self._task = resolve_task(self._family, episode_seed, options)
        self._answered = False
        opening = [Message.user(self._task.prompt)]
        if self.system_prompt is not None:
            opening.insert(0, Message.system(self.system_prompt))
        return opening, self._info()

    async def step(self, action: Message) -> StepResult:
        """Take the answer and end the episode."""
        self._check_step(action, ended=self._answered)
        outcomes = await answer_tool_calls(action.tool_calls or (), ())
        self._answered = True
        return StepResult(
            observation=tuple(o.message() for o in outcomes),
            terminated=True,
            info=self._info(),
            tool_outcomes=tuple(outcomes),
        )

    async def reference_action(self) -> Message:
        """The task's reference answer as an assistant message."""
        return Message.assistant(reference_answer(self.task))

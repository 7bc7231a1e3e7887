r"""Reasoning envs: a single-turn env per family, and a multi-step env with milestones.

Numeric families (linear equations, fractions, word problems, multi-step) are
graded by the hardened math grader (`gymforge.graders.math_verified`), so any
equivalent form counts (``\frac{3}{4}``, ``0.75``). Structured answers (tuples,
Countdown expressions, knight/knave assignments, Sudoku grids) are graded by the
family's own verifier through `FamilyGrader`, built by the registered factory
`family_grader` so that its recorded config rebuilds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gymforge.env import Env, SingleTurnEnv
from gymforge.env.authoring import SeedStream, TaskBound, answer_tool_calls, resolve_task
from gymforge.graders import BuiltinGrader, Grader, final_text, math_verified, register_grader
from gymforge.tasks.reasoning import FAMILIES, MultiStepFamily, ReasoningFamily, final_answer
from gymforge.types import Info, Message, Score, StepResult, Task, Trajectory

__all__ = ["FamilyGrader", "MultiStepEnv", "ReasoningEnv", "family_grader"]

_BY_NAME = {family.name: family for family in FAMILIES}
_NUMERIC = frozenset({"linear_equations", "fractions", "word_problems", "multi_step"})


class FamilyGrader(BuiltinGrader):
    """Grades the final assistant message with a reasoning family's own scorer.

    Build it with `family_grader`, whose recorded config rebuilds it.
    """

    def __init__(self, family: ReasoningFamily) -> None:
        super().__init__(family.name)
        self.family = family

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """The family's verdict on the last assistant message."""
        return self.family.score(task, final_text(trajectory) or "")


def _family(name: str, difficulty: int | None) -> ReasoningFamily:
    try:
        return _BY_NAME[name](difficulty)
    except KeyError:
        raise ValueError(f"unknown reasoning family {name!r}; known: {sorted(_BY_NAME)}") from None


@register_grader
def family_grader(family: str) -> FamilyGrader:
    """The grader of a reasoning family by name: the family's own verifier of the answer.

    The verdict depends on the task alone (its level is in the task), so one grader
    serves every difficulty of the family.

    Args:
        family: The family's name (``"countdown"``, ``"sudoku4"``, ...).

    Raises:
        ValueError: Unknown family.

    Example:
        >>> family_grader("countdown").config
        {'factory': 'gymforge/family_grader', 'args': {'family': 'countdown'}}
    """
    return FamilyGrader(_family(family, None))


def _grader_for(family: ReasoningFamily) -> Grader:
    return math_verified() if family.name in _NUMERIC else family_grader(family.name)


class ReasoningEnv(SingleTurnEnv):
    r"""One question of a reasoning family; the first answer ends the episode.

    Args:
        family: The family's name (``"countdown"``, ``"sudoku4"``, ...).
        difficulty: Level 1-5, or None to cycle all levels.
        system_prompt: Optional system message before the question.

    Raises:
        ValueError: unknown family or level.

    Example:
        >>> import asyncio
        >>> env = ReasoningEnv(family="countdown", difficulty=1)
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> env.task.family, env.grader().name
        ('countdown', 'countdown')
    """

    def __init__(
        self, *, family: str, difficulty: int | None = None, system_prompt: str | None = None
    ) -> None:
        fam = _family(family, difficulty)
        super().__init__(fam, _grader_for(fam), system_prompt=system_prompt)


class MultiStepEnv(TaskBound, Env):
    r"""Chained quantities over several turns; each correct stated value is a milestone.

    Each turn the agent may state values (``a = 56``); the env checks each against
    the task's steps and records ``step_<name>: True`` once it has been stated
    correctly (milestones never reset within an episode, and the observation does
    not say which were right). A message with a ``\boxed{}`` answer ends the
    episode; the math grader scores it. The reference solution states one value
    per turn, then boxes the last one. The env has no tools: a tool call is
    answered as ``unknown_tool``, or ``duplicate_id`` when its id was already used
    in the episode (`StepResult.tool_outcomes`).

    Args:
        difficulty: Level 1-5 of `MultiStepFamily`, or None to cycle all levels.

    Example:
        >>> import asyncio
        >>> env = MultiStepEnv(difficulty=1)
        >>> _ = asyncio.run(env.reset(seed=0))
        >>> result = asyncio.run(env.step(asyncio.run(env.reference_action())))
        >>> result.info.milestones
        {'step_a': True, 'step_b': False}
    """

    def __init__(self, *, difficulty: int | None = None) -> None:
        self._steps = MultiStepFamily(difficulty)
        self._family = self._steps
        self._grader = math_verified()
        self._seeds = SeedStream()
        self._reached: dict[str, bool] = {}
        self._done = False
        self._call_ids: set[str] = set()

    def _info(self) -> Info:
        return Info(milestones=dict(self._reached))

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Draw the task and show its prompt; no step is verified yet."""
        self._task = resolve_task(self._family, self._seeds.next(seed), options)
        self._reached = {key: False for key in self._steps.milestones(self._task, "")}
        self._done = False
        self._call_ids = set()
        return [Message.user(self._task.prompt)], self._info()

    async def step(self, action: Message) -> StepResult:
        """Verify stated values; a boxed answer ends the episode."""
        self._check_step(action, ended=self._done)
        outcomes = await answer_tool_calls(action.tool_calls or (), (), seen_ids=self._call_ids)
        observation = [o.message() for o in outcomes]
        text = action.content or ""
        for key, ok in self._steps.milestones(self.task, text).items():
            self._reached[key] = self._reached.get(key, False) or ok
        answer, _ = final_answer(text)
        self._done = answer is not None and r"\boxed" in text
        if not self._done:
            observation.append(
                Message.user("Noted. Continue; give the final value in \\boxed{} when done.")
            )
        return StepResult(
            observation=tuple(observation),
            terminated=self._done,
            info=self._info(),
            tool_outcomes=tuple(outcomes),
        )

    async def reference_action(self) -> Message:
        """State the next unverified value, or box the answer once all are stated."""
        steps = self.task.metadata.get("steps")
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and not self._reached.get(f"step_{step.get('name')}"):
                return Message.assistant(f"{step.get('name')} = {step.get('value')}.")
        return Message.assistant(f"\\boxed{{{self.task.answer}}}")

    def grader(self) -> Grader:
        """The math grader of the final boxed answer."""
        return self._grader

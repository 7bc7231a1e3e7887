"""Composition of graders into one reward: weighted sum, gate, product.

Every child's value is reported in ``Score.components`` under the child's name,
and a child's own components appear as ``"child/component"``. A child that
could not decide (value None) makes the composite None, with an explanation
naming it: undecided is never silently 0. The one exception is a child with
weight 0.0 in `weighted_sum`, which is a logged metric, not part of the reward.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence

from gymforge.graders._base import Grader
from gymforge.graders._registry import BuiltinGrader, register_grader
from gymforge.types import Score, Task, Trajectory

__all__ = ["gate", "product", "weighted_sum"]


def _check_names(names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"{what}: child name {name!r} must be non-empty and contain no '/'")
        if name in seen:
            raise ValueError(
                f"{what}: two children are named {name!r}; give each a distinct name= "
                "(or pass a mapping of names to (grader, weight))"
            )
        seen.add(name)


def _check_grader(grader: object, what: str) -> Grader:
    if not isinstance(grader, Grader):
        raise TypeError(f"{what}: expected a grader (name + async grade), got {grader!r}")
    return grader


def _merge(named: Sequence[tuple[str, Score]]) -> tuple[dict[str, float | None], str]:
    """Children's values and their flattened components, and their explanations joined."""
    components: dict[str, float | None] = {}
    for name, score in named:
        components[name] = score.value
        for key, value in score.components.items():
            components[f"{name}/{key}"] = value
    explanation = "; ".join(f"{name}: {s.explanation}" for name, s in named if s.explanation)
    return components, explanation


def _undecided(names: Sequence[str]) -> str:
    listed = ", ".join(repr(n) for n in names)
    return f"undecided: child {listed} gave no value"


async def _grade_all(
    children: Sequence[tuple[str, Grader]], task: Task, trajectory: Trajectory
) -> list[tuple[str, Score]]:
    scores = await asyncio.gather(*(g.grade(task, trajectory) for _, g in children))
    return [(name, score) for (name, _), score in zip(children, scores, strict=True)]


class WeightedSumGrader(BuiltinGrader):
    """Sum of ``weight * value`` over children (weight 0.0: logged metric only)."""

    def __init__(self, parts: Sequence[tuple[str, Grader, float]], *, name: str) -> None:
        super().__init__(name)
        if not parts:
            raise ValueError("weighted_sum needs at least one (grader, weight) part")
        _check_names([n for n, _, _ in parts], "weighted_sum")
        for part_name, _, weight in parts:
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise TypeError(f"weighted_sum: weight of {part_name!r} must be a number")
            if not math.isfinite(weight):
                raise ValueError(f"weighted_sum: weight of {part_name!r} is {weight}")
        self.parts = tuple(parts)

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Grade every child concurrently and combine."""
        named = await _grade_all([(n, g) for n, g, _ in self.parts], task, trajectory)
        components, explanation = _merge(named)
        weights = {n: w for n, _, w in self.parts}
        missing = [n for n, s in named if s.value is None and weights[n] != 0.0]
        if missing:
            return Score(
                value=None,
                components=components,
                explanation=f"{_undecided(missing)}; {explanation}".rstrip("; "),
            )
        total = math.fsum(weights[n] * s.value for n, s in named if s.value is not None)
        return Score(value=total, components=components, explanation=explanation)


@register_grader
def weighted_sum(
    parts: Mapping[str, tuple[Grader, float]] | Sequence[tuple[Grader, float]],
    *,
    name: str = "weighted_sum",
) -> WeightedSumGrader:
    """``sum(weight * child value)``; weights are not normalised (0.5 + 0.5 is a mean).

    A weight of 0.0 logs the child as a metric without rewarding it; a weight-0
    child that is undecided does not make the sum undecided. Any other undecided
    child makes the value None. Children run concurrently.

    Args:
        parts: ``{name: (grader, weight)}`` (names override the graders' own), or a
            sequence of ``(grader, weight)`` named by each grader's ``name``.
        name: Metric name.

    Raises:
        ValueError: No parts, duplicate or invalid child names, non-finite weight.
        TypeError: A part is not a grader, or a weight is not a number.

    Example:
        >>> import asyncio
        >>> from gymforge.graders import exact_match, regex_match
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="2+2?", answer=4)
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant("Answer: 4"),))
        >>> g = weighted_sum({"correct": (exact_match(), 1.0),
        ...                   "polite": (regex_match("please"), 0.0)})
        >>> score = asyncio.run(g.grade(task, traj))
        >>> score.value, score.components
        (1.0, {'correct': 1.0, 'polite': 0.0})
    """
    items: list[tuple[str, Grader, float]] = []
    named = parts.items() if isinstance(parts, Mapping) else ((None, p) for p in parts)
    for key, part in named:
        if not (isinstance(part, tuple | list) and len(part) == 2):
            raise TypeError(f"weighted_sum: a part must be a (grader, weight) pair, got {part!r}")
        grader = _check_grader(part[0], "weighted_sum")
        items.append((grader.name if key is None else key, grader, part[1]))
    return WeightedSumGrader(items, name=name)


class GateGrader(BuiltinGrader):
    """`then`'s value when `condition` reaches the threshold, else 0.0."""

    def __init__(self, condition: Grader, then: Grader, *, threshold: float, name: str) -> None:
        super().__init__(name)
        _check_names([condition.name, then.name], "gate")
        if not math.isfinite(threshold):
            raise ValueError(f"gate: threshold must be finite, got {threshold}")
        self.condition = condition
        self.then = then
        self.threshold = threshold

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Grade the condition; only when it passes, grade and return `then`."""
        cond = await self.condition.grade(task, trajectory)
        named = [(self.condition.name, cond)]
        if cond.value is None:
            components, explanation = _merge(named)
            return Score(
                value=None,
                components=components,
                explanation=f"{_undecided([self.condition.name])}; {explanation}".rstrip("; "),
            )
        if cond.value < self.threshold:
            components, explanation = _merge(named)
            closed = (
                f"gate closed: {self.condition.name!r} scored {cond.value:g} < "
                f"{self.threshold:g}, {self.then.name!r} not run"
            )
            return Score(value=0.0, components=components, explanation=f"{closed}; {explanation}")
        result = await self.then.grade(task, trajectory)
        named.append((self.then.name, result))
        components, explanation = _merge(named)
        if result.value is None:
            explanation = f"{_undecided([self.then.name])}; {explanation}"
        return Score(value=result.value, components=components, explanation=explanation)


@register_grader
def gate(
    condition: Grader, then: Grader, *, threshold: float = 1.0, name: str = "gate"
) -> GateGrader:
    r"""`then`'s value if `condition` scores at least `threshold`, else 0.0.

    `then` is not run when the gate is closed (so an expensive check can hide
    behind a cheap format check), and its component is then absent. An
    undecided condition, or an undecided `then` behind an open gate, gives None.

    Example:
        >>> import asyncio
        >>> from gymforge.graders import numeric, regex_match
        >>> from gymforge.types import Message, Task, Trajectory
        >>> task = Task(id="t", prompt="2+2?", answer=4)
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant("4"),))
        >>> g = gate(regex_match(r"\\boxed", name="format"), numeric())
        >>> score = asyncio.run(g.grade(task, traj))
        >>> score.value, score.components
        (0.0, {'format': 0.0})
    """
    return GateGrader(
        _check_grader(condition, "gate"),
        _check_grader(then, "gate"),
        threshold=threshold,
        name=name,
    )


class ProductGrader(BuiltinGrader):
    """Product of the children's values."""

    def __init__(self, graders: Sequence[Grader], *, name: str) -> None:
        super().__init__(name)
        if not graders:
            raise ValueError("product needs at least one grader")
        _check_names([g.name for g in graders], "product")
        self.graders = tuple(graders)

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Grade every child concurrently and multiply."""
        named = await _grade_all([(g.name, g) for g in self.graders], task, trajectory)
        components, explanation = _merge(named)
        missing = [n for n, s in named if s.value is None]
        if missing:
            return Score(
                value=None,
                components=components,
                explanation=f"{_undecided(missing)}; {explanation}".rstrip("; "),
            )
        value = math.prod(s.value for _, s in named if s.value is not None)
        return Score(value=value, components=components, explanation=explanation)


@register_grader
def product(*graders: Grader, name: str = "product") -> ProductGrader:
    """The product of the children's values (any undecided child: None).

    Example:
        >>> import asyncio
        >>> from gymforge.graders import env_reward, exact_match
        >>> from gymforge.types import Message, Task, Trajectory, Turn
        >>> task = Task(id="t", prompt="?", answer="yes")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant("Answer: yes"),),
        ...     turns=(Turn(reward=0.5),))
        >>> asyncio.run(product(exact_match(), env_reward()).grade(task, traj)).value
        0.5
    """
    return ProductGrader([_check_grader(g, "product") for g in graders], name=name)

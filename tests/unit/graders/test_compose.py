import pytest

from gymforge.graders import BuiltinGrader, env_reward, exact_match, gate, product, weighted_sum
from gymforge.types import Score, Task, Trajectory


class Fixed(BuiltinGrader):
    """A grader with a fixed verdict; counts how often it ran."""

    def __init__(self, name: str, value: float | None, components=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(name)
        self.value = value
        self.components = components or {}
        self.calls = 0

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        self.calls += 1
        return Score(value=self.value, components=self.components, explanation=f"{self.name} says")


async def test_weighted_sum_values_components_and_explanations(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("x")
    g = weighted_sum({"a": (Fixed("ignored", 1.0), 0.7), "b": (Fixed("b", 0.5), 0.3)})
    score = await g.grade(task, traj)
    assert score.value == pytest.approx(0.85)
    assert score.components == {"a": 1.0, "b": 0.5}
    assert score.explanation == "a: ignored says; b: b says"


async def test_weighted_sum_from_a_sequence_uses_grader_names(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("x")
    g = weighted_sum([(Fixed("a", 1.0), 2.0), (Fixed("b", 1.0), -1.0)])
    score = await g.grade(task, traj)
    assert score.value == 1.0
    assert set(score.components) == {"a", "b"}


async def test_weight_zero_is_a_metric_only(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("x")
    g = weighted_sum({"main": (Fixed("m", 1.0), 1.0), "metric": (Fixed("x", 0.25), 0.0)})
    score = await g.grade(task, traj)
    assert score.value == 1.0
    assert score.components["metric"] == 0.25
    g = weighted_sum({"main": (Fixed("m", 1.0), 1.0), "metric": (Fixed("x", None), 0.0)})
    score = await g.grade(task, traj)
    assert score.value == 1.0
    assert score.components["metric"] is None


async def test_undecided_child_makes_the_composite_undecided(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("x")
    g = weighted_sum({"ok": (Fixed("ok", 1.0), 0.5), "judge": (Fixed("judge", None), 0.5)})
    score = await g.grade(task, traj)
    assert score.value is None
    assert score.explanation.startswith("undecided: child 'judge' gave no value")
    assert score.components == {"ok": 1.0, "judge": None}
    score = await product(Fixed("p", 1.0), Fixed("q", None)).grade(task, traj)
    assert score.value is None
    assert "'q'" in score.explanation


async def test_nested_components_are_flattened(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("x")
    inner = weighted_sum({"c": (Fixed("c", 1.0, {"sub": 0.5}), 1.0)}, name="inner")
    outer = product(inner, Fixed("d", 0.5), name="outer")
    score = await outer.grade(task, traj)
    assert score.value == 0.5
    assert score.components == {"inner": 1.0, "inner/c": 1.0, "inner/c/sub": 0.5, "d": 0.5}


async def test_gate(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("x")
    then = Fixed("then", 0.75)
    closed = await gate(Fixed("fmt", 0.0), then).grade(task, traj)
    assert closed.value == 0.0
    assert closed.components == {"fmt": 0.0}
    assert then.calls == 0
    assert "gate closed" in closed.explanation
    opened = await gate(Fixed("fmt", 1.0), then).grade(task, traj)
    assert opened.value == 0.75
    assert opened.components == {"fmt": 1.0, "then": 0.75}
    assert (await gate(Fixed("fmt", 0.6), then, threshold=0.5).grade(task, traj)).value == 0.75
    undecided = await gate(Fixed("fmt", None), then).grade(task, traj)
    assert undecided.value is None
    assert "'fmt'" in undecided.explanation
    then_none = await gate(Fixed("fmt", 1.0), Fixed("then", None)).grade(task, traj)
    assert then_none.value is None
    assert "'then'" in then_none.explanation


async def test_composing_real_graders(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj(r"\boxed{7}", answer=7, rewards=[1.0])
    g = weighted_sum({"correct": (exact_match(), 0.8), "env": (env_reward(), 0.2)})
    assert (await g.grade(task, traj)).value == pytest.approx(1.0)


def test_bad_compositions_are_rejected() -> None:
    with pytest.raises(ValueError, match="at least one"):
        weighted_sum({})
    with pytest.raises(ValueError, match="two children are named 'a'"):
        weighted_sum([(Fixed("a", 1.0), 1.0), (Fixed("a", 0.0), 1.0)])
    with pytest.raises(ValueError, match="two children are named 'a'"):
        product(Fixed("a", 1.0), Fixed("a", 1.0))
    with pytest.raises(ValueError, match="two children"):
        gate(Fixed("a", 1.0), Fixed("a", 1.0))
    with pytest.raises(ValueError, match="'/'"):
        weighted_sum({"a/b": (Fixed("a", 1.0), 1.0)})
    with pytest.raises(ValueError, match="weight of 'a'"):
        weighted_sum({"a": (Fixed("a", 1.0), float("inf"))})
    with pytest.raises(TypeError, match="must be a number"):
        weighted_sum({"a": (Fixed("a", 1.0), "1")})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="expected a grader"):
        product(Fixed("a", 1.0), lambda t: 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        product()
    with pytest.raises(TypeError, match=r"\(grader, weight\) pair"):
        weighted_sum({"a": Fixed("a", 1.0)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"\(grader, weight\) pair"):
        weighted_sum([Fixed("a", 1.0)])  # type: ignore[list-item]

from pathlib import Path

import pytest

from gymforge.tasks import ArithmeticFamily, StaticTasks, TaskFamily, generate_tasks, save_tasks
from gymforge.types import Task

TASKS = [Task(id=f"t{i}", prompt=f"q{i}", difficulty=1 + i % 2) for i in range(5)]


def test_is_a_task_family_in_list_order_at_every_seed() -> None:
    fam = StaticTasks(TASKS, name="fixed")
    assert isinstance(fam, TaskFamily)
    assert [fam.generate(i, seed=0).id for i in range(5)] == ["t0", "t1", "t2", "t3", "t4"]
    assert fam.generate(3, seed=99) == fam.generate(3, seed=0)
    assert len(fam) == 5
    assert fam.name == "fixed"


def test_difficulty_filters() -> None:
    fam = StaticTasks(TASKS)
    assert [fam.generate(i, seed=0, difficulty=2).id for i in range(2)] == ["t1", "t3"]
    assert StaticTasks(TASKS, difficulty=1).generate(2, seed=0).id == "t4"


def test_index_out_of_range_is_explained() -> None:
    fam = StaticTasks(TASKS, name="fixed")
    with pytest.raises(
        IndexError, match=r"'fixed' has 5 tasks: index 5 is out of range \(valid: 0..4\)"
    ):
        fam.generate(5, seed=0)
    with pytest.raises(IndexError, match="index -1"):
        fam.generate(-1, seed=0)
    with pytest.raises(IndexError, match="has 2 tasks at difficulty 2: index 2"):
        fam.generate(2, seed=0, difficulty=2)
    with pytest.raises(IndexError, match="'fixed' has no tasks at difficulty 7$"):
        fam.generate(0, seed=0, difficulty=7)


def test_bad_lists() -> None:
    with pytest.raises(ValueError, match="at least one task"):
        StaticTasks([])
    with pytest.raises(ValueError, match="duplicate task id 't0'"):
        StaticTasks([TASKS[0], TASKS[0]])
    with pytest.raises(TypeError, match="expected Task"):
        StaticTasks(["not a task"])  # type: ignore[list-item]


def test_from_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    save_tasks(path, TASKS)
    fam = StaticTasks.from_file(path)
    assert fam.name == "mine"
    assert list(fam.tasks) == TASKS


def test_generate_tasks() -> None:
    tasks = generate_tasks(ArithmeticFamily(), 7, seed=5, difficulty=3)
    assert [t.id for t in tasks] == [f"arithmetic/d3/s5/{i}" for i in range(7)]
    assert generate_tasks(StaticTasks(TASKS), 0, seed=0) == []
    assert generate_tasks(StaticTasks(TASKS), 5, seed=0) == TASKS
    with pytest.raises(ValueError, match="n must be >= 0"):
        generate_tasks(ArithmeticFamily(), -1, seed=0)
    with pytest.raises(IndexError):
        generate_tasks(StaticTasks(TASKS), 6, seed=0)

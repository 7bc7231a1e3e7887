import pytest

from gymforge.envs.retail._metrics import intent_breakdown, pass_at_k, pass_hat_k
from gymforge.types import Task, Trajectory


def traj(task: Task, sample: int, reward: float | None) -> Trajectory:
    return Trajectory(
        run_id="r",
        env_id="gymforge/Retail-v0",
        task_id=task.id,
        sample=sample,
        seed=sample,
        policy="p",
        task=task,
        reward=reward,
    )


def test_pass_hat_k_requires_every_sample() -> None:
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(4, 3, 4) == 0.0
    assert pass_hat_k(4, 2, 2) == pytest.approx(1 / 6)
    assert pass_at_k(4, 2, 2) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="larger than"):
        pass_hat_k(2, 1, 3)


def test_breakdown_counts_a_task_towards_each_of_its_intents() -> None:
    a = Task(id="retail/s0/0", prompt="", metadata={"intent_kinds": ["cancel", "info"]})
    b = Task(id="retail/s0/1", prompt="", metadata={"intent_kinds": ["cancel"]})
    rows = [traj(a, 0, 1.0), traj(a, 1, 1.0), traj(b, 0, 1.0), traj(b, 1, None)]
    out = intent_breakdown(rows, k=2)
    assert out["info"] == {"tasks": 1.0, "pass@k": 1.0, "pass^k": 1.0}
    assert out["cancel"] == {"tasks": 2.0, "pass@k": 1.0, "pass^k": 0.5}
    assert intent_breakdown(rows, k=3) == {}  # too few samples per task


def test_breakdown_agrees_with_the_run_summary_by_tag() -> None:
    from gymforge.rollout import summarize

    def task(i: int, kinds: list[str]) -> Task:
        meta = {"intent_kinds": kinds, "tags": [f"intent:{k}" for k in kinds]}
        return Task(id=f"retail/s0/{i}", prompt="", metadata=meta)

    a, b, c = task(0, ["cancel", "info"]), task(1, ["cancel"]), task(2, ["info"])
    rows = [traj(a, 0, 1.0), traj(a, 1, 0.0), traj(b, 0, 1.0), traj(b, 1, None)]
    rows += [traj(c, 0, 1.0), traj(c, 1, 1.0)]
    by_tag = summarize(rows, k=2).by_tag
    for kind, row in intent_breakdown(rows, k=2).items():
        tag = by_tag[f"intent:{kind}"]
        assert (row["tasks"], row["pass@k"], row["pass^k"]) == pytest.approx(
            (tag.tasks, tag.pass_at_k, tag.pass_hat_k)
        )
    assert set(intent_breakdown(rows, k=2)) == {"cancel", "info"}

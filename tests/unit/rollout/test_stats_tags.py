"""Per-tag and per-difficulty slices carry pass@k and pass^k (Retail's per-intent metrics)."""

from gymforge.rollout import summarize
from gymforge.types import Task, Trajectory


def traj(task: Task, sample: int, reward: float) -> Trajectory:
    return Trajectory(
        run_id="r",
        env_id="e",
        task_id=task.id,
        sample=sample,
        seed=sample,
        policy="p",
        task=task,
        reward=reward,
    )


def test_tags_slice_pass_at_k_and_pass_hat_k() -> None:
    a = Task(id="a", prompt="", difficulty=1, metadata={"tags": ["intent:cancel", "intent:info"]})
    b = Task(id="b", prompt="", difficulty=2, metadata={"tags": ["intent:cancel"]})
    c = Task(id="c", prompt="", difficulty=2)
    items = [
        traj(a, 0, 1.0),
        traj(a, 1, 1.0),  # a: always passes
        traj(b, 0, 1.0),
        traj(b, 1, 0.0),  # b: passes once in two
        traj(c, 0, 0.0),
        traj(c, 1, 0.0),  # c: untagged, never passes
    ]
    s = summarize(items)
    assert set(s.by_tag) == {"intent:cancel", "intent:info"}
    cancel = s.by_tag["intent:cancel"]
    assert (cancel.tasks, cancel.episodes) == (2, 4)
    assert cancel.pass_at_1 == 0.75
    assert cancel.pass_at_k == 1.0  # both tasks pass at least once in 2
    assert cancel.pass_hat_k == 0.5  # only task a passes in all 2
    info = s.by_tag["intent:info"]
    assert (info.pass_at_k, info.pass_hat_k) == (1.0, 1.0)
    level2 = s.by_difficulty["2"]
    assert (level2.tasks, level2.pass_at_k, level2.pass_hat_k) == (2, 0.5, 0.0)


def test_a_repeated_tag_counts_a_task_once() -> None:
    t = Task(id="t", prompt="", metadata={"tags": ["x", "x"]})
    s = summarize([traj(t, 0, 1.0)])
    assert s.by_tag["x"].episodes == 1

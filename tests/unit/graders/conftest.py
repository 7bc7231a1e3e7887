from collections.abc import Callable, Sequence

import pytest

from gymforge.types import JsonValue, Message, Task, Trajectory, Turn

MakeTraj = Callable[..., tuple[Task, Trajectory]]


def _make(
    *texts: str | None,
    answer: JsonValue = None,
    rewards: Sequence[float] = (),
) -> tuple[Task, Trajectory]:
    task = Task(id="t/0", prompt="question?", answer=answer)
    messages = [Message.system("sys"), Message.user("question?")]
    messages += [Message.assistant(t) for t in texts]
    traj = Trajectory(
        run_id="run",
        env_id="test/Env-v0",
        task_id=task.id,
        sample=0,
        seed=0,
        policy="scripted",
        task=task,
        messages=tuple(messages),
        turns=tuple(Turn(reward=r) for r in rewards),
    )
    return task, traj


@pytest.fixture
def make_traj() -> MakeTraj:
    """make_traj(*assistant_texts, answer=..., rewards=...) -> (task, trajectory)."""
    return _make

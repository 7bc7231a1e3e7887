"""The sentence form "the answer is X" is an anchor; prose without "answer" never is."""

import asyncio

import pytest

from gymforge.graders import exact_match, extract_answer_line, numeric
from gymforge.types import Message, Task, Trajectory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 + 7 = 13\n\nSo the answer is 13.", "13"),
        ("The answer is 8.", "8"),
        ("Sure. The final answer is **42**!", "42"),
        ("so the answer is: 5", "5"),
        ("I first thought the answer is 12, but the answer is 13.", "13"),
        ("Answer: 3\nOn reflection the answer is 4.", "4"),
        ("the answer is 4.\nAnswer: 3", "3"),
        ("6 + 7 = 13", None),
        ("The answer is", None),
    ],
)
def test_answer_phrase(text: str, expected: str | None) -> None:
    assert extract_answer_line(text) == expected


def _trajectory(text: str, answer: int) -> tuple[Task, Trajectory]:
    task = Task(id="t", prompt="?", answer=answer)
    traj = Trajectory(
        run_id="r",
        env_id="e",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=task,
        messages=(Message.user("?"), Message.assistant(text)),
    )
    return task, traj


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("6 + 7 = 13. So the answer is 13.", 1.0),
        ("The answer is 42.", 0.0),  # the wrong number after the anchor
        ("The answer is not 13 but 12.", 0.0),  # a hedge is not a number
        ("6 + 7 = 13", 0.0),  # no anchor: never guessed from prose
    ],
)
def test_numeric_grades_the_phrase(text: str, value: float) -> None:
    task, traj = _trajectory(text, 13)
    assert asyncio.run(numeric().grade(task, traj)).value == value
    assert asyncio.run(exact_match().grade(task, traj)).value == value

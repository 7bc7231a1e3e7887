"""Graders are attacked by the text they grade: none may raise on any answer."""

import asyncio
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from gymforge.graders import exact_match, json_schema, numeric, regex_match
from gymforge.types import Message, Task, Trajectory

GRADERS = [
    exact_match(),
    exact_match(extract=("json", "last_number", "full")),
    numeric(),
    numeric(extract=("boxed", "answer_line", "last_number"), percent_ok=True),
    regex_match(r"\d+", on="answer"),
    json_schema({"type": "object", "required": ["a"]}),
]

_pieces = st.sampled_from(
    ["\\boxed{", "\\fbox{", "}", "{", "Answer:", "\n", "```json\n", "```", '"', "\\", "$", "%"]
    + ["\\frac{", "1e999999", "-", "/", "0", "9" * 50, ",", ".", "−", "x =", '{"a": 1}', "["]
)
_hostile = st.lists(_pieces | st.text(max_size=5), max_size=40).map("".join) | st.text()


@settings(max_examples=120, deadline=None)
@given(text=_hostile, gold=st.sampled_from([0, 7, -2.5, "1/2", "yes", ["a", 3], "50%", None]))
def test_no_grader_raises_on_any_answer(text: str, gold: object) -> None:
    task = Task(id="t", prompt="?", answer=gold)  # type: ignore[arg-type]
    traj = Trajectory(
        run_id="r",
        env_id="e",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=task,
        messages=(Message.assistant(text),),
    )
    for grader in GRADERS:
        score = asyncio.run(grader.grade(task, traj))
        assert score.value is None or (math.isfinite(score.value) and 0.0 <= score.value <= 1.0)
        assert score.explanation

"""The data of schema 2: outcomes, finite scores, typed task fields, schema-1 files."""

from __future__ import annotations

import json
import math

import pydantic
import pytest

from gymforge.types import (
    TRAJECTORY_SCHEMA_VERSION,
    Message,
    Score,
    Task,
    ToolCall,
    ToolOutcome,
    Trajectory,
    Turn,
)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_score_is_finite_or_undecided(bad: float) -> None:
    with pytest.raises(pydantic.ValidationError, match="finite"):
        Score(value=bad)
    with pytest.raises(pydantic.ValidationError, match="finite"):
        Score(value=0.5, components={"part": bad})
    assert Score(value=None, components={"part": None}).value is None


def _v1_line() -> str:
    calls = [
        ToolCall.make("write", {"k": "a"}, id="c1"),
        ToolCall.make("write", {"k": "b"}, id="c1"),  # a repeated id, as a model may write
        ToolCall.make("nope", "{bad", id="c2"),
    ]
    messages = [
        Message.user("go"),
        Message.assistant(tool_calls=calls),
        Message.tool("stored a", tool_call_id="c1"),
        Message.tool("error: order is closed", tool_call_id="c1"),
        Message.tool("error: unknown tool 'nope'; available: write", tool_call_id="c2"),
        Message.assistant("done"),
    ]
    data = {
        "schema_version": 1,
        "run_id": "r",
        "env_id": "e/E-v0",
        "task_id": "t",
        "sample": 0,
        "seed": 0,
        "policy": "p",
        "task": {"id": "t", "prompt": "?", "metadata": {"tags": ["x"], "reference": "ok"}},
        "messages": [m.model_dump(mode="json") for m in messages],
        "turns": [{"reward": 0.0}, {"reward": 0.0, "terminated": True}],
        "reward": 1.0,
    }
    return json.dumps(data, separators=(",", ":"))


def test_a_schema_1_line_loads_with_outcomes_derived_from_its_replies() -> None:
    traj = Trajectory.from_json_line(_v1_line())
    assert traj.schema_version == TRAJECTORY_SCHEMA_VERSION
    first, second = traj.turns
    kinds = [(o.call_id, o.kind, o.writes) for o in first.tool_outcomes]
    # Each reply stands for its own call, in order, even with a repeated id.
    assert kinds == [("c1", "ok", None), ("c1", "tool_raised", None), ("c2", "unknown_tool", None)]
    assert first.tool_outcomes[2].arguments == "{bad"
    assert first.tool_outcomes[2].arguments_parsed is False
    assert second.tool_outcomes == ()
    assert [o.arguments for o in traj.successful_calls(writes_only=True)] == [{"k": "a"}]
    # Task fields that lived in metadata moved to their typed fields.
    assert (traj.task.tags, traj.task.reference, traj.task.metadata) == (("x",), "ok", {})
    again = Trajectory.from_json_line(traj.to_json_line())
    assert again == traj


def test_a_schema_2_line_round_trips_unchanged() -> None:
    out = ToolOutcome(call_id="c", tool="t", arguments={"a": 1}, kind="ok", writes=True, reply="r")
    traj = Trajectory(
        run_id="r",
        env_id="e/E-v0",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=Task(id="t", prompt="?", tags=("a",)),
        turns=(Turn(reward=0.0, tool_outcomes=(out,)),),
    )
    line = traj.to_json_line()
    assert Trajectory.from_json_line(line) == traj
    assert Trajectory.from_json_line(line.encode()) == traj


def test_paired_calls_pair_a_repeated_id_with_each_own_outcome() -> None:
    a = ToolCall.make("f", {}, id="x")
    ran = ToolOutcome(call_id="x", tool="f", arguments={}, kind="ok", reply="1")
    repeat = ran.model_copy(update={"kind": "duplicate_id", "reply": "error: repeated"})
    traj = Trajectory(
        run_id="r",
        env_id="e/E-v0",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=Task(id="t", prompt="?"),
        messages=(
            Message.assistant(tool_calls=[a]),
            ran.message(),
            Message.assistant(tool_calls=[a]),
            repeat.message(),
        ),
        turns=(Turn(reward=0.0, tool_outcomes=(ran,)), Turn(reward=0.0, tool_outcomes=(repeat,))),
    )
    assert [(i, o.kind if o else None) for i, _c, o in traj.paired_calls()] == [
        (0, "ok"),
        (2, "duplicate_id"),
    ]

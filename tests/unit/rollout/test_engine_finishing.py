"""How the engine finishes episodes: batched line writes, statistics from per-episode facts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest

from gymforge.policy import OracleFactory
from gymforge.rollout import (
    RunConfig,
    TrajectoryWriter,
    group_stats,
    read_trajectories,
    run_async,
    summarize,
)
from gymforge.types import ErrorRecord, Message, Task, Trajectory


class _Spy:
    """A file object recording the calls the writer makes on it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.calls: list[str] = []

    def write(self, data: bytes) -> int:
        self.calls.append("write")
        return self.fh.write(data)

    def flush(self) -> None:
        self.calls.append("flush")
        self.fh.flush()

    def fileno(self) -> int:
        return self.fh.fileno()

    def close(self) -> None:
        self.fh.close()


def _traj(i: int) -> Trajectory:
    task = Task(id=f"t/{i}", prompt="Café τ?", answer=i, metadata={"tags": ["x"]})
    said = (Message.user("Café \U0001f600 \u2028"), Message.assistant(str(i)))
    return Trajectory(
        run_id="r", env_id="e/E-v0", task_id=task.id, sample=0, seed=i, policy="p",
        task=task, messages=said, reward=float(i),
    )  # fmt: skip


def _spied(out: Path) -> tuple[TrajectoryWriter, _Spy]:
    writer = TrajectoryWriter(out)
    spy = _Spy(writer._fh)  # type: ignore[arg-type]
    writer._fh = spy  # type: ignore[assignment]
    return writer, spy


async def test_lines_queued_in_one_loop_pass_go_out_in_one_write_and_flush(
    tmp_path: Path,
) -> None:
    out = tmp_path / "w.jsonl"
    writer, spy = _spied(out)
    a, b, c = _traj(1), _traj(2), _traj(3)
    writer.write_soon(a)
    writer.write_soon(b)
    assert out.read_bytes() == b""  # queued until this pass of the loop ends
    await asyncio.sleep(0)  # the next pass starts with the flush, before any wait
    assert out.read_bytes() == (a.to_json_line() + b.to_json_line()).encode()
    assert spy.calls == ["write", "flush"]
    assert writer.written == 2
    writer.write_soon(c)
    writer.close()  # what is queued is written before the fsync
    assert read_trajectories(out) == [a, b, c]
    assert spy.calls == ["write", "flush"] * 2 + ["flush"]


async def test_write_after_write_soon_keeps_the_order_of_the_calls(tmp_path: Path) -> None:
    out = tmp_path / "w.jsonl"
    with TrajectoryWriter(out) as writer:
        writer.write_soon(_traj(1))
        writer.write(_traj(2))
        assert read_trajectories(out) == [_traj(1), _traj(2)]
        await asyncio.sleep(0)  # the scheduled flush finds nothing left to write
    assert read_trajectories(out) == [_traj(1), _traj(2)]


async def test_write_soon_on_a_closed_writer_names_the_file(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path / "w.jsonl")
    writer.close()
    with pytest.raises(ValueError, match="w.jsonl is closed"):
        writer.write_soon(_traj(1))


def test_episode_facts_give_the_statistics_of_the_trajectories() -> None:
    from gymforge.rollout._stats import episode_facts, group_facts, summarize_facts
    from gymforge.types import Turn, Usage

    level = Task(id="a", prompt="?", difficulty=2, metadata={"tags": ["q", 3, "q"]})
    plain = Task(id="b", prompt="?", metadata={"tags": "not a list"})
    error = ErrorRecord(boundary="env", type="EnvError", message="down")
    turn = Turn(reward=0.5)
    ts = [
        _traj(1).model_copy(update={"task": level, "task_id": "a", "sample": 1}),
        _traj(2).model_copy(update={"task": level, "task_id": "a", "turns": (turn, turn)}),
        _traj(3).model_copy(update={"task": plain, "task_id": "b", "reward": None, "error": error}),
        _traj(4).model_copy(
            update={
                "task": plain,
                "task_id": "b",
                "sample": 1,
                "milestones": {"auth": True, "paid": 0},
                "usage": Usage(prompt_tokens=7, completion_tokens=2),
            }
        ),
    ]
    facts = [episode_facts(t) for t in ts]
    assert summarize_facts(facts, k=2) == summarize(ts, k=2)
    assert group_facts(facts) == group_stats(ts)
    assert (facts[0].tags, facts[2].tags) == (("q", "3"), ())
    assert (facts[0].level, facts[2].level, facts[2].error) == ("2", "none", "env")
    assert facts[3].milestones == (("auth", True), ("paid", False))
    s = summarize(ts, k=2)
    assert (s.errors_by_boundary, s.milestone_rates) == ({"env": 1}, {"auth": 0.25, "paid": 0.0})
    assert s.mean_turns == 0.5


async def test_report_and_result_equal_the_statistics_of_the_whole_file(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    out = tmp_path / "t.jsonl"
    base: dict[str, Any] = dict(
        env_id="fake/Fake-v0", policy="fake", group_size=3, concurrency=4, out=out
    )
    probe = kit.Probe()

    async def go(num_tasks: int, **env_kw: Any) -> Any:
        return await run_async(
            RunConfig(num_tasks=num_tasks, **base),
            env_factory=lambda: kit.FakeEnv(probe, **env_kw),
            policy_factory=OracleFactory(lambda env: kit.OraclePolicy(env, sleep=0.001)),
        )

    await go(2, fail_at="step")  # failed episodes first: errors in the resumed statistics
    result = await go(5, turns=2)  # resumes: 6 episodes from the file, 9 new ones
    assert (result.skipped, result.completed, result.errors) == (6, 9, 0)
    whole = read_trajectories(out)
    assert len(whole) == 15
    assert result.summary == summarize(whole, k=3)
    assert result.groups == group_stats(whole)
    assert result.summary.errors == 6
    report = RunConfig(num_tasks=5, **base).report_path.read_text()
    assert report.count('"task_id"') == 5


def _state_of(trajectory: Trajectory) -> Any:
    from gymforge.rollout._records import EpisodeState

    state = EpisodeState()
    state.messages = list(trajectory.messages)
    state.turns = list(trajectory.turns)
    return state


def _rich() -> Trajectory:
    from gymforge.types import FunctionCall, Generation, Score, Timings, ToolCall, Turn, Usage

    # The task's metadata holds the very keys the line is assembled around.
    task = Task(
        id='t "1"',
        prompt="Café τ?",
        answer=[1.5, None],
        difficulty=3,
        metadata={"messages": [], "turns": [], "task": {"id": "x"}, "tags": ["a"]},
    )
    call = ToolCall(id="c1", function=FunctionCall(name="f", arguments='{"x": "\\u2028"}'))
    gen = Generation(usage=Usage(prompt_tokens=3, completion_tokens=1), logprobs=(-0.5,))
    said = (
        Message.system("be brief"),
        Message.user('say "1" \U0001f600 \u2028'),
        Message.assistant(None, tool_calls=(call,), generation=gen),
        Message.tool("ok", tool_call_id="c1", name="f"),
        Message.assistant("1"),
    )
    turns = (Turn(reward=0.5, milestones={"messages": [], "n": 1}), Turn(reward=1, terminated=True))
    return Trajectory(
        run_id="r", env_id="e/E-v0", task_id=task.id, sample=2, seed=9, policy="p", task=task,
        messages=said, turns=turns, reward=1.0, score=Score(value=1.0, components={"a": 1.0}),
        milestones={"turns": []}, terminated=True, usage=Usage(prompt_tokens=3),
        timings=Timings(total_s=0.25), info={"messages": [1]},
    )  # fmt: skip


@pytest.mark.parametrize("caught_up", [0, 2, 5])
def test_line_from_pieces_is_exactly_to_json_line(caught_up: int) -> None:
    from gymforge.rollout._records import trajectory_json

    traj = _rich()
    state = _state_of(traj)
    del state.messages[caught_up:], state.turns[min(caught_up, 2) :]
    state.record_json()  # pieces made during the episode, the rest at the end
    state.messages[:] = traj.messages
    state.turns[:] = traj.turns
    assert trajectory_json(traj, state) + b"\n" == traj.to_json_line().encode()
    # Without pieces from the episode the line is serialised whole, else the rest is added.
    assert state.message_json is not None
    assert len(state.message_json) == (len(traj.messages) if caught_up else 0)


def test_line_of_an_empty_or_failed_episode_is_exactly_to_json_line() -> None:
    from gymforge.rollout._records import trajectory_json

    error = ErrorRecord(boundary="env", type="EnvError", message="reset broke")
    for traj in (_traj(1).model_copy(update={"messages": (), "error": error}), _traj(2)):
        assert trajectory_json(traj, _state_of(traj)) + b"\n" == traj.to_json_line().encode()


def test_line_falls_back_to_the_whole_serializer_for_other_types() -> None:
    from gymforge.rollout._records import trajectory_json

    class Note(Message):
        pass

    class Job(Task):
        pass

    traj = _rich()
    noted = traj.model_copy(update={"messages": (*traj.messages, Note(role="user", content="n"))})
    state = _state_of(noted)
    state.message_json = [b""]  # a piece made during the episode: the rest is looked at
    assert trajectory_json(noted, state) + b"\n" == noted.to_json_line().encode()
    assert state.message_json is None  # no pieces once a message is not exactly a Message
    job = traj.model_copy(update={"task": Job(id="j", prompt="?")})
    state = _state_of(job)
    state.record_json()
    assert trajectory_json(job, state) + b"\n" == job.to_json_line().encode()


async def test_engine_lines_are_exactly_to_json_line(kit: SimpleNamespace, tmp_path: Path) -> None:
    from gymforge.rollout._records import JSON_EVERY

    out = tmp_path / "t.jsonl"
    probe = kit.Probe()
    await run_async(
        RunConfig(env_id="fake/Fake-v0", policy="fake", num_tasks=3, group_size=2, out=out),
        env_factory=lambda: kit.FakeEnv(probe, turns=2 * JSON_EVERY + 1),
        policy_factory=OracleFactory(kit.OraclePolicy),
    )
    lines = out.read_bytes().splitlines(keepends=True)
    assert len(lines) == 6  # long episodes: lines put together from pieces
    for line in lines:
        assert Trajectory.from_json_line(line.decode()).to_json_line().encode() == line

"""How the engine finishes episodes: batched line writes, statistics from per-episode facts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest

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
            policy_factory=lambda env: kit.OraclePolicy(env, sleep=0.001),
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

"""Blame is exact: the policy's own failures are scored, infrastructure is left out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gymforge.errors import (
    EnvError,
    PolicyOutputError,
    PolicyUnavailable,
    SandboxError,
)
from gymforge.rollout import RunConfig, read_trajectories, run_async
from gymforge.types import Message, Sampling, Score, Task, ToolSpec, Trajectory


class Reader:
    """Answers the prompt "say N" with N; fails as told on the tasks whose N is in `fail_on`."""

    name = "reader"

    def __init__(self, error: Exception, fail_on: set[str], *, after: int = 0) -> None:
        self.error = error
        self.fail_on = fail_on
        self.after = after

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        prompt = next(m.content or "" for m in messages if m.role == "user")
        said = prompt.removeprefix("say ")
        turns = sum(m.role == "assistant" for m in messages)
        if said in self.fail_on and turns >= self.after:
            raise self.error
        return Message.assistant(said)


def _config(tmp_path: Path, **kw: Any) -> RunConfig:
    base: dict[str, Any] = {
        "env_id": "test/Fake-v0",
        "policy": "test",
        "num_tasks": 3,
        "group_size": 2,
        "out": tmp_path / "t.jsonl",
        "max_consecutive_errors": None,
    }
    return RunConfig(**{**base, **kw})


async def _run(kit: Any, tmp_path: Path, policy: Any, **env: Any) -> tuple[Any, list[Trajectory]]:
    cfg = _config(tmp_path)
    probe = kit.Probe()
    result = await run_async(
        cfg, env_factory=lambda: kit.FakeEnv(probe, **env), policy_factory=lambda _: policy
    )
    return result, sorted(read_trajectories(cfg.out), key=lambda t: t.key)


async def test_a_policy_caused_failure_is_graded_as_it_stands(kit: Any, tmp_path: Path) -> None:
    # Task 1's answer ("say 1") makes the policy's output unusable on the second turn.
    policy = Reader(PolicyOutputError("completion overflowed the context"), {"1"}, after=1)
    result, trajs = await _run(kit, tmp_path, policy, turns=2)
    failed = [t for t in trajs if t.error is not None]
    assert [t.key for t in failed] == [("fake/s0/1", 0), ("fake/s0/1", 1)]
    for t in failed:
        assert t.error is not None
        assert (t.error.boundary, t.error.cause, t.error.policy_caused) == (
            "policy",
            "bad_output",
            True,
        )
        assert t.truncated
        assert not t.terminated
        assert t.reward == 1.0  # graded as it stands: it had said the answer on turn 1
        assert t.score is not None
    assert result.summary.policy_failures == 2
    assert result.summary.infrastructure == 0
    assert result.groups.excluded == 0
    assert all(None not in g.advantages for g in result.groups.groups)


async def test_infrastructure_failures_are_left_out_of_rates_and_groups(
    kit: Any, tmp_path: Path
) -> None:
    policy = Reader(PolicyUnavailable("model server answered 503 four times"), {"1"})
    result, trajs = await _run(kit, tmp_path, policy)
    failed = [t for t in trajs if t.error is not None]
    assert len(failed) == 2
    assert all(t.reward is None for t in failed)
    assert all(t.error is not None and t.error.cause == "unavailable" for t in failed)
    assert all(t.error is not None and not t.error.policy_caused for t in failed)
    s = result.summary
    assert (s.infrastructure, s.policy_failures, s.undecided) == (2, 0, 0)
    assert s.pass_at_1 == 1.0  # the left-out samples are not failures to pass
    group = next(g for g in result.groups.groups if g.task_id == "fake/s0/1")
    assert (group.excluded, group.mean, group.advantages) == (2, None, (None, None))
    assert (result.groups.excluded, result.groups.excluded_infrastructure) == (2, 2)
    assert "fake/s0/1" not in result.groups.zero_variance


async def test_an_error_is_recorded_at_its_own_boundary_with_its_frames(
    kit: Any, tmp_path: Path
) -> None:
    class SandboxedGrader:
        name = "sandboxed"

        async def grade(self, task: Task, trajectory: Trajectory) -> Score:
            def run_in_sandbox() -> None:
                raise SandboxError("bwrap: setting up uid map: Permission denied")

            run_in_sandbox()
            return Score(value=1.0)

    cfg = _config(tmp_path, num_tasks=1, group_size=1)
    probe = kit.Probe()
    await run_async(
        cfg,
        env_factory=lambda: kit.FakeEnv(probe),
        policy_factory=lambda _: Reader(ValueError(), set()),
        grader=SandboxedGrader(),
    )
    [t] = read_trajectories(cfg.out)
    assert t.error is not None
    assert t.error.boundary == "sandbox"  # raised while grading, but the sandbox's failure
    assert t.error.frames[-1].endswith("in run_in_sandbox")
    assert __file__ in t.error.frames[-1]


async def test_a_crashing_tool_is_found_from_the_trajectory(kit: Any, tmp_path: Path) -> None:
    class Crashing(kit.FakeEnv):  # type: ignore[misc,name-defined]
        async def step(self, action: Message) -> Any:
            try:
                {}["missing"]
            except KeyError as exc:
                raise EnvError(f"tool 'lookup' crashed: {exc!r}") from exc

    cfg = _config(tmp_path, num_tasks=1, group_size=1)
    probe = kit.Probe()
    await run_async(
        cfg,
        env_factory=lambda: Crashing(probe),
        policy_factory=lambda _: Reader(ValueError(), set()),
    )
    [t] = read_trajectories(cfg.out)
    assert t.error is not None
    assert t.error.boundary == "env"
    # The frames are those of the original KeyError, where the failure began.
    assert t.error.frames[-1].endswith("in step")
    assert "test_blame.py" in t.error.frames[-1]

"""The engine with fake env/policy/grader: episodes, boundaries, concurrency, resume."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gymforge._util import derive_seed
from gymforge.errors import PolicyError, ResumeError
from gymforge.policy import OracleFactory
from gymforge.rollout import RunConfig, read_trajectories, run_async, scan_trajectories
from gymforge.types import TRAJECTORY_SCHEMA_VERSION


def _config(tmp_path: Path, **kw: Any) -> RunConfig:
    base: dict[str, Any] = dict(
        env_id="fake/Fake-v0", policy="fake", num_tasks=4, group_size=2, out=tmp_path / "t.jsonl"
    )
    base.update(kw)
    return RunConfig(**base)


async def _run(kit: SimpleNamespace, cfg: RunConfig, probe: Any = None, **kw: Any) -> Any:
    probe = probe or kit.Probe()
    env_kw = kw.pop("env_kw", {})
    pol_kw = kw.pop("pol_kw", {})
    return await run_async(
        cfg,
        env_factory=lambda: kit.FakeEnv(probe, **env_kw),
        policy_factory=OracleFactory(lambda env: kit.OraclePolicy(env, **pol_kw)),
        **kw,
    )


async def test_every_task_and_sample_written_once_with_derived_seeds(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    probe = kit.Probe()
    cfg = _config(tmp_path)
    result = await _run(kit, cfg, probe)
    trajs = read_trajectories(cfg.out)
    keys = sorted(t.key for t in trajs)
    assert keys == sorted((f"fake/s0/{i}", s) for i in range(4) for s in range(2))
    assert result.completed == 8
    assert result.skipped == 0
    for t in trajs:
        assert t.seed == derive_seed(0, t.task_id, t.sample)
        assert t.run_id == cfg.run_id
        assert t.reward == 1.0
        assert t.error is None
        assert t.terminated
        assert [m.role for m in t.messages] == ["system", "user", "assistant"]
        assert t.usage.prompt_tokens == 10
        assert t.milestones == {"answered": True, "steps": 1}
        assert t.info == {"k": 1}
        assert len(t.turns) == 1
        assert t.turns[0].reward == 0.5
    # 8 episodes + the env that produced the task family + the one the recipe was read from
    assert probe.closes == 10
    assert sorted(probe.seeds) == sorted(t.seed for t in trajs)


async def test_multi_turn_episode_records_each_turn(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path, num_tasks=1, group_size=1)
    await _run(kit, cfg, env_kw={"turns": 3})
    (t,) = read_trajectories(cfg.out)
    assert len(t.turns) == 3
    assert [x.terminated for x in t.turns] == [False, False, True]
    assert t.usage.prompt_tokens == 30
    assert [m.role for m in t.messages].count("assistant") == 3


async def test_concurrency_limit_is_reached_and_never_exceeded(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    probe = kit.Probe()
    cfg = _config(tmp_path, num_tasks=10, group_size=3, concurrency=4)
    await _run(kit, cfg, probe, pol_kw={"sleep": 0.001})
    assert probe.max_in_flight == 4
    assert len(read_trajectories(cfg.out)) == 30


@pytest.mark.parametrize(
    ("where", "boundary"),
    [
        ("reset", "env"),
        ("step", "env"),
        ("close", "env"),
        ("policy", "policy"),
        ("grader", "grader"),
    ],
)
async def test_failure_at_each_boundary_is_recorded_and_run_continues(
    kit: SimpleNamespace, tmp_path: Path, where: str, boundary: str
) -> None:
    cfg = _config(tmp_path, max_consecutive_errors=None)
    probe = kit.Probe()

    made = []

    def env_factory() -> Any:
        made.append(1)
        first = len(made) <= 2  # the envs for the task family and the recipe stay healthy
        fail_at = where if where in {"reset", "step", "close"} and not first else None
        return kit.FakeEnv(probe, fail_at=fail_at)

    def policy_factory(env: Any) -> Any:
        fail = PolicyError("model said no") if where == "policy" else None
        return kit.OraclePolicy(env, fail=fail)

    grader = kit.FakeGrader(fail=where == "grader")
    result = await run_async(
        cfg, env_factory=env_factory, policy_factory=OracleFactory(policy_factory), grader=grader
    )
    trajs = read_trajectories(cfg.out)
    assert len(trajs) == 8
    assert result.errors == 8
    assert result.summary.errors_by_boundary == {boundary: 8}
    assert all(t.error is not None and t.error.boundary == boundary for t in trajs)
    assert all(t.reward is None for t in trajs)
    assert probe.in_flight == 0  # every env was closed


async def test_only_failing_episodes_are_marked(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    probe = kit.Probe()

    def policy_factory(env: Any) -> Any:
        class Flaky(kit.OraclePolicy):  # type: ignore[misc,name-defined]
            async def act(self, messages: Any, tools: Any, **kw: Any) -> Any:
                if self.env.task.answer == 1:
                    raise ValueError("cannot say one")
                return await super().act(messages, tools, **kw)

        return Flaky(env)

    result = await run_async(
        cfg, env_factory=lambda: kit.FakeEnv(probe), policy_factory=OracleFactory(policy_factory)
    )
    trajs = read_trajectories(cfg.out)
    failed = {t.key for t in trajs if t.error is not None}
    assert failed == {("fake/s0/1", 0), ("fake/s0/1", 1)}
    assert all(t.error.type == "ValueError" for t in trajs if t.error is not None)
    assert result.summary.errors_by_boundary == {"policy": 2}
    assert result.summary.mean_reward == 1.0  # failed episodes are not averaged in as 0
    # The policy's ValueError is an infrastructure failure (not its output): both
    # episodes are left out of the rates, never scored as 0.
    assert result.summary.infrastructure == 2
    assert result.summary.pass_at_1 == 1.0


async def test_episode_timeout_is_recorded_as_timeout(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path, num_tasks=2, group_size=1, episode_timeout_s=0.05)
    probe = kit.Probe()
    await _run(kit, cfg, probe, pol_kw={"sleep": 30.0})
    trajs = read_trajectories(cfg.out)
    assert [t.error.boundary if t.error else None for t in trajs] == ["timeout", "timeout"]
    assert "episode_timeout_s" in trajs[0].error.message  # type: ignore[union-attr]
    assert probe.in_flight == 0


async def test_policy_raising_timeout_error_is_a_policy_failure(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=1, group_size=1, episode_timeout_s=60)
    await _run(kit, cfg, pol_kw={"fail": TimeoutError("backend timed out")})
    (t,) = read_trajectories(cfg.out)
    assert t.error is not None
    assert t.error.boundary == "policy"


async def test_consecutive_identical_policy_errors_abort_the_run(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=20, group_size=1, concurrency=1, max_consecutive_errors=3)
    with pytest.raises(PolicyError, match="last 3 episodes .* same error: PolicyError: refused"):
        await _run(kit, cfg, pol_kw={"fail": PolicyError("refused")})
    assert len(read_trajectories(cfg.out)) == 3


def test_keyboard_interrupt_from_user_code_is_not_swallowed(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=1, group_size=1)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(_run(kit, cfg, pol_kw={"fail": KeyboardInterrupt()}))
    assert scan_trajectories(cfg.out).trajectories == ()


async def test_cancellation_propagates_and_leaves_whole_lines(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=50, group_size=1, concurrency=2)
    probe = kit.Probe()
    task = asyncio.create_task(_run(kit, cfg, probe, pol_kw={"sleep": 0.002}))
    while not cfg.out.exists() or len(cfg.out.read_text().splitlines()) < 3:
        await asyncio.sleep(0.002)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    scanned = scan_trajectories(cfg.out)
    assert scanned.damaged == ()
    assert 3 <= len(scanned.trajectories) < 50
    assert probe.in_flight == 0


async def test_resume_skips_finished_and_never_duplicates(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=3, group_size=2)
    await _run(kit, cfg)
    lines = cfg.out.read_text().splitlines(keepends=True)
    cfg.out.write_text("".join(lines[:4]))
    probe = kit.Probe()
    result = await _run(kit, cfg, probe)
    assert (result.skipped, result.completed) == (4, 2)
    assert probe.resets == 2
    trajs = read_trajectories(cfg.out)
    assert len({t.key for t in trajs}) == len(trajs) == 6
    again = await _run(kit, cfg)
    assert again.completed == 0
    assert len(read_trajectories(cfg.out)) == 6


async def test_resume_with_more_tasks_extends_the_run(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path, num_tasks=2, group_size=1)
    await _run(kit, cfg)
    result = await _run(kit, cfg.model_copy(update={"num_tasks": 5, "concurrency": 3}))
    assert (result.skipped, result.completed, result.total) == (2, 3, 5)


async def test_damaged_lines_are_moved_reported_and_rerun(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=3, group_size=1)
    await _run(kit, cfg)
    lines = cfg.out.read_text().splitlines(keepends=True)
    middle_key = json.loads(lines[1])["task_id"]
    cfg.out.write_text(lines[0] + '{"broken": \n' + lines[2] + lines[1][:40])
    notices: list[str] = []
    result = await _run(kit, cfg, notice=notices.append)
    assert result.damaged_lines == (2, 4)
    assert any("line 2" in n and "invalid JSON" in n for n in notices)
    assert any("line 4" in n and "truncated" in n for n in notices)
    damaged = [json.loads(x) for x in cfg.damaged_path.read_text().splitlines()]
    assert [d["line"] for d in damaged] == [2, 4]
    assert damaged[1]["text"] == lines[1][:40]
    trajs = read_trajectories(cfg.out)
    assert sorted(t.key for t in trajs) == sorted((f"fake/s0/{i}", 0) for i in range(3))
    assert result.completed == 1
    assert (middle_key, 0) in {t.key for t in trajs}


async def test_resume_with_a_different_config_is_refused(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=2, group_size=1)
    await _run(kit, cfg)
    before = cfg.out.read_text()
    other = cfg.model_copy(update={"seed": 7})
    with pytest.raises(ResumeError, match=r"different configuration \(seed: 0 -> 7\).*new --out"):
        await _run(kit, other)
    assert cfg.out.read_text() == before


async def test_a_foreign_file_is_never_rewritten(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    cfg.out.write_text("important notes\nnot jsonl\n")
    with pytest.raises(ResumeError, match="not a gymforge trajectories file"):
        await _run(kit, cfg)
    assert cfg.out.read_text() == "important notes\nnot jsonl\n"


async def test_retry_errors_reruns_failed_episodes(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path, num_tasks=2, group_size=1, max_consecutive_errors=None)
    await _run(kit, cfg, pol_kw={"fail": PolicyError("down")})
    assert all(t.error for t in read_trajectories(cfg.out))
    result = await _run(kit, cfg.model_copy(update={"retry_errors": True}))
    assert result.completed == 2
    trajs = read_trajectories(cfg.out)
    assert len(trajs) == 2
    assert all(t.error is None for t in trajs)
    assert len(cfg.retried_path.read_text().splitlines()) == 2


async def test_report_written_with_summary_and_groups(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path, num_tasks=2, group_size=2)
    await _run(kit, cfg, pol_kw={"wrong": True})
    report = json.loads(cfg.report_path.read_text())
    assert report["run_id"] == cfg.run_id
    assert report["summary"]["pass_at_k"] == 0.0
    assert report["groups"]["zero_variance"] == ["fake/s0/0", "fake/s0/1"]
    manifest = json.loads(cfg.manifest_path.read_text())
    assert manifest["run_id"] == cfg.run_id
    assert manifest["schema_version"] == TRAJECTORY_SCHEMA_VERSION


async def test_wrong_return_types_are_blamed_on_their_boundary(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=1, group_size=1)

    class Bad(kit.OraclePolicy):  # type: ignore[misc,name-defined]
        async def act(self, messages: Any, tools: Any, **kw: Any) -> Any:
            return {"role": "assistant", "content": "0"}

    await run_async(
        cfg, env_factory=lambda: kit.FakeEnv(kit.Probe()), policy_factory=OracleFactory(Bad)
    )
    (t,) = read_trajectories(cfg.out)
    assert t.error is not None
    assert (t.error.boundary, t.error.type) == ("policy", "TypeError")
    assert "not a Message" in t.error.message


async def test_nested_boundary_keeps_its_classification(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    from gymforge.rollout import boundary

    cfg = _config(tmp_path, num_tasks=1, group_size=1)

    class Sandboxed(kit.OraclePolicy):  # type: ignore[misc,name-defined]
        async def act(self, messages: Any, tools: Any, **kw: Any) -> Any:
            async with boundary("sandbox"):
                raise RuntimeError("tool crashed")

    await run_async(
        cfg, env_factory=lambda: kit.FakeEnv(kit.Probe()), policy_factory=OracleFactory(Sandboxed)
    )
    (t,) = read_trajectories(cfg.out)
    assert t.error is not None
    assert (t.error.boundary, t.error.type, t.error.message) == (
        "sandbox",
        "RuntimeError",
        "tool crashed",
    )


def test_turn_seeds_equal_derive_seed() -> None:
    from gymforge.rollout._records import TurnSeeds as _TurnSeeds

    seeds = _TurnSeeds(derive_seed(3, "task/1", 2))
    for turn in (0, 1, 9, 10, 123):
        assert seeds(turn) == derive_seed(derive_seed(3, "task/1", 2), turn)


def test_episode_seeds_equal_derive_seed() -> None:
    from gymforge.rollout._records import EpisodeSeeds as _EpisodeSeeds

    for run_seed in (0, 3, 2**40):
        seeds = _EpisodeSeeds(run_seed)
        for task_id, sample in (("task/1", 0), ("arithmetic/d1/s0/17", 5), ("é\x1f", 12)):
            assert seeds(task_id, sample) == derive_seed(run_seed, task_id, sample)


def test_trusted_models_equal_validated_ones() -> None:
    from gymforge.rollout._records import replaced as _replaced
    from gymforge.rollout._records import turn_record as _turn
    from gymforge.types import Task, Trajectory, Turn

    milestones = {"answered": True, "n": [1, 2]}
    fast = _turn(0.5, milestones, True, False)
    slow = Turn(reward=0.5, milestones=milestones, terminated=True, truncated=False)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.milestones is not milestones  # the env's dict is not shared
    assert _turn(1, {}, False, True) == Turn(reward=1.0, terminated=False, truncated=True)
    ids: dict[str, Any] = {"run_id": "r", "env_id": "e", "task_id": "t", "policy": "p"}
    base = Trajectory(sample=0, seed=0, task=Task(id="t", prompt="?"), **ids)
    fast_copy = _replaced(base, reward=1.0, messages=())
    slow_copy = base.model_copy(update={"reward": 1.0, "messages": ()})
    assert fast_copy == slow_copy
    assert fast_copy.model_fields_set == slow_copy.model_fields_set
    assert fast_copy.to_json_line() == slow_copy.to_json_line()
    assert base.reward is None


def test_partial_trajectory_equals_the_validated_one() -> None:
    from gymforge.rollout._records import EpisodeState, Records, turn_record
    from gymforge.types import Generation, Info, Message, Task, Trajectory, Usage

    task = Task(id="t", prompt="?", answer=3, metadata={"k": [1, 2]})
    state = EpisodeState()
    usage = Usage(prompt_tokens=5, completion_tokens=2)
    state.messages = [Message.user("?"), Message.assistant("3", generation=Generation(usage=usage))]
    state.turns = [turn_record(0.0, {"answered": True}, True, False)]
    state.info = Info(milestones={"answered": True}, extra={"digest": "abc"})
    state.terminated = True
    fast = Records("run", "env/E-v0", "oracle").partial(task, 1, 7, state)
    ids: dict[str, Any] = {"run_id": "run", "env_id": "env/E-v0", "policy": "oracle"}
    slow = Trajectory(
        **ids,
        task_id="t",
        sample=1,
        seed=7,
        task=task,
        messages=tuple(state.messages),
        turns=tuple(state.turns),
        milestones=state.info.milestones,
        terminated=True,
        truncated=False,
        usage=usage,
        info=state.info.extra,
    )
    assert fast == slow
    assert fast.to_json_line() == slow.to_json_line()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.milestones is not state.info.milestones

    class Note(Message):  # not the exact type: the validating constructor runs
        pass

    state.messages.append(Note(role="user", content="more"))
    odd = Records("run", "env/E-v0", "oracle").partial(task, 1, 7, state)
    assert odd.messages[-1].content == "more"
    assert odd.model_fields_set == slow.model_fields_set


async def test_policy_sees_per_turn_seeds(kit: SimpleNamespace, tmp_path: Path) -> None:
    cfg = _config(tmp_path, num_tasks=1, group_size=1)
    policies: list[Any] = []

    def policy_factory(env: Any) -> Any:
        class Recording(kit.OraclePolicy):  # type: ignore[misc,name-defined]
            async def act(self, messages: Any, tools: Any, **kw: Any) -> Any:
                self.seeds.append(kw["seed"])
                return await super().act(messages, tools, **kw)

        policies.append(Recording(env))
        return policies[-1]

    await run_async(
        cfg,
        env_factory=lambda: kit.FakeEnv(kit.Probe(), turns=3),
        policy_factory=OracleFactory(policy_factory),
    )
    (t,) = read_trajectories(cfg.out)
    assert policies[0].seeds == [derive_seed(t.seed, turn) for turn in range(3)]


async def test_policies_made_from_the_spec_are_closed(
    kit: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "closing_policy_mod.py"
    module.write_text(
        "from gymforge.types import Message\n"
        "class P:\n"
        "    name = 'closing'\n"
        "    closed = 0\n"
        "    async def act(self, messages, tools, *, seed, sampling):\n"
        "        return Message.assistant('0')\n"
        "    async def aclose(self):\n"
        "        P.closed += 1\n"
        "SHARED = P()\n"
        "def factory(env):\n"
        "    return SHARED\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = _config(tmp_path, policy="py:closing_policy_mod:factory")
    await run_async(cfg, env_factory=lambda: kit.FakeEnv(kit.Probe()))
    import closing_policy_mod  # type: ignore[import-not-found]

    assert closing_policy_mod.P.closed == 1  # one shared instance, closed once
    assert len(read_trajectories(cfg.out)) == 8


async def test_a_second_run_on_the_same_file_is_refused_while_the_first_runs(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    from gymforge.errors import ConfigError
    from gymforge.rollout._io import RunLock

    cfg = _config(tmp_path)
    held = RunLock(cfg.out)
    try:
        with pytest.raises(ConfigError, match="another gymforge run is writing"):
            await _run(kit, cfg)
    finally:
        held.release()
    result = await _run(kit, cfg)  # released: the run goes ahead
    assert result.completed == 8


async def test_ray_backend_runs_episodes_through_the_ray_runner(
    kit: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    from gymforge.rollout._engine import _Episode

    made: list[Any] = []

    class FakeRayEpisodes:
        def __init__(self, config: Any, run_id: str, **injected: Any) -> None:
            self.local = _Episode(
                config, run_id, injected["env_factory"], injected["policy_factory"], None
            )
            self.calls = 0
            self.closed = False
            made.append(self)

        async def __call__(self, task: Any, sample: int) -> Any:
            self.calls += 1
            return await self.local(task, sample)

        def close(self) -> None:
            self.closed = True

    module = types.ModuleType("gymforge.rollout._ray")
    module.RayEpisodes = FakeRayEpisodes  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gymforge.rollout._ray", module)
    local = _config(tmp_path / "l", num_tasks=2)
    ray = local.model_copy(update={"out": tmp_path / "r" / "t.jsonl", "backend": "ray"})
    assert ray.run_id == local.run_id  # the backend does not change what episodes produce
    await _run(kit, ray)
    assert made[0].calls == 4
    assert made[0].closed
    assert len(read_trajectories(ray.out)) == 4


def test_writer_lines_are_exactly_to_json_line(tmp_path: Path) -> None:
    from gymforge.rollout._io import TrajectoryWriter
    from gymforge.types import Message, Task, Trajectory

    task = Task(id="tâche/1", prompt="Café τ?", answer=[1.5, None])
    said = (Message.user("Café τ \U0001f600 \u2028"), Message.assistant("\\boxed{1.5}"))
    ids: dict[str, Any] = {"run_id": "r", "env_id": "e/E-v0", "policy": "p", "task_id": task.id}
    traj = Trajectory(**ids, sample=3, seed=9, task=task, messages=said, reward=0.25)
    out = tmp_path / "w.jsonl"
    with TrajectoryWriter(out) as writer:
        writer.write(traj)
        writer.write(traj)
        assert out.read_bytes() == traj.to_json_line().encode() * 2  # flushed at once
    assert read_trajectories(out) == [traj, traj]

"""Curriculum runs: levels follow success, waves are order-proof, resume replays the file."""

from __future__ import annotations

import asyncio
import shutil
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from gymforge._util import derive_seed
from gymforge.errors import ConfigError, ResumeError
from gymforge.policy import OracleFactory
from gymforge.rollout import (
    CurriculumSpec,
    RunConfig,
    RunResult,
    read_trajectories,
    run_async,
)
from gymforge.types import Message, Sampling, Task, ToolSpec, Trajectory

SPEC = CurriculumSpec(window=4, up=0.8, down=0.3)


class LeveledFamily:
    """Levels 1-5 (others rejected); the id carries the level, like the built-in families."""

    name = "leveled"
    difficulty: int | None = None
    levels = (1, 2, 3, 4, 5)

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        difficulty = 1 if difficulty is None else difficulty
        if difficulty not in self.levels:
            raise ValueError(f"difficulty must be 1-5, got {difficulty}")
        return Task(
            id=f"leveled/d{difficulty}/s{seed}/{index}",
            prompt="?",
            answer=index % 3,
            family=self.name,
            difficulty=difficulty,
        )


class ThreeLevelFamily(LeveledFamily):
    """Levels 1-3 only, like the code and retail families."""

    levels = (1, 2, 3)


class LevellessFamily(LeveledFamily):
    """Ignores the difficulty it is asked for (like the bridged Gymnasium envs)."""

    name = "levelless"

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(id=f"levelless/{index}", prompt="?", answer=0, family=self.name)


class CappedPolicy:
    """Right below level `cap`; at or above it, right only when `lucky` says so.

    Sleeps longer on even task indices, so episodes finish out of order.
    """

    name = "capped"

    def __init__(self, env: Any, *, cap: int, lucky: bool = False, sleep: float = 0.0) -> None:
        self.env, self.cap, self.lucky, self.sleep = env, cap, lucky, sleep

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        task: Task = self.env.task
        index = int(task.id.rsplit("/", 1)[1])
        if self.sleep and index % 2 == 0:
            await asyncio.sleep(self.sleep)
        ok = (task.difficulty or 0) < self.cap or (self.lucky and seed % 3 == 0)
        return Message.assistant(str(task.answer) if ok else "wrong")


def _config(tmp_path: Path, name: str = "t.jsonl", **kw: Any) -> RunConfig:
    base: dict[str, Any] = dict(
        env_id="fake/Fake-v0",
        policy="capped",
        num_tasks=40,
        group_size=1,
        out=tmp_path / name,
        curriculum=SPEC,
    )
    base.update(kw)
    return RunConfig(**base)


async def _run(
    kit: SimpleNamespace, cfg: RunConfig, *, family: type = LeveledFamily, **policy: Any
) -> RunResult:
    probe = kit.Probe()

    class Env(kit.FakeEnv):  # type: ignore[name-defined,misc]
        @property
        def task_family(self) -> Any:
            return family()

    policy.setdefault("cap", 3)
    return await run_async(  # type: ignore[no-any-return]
        cfg,
        env_factory=lambda: Env(probe),
        policy_factory=OracleFactory(lambda env: CappedPolicy(env, **policy)),
    )


def _episodes(path: Path) -> dict[tuple[str, int], tuple[int | None, float | None, int]]:
    """Every episode of a file by key: (level, reward, seed); independent of line order."""
    return {t.key: (t.task.difficulty, t.reward, t.seed) for t in read_trajectories(path)}


def _by_task_index(trajectories: Sequence[Trajectory]) -> list[Trajectory]:
    return sorted(trajectories, key=lambda t: (int(t.task_id.rsplit("/", 1)[1]), t.sample))


async def test_levels_climb_to_the_cap_and_oscillate_there(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    result = await _run(kit, _config(tmp_path), cap=3)
    report = result.curriculum
    assert report is not None
    assert report.levels == (1, 2, 3, 4, 5)
    assert report.wave_size == 4
    assert report.level_path == (1, 2) + (3, 2) * 4  # all right below 3, all wrong at 3
    assert [w.successes for w in report.waves] == [4, 4] + [0, 4] * 4
    assert report.final_level == 3  # the last wave (level 2) passed
    trajs = _by_task_index(read_trajectories(result.out))
    assert [t.task.difficulty for t in trajs] == [lvl for lvl in report.level_path for _ in "abcd"]
    assert all(t.task.id.startswith(f"leveled/d{t.task.difficulty}/") for t in trajs)
    family_seed = derive_seed("curriculum", 0, "leveled")  # the Curriculum's draw seed
    assert trajs[0].task.id == f"leveled/d1/s{family_seed}/0"
    report_file = result.report_path.read_text()
    assert '"level": 3' in report_file
    assert '"final_level": 3' in report_file


async def test_a_three_level_family_tops_out_at_its_own_last_level(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    result = await _run(kit, _config(tmp_path, num_tasks=24), family=ThreeLevelFamily, cap=9)
    assert result.curriculum is not None
    assert result.curriculum.levels == (1, 2, 3)
    assert result.curriculum.level_path == (1, 2, 3, 3, 3, 3)  # never asks for level 4
    assert result.summary.errors == 0


async def test_group_samples_count_as_outcomes_and_size_the_wave(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=9, group_size=3, curriculum=SPEC)
    result = await _run(kit, cfg, cap=2)
    report = result.curriculum
    assert report is not None
    assert report.wave_size == 2  # ceil(window 4 / group size 3)
    assert [(w.tasks, w.episodes) for w in report.waves] == [(2, 6)] * 4 + [(1, 3)]
    assert result.total == 27
    assert len(read_trajectories(cfg.out)) == 27


async def test_task_sequence_ignores_concurrency_and_completion_order(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    spec = SPEC.model_copy(update={"window": 3})  # a window ends mid-wave: feed order matters
    common = dict(num_tasks=32, group_size=2, seed=5, curriculum=spec)
    one = await _run(kit, _config(tmp_path, "c1.jsonl", concurrency=1, **common), lucky=True)
    eight = await _run(
        kit, _config(tmp_path, "c8.jsonl", concurrency=8, **common), lucky=True, sleep=0.05
    )
    in_file = read_trajectories(eight.out)
    assert in_file != _by_task_index(in_file)  # episodes did finish out of task order
    assert _episodes(one.out) == _episodes(eight.out)
    assert one.curriculum == eight.curriculum
    assert one.curriculum is not None
    assert len(set(one.curriculum.level_path)) > 2  # a path that really moved


async def test_resume_from_any_cut_gives_the_uninterrupted_file(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    full = await _run(kit, _config(tmp_path, "full.jsonl", group_size=2, num_tasks=20), lucky=True)
    lines = full.out.read_text().splitlines(keepends=True)
    for cut in (0, 3, 8, 13, 39):  # mid-wave and at wave boundaries (a wave is 8 episodes)
        cfg = _config(tmp_path, f"cut{cut}.jsonl", group_size=2, num_tasks=20)
        cfg.out.write_text("".join(lines[:cut]) + lines[cut][:30])  # + a half-written line
        shutil.copy(full.out.with_name("full.jsonl.run.json"), cfg.manifest_path)
        resumed = await _run(kit, cfg, lucky=True, sleep=0.01)
        assert (resumed.skipped, resumed.completed) == (cut, 40 - cut)
        assert _episodes(cfg.out) == _episodes(full.out)
        assert resumed.curriculum == full.curriculum


async def test_resume_with_more_tasks_continues_the_same_sequence(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    full = await _run(kit, _config(tmp_path, "full.jsonl", num_tasks=30), lucky=True)
    cfg = _config(tmp_path, "grow.jsonl", num_tasks=10)  # ends inside the third wave
    await _run(kit, cfg, lucky=True)
    grown = await _run(kit, cfg.model_copy(update={"num_tasks": 30}), lucky=True)
    assert (grown.skipped, grown.completed) == (10, 20)
    assert _episodes(cfg.out) == _episodes(full.out)


async def test_resume_with_other_curriculum_settings_is_refused(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, num_tasks=8)
    await _run(kit, cfg)
    for change in (
        {"curriculum": SPEC.model_copy(update={"window": 6})},
        {"curriculum": SPEC.model_copy(update={"threshold": 0.5})},
        {"curriculum": None},
    ):
        with pytest.raises(ResumeError, match="curriculum"):
            await _run(kit, cfg.model_copy(update=change))
    assert len(read_trajectories(cfg.out)) == 8


async def test_a_family_without_levels_is_a_config_error(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = _config(tmp_path)
    with pytest.raises(ConfigError, match="no level.*--curriculum"):
        await _run(kit, cfg, family=LevellessFamily)
    start = cfg.model_copy(update={"curriculum": SPEC.model_copy(update={"start_level": 7})})
    with pytest.raises(ConfigError, match=r"--curriculum-start 7 .*levels: 1-5"):
        await _run(kit, start)
    assert not cfg.out.exists()  # refused before anything was written


def test_curriculum_config_validation_and_identity(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="below up"):
        CurriculumSpec(up=0.5, down=0.5)
    with pytest.raises(ValidationError, match="window"):
        CurriculumSpec(window=0)
    for clash in ({"difficulty": 2}, {"tasks_file": tmp_path / "t.jsonl"}, {"retry_errors": True}):
        with pytest.raises(ValidationError, match=next(iter(clash))):
            _config(tmp_path, **clash)
    plain = RunConfig(env_id="fake/Fake-v0", out=tmp_path / "a.jsonl")
    assert "curriculum" not in plain.identity()  # run ids of older runs are unchanged
    assert _config(tmp_path).identity()["curriculum"]["window"] == 4
    assert _config(tmp_path).run_id != _config(tmp_path, curriculum=CurriculumSpec()).run_id


async def test_ray_backend_runs_curriculum_waves_like_the_local_engine(
    kit: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gymforge.rollout._engine import _Episode

    calls: list[str] = []

    class FakeRayEpisodes:
        def __init__(self, config: Any, run_id: str, **injected: Any) -> None:
            self.local = _Episode(
                config, run_id, injected["env_factory"], injected["policy_factory"], None
            )

        async def __call__(self, task: Task, sample: int) -> Trajectory:
            calls.append(task.id)
            return await self.local(task, sample)

        def close(self) -> None:
            pass

    module = types.ModuleType("gymforge.rollout._ray")
    module.RayEpisodes = FakeRayEpisodes  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gymforge.rollout._ray", module)
    local = await _run(kit, _config(tmp_path, "local.jsonl", num_tasks=16), lucky=True)
    ray = await _run(kit, _config(tmp_path, "ray.jsonl", num_tasks=16, backend="ray"), lucky=True)
    assert len(calls) == 16
    assert _episodes(ray.out) == _episodes(local.out)
    assert ray.curriculum == local.curriculum

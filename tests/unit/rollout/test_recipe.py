"""The reward recipe in every run log: env spec as built + grader config, in manifest and report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gymnasium
import pytest

from gymforge.env import _registry, make, register
from gymforge.graders import exact_match, grader_from_config
from gymforge.policy import OracleFactory
from gymforge.rollout import RewardRecipe, RunConfig, RunReport, run_async, summarize


def _strict_json(text: str) -> Any:
    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


async def _logs(cfg: RunConfig, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    await run_async(cfg, **kw)
    manifest = _strict_json(cfg.manifest_path.read_text())
    report = _strict_json(cfg.report_path.read_text())
    return manifest, report


async def test_manifest_and_report_record_the_env_as_built_and_the_grader(
    tmp_path: Path,
) -> None:
    cfg = RunConfig(
        env_id="gymforge/CalculatorAgent-v0", num_tasks=1, max_turns=3, out=tmp_path / "t.jsonl"
    )
    manifest, report = await _logs(cfg)
    recipe = manifest["recipe"]
    assert recipe == report["recipe"]
    assert recipe["env"] == {
        "id": "gymforge/CalculatorAgent-v0",
        "entry_point": "gymforge.envs.calculator._env:CalculatorAgentEnv",
        "kwargs": {},
        "max_turns": 3,
        "time_limit": None,
        "wrappers": [
            {
                "name": "MaxTurns",
                "entry_point": "gymforge.env._wrappers:MaxTurns",
                "kwargs": {"max_turns": 3},
            }
        ],
        "reward_range": [0.0, 1.0],
        "nondeterministic": False,
    }
    grader = make("gymforge/CalculatorAgent-v0").grader()
    assert recipe["grader"] == grader.config  # type: ignore[attr-defined]
    assert grader_from_config(recipe["grader"]).config == recipe["grader"]
    parsed = RunReport.model_validate_json(cfg.report_path.read_text())
    assert parsed.recipe == RewardRecipe.model_validate(recipe)


async def test_kwargs_no_limit_and_an_injected_grader_are_recorded(tmp_path: Path) -> None:
    cfg = RunConfig(
        env_id="gymforge/Arithmetic-v0",
        env_kwargs={"difficulty": 2},
        num_tasks=1,
        max_turns=None,
        out=tmp_path / "t.jsonl",
    )
    manifest, _ = await _logs(cfg, grader=exact_match(name="strict"))
    env = manifest["recipe"]["env"]
    assert (env["kwargs"], env["max_turns"], env["wrappers"]) == ({"difficulty": 2}, None, [])
    assert manifest["recipe"]["grader"] == exact_match(name="strict").config


def test_an_open_side_is_null_in_standard_json() -> None:
    recipe = RewardRecipe.of(make("gymforge/CliffWalking-v0"))
    data = _strict_json(recipe.model_dump_json())
    assert data["env"]["reward_range"] == [None, 0.0]
    assert RewardRecipe.model_validate(data).reward_range == (float("-inf"), 0.0)


async def test_an_env_without_spec_and_an_unregistered_grader(
    kit: SimpleNamespace, tmp_path: Path
) -> None:
    cfg = RunConfig(env_id="fake/Fake-v0", num_tasks=1, out=tmp_path / "t.jsonl")
    manifest, report = await _logs(
        cfg,
        env_factory=lambda: kit.FakeEnv(kit.Probe()),
        policy_factory=OracleFactory(lambda env: kit.OraclePolicy(env)),
    )
    assert manifest["recipe"] == {
        "env": None,
        "grader": {"unregistered": "tests.unit.rollout.conftest:FakeGrader", "name": "fake_exact"},
    }
    assert report["summary"]["reward_range"] is None


@pytest.fixture
def capped(kit: SimpleNamespace) -> Iterator[str]:
    """An env whose grader pays 1.0 for a right answer but which declares (0, 0.5)."""
    _registry.load_plugins()
    saved, gym_saved = _registry._snapshot(), dict(gymnasium.registry)
    register("test/Capped-v0", lambda: kit.FakeEnv(kit.Probe()), reward_range=(0, 0.5))
    try:
        yield "test/Capped-v0"
    finally:
        _registry._restore(saved)
        gymnasium.registry.clear()
        gymnasium.registry.update(gym_saved)


async def test_rewards_outside_the_declared_range_are_counted(
    kit: SimpleNamespace, capped: str, tmp_path: Path
) -> None:
    cfg = RunConfig(env_id=capped, num_tasks=3, group_size=2, out=tmp_path / "t.jsonl")

    def policy(env: Any) -> Any:  # right on task 0 (reward 1.0), wrong elsewhere (0.0)
        return kit.OraclePolicy(env, wrong=env.task.answer != 0)

    result = await run_async(cfg, policy_factory=OracleFactory(lambda env: _Lazy(policy, env)))
    check = result.summary.reward_range
    assert check is not None
    assert (check.low, check.high, check.outside) == (0.0, 0.5, 2)
    report = _strict_json(cfg.report_path.read_text())
    assert report["summary"]["reward_range"] == {"low": 0.0, "high": 0.5, "outside": 2}


class _Lazy:
    """Builds the real policy at the first act (the env's task is known only after reset)."""

    name = "lazy"

    def __init__(self, build: Any, env: Any) -> None:
        self.build, self.env, self.inner = build, env, None

    async def act(self, *args: Any, **kw: Any) -> Any:
        if self.inner is None:
            self.inner = self.build(self.env)
        return await self.inner.act(*args, **kw)


def test_summarize_without_a_range_reports_none() -> None:
    assert summarize([]).reward_range is None
    assert summarize([], reward_range=(0.0, 1.0)).reward_range is not None

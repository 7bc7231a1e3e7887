"""`RunConfig.max_turns`: left out -> the env's limit, None -> no limit, N -> N (as `make`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gymnasium
import pytest

from gymforge.env import _registry, register
from gymforge.policy import OracleFactory
from gymforge.rollout import (
    ENV_DEFAULT,
    RunConfig,
    default_env_factory,
    read_trajectories,
    run_async,
)

LONG = "test/Long-v0"


@pytest.fixture
def long_env(kit: SimpleNamespace) -> Iterator[str]:
    """An env that ends after 5 steps, registered with a default limit of 2 turns."""
    _registry.load_plugins()
    saved, gym_saved = _registry._snapshot(), dict(gymnasium.registry)
    register(LONG, lambda: kit.FakeEnv(kit.Probe(), turns=5), max_turns=2)
    try:
        yield LONG
    finally:
        _registry._restore(saved)
        gymnasium.registry.clear()
        gymnasium.registry.update(gym_saved)


async def _turns(kit: SimpleNamespace, tmp_path: Path, **kw: Any) -> list[tuple[int, bool]]:
    cfg = RunConfig(env_id=LONG, num_tasks=2, out=tmp_path / f"{len(kw)}{kw}.jsonl", **kw)
    await run_async(cfg, policy_factory=OracleFactory(lambda env: kit.OraclePolicy(env)))
    return [(len(t.turns), t.truncated) for t in read_trajectories(cfg.out)]


async def test_none_lifts_the_limit_and_leaving_it_out_keeps_the_env_s(
    kit: SimpleNamespace, long_env: str, tmp_path: Path
) -> None:
    assert await _turns(kit, tmp_path) == [(2, True)] * 2
    assert await _turns(kit, tmp_path, max_turns=ENV_DEFAULT) == [(2, True)] * 2
    assert await _turns(kit, tmp_path, max_turns=None) == [(5, False)] * 2
    assert await _turns(kit, tmp_path, max_turns=3) == [(3, True)] * 2


def test_the_env_factory_builds_what_the_config_says(long_env: str, tmp_path: Path) -> None:
    def built(**kw: Any) -> Any:
        return default_env_factory(RunConfig(env_id=LONG, out=tmp_path / "t.jsonl", **kw))().spec

    assert built().max_turns == 2
    assert built(max_turns=None).max_turns is None
    assert built(max_turns=4).max_turns == 4


@pytest.mark.parametrize("value", [ENV_DEFAULT, None, 7])
def test_the_choice_survives_the_json_round_trip(value: Any, tmp_path: Path) -> None:
    cfg = RunConfig(env_id=LONG, out=tmp_path / "t.jsonl", max_turns=value)
    again = RunConfig.model_validate_json(cfg.model_dump_json())
    assert again.max_turns == value
    assert again.run_id == cfg.run_id


def test_run_ids_of_configs_that_left_it_out_are_unchanged(tmp_path: Path) -> None:
    # The ids main computed before None meant "no limit" (identity max_turns: null).
    base = {"env_id": "gymforge/Arithmetic-v0", "out": tmp_path / "t.jsonl"}
    assert RunConfig(**base).run_id == "run-ca1be5bc6714"
    assert RunConfig(**base, max_turns=3).run_id == "run-cff09f5009ee"
    unlimited = RunConfig(**base, max_turns=None)
    assert unlimited.identity()["max_turns"] == "unlimited"
    assert unlimited.run_id not in {"run-ca1be5bc6714", "run-cff09f5009ee"}


@pytest.mark.parametrize("bad", [0, -1, True, "x", 2.5, "3"])
def test_bad_values_are_refused(bad: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_turns"):
        RunConfig(env_id=LONG, out=tmp_path / "t.jsonl", max_turns=bad)

"""Every registered env's grader rebuilds from its recorded config and grades the same."""

import json

import pytest

from gymforge.env import list_envs, make, oracle_episode
from gymforge.errors import ConfigError
from gymforge.graders import (
    BuiltinGrader,
    exact_match,
    grader_config,
    grader_from_config,
    unit_tests,
    weighted_sum,
)
from gymforge.sandbox import Limits
from gymforge.types import Score, Task, Trajectory

ENV_IDS = [s.id for s in list_envs()]


@pytest.mark.parametrize("env_id", ENV_IDS)
async def test_the_env_grader_round_trips_through_its_json_config(env_id: str) -> None:
    env = make(env_id)
    try:
        grader = env.grader()
        config = grader_config(grader)
        assert "unregistered" not in config, f"{env_id}'s grader has no registered factory"
        rebuilt = grader_from_config(json.loads(json.dumps(config)))
        assert type(rebuilt) is type(grader)
        assert rebuilt.config == config
        trajectory = await oracle_episode(env, seed=0)
        score = await grader.grade(env.task, trajectory)
        assert await rebuilt.grade(env.task, trajectory) == score
    finally:
        await env.close()
    declared = env.spec.reward_range if env.spec is not None else None
    if declared is not None and score.value is not None:
        lo, hi = declared
        assert lo <= score.value <= hi, f"{env_id}: the oracle's reward is outside {declared}"


class Mine:
    """A third-party grader: the protocol, no registered factory."""

    name = "mine"

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        return Score(value=1.0)


class Direct(BuiltinGrader):
    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        return Score(value=0.0)


def test_an_unregistered_grader_records_that_it_is_and_cannot_be_rebuilt() -> None:
    assert grader_config(Mine()) == {"unregistered": f"{__name__}:Mine", "name": "mine"}
    direct = Direct("direct")
    assert direct.config == {"unregistered": f"{__name__}:Direct", "name": "direct"}
    assert repr(direct) == "<Direct 'direct' (no registered factory)>"
    with pytest.raises(ConfigError, match=rf"'mine' is a {__name__}:Mine that was not built"):
        grader_from_config(grader_config(Mine()))


def test_a_composite_with_an_unregistered_child_says_which_child() -> None:
    composite = weighted_sum({"a": (exact_match(), 1.0), "b": (Mine(), 0.5)})  # type: ignore[dict-item]
    child = composite.config["args"]["parts"]["b"][0]  # type: ignore[index, call-overload]
    assert child == {"unregistered": f"{__name__}:Mine", "name": "mine"}
    with pytest.raises(ConfigError, match="'mine' is a"):
        grader_from_config(json.loads(json.dumps(composite.config)))


def test_a_pydantic_argument_round_trips() -> None:
    grader = unit_tests(limits=Limits(wall=1.5, cpu=1))
    config = json.loads(json.dumps(grader.config))
    assert config["args"]["limits"]["wall"] == 1.5
    rebuilt = grader_from_config(config)
    assert rebuilt.config == grader.config
    assert rebuilt.limits == Limits(wall=1.5, cpu=1)  # type: ignore[attr-defined]
    bad = {**config, "args": {**config["args"], "limits": {"wall": -1}}}
    with pytest.raises(ConfigError, match="argument 'limits' is not a valid Limits"):
        grader_from_config(bad)

"""`env.spec` is the spec as built: `make()` overrides and every applied wrapper show in it."""

import dataclasses
import math
from typing import Any

import pytest

from gymforge.env import (
    EnvSpec,
    MaxTurns,
    SingleTurnEnv,
    TimeLimit,
    Wrapper,
    WrapperSpec,
    make,
    register,
    spec,
)

pytestmark = pytest.mark.usefixtures("clean_registry")


@pytest.fixture
def count_id(family: Any, grader: Any) -> str:
    def build(**kwargs: Any) -> SingleTurnEnv:
        return SingleTurnEnv(family, grader, **kwargs)

    register("test/Count-v0", build, kwargs={"system_prompt": "A"}, max_turns=16)
    return "test/Count-v0"


class Shout(Wrapper):
    """A third-party wrapper that records no arguments."""


def test_max_turns_override_is_in_the_spec() -> None:
    env = make("gymforge/CalculatorAgent-v0", max_turns=3)
    assert env.spec is not None
    assert env.spec.max_turns == 3
    assert env.spec.wrappers == (
        WrapperSpec("MaxTurns", "gymforge.env._wrappers:MaxTurns", {"max_turns": 3}),
    )
    assert spec("gymforge/CalculatorAgent-v0").max_turns == 16  # the registry is untouched


def test_no_limit_and_time_limit_are_in_the_spec(count_id: str) -> None:
    unlimited = make(count_id, max_turns=None)
    assert unlimited.spec is not None
    assert (unlimited.spec.max_turns, unlimited.spec.wrappers) == (None, ())
    timed = make(count_id, time_limit=2.5, system_prompt="B")
    assert timed.spec is not None
    assert timed.spec.time_limit == 2.5
    assert timed.spec.max_turns == 16
    assert dict(timed.spec.kwargs) == {"system_prompt": "B"}
    assert [w.name for w in timed.spec.wrappers] == ["MaxTurns", "TimeLimit"]
    assert timed.spec.wrappers[1].kwargs == {"seconds": 2.5}


def test_the_unwrapped_env_keeps_what_make_resolved(count_id: str) -> None:
    env = make(count_id, max_turns=4)
    inner = env.unwrapped.spec
    assert inner is not None
    assert (inner.max_turns, inner.time_limit, inner.wrappers) == (4, None, ())


def test_make_with_defaults_shares_the_registered_spec(count_id: str) -> None:
    env = make(count_id)
    assert env.unwrapped.spec is spec(count_id)
    assert env.spec is not None
    assert dataclasses.replace(env.spec, wrappers=()) == spec(count_id)


def test_wrappers_applied_by_hand_show_too(count_id: str) -> None:
    env = Shout(TimeLimit(MaxTurns(make(count_id, max_turns=None), 2), 9))
    assert env.spec is not None
    assert (env.spec.max_turns, env.spec.time_limit) == (2, 9.0)
    assert [w.name for w in env.spec.wrappers] == ["MaxTurns", "TimeLimit", "Shout"]
    assert env.spec.wrappers[-1].entry_point == f"{__name__}:Shout"
    assert env.spec.wrappers[-1].kwargs == {}


def test_a_hand_built_env_has_no_spec(family: Any, grader: Any) -> None:
    assert MaxTurns(SingleTurnEnv(family, grader), 3).spec is None


def test_reward_range_is_declared_and_validated(family: Any, grader: Any) -> None:
    def build() -> SingleTurnEnv:
        return SingleTurnEnv(family, grader)

    declared = register("test/Ranged-v0", build, reward_range=(0, 1))
    assert declared.reward_range == (0.0, 1.0)
    assert register("test/Open-v0", build).reward_range is None
    assert register("test/Low-v0", build, reward_range=(-math.inf, 0)).reward_range == (
        -math.inf,
        0.0,
    )
    made = make("test/Ranged-v0").spec
    assert made is not None
    assert made.reward_range == (0.0, 1.0)  # the spec as built keeps it
    for bad in [(1, 0), (0,), (0, "1"), (True, 2), (math.nan, 1), 1.0]:
        with pytest.raises(ValueError, match="reward_range"):
            register("test/Bad-v0", build, reward_range=bad)  # type: ignore[arg-type]


def test_every_builtin_env_declares_its_reward_range() -> None:
    from gymforge.env import list_envs

    missing = [s.id for s in list_envs() if s.id.startswith("gymforge/") and not s.reward_range]
    assert missing == []


def test_spec_is_a_frozen_dataclass() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec("gymforge/Arithmetic-v0").max_turns = 3  # type: ignore[misc]
    assert isinstance(spec("gymforge/Arithmetic-v0"), EnvSpec)

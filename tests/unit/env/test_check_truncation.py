"""`check_env` with ``oracle_truncates_at``: a reference that succeeds by lasting until a limit.

The default stays strict (the oracle must terminate); an env that declares a horizon
must have its oracle truncated exactly there, never terminated earlier, never left running.
"""

from collections.abc import Mapping
from typing import Any

import pytest

from gymforge.env import EnvCheckError, MaxTurns, SingleTurnEnv, check_env
from gymforge.env.authoring import answer_tool_calls
from gymforge.types import Info, Message, StepResult


class Balance(SingleTurnEnv):
    """Like CartPole: each turn the "pole" stays up; the env truncates itself at `horizon`."""

    oracle_truncates_at: Any = 5
    horizon: int | None = 5
    falls_at: int | None = None

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        self._steps = 0
        self.ids: set[str] = set()  # call ids are unique within an episode
        return await super().reset(seed=seed, options=options)

    async def step(self, action: Message) -> StepResult:
        outcomes = await answer_tool_calls(action.tool_calls or (), (), seen_ids=self.ids)
        self._steps += 1
        return StepResult(
            observation=(*(o.message() for o in outcomes), Message.user("still up")),
            tool_outcomes=tuple(outcomes),
            terminated=self._steps == self.falls_at,
            truncated=self._steps == self.horizon,
            info=Info(),
        )


def _balance(family: Any, grader: Any, **attrs: Any) -> Balance:
    env = Balance(family, grader)
    for name, value in attrs.items():
        setattr(env, name, value)
    return env


@pytest.mark.parametrize("horizon", [1, 5, 300])  # 300: beyond oracle_episode's default 256
async def test_declared_truncation_at_the_horizon_passes(
    family: Any, grader: Any, horizon: int
) -> None:
    await check_env(_balance(family, grader, oracle_truncates_at=horizon, horizon=horizon))


async def test_the_declaration_is_read_through_wrappers(family: Any, grader: Any) -> None:
    await check_env(MaxTurns(_balance(family, grader), 10))


@pytest.mark.parametrize(
    ("attrs", "match"),
    [
        ({"falls_at": 3}, "terminated after 3 turns, but the env declares oracle_truncates_at=5"),
        ({"horizon": None}, "still running after 5 turns, but the env declares"),
        ({"horizon": 8}, "still running after 5 turns"),
        ({"horizon": 3}, "truncated after 3 turns, but the env declares oracle_truncates_at=5"),
    ],
)
async def test_declared_truncation_must_happen_exactly_at_the_horizon(
    family: Any, grader: Any, attrs: dict[str, Any], match: str
) -> None:
    with pytest.raises(EnvCheckError, match=match):
        await check_env(_balance(family, grader, **attrs))


async def test_a_turn_limit_below_the_declared_horizon_is_reported(
    family: Any, grader: Any
) -> None:
    with pytest.raises(EnvCheckError, match="truncated after 2 turns.*shorter than"):
        await check_env(MaxTurns(_balance(family, grader), 2))


async def test_without_the_declaration_a_truncated_oracle_is_still_a_breach(
    family: Any, grader: Any
) -> None:
    with pytest.raises(EnvCheckError, match="was truncated: it must terminate the episode"):
        await check_env(_balance(family, grader, oracle_truncates_at=None))


@pytest.mark.parametrize("bad", [True, 0, -5, 2.5, "5"])
async def test_malformed_declarations_are_reported(family: Any, grader: Any, bad: Any) -> None:
    with pytest.raises(EnvCheckError, match="oracle_truncates_at must be None or an int >= 1"):
        await check_env(_balance(family, grader, oracle_truncates_at=bad))

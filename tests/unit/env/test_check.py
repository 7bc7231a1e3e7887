import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from gymforge.env import EnvCheckError, EnvSpec, MaxTurns, SingleTurnEnv, check_env, oracle_episode
from gymforge.env.authoring import answer_tool_calls
from gymforge.types import Info, Message, StepResult, ToolSpec

_counter = itertools.count()


class Good(SingleTurnEnv):
    pass


class NotSeeded(SingleTurnEnv):
    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        obs, info = await super().reset(seed=seed, options=options)
        return obs, info.model_copy(update={"extra": {"n": next(_counter)}})


class RaisesOnTools(SingleTurnEnv):
    async def step(self, action: Message) -> StepResult:
        if action.tool_calls:
            raise KeyError(action.tool_calls[0].name)
        return await super().step(action)


class SilentOnTools(SingleTurnEnv):
    async def step(self, action: Message) -> StepResult:
        return StepResult(observation=(), terminated=True, info=Info())


class WrongAnswer(SingleTurnEnv):
    async def reference_action(self) -> Message:
        return Message.assistant("\\boxed{-1}")


class NeverEnds(SingleTurnEnv):
    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        self.ids: set[str] = set()  # call ids are unique within an episode
        return await super().reset(seed=seed, options=options)

    async def step(self, action: Message) -> StepResult:
        outcomes = await answer_tool_calls(action.tool_calls or (), (), seen_ids=self.ids)
        return StepResult(
            observation=(*(o.message() for o in outcomes), Message.user("again")),
            info=Info(),
            tool_outcomes=tuple(outcomes),
        )


class IgnoresPinnedTask(SingleTurnEnv):
    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        return await super().reset(seed=seed, options=None)


class EmptyOpening(SingleTurnEnv):
    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        _, info = await super().reset(seed=seed, options=options)
        return [], info


class UserReference(SingleTurnEnv):
    async def reference_action(self) -> Message:
        return Message.user("not an action")


class BadToolSchemas(SingleTurnEnv):
    tools: tuple[ToolSpec, ...] = ()

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        obs, _ = await super().reset(seed=seed, options=options)
        return obs, Info(tools=self.tools)


def _spec(name: str, parameters: dict[str, Any]) -> ToolSpec:
    return ToolSpec(name=name, description="d", parameters=parameters)


@pytest.mark.parametrize(
    ("tools", "match"),
    [
        ((_spec("a", {"type": "object"}), _spec("a", {"type": "object"})), "unique"),
        ((_spec("a", {"type": "array"}),), "must be an object schema"),
        (
            (_spec("a", {"type": "object", "properties": {"x": {"type": "nonsense"}}}),),
            "tool 'a': parameters are not a valid JSON Schema",
        ),
    ],
)
async def test_bad_tool_specs_are_reported(
    family: Any, grader: Any, tools: tuple[ToolSpec, ...], match: str
) -> None:
    env = BadToolSchemas(family, grader)
    env.tools = tools
    with pytest.raises(EnvCheckError, match=match):
        await check_env(env)


async def test_a_good_env_passes(family: Any, grader: Any) -> None:
    await check_env(Good(family, grader))


@pytest.mark.parametrize(
    ("cls", "match"),
    [
        (NotSeeded, "same seed gave a different observation"),
        (RaisesOnTools, "step\\(\\) with an unknown tool raised KeyError"),
        (SilentOnTools, "1 tool call\\(s\\) but 0 outcome\\(s\\) recorded"),
        (WrongAnswer, "the oracle scored 0.0 \\(expected 1.0\\)"),
        (NeverEnds, "the oracle \\(playing reference_action\\) did not end"),
        (IgnoresPinnedTask, "must pin that task"),
        (EmptyOpening, "observation is empty"),
        (UserReference, "must return an assistant Message"),
    ],
)
async def test_contract_breaches_are_reported(
    family: Any, grader: Any, cls: type[SingleTurnEnv], match: str
) -> None:
    with pytest.raises(EnvCheckError, match=match):
        await check_env(cls(family, grader))


async def test_truncated_oracle_is_reported(family: Any, grader: Any) -> None:
    with pytest.raises(EnvCheckError, match="was truncated"):
        await check_env(MaxTurns(NeverEnds(family, grader), 3))


async def test_spec_flags_relax_the_checks(family: Any, grader: Any) -> None:
    env = NotSeeded(family, grader)
    env.spec = EnvSpec(id="test/NotSeeded-v0", entry_point="m:C", nondeterministic=True)
    await check_env(env)
    wrong = WrongAnswer(family, grader)
    wrong.spec = EnvSpec(id="test/Wrong-v0", entry_point="m:C", oracle_score=None)
    await check_env(wrong)
    scored = WrongAnswer(family, grader)
    scored.spec = EnvSpec(id="test/Wrong-v0", entry_point="m:C", oracle_score=0.0)
    await check_env(scored)
    await check_env(WrongAnswer(family, grader), grade=False)


async def test_oracle_episode_records_the_transcript(family: Any, grader: Any) -> None:
    traj = await oracle_episode(Good(family, grader), seed=8, options={"task_index": 1})
    assert [(m.role, m.content) for m in traj.messages] == [
        ("user", "What is 1 + 1?"),
        ("assistant", "\\boxed{2}"),
    ]
    assert traj.task_id == "count/s8/1"
    assert traj.seed == 8
    assert traj.policy == "oracle"
    assert traj.terminated
    assert not traj.truncated
    assert len(traj.turns) == 1
    assert traj.milestones == {"answered": True}
    unfinished = await oracle_episode(NeverEnds(family, grader), seed=0, max_steps=4)
    assert len(unfinished.turns) == 4
    assert not unfinished.terminated

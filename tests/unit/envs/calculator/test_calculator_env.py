import json

from gymforge.env import check_env, make, oracle_episode, spec
from gymforge.envs.calculator import CalculatorAgentEnv
from gymforge.envs.calculator._env import NUDGE
from gymforge.types import Message, ToolCall


def calc(*expressions: str) -> Message:
    return Message.assistant(
        tool_calls=[
            ToolCall.make("calculate", {"expression": e}, id=f"c{i}")
            for i, e in enumerate(expressions)
        ]
    )


async def test_spec_and_defaults() -> None:
    env_spec = spec("gymforge/CalculatorAgent-v0")
    assert env_spec.max_turns == 16
    assert env_spec.oracle_score == 1.0
    env = CalculatorAgentEnv()
    obs, info = await env.reset(seed=0)
    assert env.task.difficulty == 5
    assert [m.role for m in obs] == ["system", "user"]
    assert "calculate" in (obs[0].content or "")
    assert [t.name for t in info.tools] == ["calculate"]
    assert info.tools[0].parameters["required"] == ["expression"]
    assert info.milestones == {
        "calculator_calls": 0,
        "calculator_errors": 0,
        "used_calculator": False,
        "answered": False,
    }
    assert env.grader().name == "numeric"
    assert env.task_family.name == "arithmetic"


async def test_tool_results_errors_and_milestones() -> None:
    env = CalculatorAgentEnv(difficulty=2)
    await env.reset(seed=1)
    result = await env.step(calc("6 * 7", "__import__('os')", "1/0"))
    assert [m.content for m in result.observation] == [
        "42",
        "error: function calls are not allowed: only numbers and + - * / // % **",
        "error: division by zero",
    ]
    assert result.info.milestones == {
        "calculator_calls": 3,
        "calculator_errors": 2,
        "used_calculator": True,
        "answered": False,
    }
    assert not result.terminated


async def test_missing_argument_and_unknown_tool_are_observations() -> None:
    env = CalculatorAgentEnv()
    await env.reset(seed=2)
    result = await env.step(
        Message.assistant(
            tool_calls=[
                ToolCall.make("calc", {"expression": "1"}, id="a"),
                ToolCall.make("calculate", {}, id="b"),
            ]
        )
    )
    assert [m.content for m in result.observation] == [
        "error: unknown tool 'calc'; available: calculate",
        "error: argument 'expression': field required",
    ]
    assert result.info.milestones["calculator_calls"] == 0


async def test_text_without_a_box_gets_a_nudge_and_a_box_ends_it() -> None:
    env = CalculatorAgentEnv()
    await env.reset(seed=3)
    nudge = await env.step(Message.assistant("Let me think."))
    assert nudge.observation == (Message.user(NUDGE),)
    assert not nudge.terminated
    done = await env.step(Message.assistant("So \\boxed{12}"))
    assert done.terminated
    assert done.observation == ()
    assert done.info.milestones["answered"] is True


async def test_reference_calculates_then_answers_and_scores_one() -> None:
    env = make("gymforge/CalculatorAgent-v0")
    trajectory = await oracle_episode(env, seed=4)
    roles = [m.role for m in trajectory.messages]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    call = trajectory.messages[2].tool_calls
    assert call is not None
    assert json.loads(call[0].function.arguments) == {
        "expression": trajectory.task.metadata["expression"]
    }
    assert trajectory.messages[3].content == str(trajectory.task.answer)
    assert trajectory.messages[4].content == f"\\boxed{{{trajectory.task.answer}}}"
    assert trajectory.milestones["used_calculator"] is True
    score = await env.grader().grade(trajectory.task, trajectory)
    assert score.value == 1.0


async def test_reference_retries_after_a_failed_call() -> None:
    env = CalculatorAgentEnv()
    await env.reset(seed=5)
    await env.step(calc("1/0"))
    action = await env.reference_action()
    assert action.tool_calls is not None
    assert action.tool_calls[0].name == "calculate"


async def test_difficulty_option_and_kwarg() -> None:
    env = make("gymforge/CalculatorAgent-v0", difficulty=3)
    await env.reset(seed=0)
    assert env.task.difficulty == 3
    await env.reset(seed=0, options={"difficulty": 1})
    assert env.task.difficulty == 1
    await check_env(env)


async def test_a_repeated_call_id_is_a_duplicate_and_not_counted() -> None:
    env = CalculatorAgentEnv()
    await env.reset(seed=0)
    first = await env.step(calc("1 + 1"))
    assert [o.kind for o in first.tool_outcomes] == ["ok"]
    result = await env.step(calc("2 + 2", "1 / 0"))  # ids c0, c1: c0 was used
    assert [o.kind for o in result.tool_outcomes] == ["duplicate_id", "tool_raised"]
    assert result.info.milestones["calculator_calls"] == 2
    assert result.info.milestones["calculator_errors"] == 1
    assert "4" not in (result.observation[0].content or "")

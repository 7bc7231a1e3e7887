"""PythonAgent-v1: contract, oracle 1.0, do-nothing 0, milestones, sandboxed tools."""

from __future__ import annotations

import json
import os

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

from gymforge.env import check_env, make, oracle_episode
from gymforge.env.authoring import episode_trajectory
from gymforge.envs.python_agent import PythonAgentEnv
from gymforge.envs.python_agent._env import SOLUTION
from gymforge.types import Message, StepResult, ToolCall

ENV_ID = "gymforge/PythonAgent-v1"


async def call(env: PythonAgentEnv, name: str, **args: object) -> StepResult:
    action = Message.assistant(tool_calls=[ToolCall.make(name, args, id=f"c{env.turn}")])
    return await env.step(action)


async def test_check_env() -> None:
    await check_env(make(ENV_ID))


def test_gymnasium_check_env() -> None:
    env = gymnasium.make(ENV_ID)
    try:
        gymnasium_check_env(env.unwrapped)
    finally:
        env.close()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
async def test_oracle_scores_one(seed: int) -> None:
    env = make(ENV_ID)
    traj = await oracle_episode(env, seed=seed)
    assert traj.terminated
    assert traj.milestones["submitted"] is True
    assert traj.milestones["visible_tests_passing"] == traj.milestones["visible_tests_total"]
    score = await env.grader().grade(traj.task, traj)
    assert score.value == 1.0, score.explanation


async def test_do_nothing_scores_zero() -> None:
    env = make(ENV_ID, max_turns=3)
    obs, _ = await env.reset(seed=0)
    messages = list(obs)
    result = None
    for _ in range(3):
        action = Message.assistant("")
        result = await env.step(action)
        messages += [action, *result.observation]
    assert result is not None
    assert result.truncated
    traj = episode_trajectory(env, messages, [], seed=0, policy="do-nothing")
    score = await env.grader().grade(traj.task, traj)
    assert score.value == 0.0


async def test_submitting_without_a_solution_scores_zero() -> None:
    env = PythonAgentEnv()
    obs, _ = await env.reset(seed=1)
    action = Message.assistant(tool_calls=[ToolCall.make("submit", {}, id="s")])
    result = await env.step(action)
    assert result.terminated
    traj = episode_trajectory(env, [*obs, action, *result.observation], [], seed=1, policy="p")
    assert (await env.grader().grade(traj.task, traj)).value == 0.0


async def test_milestones_compiles_and_visible_tests_passing() -> None:
    env = PythonAgentEnv(difficulty=1)
    await env.reset(seed=2)
    function = env.task.metadata["function"]
    broken = await call(env, "write_file", path=SOLUTION, content=f"def {function}(:\n")
    assert "does not compile" in (broken.observation[0].content or "")
    assert broken.info.milestones["compiles"] is False
    wrong = await call(
        env, "write_file", path=SOLUTION, content=f"def {function}(*a):\n    return 0\n"
    )
    assert wrong.info.milestones["compiles"] is True
    tested = await call(env, "run_tests")
    assert tested.info.milestones["visible_tests_passing"] < 3
    assert "returned 0, expected" in (tested.observation[0].content or "")
    reference = str(env.task.metadata["solution"])
    await call(env, "write_file", path=SOLUTION, content=reference)
    again = await call(env, "run_tests")
    assert again.info.milestones["visible_tests_passing"] == 3
    assert again.info.milestones["tests_run"] == 2


@pytest.mark.parametrize("path", ["/etc/passwd", "../x.py", "a/../../b", "", "_harness.py"])
async def test_write_file_refuses_bad_paths(path: str) -> None:
    env = PythonAgentEnv()
    await env.reset(seed=0)
    result = await call(env, "write_file", path=path, content="x")
    assert (result.observation[0].content or "").startswith("error:")
    assert env.files == {}


async def test_run_tests_before_writing_is_an_error_for_the_model() -> None:
    env = PythonAgentEnv()
    await env.reset(seed=0)
    result = await call(env, "run_tests")
    assert (result.observation[0].content or "").startswith("error:")


async def test_run_python_runs_in_the_sandbox_next_to_the_files() -> None:
    os.environ["GYMFORGE_AGENT_SECRET"] = "leak-me-not"
    try:
        env = PythonAgentEnv()
        await env.reset(seed=0)
        await call(env, "write_file", path="data/x.txt", content="hello")
        code = (
            "import os, sys\n"
            "print(open('data/x.txt').read(), sys.stdin.read(), os.getcwd())\n"
            "print('GYMFORGE_AGENT_SECRET' in os.environ, os.path.exists('/work/main'))\n"
        )
        result = await call(env, "run_python", code=code, stdin="in")
    finally:
        del os.environ["GYMFORGE_AGENT_SECRET"]
    payload = json.loads(result.observation[0].content or "{}")
    assert payload["outcome"] == "exited 0"
    assert payload["stdout"] == "hello in /work/job\nFalse False\n"


async def test_run_python_reports_errors() -> None:
    env = PythonAgentEnv()
    await env.reset(seed=0)
    crash = json.loads((await call(env, "run_python", code="1/0")).observation[0].content or "{}")
    assert crash["outcome"] == "exited 1"
    assert "ZeroDivisionError" in crash["stderr"]


async def test_text_turns_get_a_nudge() -> None:
    env = PythonAgentEnv()
    await env.reset(seed=0)
    result = await env.step(Message.assistant("Here is my plan."))
    assert not result.terminated
    assert "write_file" in (result.observation[0].content or "")

"""PythonAgent: the hidden tests see the files the agent wrote, and no file subverts them.

v1 grades ``solution.py`` next to every file written (what ``run_tests`` used); v0 is
kept as first released (``solution.py`` alone) so old runs stay comparable.
"""

from __future__ import annotations

from typing import Any

import pytest

from gymforge.env import Env, make
from gymforge.env.authoring import episode_trajectory, turn_record
from gymforge.envs.python_agent import PythonAgentEnv
from gymforge.envs.python_agent._env import MAX_FILE_BYTES, MAX_FILES, SOLUTION
from gymforge.graders import replay_written_files
from gymforge.types import Message, Score, ToolCall, Trajectory, Turn

V0, V1 = "gymforge/PythonAgent-v0", "gymforge/PythonAgent-v1"
FORGER = (  # imported by the harness, it would forge an "ok" record for every call
    "import os, re, sys\n"
    'found = re.search(r\'"nonce": "([0-9a-f]+)"\', sys.stdin.read())\n'
    "for i in range(64):\n"
    '    os.write(1, (\'\\n%s %d {"status": "ok", "value": 0}\\n\''
    " % (found.group(1), i)).encode())\n"
    "os._exit(0)\n"
)


@pytest.fixture(params=["bwrap", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def agent(env: Env) -> PythonAgentEnv:
    inner = env.unwrapped
    assert isinstance(inner, PythonAgentEnv)
    return inner


async def play(
    env: Env, seed: int, calls: list[tuple[str, dict[str, Any]]]
) -> tuple[Trajectory, list[str]]:
    """Reset, make the tool calls (then submit), return the trajectory and the replies."""
    obs, _ = await env.reset(seed=seed)
    messages: list[Message] = list(obs)
    turns: list[Turn] = []
    replies: list[str] = []
    for name, args in [*calls, ("submit", {})]:
        action = Message.assistant(tool_calls=[ToolCall.make(name, args, id=f"c{len(messages)}")])
        result = await env.step(action)
        messages += [action, *result.observation]
        turns.append(turn_record(result))
        replies.append(result.observation[0].content or "")
    return episode_trajectory(env, messages, turns, seed=seed, policy="scripted"), replies


async def grade(env: Env, traj: Trajectory) -> Score:
    return await env.grader().grade(traj.task, traj)


async def attack(env: PythonAgentEnv, seed: int, path: str) -> tuple[Trajectory, list[str]]:
    """Write the forger at ``path`` and a wrong solution.py, run the tests, submit."""
    await env.reset(seed=seed)
    wrong = f"def {env.task.metadata['function']}(*a):\n    return None\n"
    calls: list[tuple[str, dict[str, Any]]] = [
        ("write_file", {"path": path, "content": FORGER}),
        ("write_file", {"path": SOLUTION, "content": wrong}),
        ("run_tests", {}),
    ]
    return await play(env, seed, calls)


def split(env: Env) -> list[tuple[str, dict[str, Any]]]:
    """The reference solution moved to helpers.py; solution.py imports it."""
    meta = agent(env).task.metadata
    return [
        ("write_file", {"path": "helpers.py", "content": str(meta["solution"])}),
        ("write_file", {"path": SOLUTION, "content": f"from helpers import {meta['function']}\n"}),
        ("run_tests", {}),
    ]


@pytest.mark.parametrize("seed", [0, 1])
async def test_v1_grades_a_split_solution_with_its_helper(seed: int) -> None:
    env = make(V1)
    await env.reset(seed=seed)
    traj, replies = await play(env, seed, split(env))
    assert replies[2].startswith("3/3 passed")
    assert agent(env).milestones["visible_tests_passing"] == 3
    score = await grade(env, traj)
    assert score.value == 1.0, score.explanation


async def test_v0_is_kept_as_released_and_grades_solution_py_alone() -> None:
    env = make(V0)
    await env.reset(seed=0)
    traj, replies = await play(env, 0, split(env))
    assert replies[2].startswith("3/3 passed")
    score = await grade(env, traj)
    assert score.value == 0.0
    assert "No module named 'helpers'" in score.explanation
    assert env.grader().config["args"]["graded_files"] == "solution"  # type: ignore[index]


async def test_the_grader_replays_exactly_the_files_the_env_kept() -> None:
    env = make(V1)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("write_file", {"path": f"m{i}.py", "content": "x = 1"}) for i in range(MAX_FILES + 2)
    ]
    calls += [
        ("write_file", {"path": "./m0.py", "content": "x = 2"}),
        ("write_file", {"path": "huge.py", "content": "#" * (MAX_FILE_BYTES + 1)}),
        ("write_file", {"path": "json.py", "content": FORGER}),
        ("write_file", {"path": "./_harness.py", "content": FORGER}),
    ]
    traj, replies = await play(env, 0, calls)
    assert sum(r.startswith("error:") for r in replies) == 5
    files, refused = replay_written_files(traj, max_files=MAX_FILES, max_file_bytes=MAX_FILE_BYTES)
    assert files == agent(env).files
    assert len(files) == MAX_FILES
    assert files["m0.py"] == "x = 2"
    assert refused == []  # the env refused them, so the transcript marks them failed


@pytest.mark.parametrize(
    "path", ["json.py", "json/__init__.py", "unittest.py", "re.py", "sitecustomize.py"]
)
async def test_v1_refuses_a_file_shadowing_the_standard_library(path: str, backend: str) -> None:
    env = PythonAgentEnv(backend=backend)
    traj, replies = await attack(env, 0, path)
    assert replies[0].startswith("error:")
    assert "shadows the standard-library" in replies[0]
    assert replies[2].startswith("0/3 passed")
    assert (await grade(env, traj)).value == 0.0


@pytest.mark.parametrize("path", ["json.py", "traceback.py", "./_harness.py", "./solution.py"])
async def test_v0_accepts_such_names_but_they_change_nothing(path: str, backend: str) -> None:
    # v0 keeps its old name checks; the harness still wins in run_tests, and its hidden
    # tests never see these files.
    env = PythonAgentEnv(backend=backend, graded_files="solution")
    traj, replies = await attack(env, 1, path)
    assert replies[0].startswith("wrote")
    assert replies[2].startswith("0/3 passed"), replies[2]
    assert (await grade(env, traj)).value == 0.0


async def test_v1_stores_canonical_names() -> None:
    env = PythonAgentEnv()
    await env.reset(seed=0)
    _, replies = await play(
        env, 0, [("write_file", {"path": "./pkg//util.py", "content": "x = 1"})]
    )
    assert replies[0].startswith("wrote pkg/util.py")
    assert env.files == {"pkg/util.py": "x = 1"}


def test_bad_graded_files_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="graded_files"):
        PythonAgentEnv(graded_files="some")  # type: ignore[arg-type]


@pytest.mark.parametrize("env_id", [V0, V1])
async def test_a_repeated_call_id_never_makes_a_refused_write_graded(env_id: str) -> None:
    """The grader must grade what the env kept, whatever ids the model reuses.

    Before tool outcomes were recorded, the grader matched replies to calls by id: a
    refused 70 KB solution.py (id "x") followed by a successful write reusing "x"
    looked successful too, so the refused file was graded.
    """
    env = make(env_id)
    obs, _ = await env.reset(seed=0)
    big = {"path": SOLUTION, "content": "#" * (70 * 1024)}
    small = {"path": "notes.txt", "content": "x"}
    messages: list[Message] = list(obs)
    turns: list[Turn] = []
    for args in (big, small):
        action = Message.assistant(tool_calls=[ToolCall.make("write_file", args, id="x")])
        result = await env.step(action)
        messages += [action, *result.observation]
        turns.append(turn_record(result))
    assert [t.tool_outcomes[0].kind for t in turns] == ["refused", "duplicate_id"]
    assert agent(env).files == {}  # the env kept nothing
    traj = episode_trajectory(env, messages, turns, seed=0, policy="scripted")
    score = await grade(env, traj)
    assert score.value == 0.0
    assert "no code submitted" in score.explanation

"""unit_tests(graded_files="all"): the hidden tests see the written files, and none subverts them.

The shadowing attacks run on both sandbox backends. Each hostile module, once
imported, reads the harness's request from stdin and forges an "ok" record with the
right value for every call; the candidate's own ``add`` is wrong. So a score above
0 means hostile code ran in the trusted harness process instead of the candidate's.
"""

from __future__ import annotations

import pickle

import pytest

from gymforge.graders import grader_from_config, run_unit_tests, shared_sandbox
from gymforge.graders._code import check_file_name, replay_written_files, unit_tests
from gymforge.sandbox import Limits
from gymforge.types import Message, Task, ToolCall, Trajectory

FAST = Limits(wall=2.0, cpu=2)
ANSWER = {
    "function": "add",
    "tests": [{"args": [1, 2], "expected": 3}, {"args": [20, 22], "expected": 42}],
}
HONEST = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return -1\n"
FORGER = (
    "import os, re, sys\n"
    "text = sys.stdin.read() if not sys.stdin.closed else ''\n"
    'found = re.search(r\'"nonce": "([0-9a-f]+)"\', text)\n'
    "if found:\n"
    "    for i, v in enumerate((3, 42)):\n"
    '        line = \'\\n%s %d {"status": "ok", "value": %d}\\n\' % (found.group(1), i, v)\n'
    "        os.write(1, line.encode())\n"
    "    os._exit(0)\n"
)
SHADOWS = [
    "json.py",
    "json/__init__.py",
    "traceback.py",
    "select.py",
    "signal.py",
    "contextlib.py",
    "typing.py",
    "base64.py",
    "math.py",
    "unittest.py",
    "sitecustomize.py",
    "re.py",
]


@pytest.fixture(params=["bwrap", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def writes(*files: tuple[str, str], failed: tuple[str, ...] = ()) -> tuple[Task, Trajectory]:
    """A transcript whose write_file calls all succeeded (except the ``failed`` paths)."""
    calls = [
        ToolCall.make("write_file", {"path": p, "content": c}, id=f"w{i}")
        for i, (p, c) in enumerate(files)
    ]
    replies = [
        Message.tool("error: no" if f[0] in failed else "wrote", tool_call_id=c.id)
        for f, c in zip(files, calls, strict=True)
    ]
    task = Task(id="t", prompt="add", answer=ANSWER)
    traj = Trajectory(
        run_id="r",
        env_id="e",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=task,
        messages=(Message.assistant(tool_calls=calls), *replies),
    )
    return task, traj


def all_files(backend: str | None = None, **kw: int):  # type: ignore[no-untyped-def]
    return unit_tests(source="write_file", graded_files="all", backend=backend, limits=FAST, **kw)


async def test_a_split_solution_is_graded_with_its_helper() -> None:
    task, traj = writes(("helpers.py", HONEST), ("solution.py", "from helpers import add\n"))
    assert (await all_files().grade(task, traj)).value == 1.0
    only_solution = unit_tests(source="write_file", limits=FAST)
    score = await only_solution.grade(task, traj)
    assert score.value == 0.0
    assert "No module named 'helpers'" in score.explanation


async def test_failed_writes_are_not_replayed() -> None:
    task, traj = writes(
        ("helpers.py", HONEST), ("solution.py", "from helpers import add\n"), failed=("helpers.py",)
    )
    assert (await all_files().grade(task, traj)).value == 0.0


@pytest.mark.parametrize("path", SHADOWS)
async def test_a_shadowing_write_in_a_transcript_is_refused(path: str, backend: str) -> None:
    task, traj = writes((path, FORGER), ("solution.py", WRONG))
    score = await all_files(backend).grade(task, traj)
    assert score.value == 0.0
    assert "refused writes" in score.explanation
    assert "shadows the standard-library module" in score.explanation
    task, traj = writes((path, FORGER), ("solution.py", HONEST))
    assert (await all_files(backend).grade(task, traj)).value == 1.0


@pytest.mark.parametrize("path", SHADOWS)
async def test_a_shadowing_file_does_not_run_in_the_harness(path: str, backend: str) -> None:
    # Defence in depth: even handed straight to the sandbox, the module is not the
    # harness's (its imports are loaded before the working directory is on sys.path).
    tests = ANSWER["tests"]
    assert isinstance(tests, list)
    sandbox = shared_sandbox(backend)
    report = await run_unit_tests(
        WRONG, "add", tests, sandbox=sandbox, limits=FAST, files={path: FORGER}
    )
    assert report.passed == 0, report.summary()


@pytest.mark.parametrize("path", ["_harness.py", "./_harness.py", "_harness/x.py", "./solution.py"])
async def test_the_harness_and_solution_cannot_be_replaced(path: str, backend: str) -> None:
    harness = "import os\nos.write(1, b'forged')\n" + FORGER
    task, traj = writes((path, harness), ("solution.py", WRONG))
    score = await all_files(backend).grade(task, traj)
    assert score.value == 0.0
    tests = ANSWER["tests"]
    assert isinstance(tests, list)
    report = await run_unit_tests(
        WRONG, "add", tests, sandbox=shared_sandbox(backend), limits=FAST, files={path: harness}
    )
    assert report.passed == 0, report.summary()


def test_replay_is_bounded_like_the_env() -> None:
    many = [(f"m{i}.py", "x = 1") for i in range(20)]
    big = ("big.py", "#" * 100)
    _, traj = writes(("solution.py", HONEST), *many, big, ("m0.py", "x = 2"))
    files, refused = replay_written_files(traj, max_files=4, max_file_bytes=50)
    assert files == {"solution.py": HONEST, "m0.py": "x = 2", "m1.py": "x = 1", "m2.py": "x = 1"}
    assert "'big.py' is over 50 bytes" in refused
    assert "'m3.py' is past the limit of 4 files" in refused


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("./helpers.py", "helpers.py"),
        ("a//b.py", "a/b.py"),
        ("json.txt", "json.txt"),
        ("test/test_solution.py", "test/test_solution.py"),
        ("data/json.py", "data/json.py"),
    ],
)
def test_check_file_name_accepts_and_canonicalises(path: str, name: str) -> None:
    assert check_file_name(path) == name


@pytest.mark.parametrize(
    "path",
    [
        "",
        ".",
        "/etc/passwd",
        "../x.py",
        "a/../../b",
        "a\\b.py",
        "x\0.py",
        "./_harness.py",
        "json.py",
        "json/__init__.py",
        "os.pyc",
        "unittest.py",
        "sitecustomize.py",
        "select.cpython-311-x86_64-linux-gnu.so",
    ],
)
def test_check_file_name_refuses(path: str) -> None:
    with pytest.raises(ValueError, match="relative|reserved|shadows"):
        check_file_name(path)


def test_graded_files_needs_write_file_and_the_config_round_trips() -> None:
    with pytest.raises(ValueError, match="graded_files"):
        unit_tests(graded_files="all")
    grader = all_files(max_files=3, max_file_bytes=100)
    clone = pickle.loads(pickle.dumps(grader))
    assert clone.config == grader.config
    args = grader.config["args"]
    assert isinstance(args, dict)
    assert (args["graded_files"], args["max_files"], args["max_file_bytes"]) == ("all", 3, 100)
    rebuilt = grader_from_config({"factory": "unit_tests", "args": {**args, "limits": None}})
    assert (rebuilt.graded_files, rebuilt.max_files) == ("all", 3)  # type: ignore[attr-defined]
    assert unit_tests().config["args"]["graded_files"] == "solution"  # type: ignore[index]

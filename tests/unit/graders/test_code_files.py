"""graded_files="all": the hidden tests see the written files, and none subverts them.

``unit_tests`` gives them to the harness; ``stdout_tests`` puts them next to
``solution.py``. Each stdout refusal is checked against the same transcript with the
offending write made acceptable, so a test fails if the refusal stops mattering.

The shadowing attacks run on both sandbox backends. Each hostile module, once
imported, reads the harness's request from stdin and forges an "ok" record with the
right value for every call; the candidate's own ``add`` is wrong. So a score above
0 means hostile code ran in the trusted harness process instead of the candidate's.
"""

from __future__ import annotations

import pickle

import pytest

from gymforge.graders import grader_from_config, run_unit_tests, shared_sandbox, stdout_tests
from gymforge.graders._code import check_file_name, replay_written_files, unit_tests
from gymforge.sandbox import Limits
from gymforge.types import JsonValue, Message, Task, ToolCall, ToolOutcome, Trajectory, Turn

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
STDOUT_ANSWER = {
    "stdout_tests": [
        {"stdin": "1 2\n", "stdout": "3\n"},
        {"stdin": "20 22\n", "stdout": "42\n"},
    ]
}
HELPER = "def add(a, b):\n    return a + b\n"
SOLUTION = "import sys\nfrom helpers import add\nprint(add(*map(int, sys.stdin.read().split())))\n"


@pytest.fixture(params=["bwrap", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def writes(
    *files: tuple[str, str], failed: tuple[str, ...] = (), answer: JsonValue = ANSWER
) -> tuple[Task, Trajectory]:
    """An episode whose write_file calls all ran (the ``failed`` paths were refused)."""
    calls = [
        ToolCall.make("write_file", {"path": p, "content": c}, id=f"w{i}")
        for i, (p, c) in enumerate(files)
    ]
    outcomes = tuple(
        ToolOutcome(
            call_id=c.id,
            tool=c.name,
            arguments=c.parsed_arguments(),
            kind="refused" if f[0] in failed else "ok",
            writes=True,
            reply="error: no" if f[0] in failed else "wrote",
        )
        for f, c in zip(files, calls, strict=True)
    )
    task = Task(id="t", prompt="add", answer=answer)
    traj = Trajectory(
        run_id="r",
        env_id="e",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=task,
        messages=(Message.assistant(tool_calls=calls), *(o.message() for o in outcomes)),
        turns=(Turn(reward=0.0, tool_outcomes=outcomes),),
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


# stdout_tests(graded_files="all")


async def score_all(
    *files: tuple[str, str], backend: str | None = None, **kw: int
) -> tuple[float | None, str]:
    task, traj = writes(*files, answer=STDOUT_ANSWER)
    grader = stdout_tests(
        source="write_file", graded_files="all", backend=backend, limits=FAST, **kw
    )
    score = await grader.grade(task, traj)
    return score.value, score.explanation


async def test_stdout_a_split_solution_passes_with_all_and_fails_alone(backend: str) -> None:
    task, traj = writes(("helpers.py", HELPER), ("solution.py", SOLUTION), answer=STDOUT_ANSWER)
    grader = stdout_tests(source="write_file", graded_files="all", backend=backend, limits=FAST)
    score = await grader.grade(task, traj)
    assert (score.value, score.explanation) == (1.0, "2/2 passed")
    alone = stdout_tests(source="write_file", backend=backend, limits=FAST)
    score = await alone.grade(task, traj)
    assert score.value == 0.0
    assert "No module named 'helpers'" in score.explanation


async def test_a_package_in_a_subdirectory_is_importable() -> None:
    solution = SOLUTION.replace("from helpers import", "from lib.ops import")
    files = [("lib/__init__.py", ""), ("./lib/ops.py", HELPER), ("solution.py", solution)]
    assert (await score_all(*files))[0] == 1.0
    assert (await score_all(*files[1:]))[0] == 1.0  # a namespace package
    value, why = await score_all(files[0], files[2])
    assert value == 0.0
    assert "No module named 'lib.ops'" in why


async def test_data_files_are_next_to_solution() -> None:
    solution = "print(open('data/n.txt').read().strip())\n"
    _, traj = writes(("data/n.txt", "3\n"), ("solution.py", solution))
    task = Task(id="t", prompt="print n", answer={"stdout_tests": [{"stdin": "", "stdout": "3\n"}]})
    grader = stdout_tests(source="write_file", graded_files="all", limits=FAST)
    assert (await grader.grade(task, traj)).value == 1.0
    assert (await stdout_tests(source="write_file", limits=FAST).grade(task, traj)).value == 0.0


async def test_the_last_write_of_each_file_counts() -> None:
    wrong = "def add(a, b):\n    return a - b\n"
    value, _ = await score_all(
        ("helpers.py", wrong),
        ("solution.py", "x"),
        ("helpers.py", HELPER),
        ("solution.py", SOLUTION),
    )
    assert value == 1.0
    value, why = await score_all(
        ("helpers.py", HELPER), ("solution.py", SOLUTION), ("helpers.py", wrong)
    )
    assert value == 0.0
    assert 'expected "3", got "-1"' in why


async def test_stdout_failed_writes_are_not_replayed() -> None:
    task, traj = writes(
        ("helpers.py", HELPER),
        ("solution.py", SOLUTION),
        failed=("helpers.py",),
        answer=STDOUT_ANSWER,
    )
    grader = stdout_tests(source="write_file", graded_files="all", limits=FAST)
    score = await grader.grade(task, traj)
    assert score.value == 0.0
    assert "No module named 'helpers'" in score.explanation


@pytest.mark.parametrize("module", ["colorsys", "fractions"])
async def test_a_helper_shadowing_the_stdlib_is_refused(module: str, backend: str) -> None:
    # solution.py imports the stdlib module; a written copy of that name would change its
    # output. Under a name of its own the same file is used, so the refusal is what matters.
    forged = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\nraise SystemExit\n"
    solution = f"import {module}\nprint('wrong')\n"
    value, why = await score_all(
        (f"{module}.py", forged), ("solution.py", solution), backend=backend
    )
    assert value == 0.0
    assert f"refused writes: '{module}.py' shadows the standard-library module {module!r}" in why
    own = solution.replace(f"import {module}", "import mine")
    value, _ = await score_all(("mine.py", forged), ("solution.py", own), backend=backend)
    assert value == 1.0


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("_harness/helpers.py", "reserved"),
        ("../helpers.py", "relative inside the working directory"),
        ("/tmp/helpers.py", "relative inside the working directory"),
        ("json/__init__.py", "shadows the standard-library module 'json'"),
    ],
)
async def test_a_bad_file_name_is_refused_and_listed(path: str, reason: str) -> None:
    value, why = await score_all((path, HELPER), ("helpers.py", HELPER), ("solution.py", SOLUTION))
    assert value == 1.0  # the refused write does not stop the rest
    assert why.startswith("2/2 passed\nrefused writes: ")
    assert reason in why


async def test_a_file_over_max_file_bytes_is_refused() -> None:
    helper = HELPER + "# padding\n" * 20
    files = [("helpers.py", helper), ("solution.py", SOLUTION)]
    size = len(helper.encode())
    assert len(SOLUTION.encode()) < size
    value, why = await score_all(*files, max_file_bytes=size - 1)
    assert value == 0.0
    assert f"refused writes: 'helpers.py' is over {size - 1} bytes" in why
    assert "No module named 'helpers'" in why
    assert await score_all(*files, max_file_bytes=size) == (1.0, "2/2 passed")


async def test_files_past_max_files_are_refused() -> None:
    files = [("a.py", ""), ("b.py", ""), ("helpers.py", HELPER), ("solution.py", SOLUTION)]
    value, why = await score_all(*files, max_files=3)
    assert value == 0.0
    assert "refused writes: 'solution.py' is past the limit of 3 files" in why
    assert "no code submitted: expected solution.py" in why
    value, why = await score_all(*files, max_files=4)
    assert (value, why) == (1.0, "2/2 passed")
    rewritten = [("helpers.py", "x = 1\n"), *files]  # a rewrite takes no new slot
    assert await score_all(*rewritten, max_files=4) == (1.0, "2/2 passed")


async def test_no_solution_py_scores_zero_and_says_so() -> None:
    value, why = await score_all(("helpers.py", HELPER), ("main.py", SOLUTION))
    assert value == 0.0
    assert why == "no code submitted: expected solution.py"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"graded_files": "all"}, "graded_files must be 'solution', or 'all' with source='wri"),
        ({"graded_files": "everything", "source": "write_file"}, "got graded_files='everything'"),
        ({"max_files": -1}, "max_files must be an int >= 0, got -1"),
        ({"max_file_bytes": 1.5}, "max_file_bytes must be an int >= 0, got 1.5"),
        ({"max_file_bytes": True}, "max_file_bytes must be an int >= 0, got True"),
    ],
)
def test_bad_options_are_value_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        stdout_tests(**kwargs)  # type: ignore[arg-type]


def test_the_options_are_recorded_pickle_and_round_trip() -> None:
    grader = stdout_tests(source="write_file", graded_files="all", max_files=3, max_file_bytes=100)
    clone = pickle.loads(pickle.dumps(grader))
    assert clone.config == grader.config
    assert (clone.graded_files, clone.max_files, clone.max_file_bytes) == ("all", 3, 100)
    args = grader.config["args"]
    assert isinstance(args, dict)
    assert (args["graded_files"], args["max_files"], args["max_file_bytes"]) == ("all", 3, 100)
    rebuilt = grader_from_config(grader.config)
    assert rebuilt.config == grader.config
    assert (rebuilt.graded_files, rebuilt.max_file_bytes) == ("all", 100)  # type: ignore[attr-defined]
    assert stdout_tests().config["args"]["graded_files"] == "solution"  # type: ignore[index]

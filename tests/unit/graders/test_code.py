"""Code graders: outcomes are distinct, comparisons type-strict, stdout compared line by line."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from gymforge.graders._code import extract_code, files_from_tool_calls, unit_tests
from gymforge.graders._stdout import compare_stdout, stdout_tests
from gymforge.sandbox import Limits, encode_value
from gymforge.types import Message, Task, ToolCall, ToolOutcome, Trajectory, Turn

MakeTraj = Callable[..., tuple[Task, Trajectory]]
FAST = Limits(wall=2.0, cpu=2)

ADD_TESTS = {
    "function": "add",
    "tests": [
        {"args": [1, 2], "expected": 3},
        {"args": [-4, 4], "expected": 0},
        {"args": [10, 5], "expected": 15},
        {"args": [0, 0], "expected": 0},
    ],
}


def block(code: str) -> str:
    return f"Here you go:\n```python\n{code}\n```\n"


async def grade(make_traj: MakeTraj, code: str | None, answer: object = ADD_TESTS):  # type: ignore[no-untyped-def]
    task, traj = make_traj(block(code) if code is not None else "I don't know.", answer=answer)
    return await unit_tests(limits=FAST).grade(task, traj)


async def test_correct_code_scores_one(make_traj: MakeTraj) -> None:
    score = await grade(make_traj, "def add(a, b):\n    return a + b")
    assert score.value == 1.0
    assert score.components == {"pass_rate": 1.0, "all_passed": 1.0}
    assert score.explanation == "4/4 passed"


async def test_partial_credit_is_the_fraction_passed(make_traj: MakeTraj) -> None:
    score = await grade(make_traj, "def add(a, b):\n    return abs(a) + b")
    assert score.value == 0.75
    assert score.components["all_passed"] == 0.0
    assert "add(-4, 4): returned 8, expected 0" in score.explanation


async def test_no_code_scores_zero(make_traj: MakeTraj) -> None:
    score = await grade(make_traj, None)
    assert score.value == 0.0
    assert "no code" in score.explanation


async def test_task_without_tests_is_undecided(make_traj: MakeTraj) -> None:
    score = await grade(make_traj, "def add(a, b): return a + b", answer=5)
    assert score.value is None


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("def add(a, b) return a", "compile error"),
        ("echo 'not python'", "compile error"),
        ("", "no code"),
        ("def plus(a, b):\n    return a + b", "missing function"),
        ("def add(a, b):\n    return a / 0", "exception: ZeroDivisionError"),
        ("def add(a, b):\n    while True:\n        pass", "timeout"),
        ("def add(a, b):\n    x = bytearray(1 << 34)", "out of memory"),
        ("def add(a, b):\n    import os\n    os.kill(os.getpid(), 9)", "crash"),
        ("def add(a, b):\n    return float(a + b)", "wrong answer"),
        ("def add(a, b):\n    return object()", "unserialisable"),
    ],
)
async def test_failure_kinds_are_distinct_in_the_explanation(
    make_traj: MakeTraj, code: str, outcome: str
) -> None:
    score = await grade(make_traj, code)
    assert score.value == 0.0
    assert outcome in score.explanation, score.explanation


async def test_comparison_is_type_strict(make_traj: MakeTraj) -> None:
    answer = {
        "function": "f",
        "tests": [
            {"args": [], "expected": encode_value((1, 2))},
            {"args": [], "expected": encode_value(True)},
        ],
    }
    as_list = await grade(make_traj, "def f():\n    return [1, 2]", answer)
    assert as_list.value == 0.0
    right = await grade(make_traj, "def f():\n    return (1, 2) if f.n else True\nf.n = 1", answer)
    assert right.value == 0.5
    typed_args = {"function": "f", "tests": [{"args": [encode_value({1: {2}})], "expected": 1}]}
    got = await grade(
        make_traj, "def f(d):\n    return len(d[1]) if isinstance(d[1], set) else 0", typed_args
    )
    assert got.value == 1.0


async def test_stdout_tests_compare_every_line(make_traj: MakeTraj) -> None:
    answer = {
        "stdout_tests": [
            {"stdin": "2\n", "stdout": "1\n2\n"},
            {"stdin": "3\n", "stdout": "1\n2\n3\n"},
        ]
    }
    good = "n = int(input())\nfor i in range(1, n + 1):\n    print(i)"
    task, traj = make_traj(block(good), answer=answer)
    assert (await stdout_tests(limits=FAST).grade(task, traj)).value == 1.0
    short = "print(1)\nprint(2)"
    task, traj = make_traj(block(short), answer=answer)
    score = await stdout_tests(limits=FAST).grade(task, traj)
    assert score.value == 0.5
    assert 'line 3: expected "3", got nothing' in score.explanation


def test_compare_stdout_has_no_zip_truncation() -> None:
    assert compare_stdout("a\nb\n", "a\nb   \n\n") == (True, "output matches")
    assert compare_stdout("a\nb\n", "a\n")[0] is False
    assert compare_stdout("a\n", "a\nextra\n")[0] is False
    assert compare_stdout("", "")[0] is True


def test_extract_code_and_files_from_tool_calls() -> None:
    assert extract_code("```py\nx = 1\n```\n```python\ny = 2\n```") == "y = 2\n"
    assert extract_code("```bash\nls\n```") is None
    good = ToolCall.make("write_file", {"path": "solution.py", "content": "v2"}, id="b")
    bad = ToolCall.make("write_file", {"path": "/etc/x", "content": "v3"}, id="c")
    first = ToolCall.make("write_file", {"path": "solution.py", "content": "v1"}, id="a")
    kinds = {"a": "ok", "b": "ok", "c": "refused"}
    outcomes = tuple(
        ToolOutcome(
            call_id=c.id,
            tool=c.name,
            arguments=c.parsed_arguments(),
            kind=kinds[c.id],  # type: ignore[arg-type]
            writes=True,
            reply="ok" if kinds[c.id] == "ok" else "error: path must be relative",
        )
        for c in (first, good, bad)
    )
    traj = Trajectory(
        run_id="r",
        env_id="e",
        task_id="t",
        sample=0,
        seed=0,
        policy="p",
        task=Task(id="t", prompt="?"),
        messages=(
            Message.assistant(tool_calls=[first, good, bad]),
            *(o.message() for o in outcomes),
        ),
        turns=(Turn(reward=0.0, tool_outcomes=outcomes),),
    )
    assert files_from_tool_calls(traj) == {"solution.py": "v2"}
    # What counts is the recorded outcome, never the reply text: a refused write whose
    # reply does not look like an error still leaves no file.
    disguised = tuple(o.model_copy(update={"reply": "ok"}) for o in outcomes)
    hidden = traj.model_copy(update={"turns": (Turn(reward=0.0, tool_outcomes=disguised),)})
    assert files_from_tool_calls(hidden) == {"solution.py": "v2"}


def test_graders_pickle_and_record_their_config() -> None:
    grader = unit_tests(limits=FAST)
    clone = pickle.loads(pickle.dumps(grader))
    assert clone.config == grader.config
    assert grader.config["factory"] == "gymforge/unit_tests"
    assert pickle.loads(pickle.dumps(stdout_tests())).name == "stdout_tests"


async def test_an_endless_loop_costs_one_timeout_per_job(make_traj: MakeTraj) -> None:
    answer = {"function": "f", "tests": [{"args": [i], "expected": i} for i in range(6)]}
    code = "def f(x):\n    while x == 1:\n        pass\n    return x"
    score = await grade(make_traj, code, answer)
    assert score.value == 1 / 6  # f(0) passed; f(1) timed out; f(2..5) were not run
    assert "timeout: 5" in score.explanation
    assert "not run: an earlier call timed out" in score.explanation

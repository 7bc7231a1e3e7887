"""The security battery, grader level: attacks on the test harness earn no credit.

Each test submits a hostile solution for `add(a, b)` and checks the score is 0, this
process is unaffected, and an honest solution graded right after still scores 1.
The sandbox-level items (network, files, bombs, ...) are in
tests/unit/sandbox/test_battery_sandbox.py.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable

import pytest

from gymforge.graders._code import unit_tests
from gymforge.sandbox import Limits
from gymforge.types import Task, Trajectory

MakeTraj = Callable[..., tuple[Task, Trajectory]]
ANSWER = {
    "function": "add",
    "tests": [{"args": [1, 2], "expected": 3}, {"args": [20, 22], "expected": 42}],
}
HONEST = "def add(a, b):\n    return a + b"


@pytest.fixture(params=["bwrap", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def score_of(make_traj: MakeTraj, code: str, backend: str) -> float | None:
    task, traj = make_traj(f"```python\n{code}\n```", answer=ANSWER)
    grader = unit_tests(backend=backend, limits=Limits(wall=2.0, cpu=2))
    return (await grader.grade(task, traj)).value


async def contained(make_traj: MakeTraj, code: str, backend: str) -> None:
    builtins_before = dict(vars(builtins))
    dumps_before = json.dumps
    assert await score_of(make_traj, code, backend) == 0.0
    assert dict(vars(builtins)) == builtins_before
    assert json.dumps is dumps_before
    assert await score_of(make_traj, HONEST, backend) == 1.0


async def test_os_exit_before_tests_run(make_traj: MakeTraj, backend: str) -> None:
    await contained(make_traj, "import os\nos._exit(0)\n" + HONEST, backend)


async def test_sys_exit_before_tests_run(make_traj: MakeTraj, backend: str) -> None:
    await contained(make_traj, "import sys\nsys.exit(0)\n" + HONEST, backend)


async def test_monkeypatching_the_runner_and_builtins(make_traj: MakeTraj, backend: str) -> None:
    code = (
        "import builtins, json, sys, os\n"
        "main = sys.modules['__main__']\n"
        "for name in ('values_equal', 'decode_value', '_record'):\n"
        "    if hasattr(main, name):\n"
        "        setattr(main, name, lambda *a, **k: True)\n"
        'json.dumps = lambda *a, **k: \'{"status": "ok", "value": 42}\'\n'
        "builtins.isinstance = lambda *a: True\n"
        "builtins.type = lambda *a: int\n"
        "def add(a, b):\n    return 'nope'\n"
    )
    await contained(make_traj, code, backend)


async def test_eq_that_always_returns_true(make_traj: MakeTraj, backend: str) -> None:
    code = (
        "class Yes(int):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Yes(0)\n"
    )
    await contained(make_traj, code, backend)


async def test_printing_a_fake_all_passed_line(make_traj: MakeTraj, backend: str) -> None:
    code = (
        "import json\nprint('All tests passed! OK (2 tests)')\n"
        "print(json.dumps({'status': 'ok', 'value': 3}))\n"
        "def add(a, b):\n    print('PASSED'); return None\n"
    )
    await contained(make_traj, code, backend)


async def test_writing_to_the_results_channel(make_traj: MakeTraj, backend: str) -> None:
    # The candidate walks up to the harness's frame for the nonce and forges records
    # for every call: a "passed" status, and a right-looking value next to the
    # harness's own record.
    code = (
        "import os, sys\n"
        "frame, nonce = sys._getframe(), 'x'\n"
        "while frame is not None:\n"
        "    nonce = frame.f_locals.get('nonce', nonce)\n"
        "    frame = frame.f_back\n"
        'os.write(1, (\'\\n\' + nonce + \' 0 {"status": "ok", "value": 3}\\n\').encode())\n'
        "os.write(1, ('\\n' + nonce + ' 1 {\"status\": \"passed\"}\\n').encode())\n"
        "def add(a, b):\n    return -1\n"
    )
    await contained(make_traj, code, backend)


async def test_killing_the_harness_and_its_parent(make_traj: MakeTraj, backend: str) -> None:
    code = (
        "import os, signal\n"
        "for pid in (os.getppid(), 1, -1):\n"
        "    try:\n        os.kill(pid, signal.SIGKILL)\n"
        "    except OSError:\n        pass\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n" + HONEST
    )
    await contained(make_traj, code, backend)

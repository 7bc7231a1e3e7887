r"""Code graders: hidden unit tests run in the sandbox, and what every code grader shares.

The candidate's code never runs in this process: every test case is a fresh
sandboxed process (a fork of a pre-started interpreter) under the trusted
harness of `gymforge.sandbox.call_function`. Expected values never enter the
sandbox; return values come back as typed JSON and are compared here,
type-strictly (``1`` is not ``1.0`` is not ``True``; a tuple is not a list).

Tests live in the task's hidden ``answer``::

    {"function": "add", "tests": [{"args": [1, 2], "expected": 3}, ...]}

with values in the typed JSON of `gymforge.sandbox.encode_value`. Shared with
`stdout_tests` (``_stdout.py``): the sandbox pool, where the code is
(`CodeSource`), the replay of written files (`GradedFiles`) and the
`CodeGrader` base class.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.machinery
import json
import re
import sys
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gymforge.graders._extract import final_text
from gymforge.graders._registry import BuiltinGrader, register_grader
from gymforge.sandbox import (
    IsolatedSandbox,
    Limits,
    Sandbox,
    call_functions,
    decode_value,
    get_sandbox,
    values_equal,
)
from gymforge.types import JsonValue, Score, Task, Trajectory

__all__ = [
    "CaseResult",
    "CodeGrader",
    "CodeSource",
    "GradedFiles",
    "TestReport",
    "UnitTestsGrader",
    "check_file_name",
    "extract_code",
    "files_from_tool_calls",
    "replay_written_files",
    "run_unit_tests",
    "shared_sandbox",
    "unit_tests",
]

CodeSource = Literal["code_block", "write_file"]
"""Where the candidate's code is: the last fenced block of the final answer, or the
``solution.py`` left by the transcript's ``write_file`` tool calls."""

GradedFiles = Literal["solution", "all"]
"""What ``source="write_file"`` hidden tests see: solution.py alone, or all written files."""

_PROTECTED = frozenset(sys.stdlib_module_names) | {"sitecustomize", "usercustomize"}
_IMPORTABLE = tuple(importlib.machinery.all_suffixes())

DEFAULT_LIMITS = Limits(wall=3.0, cpu=3, memory=512 * 1024 * 1024, processes=16)
"""Limits of one test case unless a grader is given others."""

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n(.*?)```", re.DOTALL)
_CHUNK = 8
"""Test cases per sandboxed job (each case still runs in its own fresh fork)."""
_SANDBOXES: dict[str | None, IsolatedSandbox] = {}
_LOCK = threading.Lock()


def shared_sandbox(backend: str | None = None) -> IsolatedSandbox:
    """The process-wide warm sandbox of a backend, started on first use, closed at exit.

    Example:
        >>> shared_sandbox() is shared_sandbox()
        True
    """
    with _LOCK:
        sandbox = _SANDBOXES.get(backend)
        if sandbox is None:
            sandbox = _SANDBOXES[backend] = get_sandbox(backend)
        return sandbox


@atexit.register
def _close_shared() -> None:
    with _LOCK:
        for sandbox in _SANDBOXES.values():
            sandbox.close()
        _SANDBOXES.clear()


def extract_code(text: str | None) -> str | None:
    r"""The last fenced code block (```python ... ```, or an untagged one) in ``text``.

    Example:
        >>> extract_code("Here:\n```python\ndef f():\n    return 1\n```\nDone.")
        'def f():\n    return 1\n'
        >>> extract_code("no code") is None
        True
    """
    if not text:
        return None
    blocks = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "python", "py")]
    return blocks[-1] if blocks else None


def files_from_tool_calls(trajectory: Trajectory, tool: str = "write_file") -> dict[str, str]:
    """Replay the successful ``write_file(path, content)`` calls of a transcript.

    A call counts only when the env recorded it as run (outcome kind ``ok``): a write
    the env refused, or a repeated call id it never ran, leaves no file.

    Example:
        >>> from gymforge.types import Task, ToolOutcome, Turn
        >>> out = ToolOutcome(call_id="c1", tool="write_file", arguments={"path": "a.py",
        ...     "content": "x = 1"}, kind="ok", writes=True, reply="wrote a.py")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=Task(id="t", prompt="?"),
        ...     turns=(Turn(reward=0.0, tool_outcomes=(out,)),))
        >>> files_from_tool_calls(traj)
        {'a.py': 'x = 1'}
    """
    return dict(_written(trajectory, tool))


def _written(trajectory: Trajectory, tool: str = "write_file") -> list[tuple[str, str]]:
    writes: list[tuple[str, str]] = []
    for outcome in trajectory.successful_calls():
        args = outcome.arguments
        if outcome.tool != tool or not isinstance(args, dict):
            continue
        path = args.get("path")
        if isinstance(path, str):
            writes.append((path, str(args.get("content", ""))))
    return writes


def check_file_name(path: str) -> str:
    """The canonical name of a file an agent may write, or `ValueError` saying why not.

    A name is a relative POSIX path inside the working directory (no ``..``, NUL or
    backslash), made canonical (``./a.py`` is ``a.py``). Names under ``_harness`` are
    the trusted harness's, and a module or package that would shadow a standard-library
    module (``json.py``, ``unittest/__init__.py``) is refused, so no written file can
    replace code the harness runs. Data files (``json.txt``) are fine.

    Example:
        >>> check_file_name("./helpers/util.py")
        'helpers/util.py'
        >>> check_file_name("json.py")
        Traceback (most recent call last):
        ...
        ValueError: 'json.py' shadows the standard-library module 'json': rename it
    """
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or "\0" in path:
        raise ValueError(f"path must be relative inside the working directory, got {path!r}")
    name = str(pure)
    if name == "." or name.startswith("_harness"):
        raise ValueError(f"{path!r} is reserved: paths starting with '_harness' are the harness's")
    parts = pure.parts
    module = parts[0].split(".", 1)[0]
    package = len(parts) == 2 and parts[1].split(".", 1)[0] == "__init__"
    importable = parts[-1].endswith(_IMPORTABLE) and (len(parts) == 1 or package)
    if module in _PROTECTED and importable:
        raise ValueError(f"{path!r} shadows the standard-library module {module!r}: rename it")
    return name


def replay_written_files(
    trajectory: Trajectory, *, max_files: int = 16, max_file_bytes: int = 64 * 1024
) -> tuple[dict[str, str], list[str]]:
    """The files a ``write_file`` agent left, under the rules of `check_file_name`.

    Replays the successful calls (see `files_from_tool_calls`) in order, as an env with
    these rules would: a bad name, a file over ``max_file_bytes`` (UTF-8) or a new path
    past ``max_files`` is refused. Returns the files by canonical name and the refusals.

    Example:
        >>> from gymforge.types import Task, ToolOutcome, Turn
        >>> outs = tuple(ToolOutcome(call_id=p, tool="write_file", kind="ok", writes=True,
        ...     arguments={"path": p, "content": "x = 1"}, reply="ok")
        ...     for p in ("./a.py", "json.py"))
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=Task(id="t", prompt="?"),
        ...     turns=(Turn(reward=0.0, tool_outcomes=outs),))
        >>> files, refused = replay_written_files(traj)
        >>> files, len(refused)
        ({'a.py': 'x = 1'}, 1)
    """
    files: dict[str, str] = {}
    refused: list[str] = []
    for path, content in _written(trajectory):
        try:
            name = check_file_name(path)
        except ValueError as exc:
            refused.append(str(exc))
            continue
        if len(content.encode("utf-8")) > max_file_bytes:
            refused.append(f"{name!r} is over {max_file_bytes} bytes")
        elif name not in files and len(files) >= max_files:
            refused.append(f"{name!r} is past the limit of {max_files} files")
        else:
            files[name] = content
    return files, refused


def _candidate(trajectory: Trajectory, source: CodeSource) -> str | None:
    if source == "write_file":
        return files_from_tool_calls(trajectory).get("solution.py")
    return extract_code(final_text(trajectory))


class CaseResult(BaseModel):
    """The outcome of one test case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: str
    """"passed", "wrong_answer", or the call's failure (`gymforge.sandbox.CallStatus`)."""
    call: str
    """The call as Python, e.g. ``add(1, 2)``."""
    expected: JsonValue = None
    """The expected value (typed JSON)."""
    got: JsonValue = None
    """The returned value (typed JSON), when there was one."""
    detail: str = ""
    """Error text, when the call failed."""

    @property
    def passed(self) -> bool:
        """The case passed."""
        return self.status == "passed"

    def describe(self) -> str:
        """One line for people and models."""
        if self.passed:
            return f"{self.call}: passed"
        if self.status == "wrong_answer":
            got, want = _show(self.got), _show(self.expected)
            return f"{self.call}: returned {got}, expected {want}"
        return f"{self.call}: {self.status.replace('_', ' ')}: {self.detail}"


class TestReport(BaseModel):
    """The outcome of a set of test cases."""

    __test__ = False  # not a pytest class

    model_config = ConfigDict(frozen=True, extra="forbid")

    cases: tuple[CaseResult, ...]
    """One result per test, in order."""

    @property
    def passed(self) -> int:
        """How many passed."""
        return sum(c.passed for c in self.cases)

    @property
    def fraction(self) -> float:
        """Fraction passed (0.0 for no tests)."""
        return self.passed / len(self.cases) if self.cases else 0.0

    def summary(self, *, limit: int = 5) -> str:
        """``"3/5 passed; wrong answer: 2"`` then up to ``limit`` failing cases."""
        counts = Counter(c.status for c in self.cases if not c.passed)
        head = f"{self.passed}/{len(self.cases)} passed"
        if counts:
            head += "; " + ", ".join(
                f"{k.replace('_', ' ')}: {n}" for k, n in sorted(counts.items())
            )
        failing = [c.describe() for c in self.cases if not c.passed][:limit]
        return "\n".join([head, *failing])


def _show(value: JsonValue) -> str:
    try:
        return repr(decode_value(value))[:200]
    except (ValueError, TypeError):
        return json.dumps(value)[:200]


def _call_text(function: str, args: Sequence[JsonValue]) -> str:
    return f"{function}({', '.join(_show(a) for a in args)})"[:300]


async def run_unit_tests(
    code: str,
    function: str,
    tests: Sequence[Mapping[str, Any]],
    *,
    sandbox: Sandbox,
    limits: Limits | None = None,
    rel_tol: float = 1e-9,
    files: Mapping[str, str] | None = None,
) -> TestReport:
    r"""Run ``function`` of ``code`` on each ``{"args": [...], "expected": ...}`` test.

    Each case runs in its own fresh fork under the harness (up to 8 cases per
    sandboxed job, jobs in parallel); results compare type-strictly with
    `values_equal`. ``files`` are other files the code may import.

    Example:
        >>> import asyncio
        >>> from gymforge.sandbox import get_sandbox
        >>> tests = [{"args": [1, 2], "expected": 3}, {"args": [2, 2], "expected": 4}]
        >>> with get_sandbox(pool_size=1) as sb:
        ...     report = asyncio.run(run_unit_tests("def add(a, b):\n    return a * b",
        ...                                         "add", tests, sandbox=sb))
        >>> print(report.summary())
        1/2 passed; wrong answer: 1
        add(1, 2): returned 2, expected 3
    """
    lim = limits or DEFAULT_LIMITS
    calls = [list(t.get("args", [])) for t in tests]
    chunks = [calls[i : i + _CHUNK] for i in range(0, len(calls), _CHUNK)]
    batches = await asyncio.gather(
        *(
            call_functions(sandbox, code, function, c, limits=lim, encoded=True, files=files)
            for c in chunks
        )
    )
    cases: list[CaseResult] = []
    for test, args, outcome in zip(tests, calls, [o for b in batches for o in b], strict=True):
        expected = test.get("expected")
        call = _call_text(function, args)
        if outcome.status != "ok":
            cases.append(
                CaseResult(
                    status=outcome.status, call=call, expected=expected, detail=outcome.detail
                )
            )
            continue
        ok = values_equal(expected, outcome.value, rel_tol=rel_tol)
        status = "passed" if ok else "wrong_answer"
        cases.append(CaseResult(status=status, call=call, expected=expected, got=outcome.value))
    return TestReport(cases=tuple(cases))


class CodeGrader(BuiltinGrader):
    """What the two code graders share: where the code is and which written files come along."""

    def __init__(
        self,
        *,
        source: CodeSource,
        backend: str | None,
        limits: Limits | None,
        name: str,
        graded_files: GradedFiles = "solution",
        max_files: int = 16,
        max_file_bytes: int = 64 * 1024,
    ) -> None:
        super().__init__(name)
        if graded_files != "solution" and (graded_files, source) != ("all", "write_file"):
            raise ValueError(
                "graded_files must be 'solution', or 'all' with source='write_file'; "
                f"got graded_files={graded_files!r} with source={source!r}"
            )
        for arg, value in (("max_files", max_files), ("max_file_bytes", max_file_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{arg} must be an int >= 0, got {value!r}")
        self.source: CodeSource = source
        self.backend = backend
        self.limits = limits
        self.graded_files: GradedFiles = graded_files
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes

    def _code_and_files(self, trajectory: Trajectory) -> tuple[str | None, dict[str, str], str]:
        """The candidate's code, the other files it runs with, and a note of refused writes."""
        if self.graded_files == "solution":
            return _candidate(trajectory, self.source), {}, ""
        files, refused = replay_written_files(
            trajectory, max_files=self.max_files, max_file_bytes=self.max_file_bytes
        )
        code = files.pop("solution.py", None)
        note = "\nrefused writes: " + "; ".join(refused[:5]) if refused else ""
        return code, files, note

    def _no_code(self, note: str) -> Score:
        where = "a ```python block" if self.source == "code_block" else "solution.py"
        return Score(
            value=0.0,
            components={"pass_rate": 0.0, "all_passed": 0.0},
            explanation=f"no code submitted: expected {where}{note}",
        )


class UnitTestsGrader(CodeGrader):
    """Fraction of the task's hidden unit tests passed; see `unit_tests`."""

    def __init__(
        self,
        *,
        source: CodeSource,
        backend: str | None,
        limits: Limits | None,
        rel_tol: float,
        name: str,
        graded_files: GradedFiles = "solution",
        max_files: int = 16,
        max_file_bytes: int = 64 * 1024,
    ) -> None:
        super().__init__(
            source=source,
            backend=backend,
            limits=limits,
            name=name,
            graded_files=graded_files,
            max_files=max_files,
            max_file_bytes=max_file_bytes,
        )
        self.rel_tol = rel_tol

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Run the hidden tests of ``task.answer`` on the candidate's code."""
        answer = task.answer
        if not isinstance(answer, dict):
            return Score(value=None, explanation="task.answer has no 'tests': cannot grade")
        function, tests = answer.get("function"), answer.get("tests")
        if not isinstance(function, str) or not isinstance(tests, list) or not tests:
            return Score(value=None, explanation="task.answer needs 'function' and tests")
        code, files, note = self._code_and_files(trajectory)
        if code is None or not code.strip():
            return self._no_code(note)
        report = await run_unit_tests(
            code,
            function,
            [t for t in tests if isinstance(t, dict)],
            sandbox=shared_sandbox(self.backend),
            limits=self.limits,
            rel_tol=self.rel_tol,
            files=files or None,
        )
        all_passed = float(report.passed == len(report.cases))
        return Score(
            value=report.fraction,
            components={"pass_rate": report.fraction, "all_passed": all_passed},
            explanation=report.summary() + note,
        )


@register_grader
def unit_tests(
    *,
    source: CodeSource = "code_block",
    backend: str | None = None,
    limits: Limits | None = None,
    rel_tol: float = 1e-9,
    name: str = "unit_tests",
    graded_files: GradedFiles = "solution",
    max_files: int = 16,
    max_file_bytes: int = 64 * 1024,
) -> UnitTestsGrader:
    r"""Hidden unit tests in the sandbox: score = fraction passed, plus ``all_passed``.

    ``task.answer`` is ``{"function": name, "tests": [{"args": [...], "expected": v}]}``
    (typed JSON). Compile error, missing function, exception, ``exit``, timeout,
    out of memory, crash, unserialisable value and wrong answer are distinct
    outcomes in the explanation. Tests run up to eight per sandboxed job; after a
    timeout the rest of that job's tests are not run and count as timeouts. No code
    at all scores 0.0.

    Args:
        source: Where the code is (`CodeSource`).
        backend: Sandbox backend name (None: the default, bubblewrap where installed).
        limits: Limits of each test case (None: 3 s wall and CPU, 512 MiB).
        rel_tol: Relative tolerance for floats.
        name: Metric name.
        graded_files: With ``source="write_file"``: ``"solution"`` (the default)
            grades ``solution.py`` alone; ``"all"`` also gives it every other file
            the transcript wrote, replayed by `replay_written_files` (names checked
            by `check_file_name`, so no file replaces the harness or a
            standard-library module). Refused writes are listed in the explanation;
            ``"all"`` with ``source="code_block"`` is a `ValueError`.
        max_files: With ``graded_files="all"``: most distinct files kept (0: none).
        max_file_bytes: With ``graded_files="all"``: largest file kept (UTF-8 bytes).

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message
        >>> task = Task(id="t", prompt="add", answer={"function": "add",
        ...     "tests": [{"args": [1, 2], "expected": 3}, {"args": [0, 0], "expected": 0}]})
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant(
        ...         "```python\ndef add(a, b):\n    return a + b\n```"),))
        >>> score = asyncio.run(unit_tests().grade(task, traj))
        >>> score.value, score.components["all_passed"]
        (1.0, 1.0)
    """
    return UnitTestsGrader(
        source=source,
        backend=backend,
        limits=limits,
        rel_tol=rel_tol,
        name=name,
        graded_files=graded_files,
        max_files=max_files,
        max_file_bytes=max_file_bytes,
    )

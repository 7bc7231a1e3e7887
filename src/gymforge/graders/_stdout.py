r"""The stdout code grader: run the program on each case's stdin, compare its stdout.

Like `unit_tests` (in `gymforge.graders._code`, whose sandbox, code sources and
file replay it shares), the candidate's program only ever runs in the sandbox.
Cases live in the task's hidden ``answer``::

    {"stdout_tests": [{"stdin": "1 2\n", "stdout": "3\n"}, ...]}
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from gymforge.graders._code import (
    DEFAULT_LIMITS,
    CodeGrader,
    CodeSource,
    GradedFiles,
    shared_sandbox,
)
from gymforge.graders._registry import register_grader
from gymforge.sandbox import Limits
from gymforge.types import Score, Task, Trajectory

__all__ = ["StdoutTestsGrader", "compare_stdout", "stdout_tests"]


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def compare_stdout(expected: str, actual: str) -> tuple[bool, str]:
    r"""Line-by-line exact comparison (trailing spaces and final blank lines ignored).

    Missing or extra lines fail: there is no ``zip`` truncation.

    Example:
        >>> compare_stdout("1\n2\n", "1\n2")
        (True, 'output matches')
        >>> compare_stdout("1\n2\n", "1\n")
        (False, 'line 2: expected "2", got nothing (1 of 2 lines printed)')
    """
    want, got = _lines(expected), _lines(actual)
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else None
        g = got[i] if i < len(got) else None
        if w != g:
            shown_w = "nothing" if w is None else json.dumps(w[:100])
            shown_g = "nothing" if g is None else json.dumps(g[:100])
            tail = f" ({len(got)} of {len(want)} lines printed)" if g is None else ""
            return False, f"line {i + 1}: expected {shown_w}, got {shown_g}{tail}"
    return True, "output matches"


class StdoutTestsGrader(CodeGrader):
    """Fraction of stdin/stdout cases matched; see `stdout_tests`."""

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Run ``python solution.py`` on each case's stdin and compare its stdout."""
        answer = task.answer
        cases = answer.get("stdout_tests") if isinstance(answer, dict) else None
        if not isinstance(cases, list) or not cases:
            return Score(value=None, explanation="task.answer has no 'stdout_tests': cannot grade")
        code, files, note = self._code_and_files(trajectory)
        if code is None or not code.strip():
            return self._no_code(note)
        program = {**files, "solution.py": code}
        sandbox = shared_sandbox(self.backend)
        lim = self.limits or DEFAULT_LIMITS

        async def one(case: Any) -> tuple[bool, str]:
            stdin = str(case.get("stdin", "")) if isinstance(case, dict) else ""
            want = str(case.get("stdout", "")) if isinstance(case, dict) else ""
            result = await sandbox.run(
                ["python", "solution.py"], files=program, stdin=stdin, limits=lim
            )
            if not result.ok:
                err = result.stderr.strip().splitlines()[-1:] or [""]
                return False, f"{result.outcome} {err[0][:200]}".strip()
            return compare_stdout(want, result.stdout)

        verdicts = await asyncio.gather(*(one(c) for c in cases))
        passed = sum(ok for ok, _ in verdicts)
        fraction = passed / len(verdicts)
        failing = [f"case {i + 1}: {why}" for i, (ok, why) in enumerate(verdicts) if not ok][:5]
        return Score(
            value=fraction,
            components={"pass_rate": fraction, "all_passed": float(passed == len(verdicts))},
            explanation="\n".join([f"{passed}/{len(verdicts)} passed", *failing]) + note,
        )


@register_grader
def stdout_tests(
    *,
    source: CodeSource = "code_block",
    backend: str | None = None,
    limits: Limits | None = None,
    name: str = "stdout_tests",
    graded_files: GradedFiles = "solution",
    max_files: int = 16,
    max_file_bytes: int = 64 * 1024,
) -> StdoutTestsGrader:
    r"""Run the program on each case's stdin; its stdout must match line by line.

    ``task.answer`` is ``{"stdout_tests": [{"stdin": "...", "stdout": "..."}]}``.
    A run that fails (non-zero exit, timeout, ...) fails its case; see `compare_stdout`.
    No code at all scores 0.0.

    Args:
        source: Where the code is (`CodeSource`).
        backend: Sandbox backend name (None: the default).
        limits: Limits of each run.
        name: Metric name.
        graded_files: With ``source="write_file"``: ``"solution"`` (the default)
            runs ``solution.py`` alone; ``"all"`` runs it with every other file the
            transcript wrote next to it, replayed as for `unit_tests` (names checked
            by `check_file_name`; refused writes listed in the explanation).
            ``"all"`` with ``source="code_block"`` is a `ValueError`.
        max_files: With ``graded_files="all"``: most distinct files kept (0: none).
        max_file_bytes: With ``graded_files="all"``: largest file kept (UTF-8 bytes).

    Example:
        >>> import asyncio
        >>> from gymforge.types import Message
        >>> task = Task(id="t", prompt="echo", answer={"stdout_tests": [
        ...     {"stdin": "a\nb\n", "stdout": "A\nB\n"}]})
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0,
        ...     policy="p", task=task, messages=(Message.assistant(
        ...         "```python\nimport sys\nprint(sys.stdin.read().upper(), end='')\n```"),))
        >>> asyncio.run(stdout_tests().grade(task, traj)).value
        1.0
    """
    return StdoutTestsGrader(
        source=source,
        backend=backend,
        limits=limits,
        name=name,
        graded_files=graded_files,
        max_files=max_files,
        max_file_bytes=max_file_bytes,
    )

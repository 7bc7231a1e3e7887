"""`PythonAgentEnv`: write files, run the visible tests and Python in the sandbox, submit."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from gymforge.env import ToolEnv, tool
from gymforge.errors import ToolError, ToolRefused
from gymforge.graders import (
    GradedFiles,
    check_file_name,
    run_unit_tests,
    shared_sandbox,
    unit_tests,
)
from gymforge.sandbox import Limits, decode_value
from gymforge.tasks.code import CodeFunctionFamily
from gymforge.types import JsonValue, Message, ToolCall

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "NUDGE",
    "PythonAgentEnv",
    "RUN_LIMITS",
    "SOLUTION",
    "SYSTEM_PROMPT",
]

SOLUTION = "solution.py"
"""The file the hidden tests import the function from."""
MAX_FILES = 16
"""Files the agent may create."""
MAX_FILE_BYTES = 64 * 1024
"""Largest file the agent may write."""
_OUTPUT_CHARS = 4000

SYSTEM_PROMPT = f"""You are a careful Python engineer working in a sandbox with these tools:
- write_file(path, content): create or replace a file (relative path).
- run_tests(): run the visible tests against {SOLUTION}.
- run_python(code, stdin): run a Python snippet next to your files and see its output.
- submit(): finish; hidden tests then grade {SOLUTION}.
Write the function in {SOLUTION}, check it, then call submit()."""
"""The default system message."""

NUDGE = f"Use the tools: write_file('{SOLUTION}', ...), run_tests(), then submit()."
"""The user's reply to a text turn."""

RUN_LIMITS = Limits(wall=5.0, cpu=5, memory=512 * 1024 * 1024, processes=16, output=64 * 1024)
"""Limits of `run_python` and of each visible test."""


def _clip(text: str) -> str:
    if len(text) <= _OUTPUT_CHARS:
        return text
    return text[:_OUTPUT_CHARS] + f"\n... ({len(text) - _OUTPUT_CHARS} more characters)"


class PythonAgentEnv(ToolEnv):
    """Multi-turn coding: write ``solution.py``, test it, run Python, then submit.

    Tasks come from `CodeFunctionFamily`. Tools: ``write_file(path, content)``
    (relative paths, at most 16 files of 64 KiB), ``run_tests()`` (the visible
    examples only, each in its own sandboxed process), ``run_python(code, stdin)``
    (sandboxed, next to the written files; 5 s, 512 MiB, no network) and
    ``submit()``, which ends the episode. Nothing the agent writes runs in this
    process. Milestones: ``compiles`` (``solution.py`` compiles, checked in the
    sandbox after each write), ``visible_tests_passing`` (k of the last
    ``run_tests``), ``visible_tests_total``, ``tests_run`` and ``submitted``.

    The `unit_tests` grader (``source="write_file"``) replays the transcript's
    successful ``write_file`` calls and runs the hidden tests on the last
    ``solution.py`` next to the other files written, exactly the files
    ``run_tests`` used (``graded_files="all"``, ``gymforge/PythonAgent-v1``); an
    agent that writes nothing scores 0. File names are checked by
    ``gymforge.graders.check_file_name``: ``./a.py`` is stored as ``a.py``, and names
    under ``_harness`` or shadowing a standard-library module (``json.py``) are
    refused. ``graded_files="solution"`` (``gymforge/PythonAgent-v0``) is the old
    behaviour, kept to compare old runs: the hidden tests see ``solution.py`` alone
    and names are checked as before. The oracle writes the reference solution,
    runs the tests and submits (1.0).

    Args:
        difficulty: Level 1-3, or None to cycle levels.
        categories: Restrict to these task categories (None: all five).
        backend: Sandbox backend (None: bubblewrap where installed).
        system_prompt: The system message.
        graded_files: ``"all"``: the hidden tests see every written file (v1);
            ``"solution"``: ``solution.py`` alone (v0).

    Example:
        >>> import asyncio
        >>> env = PythonAgentEnv(difficulty=1)
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> sorted(t.name for t in info.tools)
        ['run_python', 'run_tests', 'submit', 'write_file']
        >>> info.milestones["compiles"], info.milestones["submitted"]
        (False, False)
    """

    def __init__(
        self,
        *,
        difficulty: int | None = None,
        categories: Sequence[str] | None = None,
        backend: str | None = None,
        system_prompt: str = SYSTEM_PROMPT,
        graded_files: GradedFiles = "all",
    ) -> None:
        if graded_files == "all":
            grader = unit_tests(
                source="write_file",
                backend=backend,
                graded_files="all",
                max_files=MAX_FILES,
                max_file_bytes=MAX_FILE_BYTES,
            )
        elif graded_files == "solution":
            grader = unit_tests(source="write_file", backend=backend)
        else:
            raise ValueError(f"graded_files must be 'all' or 'solution', got {graded_files!r}")
        super().__init__(CodeFunctionFamily(difficulty, categories=categories), grader)
        self.graded_files: GradedFiles = graded_files
        self.backend = backend
        self.system_prompt = system_prompt
        self.files: dict[str, str] = {}
        """The files written so far in this episode."""
        self._tests_run = 0

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Start with no files and nothing run."""
        self.files = {}
        self._tests_run = 0
        self.milestones = {
            "compiles": False,
            "visible_tests_passing": 0,
            "visible_tests_total": len(self._examples()),
            "tests_run": 0,
            "submitted": False,
        }

    def _examples(self) -> list[dict[str, Any]]:
        examples = self.task.metadata.get("examples")
        return [e for e in examples if isinstance(e, dict)] if isinstance(examples, list) else []

    async def opening_messages(self) -> Sequence[Message]:
        """The system message and the task, rewritten for the tools."""
        meta = self.task.metadata
        lines = []
        for example in self._examples():
            args = ", ".join(repr(a) for a in decode_value(example["args"]))
            lines.append(f"    {meta['function']}({args}) == {decode_value(example['expected'])!r}")
        text = (
            f"Write {SOLUTION} defining:\n\n    def {meta['signature']}\n\n"
            f"{meta['description']}\n\nVisible tests (run_tests runs them):\n"
            + "\n".join(lines)
            + "\n\nHidden tests with more inputs decide the grade. Call submit() when done."
        )
        return [Message.system(self.system_prompt), Message.user(text)]

    async def _check_compiles(self) -> bool:
        code = "import sys\ncompile(open(sys.argv[1]).read(), sys.argv[1], 'exec')\n"
        result = await shared_sandbox(self.backend).run(
            ["python", "-c", code, SOLUTION],
            files={SOLUTION: self.files[SOLUTION]},
            limits=RUN_LIMITS,
        )
        return result.ok

    @tool(writes=True)
    async def write_file(self, path: str, content: str) -> str:
        """Create or replace a file in the working directory.

        Args:
            path: Relative path, e.g. "solution.py" or "helpers/util.py".
            content: The whole file's text.
        """
        if self.graded_files == "all":
            try:
                path = check_file_name(path)
            except ValueError as exc:
                raise ToolRefused(str(exc)) from None
        else:  # v0: the checks as they were
            parts = PurePosixPath(path).parts
            if not path or path.startswith("/") or ".." in parts or "\\" in path or "\0" in path:
                raise ToolRefused(
                    f"path must be relative inside the working directory, got {path!r}"
                )
            if path.startswith("_harness"):
                raise ToolRefused("paths starting with '_harness' are reserved")
        if len(content.encode("utf-8")) > MAX_FILE_BYTES:
            raise ToolRefused(f"file too large: at most {MAX_FILE_BYTES} bytes")
        if path not in self.files and len(self.files) >= MAX_FILES:
            raise ToolRefused(f"too many files: at most {MAX_FILES}")
        self.files[path] = content
        note = ""
        if path == SOLUTION:
            compiles = await self._check_compiles()
            self.milestones["compiles"] = compiles
            note = "" if compiles else f" (warning: {SOLUTION} does not compile)"
        return f"wrote {path} ({len(content)} characters){note}"

    @tool
    async def run_tests(self) -> str:
        """Run the visible tests against solution.py and report each result."""
        if SOLUTION not in self.files:
            raise ToolError(f"write {SOLUTION} first with write_file")
        others = {p: c for p, c in self.files.items() if p != SOLUTION}
        report = await run_unit_tests(
            self.files[SOLUTION],
            str(self.task.metadata["function"]),
            self._examples(),
            sandbox=shared_sandbox(self.backend),
            limits=RUN_LIMITS,
            files=others,
        )
        self._tests_run += 1
        self.milestones["visible_tests_passing"] = report.passed
        self.milestones["tests_run"] = self._tests_run
        return _clip(report.summary(limit=len(report.cases)))

    @tool
    async def run_python(self, code: str, stdin: str = "") -> str:
        """Run Python code in the sandbox, next to your files; returns its output.

        Args:
            code: The program's source.
            stdin: Text given on standard input.
        """
        result = await shared_sandbox(self.backend).run(
            ["python", "-c", code], files=self.files, stdin=stdin, limits=RUN_LIMITS
        )
        payload: dict[str, JsonValue] = {
            "outcome": result.outcome,
            "stdout": _clip(result.stdout),
            "stderr": _clip(result.stderr),
        }
        return json.dumps(payload)

    @tool
    def submit(self) -> str:
        """Finish the episode; the hidden tests grade solution.py."""
        self.milestones["submitted"] = True
        self.end_episode()
        return "submitted"

    async def on_text(self, message: Message) -> Sequence[Message]:
        """Text is not an action here: remind the agent of the tools."""
        return [Message.user(NUDGE)]

    async def reference_action(self) -> Message:
        """Write the reference solution, run the tests, then submit."""
        reference = str(self.task.metadata["solution"])
        call_id = f"ref_{self.turn}"
        if self.files.get(SOLUTION) != reference:
            args: dict[str, Any] = {"path": SOLUTION, "content": reference}
            return Message.assistant(tool_calls=[ToolCall.make("write_file", args, id=call_id)])
        if self._tests_run == 0:
            return Message.assistant(tool_calls=[ToolCall.make("run_tests", {}, id=call_id)])
        return Message.assistant(tool_calls=[ToolCall.make("submit", {}, id=call_id)])

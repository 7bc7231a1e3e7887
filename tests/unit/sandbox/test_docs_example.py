"""The first example of docs/sandbox.md runs as written (it once used a closed sandbox)."""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandbox.md"


def test_the_opening_example_runs() -> None:
    block = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    # Top-level await is allowed so that an example written that way runs too, not a SyntaxError.
    code = compile(block.group(1), str(DOC), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    namespace: dict[str, object] = {}
    pending = eval(code, namespace)  # noqa: S307 - our own documentation
    if inspect.iscoroutine(pending):
        asyncio.run(pending)
    assert namespace["r"].stdout == "42\n"  # type: ignore[attr-defined]

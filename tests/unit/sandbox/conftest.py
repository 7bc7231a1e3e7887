"""Shared fixtures of the sandbox tests: one warm sandbox per backend per module."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gymforge.sandbox import IsolatedSandbox, Limits, get_sandbox

FAST = Limits(wall=2.0, cpu=2, memory=256 * 1024 * 1024, processes=16, output=64 * 1024)


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@pytest.fixture(scope="session", autouse=True)
def _subreaper() -> None:
    """Make this test process a child subreaper: a process that escaped the sandbox's
    PID namespace and was orphaned would be re-parented here, so it stays in the tree
    that `processes_with` scans and a containment failure cannot hide."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER


def processes_with(token: str) -> list[int]:
    """Pids in this process's tree whose command line contains `token`.

    Sandboxed processes keep their place in the host's process tree (a PID namespace
    renumbers them, it does not hide them from the host), so the tree is the whole
    picture of what this test process left running; other jobs on the machine do
    not count.
    """
    found = []
    for pid in _descendants(os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(pid)
    return found


def assert_next_run_works(sb: IsolatedSandbox) -> None:
    result = sb.run_sync(["python", "-c", "print(sum(range(10)))"], limits=FAST)
    assert result.ok, result
    assert result.stdout == "45\n"


@pytest.fixture(scope="module", params=["bwrap", "process"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[IsolatedSandbox]:
    sb = get_sandbox(request.param, pool_size=1)
    yield sb
    sb.close()


@pytest.fixture
def fast() -> Limits:
    return FAST


@pytest.fixture
def leftovers() -> Callable[[str], list[int]]:
    return processes_with


@pytest.fixture
def next_run_works() -> Callable[[IsolatedSandbox], None]:
    return assert_next_run_works

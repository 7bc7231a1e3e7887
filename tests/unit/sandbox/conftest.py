"""Shared fixtures of the sandbox tests: one warm sandbox per backend per module."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gymforge.sandbox import IsolatedSandbox, Limits, get_sandbox

FAST = Limits(wall=2.0, cpu=2, memory=256 * 1024 * 1024, processes=16, output=64 * 1024)


def processes_with(token: str) -> list[int]:
    """Host pids whose command line contains `token` (the whole host, every namespace)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(entry.name))
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

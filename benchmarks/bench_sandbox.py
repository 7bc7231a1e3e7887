"""Sandbox benchmarks (plain script: prints figures and ratios, asserts nothing).

(a) Graded programs per second for a "5 unit tests" program (``add(a, b)`` with five
    hidden tests): the warm pool of each backend (`run_unit_tests`, one sandboxed
    fork per test) against plain ``subprocess.run([python, "-I", "-S", "-c", ...])``
    per test with the same rlimits and timeout, side by side, with one caller and
    with two callers at once.
(b) Isolation cost: runs per second of ``python -c pass`` started from nothing each
    time: plain subprocess, then a one-shot sandbox (``warm=False``: the whole
    namespace/bwrap setup and a fresh supervisor per run) of each backend.

Usage:
    python benchmarks/bench_sandbox.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from gymforge.graders import run_unit_tests
from gymforge.sandbox import Limits, get_sandbox
from gymforge.sandbox._backends import interpreter

LIMITS = Limits(wall=5.0, cpu=5, memory=512 * 1024 * 1024, processes=16)
CODE = "def add(a, b):\n    return a + b\n"
TESTS = [{"args": [i, 2 * i], "expected": 3 * i} for i in range(5)]
PLAIN_CHECK = "{code}\nimport json\nprint(json.dumps(add(*{args})))"


def limit_child() -> None:
    """The same rlimits the sandbox applies (for the plain baseline)."""
    resource.setrlimit(resource.RLIMIT_CPU, (LIMITS.cpu or 5, (LIMITS.cpu or 5) + 1))
    memory = LIMITS.memory or resource.RLIM_INFINITY
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (LIMITS.processes + 64, LIMITS.processes + 64))
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMITS.file_size, LIMITS.file_size))


def plain_program(python: str) -> bool:
    """Grade one program the plain way: one ``python -c`` per test."""
    ok = True
    for test in TESTS:
        source = PLAIN_CHECK.format(code=CODE, args=test["args"])
        done = subprocess.run(  # noqa: S603 - our own benchmark program
            [python, "-I", "-S", "-c", source],
            capture_output=True,
            timeout=LIMITS.wall,
            preexec_fn=limit_child,  # noqa: PLW1509 - single-threaded per call here
            env={},
            check=False,
        )
        ok &= json.loads(done.stdout) == test["expected"]
    return ok


def rate_threads(fn: Callable[[], object], callers: int, seconds: float) -> float:
    """Calls per second of ``fn`` with ``callers`` threads for about ``seconds``."""
    deadline = time.perf_counter() + seconds
    counts = [0] * callers

    def loop(i: int) -> None:
        while time.perf_counter() < deadline:
            fn()
            counts[i] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(loop, range(callers)))
    return sum(counts) / (time.perf_counter() - start)


async def rate_async(fn: Callable[[], Awaitable[object]], callers: int, seconds: float) -> float:
    """Awaits per second of ``fn`` with ``callers`` concurrent loops."""
    deadline = time.perf_counter() + seconds
    counts = [0] * callers

    async def loop(i: int) -> None:
        while time.perf_counter() < deadline:
            await fn()
            counts[i] += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(callers)))
    return sum(counts) / (time.perf_counter() - start)


async def graded(seconds: float) -> None:
    python, _prefix = interpreter()
    print("(a) graded programs/s, 5 unit tests each (one process or fork per test)")
    print(f"{'':34}{'1 caller':>12}{'2 callers':>12}")
    plain = [rate_threads(lambda: plain_program(python), c, seconds) for c in (1, 2)]
    print(f"{'plain subprocess.run per test':34}{plain[0]:12.1f}{plain[1]:12.1f}")
    for name in ("bwrap", "process"):
        async with get_sandbox(name, pool_size=2) as sb:
            report = await run_unit_tests(CODE, "add", TESTS, sandbox=sb, limits=LIMITS)
            if report.passed != len(TESTS):
                print(f"  {name}: the program did not pass: {report.summary()}")
            rates = []
            for callers in (1, 2):

                async def one() -> object:
                    return await run_unit_tests(CODE, "add", TESTS, sandbox=sb, limits=LIMITS)  # noqa: B023

                rates.append(await rate_async(one, callers, seconds))
        ratios = f"  ({rates[0] / plain[0]:.1f}x, {rates[1] / plain[1]:.1f}x plain)"
        print(f"{'warm pool, ' + name:34}{rates[0]:12.1f}{rates[1]:12.1f}{ratios}")


def isolation(seconds: float) -> None:
    python, _prefix = interpreter()
    print("\n(b) isolation cost: runs/s of `python -c pass` started from nothing, 1 caller")

    def plain() -> object:
        return subprocess.run(  # noqa: S603 - our own benchmark program
            [python, "-I", "-S", "-c", "pass"], preexec_fn=limit_child, env={}, check=False
        )

    base = rate_threads(plain, 1, seconds)
    print(f"{'plain subprocess.run':34}{base:12.1f}")
    for name in ("bwrap", "process"):
        with get_sandbox(name, pool_size=1, warm=False) as sb:
            rate = rate_threads(
                lambda: sb.run_sync(["python", "-c", "pass"], limits=LIMITS), 1, seconds
            )  # noqa: B023
        print(
            f"{'one-shot sandbox, ' + name:34}{rate:12.1f}  ({base / rate:.1f}x slower than plain)"
        )
    for name in ("bwrap", "process"):
        with get_sandbox(name, pool_size=1) as sb:
            rate = rate_threads(
                lambda: sb.run_sync(["python", "-c", "pass"], limits=LIMITS), 1, seconds
            )  # noqa: B023
        print(f"{'warm pool, ' + name:34}{rate:12.1f}  ({rate / base:.1f}x plain)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each measurement")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, load average {load} on {os.cpu_count()} cores")
    print(f"limits: {LIMITS.model_dump()}\n")
    asyncio.run(graded(args.seconds))
    isolation(args.seconds)


if __name__ == "__main__":
    main()

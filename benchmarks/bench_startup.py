r"""Start-up time: ``import gymforge`` and ``gymforge list`` next to ``import gymnasium``.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 10] [--src DIR ...] [--cold]

Each repetition runs every command once, in a fresh interpreter, in turn (so a
busy moment of the machine hits all of them alike); the table gives the median and
the range of wall times, the median CPU time (user + system of the child, which a
busy machine inflates much less than wall time), and each median as a multiple of
``import gymnasium``'s, which is the floor: ``import gymforge`` registers every env
with Gymnasium, so it imports Gymnasium.

Bytecode goes to a private cache (``PYTHONPYCACHEPREFIX`` in a temporary directory,
whatever ``PYTHONDONTWRITEBYTECODE`` says), so no source tree is written to. By
default one untimed round fills it and the figures are warm starts. ``--cold`` gives
every run an empty cache instead: every module imported is compiled from source,
so the figures grow with the amount of code a command imports.

``--src DIR`` (repeatable) measures gymforge from another source tree, e.g. a
``git archive`` of the base branch, side by side with this one (``PYTHONPATH=DIR``;
``--src`` without a value is the gymforge this interpreter imports).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

COMMANDS: dict[str, list[str]] = {
    "import gymnasium": ["-c", "import gymnasium"],
    "import gymforge": ["-c", "import gymforge"],
    "gymforge list": ["-m", "gymforge.cli", "list"],
}
"""Label -> interpreter arguments (``gymforge list`` as the console script runs it)."""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(args: Sequence[str], env: dict[str, str], *, cold: bool) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of the interpreter with `args`."""
    if cold:
        with tempfile.TemporaryDirectory(prefix="bench-startup-cold-") as cache:
            return timed_run(args, {**env, "PYTHONPYCACHEPREFIX": cache}, cold=False)
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args],
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start, children_cpu() - cpu


def environment(src: str, cache: str, index: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # One cache per source tree: two trees' gymforge/__init__.py must not share a .pyc.
    env["PYTHONPYCACHEPREFIX"] = os.path.join(cache, str(index))
    if src:
        env["PYTHONPATH"] = os.path.abspath(src)
    return env


def measure(
    sources: Sequence[str], repeat: int, *, cold: bool
) -> dict[tuple[str, str], list[tuple[float, float]]]:
    times: dict[tuple[str, str], list[tuple[float, float]]] = {
        (src, label): [] for src in sources for label in COMMANDS
    }
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as cache:
        envs = {src: environment(src, cache, i) for i, src in enumerate(sources)}
        for round_ in range(repeat + (0 if cold else 1)):
            for src in sources:
                for label, args in COMMANDS.items():
                    run = timed_run(args, envs[src], cold=cold)
                    if cold or round_:  # a warm run's round 0 fills the bytecode cache
                        times[src, label].append(run)
    return times


def report(times: dict[tuple[str, str], list[tuple[float, float]]], sources: Sequence[str]) -> None:
    print(
        f"{'source':<24} {'command':<17} {'wall s':>7} {'wall range s':>13} {'x gym':>6}"
        f" {'cpu s':>6} {'x gym':>6}"
    )
    for src in sources:
        gym = times[src, "import gymnasium"]
        gym_wall = statistics.median(w for w, _ in gym)
        gym_cpu = statistics.median(c for _, c in gym)
        for label in COMMANDS:
            walls = [w for w, _ in times[src, label]]
            wall = statistics.median(walls)
            cpu = statistics.median(c for _, c in times[src, label])
            spread = f"{min(walls):.3f}-{max(walls):.3f}"
            name = src or "(this interpreter's)"
            print(
                f"{name:<24} {label:<17} {wall:>7.3f} {spread:>13} {wall / gym_wall:>5.2f}x"
                f" {cpu:>6.3f} {cpu / gym_cpu:>5.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed rounds (default 10)")
    parser.add_argument(
        "--src",
        action="append",
        nargs="?",
        const="",
        default=None,
        help="a source tree holding gymforge/ (repeatable); default: the installed one",
    )
    parser.add_argument("--cold", action="store_true", help="an empty bytecode cache for every run")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")
    sources: list[str] = args.src or [""]
    for src in sources:
        if src and not os.path.isfile(os.path.join(src, "gymforge", "__init__.py")):
            parser.error(f"--src {src!r} holds no gymforge/__init__.py: pass a src/ directory")
    mode = "cold: empty bytecode cache" if args.cold else "warm bytecode cache"
    print(f"{args.repeat} rounds, each command in a fresh interpreter, {mode} ({sys.executable})")
    report(measure(sources, args.repeat, cold=args.cold), sources)


if __name__ == "__main__":
    main()

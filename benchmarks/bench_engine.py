"""Rollout engine benchmarks (plain script: prints figures and ratios, asserts nothing).

(a) Engine overhead: Arithmetic-v0 + its grader with the zero-latency oracle policy,
    rollouts/s through `run_async` (trajectories written to a temp file) next to the
    same episodes as bare Python calls (make, reset, reference_action, step, grade).
(b) Concurrency: 1,000 concurrent 20-turn episodes with a policy that sleeps 50 ms
    per turn: turns/s against the ideal 20,000/s and against raw asyncio doing only
    the sleeps.

Rates are given per wall-clock second and per CPU second of this process
(`time.process_time`): on a shared machine the CPU figure is the stable one.

Usage:
    python benchmarks/bench_engine.py [--episodes 5000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gymforge.env import Env, make
from gymforge.policy import OraclePolicy
from gymforge.rollout import RunConfig, run_async
from gymforge.types import Info, Message, Sampling, Score, StepResult, Task, ToolSpec, Trajectory

ARITH = "gymforge/Arithmetic-v0"


# ---------------------------------------------------------------- (a) engine overhead
class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


async def bare_loop(n: int) -> Clock:
    """The same episodes as direct calls: no seed derivation, no records, no file."""
    clock = Clock().__enter__()
    probe = make(ARITH)
    tasks = [probe.task_family.generate(i, seed=0) for i in range(n)]
    await probe.close()
    for i, task in enumerate(tasks):
        env = make(ARITH)
        policy = OraclePolicy(env)
        obs, info = await env.reset(seed=i, options={"task": task})
        action = await policy.act(obs, info.tools, seed=i, sampling=Sampling())
        result = await env.step(action)
        trajectory = Trajectory(
            run_id="r",
            env_id=ARITH,
            task_id=task.id,
            sample=0,
            seed=i,
            policy="oracle",
            task=task,
            messages=(*obs, action, *result.observation),
        )
        await env.grader().grade(task, trajectory)
        await env.close()
    clock.__exit__()
    return clock


async def engine(n: int, out: Path, concurrency: int) -> Clock:
    config = RunConfig(env_id=ARITH, policy="oracle", num_tasks=n, concurrency=concurrency, out=out)
    with Clock() as clock:
        result = await run_async(config)
    if result.summary.pass_at_1 != 1.0:
        print(f"  warning: oracle pass@1 = {result.summary.pass_at_1} (expected 1.0)")
    return clock


# ----------------------------------------------------------- (b) concurrent sleeps
_COUNT_TASK = Task(id="count", prompt="count")
_GO_ON = (Message.user("go on"),)
_STEPS = {done: StepResult(observation=_GO_ON, terminated=done) for done in (False, True)}
_NEXT = Message.assistant("next")
_NO_INFO = Info()


class CountEnv(Env):
    """Twenty turns of nothing: ends after `turns` steps.

    Its messages and step results are built once (they are frozen), so that what is
    measured is the engine, not this stand-in env constructing pydantic objects.
    """

    def __init__(self, turns: int) -> None:
        self.turns = turns
        self._n = 0
        self._task = _COUNT_TASK

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        self._task = (options or {}).get("task", self._task)
        return [Message.user(self._task.prompt)], _NO_INFO

    async def step(self, action: Message) -> StepResult:
        self._n += 1
        return _STEPS[self._n >= self.turns]

    async def reference_action(self) -> Message:
        return _NEXT

    @property
    def task(self) -> Task:
        return self._task

    @property
    def task_family(self) -> Any:
        return _COUNT_FAMILY

    def grader(self) -> Any:
        return _DONE


class _CountFamily:
    name = "count"
    difficulty = None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(id=f"count/{index}", prompt="count")


class _Done:
    name = "done"

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        return _ONE


_COUNT_FAMILY = _CountFamily()
_DONE = _Done()
_ONE = Score(value=1.0)


class SleepyPolicy:
    name = "sleepy"

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        await asyncio.sleep(self.delay)
        return _NEXT


async def raw_sleeps(episodes: int, turns: int, delay: float) -> Clock:
    async def one() -> None:
        for _ in range(turns):
            await asyncio.sleep(delay)

    with Clock() as clock:
        await asyncio.gather(*(one() for _ in range(episodes)))
    return clock


async def engine_sleeps(episodes: int, turns: int, delay: float, out: Path) -> Clock:
    config = RunConfig(
        env_id="bench/Count-v0", policy="sleepy", num_tasks=episodes, concurrency=episodes, out=out
    )
    policy = SleepyPolicy(delay)
    with Clock() as clock:
        await run_async(
            config, env_factory=lambda: CountEnv(turns), policy_factory=lambda _: policy
        )
    return clock


def best(clocks: list[Clock]) -> Clock:
    """The repetition with the least CPU time (the least disturbed by other processes)."""
    return min(clocks, key=lambda c: c.cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; the best is shown")
    parser.add_argument("--profile", action="store_true", help="cProfile an engine run of each")
    args = parser.parse_args()
    n = args.episodes
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        print(f"(a) engine overhead: {ARITH}, oracle policy, {n} episodes, best of {args.repeat}")
        asyncio.run(bare_loop(200))  # warm imports and caches
        rows: dict[str, list[Clock]] = {}
        for r in range(args.repeat):  # interleaved, so load changes hit every variant alike
            for c in (1, 64):
                rows.setdefault(f"engine c={c}", []).append(
                    asyncio.run(engine(n, tmpdir / f"a{c}-{r}.jsonl", c))
                )
            rows.setdefault("bare loop", []).append(asyncio.run(bare_loop(n)))
        bare = best(rows.pop("bare loop"))
        print(
            f"  {'variant':14} {'rollouts/s wall':>16} {'rollouts/s CPU':>15} {'CPU vs bare':>12}"
        )
        print(f"  {'bare loop':14} {n / bare.wall:16,.0f} {n / bare.cpu:15,.0f} {1.0:12.2f}")
        for name, clocks in rows.items():
            c = best(clocks)
            print(f"  {name:14} {n / c.wall:16,.0f} {n / c.cpu:15,.0f} {bare.cpu / c.cpu:12.2f}")
        print("  target: 5,000 rollouts/s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(engine(n, tmpdir / "p.jsonl", 64))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)

        episodes, turns, delay = 1000, 20, 0.05
        total = episodes * turns
        ideal = episodes / delay
        print(
            f"(b) {episodes} concurrent {turns}-turn episodes, policy sleeps {delay * 1000:.0f} ms"
        )
        raw = best([asyncio.run(raw_sleeps(episodes, turns, delay)) for _ in range(args.repeat)])
        engines = [
            asyncio.run(engine_sleeps(episodes, turns, delay, tmpdir / f"b{r}.jsonl"))
            for r in range(args.repeat)
        ]
        eng = best(engines)
        print(f"  ideal                {ideal:10,.0f} turns/s")
        print(
            f"  raw asyncio sleeps   {total / raw.wall:10,.0f} turns/s   "
            f"raw/ideal = {total / raw.wall / ideal:.2f}   CPU {raw.cpu:.2f} s"
        )
        print(
            f"  engine               {total / eng.wall:10,.0f} turns/s   "
            f"engine/ideal = {total / eng.wall / ideal:.2f}   "
            f"engine/raw = {raw.wall / eng.wall:.2f}   CPU {eng.cpu:.2f} s "
            f"({(eng.cpu - raw.cpu) / total * 1e6:.0f} us of engine+env+policy CPU per turn)"
        )
        ratios = sorted(total / c.wall / ideal for c in engines)
        print(
            f"  engine/ideal of each repetition: {', '.join(f'{r:.3f}' for r in ratios)}   "
            "target: 0.9"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(engine_sleeps(episodes, turns, delay, tmpdir / "pb.jsonl"))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()

"""Rollout engine benchmarks (plain script: prints figures and ratios, asserts nothing).

(a) Engine overhead: Arithmetic-v0 + its grader with the zero-latency oracle policy,
    rollouts/s through `run_async` (trajectories written to a temp file) next to the
    same episodes as bare Python calls (make, reset, reference_action, step, grade).
(b) Concurrency: 1,000 concurrent 20-turn episodes with a policy that sleeps 50 ms
    per turn: turns/s against the ideal 20,000/s and against raw asyncio doing only
    the sleeps.

Usage:
    python benchmarks/bench_engine.py [--episodes 5000] [--profile]
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
async def bare_loop(n: int) -> float:
    """The same episodes as direct calls: no seeds derivation, no records, no file."""
    probe = make(ARITH)
    tasks = [probe.task_family.generate(i, seed=0) for i in range(n)]
    await probe.close()
    grader = probe.grader()
    t0 = time.perf_counter()
    for i, task in enumerate(tasks):
        env = make(ARITH)
        policy = OraclePolicy(env)
        obs, info = await env.reset(seed=i, options={"task": task})
        action = await policy.act(obs, info.tools, seed=i, sampling=Sampling())
        result = await env.step(action)
        trajectory = Trajectory.model_construct(
            run_id="r",
            env_id=ARITH,
            task_id=task.id,
            sample=0,
            seed=i,
            policy="oracle",
            task=task,
            messages=(*obs, action, *result.observation),
        )
        await grader.grade(task, trajectory)
        await env.close()
    return n / (time.perf_counter() - t0)


async def engine(n: int, out: Path, concurrency: int) -> float:
    config = RunConfig(env_id=ARITH, policy="oracle", num_tasks=n, concurrency=concurrency, out=out)
    t0 = time.perf_counter()
    result = await run_async(config)
    elapsed = time.perf_counter() - t0
    assert_ok = result.summary.pass_at_1
    if assert_ok != 1.0:
        print(f"  warning: oracle pass@1 = {assert_ok} (expected 1.0)")
    return n / elapsed


# ----------------------------------------------------------- (b) concurrent sleeps
class CountEnv(Env):
    """Twenty turns of nothing: ends after `turns` steps."""

    def __init__(self, turns: int) -> None:
        self.turns = turns
        self._n = 0
        self._task = Task(id="count", prompt="count")

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        self._task = (options or {}).get("task", self._task)
        return [Message.user(self._task.prompt)], Info()

    async def step(self, action: Message) -> StepResult:
        self._n += 1
        return StepResult(observation=(Message.user("go on"),), terminated=self._n >= self.turns)

    async def reference_action(self) -> Message:
        return Message.assistant("next")

    @property
    def task(self) -> Task:
        return self._task

    @property
    def task_family(self) -> Any:
        class Family:
            name = "count"
            difficulty = None

            def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
                return Task(id=f"count/{index}", prompt="count")

        return Family()

    def grader(self) -> Any:
        class Done:
            name = "done"

            async def grade(self, task: Task, trajectory: Trajectory) -> Score:
                return Score(value=1.0)

        return Done()


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
        return Message.assistant("next")


async def raw_sleeps(episodes: int, turns: int, delay: float) -> float:
    async def one() -> None:
        for _ in range(turns):
            await asyncio.sleep(delay)

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(episodes)))
    return episodes * turns / (time.perf_counter() - t0)


async def engine_sleeps(episodes: int, turns: int, delay: float, out: Path) -> float:
    config = RunConfig(
        env_id="bench/Count-v0", policy="sleepy", num_tasks=episodes, concurrency=episodes, out=out
    )
    policy = SleepyPolicy(delay)
    t0 = time.perf_counter()
    await run_async(config, env_factory=lambda: CountEnv(turns), policy_factory=lambda _: policy)
    return episodes * turns / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="cProfile the engine run")
    args = parser.parse_args()
    n = args.episodes
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        print(f"(a) engine overhead: {ARITH}, oracle policy, {n} episodes")
        asyncio.run(bare_loop(200))  # warm imports and caches
        bare = asyncio.run(bare_loop(n))
        print(f"  bare Python loop          {bare:10,.0f} rollouts/s")
        for c in (1, 64):
            rate = asyncio.run(engine(n, tmpdir / f"a{c}.jsonl", c))
            print(
                f"  engine, concurrency {c:<4}  {rate:10,.0f} rollouts/s   "
                f"engine/bare = {rate / bare:.2f}   target 5,000/s -> {rate / 5000:.2f}x"
            )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(engine(n, tmpdir / "p.jsonl", 64))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)

        episodes, turns, delay = 1000, 20, 0.05
        ideal = episodes / delay
        print(
            f"(b) {episodes} concurrent {turns}-turn episodes, policy sleeps {delay * 1000:.0f} ms"
        )
        raw = asyncio.run(raw_sleeps(episodes, turns, delay))
        eng = asyncio.run(engine_sleeps(episodes, turns, delay, tmpdir / "b.jsonl"))
        print(f"  ideal                     {ideal:10,.0f} turns/s")
        print(f"  raw asyncio sleeps        {raw:10,.0f} turns/s   raw/ideal = {raw / ideal:.2f}")
        print(
            f"  engine                    {eng:10,.0f} turns/s   engine/ideal = {eng / ideal:.2f}"
            f"   engine/raw = {eng / raw:.2f}"
        )


if __name__ == "__main__":
    main()

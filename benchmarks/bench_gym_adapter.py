"""Step overhead of the Gymnasium adapter, against a bare gymnasium.Env doing the same work.

All three variants evaluate the same calculator expression per step and return the same
JSON observation text:

- bare:    a plain ``gymnasium.Env`` calling ``safe_eval`` directly (the floor);
- async:   ``await CalculatorAgentEnv.step(...)`` on one event loop (the env layer's cost:
           tool lookup, pydantic validation, Info with tool specs and milestones);
- adapter: ``gymnasium.make("gymforge/CalculatorAgent-v0").step(json_action)`` (adds
           action parsing, the private event loop, observation JSON and info dicts).

Each variant plays episodes of 16 steps (reset included). Run:
``.venv/bin/python benchmarks/bench_gym_adapter.py [--steps N]``. Figures are medians
of several rounds in the same process, printed as microseconds per step and as ratios
to the bare env (the machine is shared, so compare ratios, not absolute times).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import gymnasium

import gymforge.env
from gymforge.env import AnyText, GymnasiumEnv, parse_action
from gymforge.envs.calculator import CalculatorAgentEnv
from gymforge.envs.calculator._evaluator import format_number, safe_eval

EXPRESSION = "(17 - 4) * 3 / 13 + 2 ** 5 - (-6)"
EPISODE = 16
"""Steps per episode (the adapter keeps the episode's transcript, as it must to grade it)."""
ACTION = json.dumps({"name": "calculate", "arguments": {"expression": EXPRESSION}})


class BareCalculator(gymnasium.Env[str, str]):
    """The same work without gymforge: parse the JSON call, evaluate, answer in JSON."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(self) -> None:
        self.observation_space = AnyText(1_000_000)
        self.action_space = AnyText(1_000_000)
        self.turn = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.turn = 0
        return "[]", {}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        call = json.loads(action)
        value = format_number(safe_eval(call["arguments"]["expression"]))
        self.turn += 1
        message = {"role": "tool", "content": value, "tool_call_id": f"call_{self.turn}"}
        return json.dumps([message]), 0.0, False, False, {"calls": self.turn}


def per_step_us(env: Any, steps: int) -> float:
    """Mean time per step over episodes of `EPISODE` steps (resets included)."""
    start = time.perf_counter()
    for i in range(steps):
        if i % EPISODE == 0:
            env.reset(seed=i)
        env.step(ACTION)
    return (time.perf_counter() - start) / steps * 1e6


def bench_bare(steps: int) -> float:
    return per_step_us(BareCalculator(), steps)


def bench_async(steps: int) -> float:
    async def run() -> float:
        env = CalculatorAgentEnv()
        action = parse_action(ACTION)
        start = time.perf_counter()
        for i in range(steps):
            if i % EPISODE == 0:
                await env.reset(seed=i)
            await env.step(action)
        return (time.perf_counter() - start) / steps * 1e6

    return asyncio.run(run())


def bench_adapter(steps: int) -> float:
    env = gymnasium.make("gymforge/CalculatorAgent-v0", max_turns=None)
    try:
        assert isinstance(env.unwrapped, GymnasiumEnv)
        return per_step_us(env, steps)
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the median is shown)")
    args = parser.parse_args()
    gymforge.env.load_plugins()
    results: dict[str, list[float]] = {"bare": [], "async": [], "adapter": []}
    for _ in range(args.rounds):
        results["bare"].append(bench_bare(args.steps))
        results["async"].append(bench_async(args.steps))
        results["adapter"].append(bench_adapter(args.steps))
    medians = {name: statistics.median(times) for name, times in results.items()}
    print(f"{args.steps} steps x {args.rounds} rounds, expression {EXPRESSION!r}")
    for name, us in medians.items():
        print(f"  {name:8s} {us:8.1f} us/step   x{us / medians['bare']:.2f} of bare")
    print(f"adapter / bare ratio: {medians['adapter'] / medians['bare']:.2f}")
    print(
        f"adapter overhead over the async env: {medians['adapter'] - medians['async']:.1f} us/step"
    )


if __name__ == "__main__":
    main()

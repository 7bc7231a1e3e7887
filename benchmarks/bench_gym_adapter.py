"""Step overhead of the Gymnasium adapter, against a bare gymnasium.Env doing the same work.

The env is CalculatorAgent-v0 and every step is one ``calculate`` call, in episodes of 16
steps (resets are not timed). Variants:

- bare:    a hand-written ``gymnasium.Env`` doing what CalculatorAgent does for that
           action, and returning what the adapter returns: it decodes the JSON call,
           checks the tool name and the arguments, evaluates with the same ``safe_eval``,
           counts the calls and errors (the milestones), and answers with the same
           observation string and an equal info dict (tool specs, policy, milestones,
           extra). The benchmark checks that both give identical step outputs first.
- adapter: ``gymnasium.make("gymforge/CalculatorAgent-v0").step(json_action)``.
- loop:    the adapter with ``eager_start=False`` (every call through
           ``run_until_complete``), to show what the eager start saves.
- async:   ``await CalculatorAgentEnv.step(message)`` on one event loop: the env layer
           alone (tool lookup, pydantic validation, Info), no adapter.
- eval:    only ``safe_eval`` + ``json.dumps`` of a short answer: what the benchmark
           compared with before (it returned neither the tool name nor the info, and
           timed the adapter's resets, task generation included, against none).

Both gymnasium variants are made with ``gymnasium.make`` (the same Gymnasium wrappers).
Each round runs every variant, in a shuffled order. Each line gives microseconds per step
and steps/s as the median and range over rounds, per CPU second of this process
(``time.process_time``, the stable figure on a shared machine) and per wall-clock second,
and the ratio to the bare env of the same round. Run:
``.venv/bin/python benchmarks/bench_gym_adapter.py [--steps N] [--rounds R] [--parts]``;
``--parts`` also times each piece of the adapter's step path alone.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import gymnasium

import gymforge.env
from gymforge.env import AnyText, GymnasiumEnv, encode_observation, parse_action
from gymforge.env._gym import _EagerLoop, _InfoDicts
from gymforge.env.authoring import turn_record
from gymforge.envs.calculator import CalculatorAgentEnv
from gymforge.envs.calculator._evaluator import format_number, safe_eval
from gymforge.errors import ToolError
from gymforge.types import Message

ENV_ID = "gymforge/CalculatorAgent-v0"
BARE_ID = "bench/BareCalculator-v0"
EXPRESSION = "(17 - 4) * 3 / 13 + 2 ** 5 - (-6)"
EPISODE = 16
"""Steps per episode (the adapter keeps the episode's transcript, as it must to grade it)."""
ACTION = json.dumps({"name": "calculate", "arguments": {"expression": EXPRESSION}})
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _tool_specs() -> list[dict[str, Any]]:
    """CalculatorAgent's tool list as JSON data: a hand-written env would write it once."""
    env = CalculatorAgentEnv()
    _, info = asyncio.run(env.reset(seed=0))
    return [spec.model_dump(mode="json") for spec in info.tools]


class BareCalculator(gymnasium.Env[str, str]):
    """CalculatorAgent's ``calculate`` step, hand-written, with the adapter's outputs."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(self) -> None:
        self.observation_space = AnyText(10_000_000)
        self.action_space = AnyText(1_000_000)
        self.tools = _tool_specs()
        self.turn = self.calls = self.errors = 0

    def _info(self) -> dict[str, Any]:
        milestones = {
            "calculator_calls": self.calls,
            "calculator_errors": self.errors,
            "used_calculator": self.calls > self.errors,
            "answered": False,
        }
        return {"tools": self.tools, "policy": None, "milestones": milestones, "extra": {}}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.turn = self.calls = self.errors = 0
        return "[]", self._info()

    def _calculate(self, arguments: Any) -> str:
        if not isinstance(arguments, dict) or set(arguments) != {"expression"}:
            return "error: calculate takes exactly one argument, 'expression'"
        expression = arguments["expression"]
        if not isinstance(expression, str):
            return "error: argument 'expression': must be a string"
        self.calls += 1
        try:
            return format_number(safe_eval(expression))
        except ToolError as exc:
            self.errors += 1
            return f"error: {exc}"

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        call = json.loads(action)
        name = call.get("name")
        if name == "calculate":
            content = self._calculate(call.get("arguments"))
        else:
            content = f"error: unknown tool {name!r}; available: calculate"
        message = {
            "role": "tool",
            "content": content,
            "tool_call_id": f"call_{self.turn}_0",
            "name": name,
        }
        self.turn += 1
        return _ENCODER.encode([message]), 0.0, False, False, self._info()


def _make(env_id: str, **kwargs: Any) -> Any:
    if env_id == ENV_ID:
        return gymnasium.make(env_id, max_turns=None, **kwargs)
    return gymnasium.make(env_id, **kwargs)


def check_same_outputs(steps: int = 2 * EPISODE) -> None:
    """Refuse to time variants that do not return the same step outputs."""
    bare, adapter = _make(BARE_ID), _make(ENV_ID)
    try:
        for i in range(steps):
            if i % EPISODE == 0:
                bare.reset(seed=i)
                adapter.reset(seed=i)
            got, want = bare.step(ACTION), adapter.step(ACTION)
            if got != want:
                raise SystemExit(f"bare and adapter differ at step {i}:\n{got}\n{want}")
    finally:
        bare.close()
        adapter.close()


Timing = tuple[float, float]
"""(CPU, wall) microseconds per step."""


def _per_step(cpu: float, wall: float, steps: int) -> Timing:
    return cpu / steps * 1e6, wall / steps * 1e6


def gym_steps(env_id: str, steps: int, **kwargs: Any) -> Timing:
    """Time per step over episodes of `EPISODE` steps (resets not timed)."""
    env = _make(env_id, **kwargs)
    try:
        if env_id == ENV_ID and not isinstance(env.unwrapped, GymnasiumEnv):
            raise SystemExit(f"{ENV_ID} is not made through the adapter")
        cpu = wall = 0.0
        for episode in range(0, steps, EPISODE):
            env.reset(seed=episode)
            n = min(EPISODE, steps - episode)
            c, w = time.process_time(), time.perf_counter()
            for _ in range(n):
                env.step(ACTION)
            cpu += time.process_time() - c
            wall += time.perf_counter() - w
        return _per_step(cpu, wall, steps)
    finally:
        env.close()


def async_steps(steps: int) -> Timing:
    async def run() -> Timing:
        env = CalculatorAgentEnv()
        # Call ids are unique within an episode (a repeated one is refused, not run),
        # so each step of an episode gets its own, as the adapter gives them.
        actions = [parse_action(ACTION, call_id_prefix=f"call_{i}") for i in range(EPISODE)]
        cpu = wall = 0.0
        for episode in range(0, steps, EPISODE):
            await env.reset(seed=episode)
            n = min(EPISODE, steps - episode)
            c, w = time.process_time(), time.perf_counter()
            for action in actions[:n]:
                await env.step(action)
            cpu += time.process_time() - c
            wall += time.perf_counter() - w
        return _per_step(cpu, wall, steps)

    return asyncio.run(run())


def eval_steps(steps: int) -> Timing:
    c, w = time.process_time(), time.perf_counter()
    for i in range(steps):
        value = format_number(safe_eval(json.loads(ACTION)["arguments"]["expression"]))
        json.dumps([{"role": "tool", "content": value, "tool_call_id": f"call_{i}"}])
    return _per_step(time.process_time() - c, time.perf_counter() - w, steps)


def parts() -> None:
    """Each piece of the adapter's step path, timed alone (microseconds per call)."""
    env = CalculatorAgentEnv()
    loop, eager = asyncio.new_event_loop(), _EagerLoop()
    loop.run_until_complete(env.reset(seed=0))
    ids = itertools.count()  # a fresh call id for every step (repeated ids are refused)

    def message() -> Message:
        return parse_action(ACTION, call_id_prefix=f"call_{next(ids)}")

    result = loop.run_until_complete(env.step(message()))
    info_dict = _InfoDicts()

    async def nothing() -> None:
        return None

    pieces: dict[str, Callable[[], object]] = {
        "parse_action": lambda: parse_action(ACTION, call_id_prefix="call_3"),
        "parse_action + env.step, eager": lambda: eager.run(env.step(message())),
        "parse_action + env.step, loop": lambda: loop.run_until_complete(env.step(message())),
        "  run_until_complete(nothing)": lambda: loop.run_until_complete(nothing()),
        "  eager run(nothing)": lambda: eager.run(nothing()),
        "encode_observation": lambda: encode_observation(result.observation),
        "  pydantic dump + json.dumps": lambda: json.dumps(
            [m.model_dump(mode="json", exclude_none=True) for m in result.observation],
            ensure_ascii=False,
        ),
        "info dict": lambda: info_dict(result.info),
        "  Info.model_dump(mode='json')": lambda: result.info.model_dump(mode="json"),
        "turn_record": lambda: turn_record(result),
    }
    print("pieces of the adapter's step, alone (CPU us per call, best of 5):")
    for name, fn in pieces.items():
        best = min(_cpu_repeat(fn) for _ in range(5))
        print(f"  {name:32s} {best:7.1f}")
    loop.close()
    eager.close()


def _cpu_repeat(fn: Callable[[], object], number: int = 2000) -> float:
    start = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - start) / number * 1e6


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} ({min(values):.2f}-{max(values):.2f})"


def _report(clock: str, times: dict[str, list[float]]) -> None:
    bare = times["bare"]
    print(f"per {clock} second: us/step, steps/s and x bare, median (range) over rounds")
    for name, us in times.items():
        rates = [1e6 / t for t in us]
        ratios = [t / b for t, b in zip(us, bare, strict=True)]
        print(
            f"  {name:8s} {_summary(us):>22s} us  {statistics.median(rates):7.0f}/s"
            f" ({min(rates):.0f}-{max(rates):.0f})  x{_summary(ratios).strip()}"
        )
    ratios = [a / b for a, b in zip(times["adapter"], bare, strict=True)]
    overhead = [a - s for a, s in zip(times["adapter"], times["async"], strict=True)]
    print(f"  adapter / bare: {_summary(ratios).strip()}")
    print(f"  adapter - async env: {_summary(overhead).strip()} us/step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per variant per round")
    parser.add_argument("--rounds", type=int, default=9, help="rounds (median and range shown)")
    parser.add_argument("--parts", action="store_true", help="also time the step's pieces")
    args = parser.parse_args()
    gymforge.env.load_plugins()
    gymnasium.register(BARE_ID, entry_point=BareCalculator)
    check_same_outputs()
    variants: dict[str, Callable[[int], Timing]] = {
        "bare": lambda n: gym_steps(BARE_ID, n),
        "adapter": lambda n: gym_steps(ENV_ID, n),
        "loop": lambda n: gym_steps(ENV_ID, n, eager_start=False),
        "async": async_steps,
        "eval": eval_steps,
    }
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    for round_ in range(args.rounds):
        random.Random(round_).shuffle(order)  # no variant always runs first or last
        for name in order:
            c, w = variants[name](args.steps)
            cpu[name].append(c)
            wall[name].append(w)
    print(f"{args.steps} steps x {args.rounds} rounds, expression {EXPRESSION!r}")
    _report("CPU", cpu)
    _report("wall-clock", wall)
    if args.parts:
        parts()


if __name__ == "__main__":
    main()

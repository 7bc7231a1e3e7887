"""Baselines and search speed for the game envs, KeyDoor and the Gymnasium bridge.

Usage (prints Markdown tables for docs/envs/*.md):

    .venv/bin/python benchmarks/bench_games.py speed
    .venv/bin/python benchmarks/bench_games.py solver --positions 10
    .venv/bin/python benchmarks/bench_games.py games --n 100 --n-c4 40
    .venv/bin/python benchmarks/bench_games.py keydoor --n 50
    .venv/bin/python benchmarks/bench_games.py classic --n 100

Every game is played through the env (the same code an LLM agent meets): the
agent's side comes from the seed, opponents break ties with the episode rng.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from gymforge._util import derive_seed
from gymforge.env import make, oracle_episode
from gymforge.envs.classic._register import BRIDGED
from gymforge.envs.games import ConnectFourEnv, KeyDoorEnv, TicTacToeEnv
from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._game_env import _optimal, draw_opening
from gymforge.envs.games._keydoor import LEVELS
from gymforge.envs.games._search import alphabeta, choose_move
from gymforge.envs.games._solver import NativeSolver, PySolver, optimal_moves, solve
from gymforge.types import Message, ToolCall

Agent = Callable[[Any, random.Random], int] | None  # None = the env's reference


def _agents(title: str) -> dict[str, Agent]:
    """One player per opponent level (1 random, 2-4 alpha-beta, 5 perfect), then the reference."""
    level5 = "minimax:9 (perfect)" if title == "TicTacToe" else "perfect (solver)"
    return {
        "random": lambda s, rng: rng.choice(s.legal_moves()),
        "minimax:1": lambda s, rng: choose_move(s, 1, rng),
        "minimax:2": lambda s, rng: choose_move(s, 2, rng),
        "minimax:4": lambda s, rng: choose_move(s, 4, rng),
        level5: lambda s, rng: rng.choice(_optimal(s)),
        "reference (perfect, deterministic)": None,
    }


async def _play(env: TicTacToeEnv | ConnectFourEnv, agent: Agent, seed: int) -> str:
    await env.reset(seed=seed)
    rng = random.Random(derive_seed("bench-agent", seed))
    while not env.ended:
        if agent is None:
            action = await env.reference_action()
        else:
            move = agent(env.state, rng)
            call = ToolCall.make("move", {env.rules.arg: move + 1}, id=f"m{env.turn}")
            action = Message.assistant(tool_calls=[call])
        await env.step(action)
    return env.outcome or "draw"


def _pct(outcomes: list[str]) -> str:
    tally = Counter(outcomes)
    return " / ".join(f"{100 * tally[k] / len(outcomes):.0f}" for k in ("win", "draw", "loss"))


async def games(n: int, n_c4: int) -> None:
    plan = (("TicTacToe", TicTacToeEnv, n), ("ConnectFour", ConnectFourEnv, n_c4))
    for title, cls, count in plan:
        if count == 0:
            continue
        if cls is ConnectFourEnv:
            # The ceiling against perfect play: the solved value of each start position.
            values = []
            for seed in range(count):
                env = ConnectFourEnv(opponent="perfect")
                await env.reset(seed=seed)
                v = solve(env.state)  # type: ignore[arg-type]
                values.append("win" if v > 0 else "draw" if v == 0 else "loss")
            print(f"\nsolved value for the agent at its first turn: {_pct(values)}")
        print(f"\n### {title}: agent (rows) vs opponent (columns), win/draw/loss % over {count}")
        print("| agent | vs random | vs perfect |\n|---|---|---|")
        for name, agent in _agents(title).items():
            cells = []
            for opponent in ("random", "perfect"):
                env = cls(opponent=opponent)  # type: ignore[arg-type]
                cells.append(_pct([await _play(env, agent, seed) for seed in range(count)]))
            print(f"| {name} | {cells[0]} | {cells[1]} |", flush=True)


def _positions(stones: int, count: int, seed: int) -> list[ConnectFour]:
    """Seeded undecided positions, drawn like the env's openings."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        state = ConnectFour.initial()
        for move in draw_opening(state, stones, rng):
            state = state.play(move)
        out.append(state)
    return out


def solver(count: int) -> None:
    """Seconds per perfect move by stones on the board; native vs the pure-Python twin."""
    native = NativeSolver()
    print("| stones | mean s/move | max s/move |\n|---|---|---|")
    for stones in (6, 8, 10, 12, 16, 20):
        times = []
        for state in _positions(stones, count, stones):
            t = time.perf_counter()
            optimal_moves(state, native)
            times.append(time.perf_counter() - t)
        print(f"| {stones} | {sum(times) / len(times):.3f} | {max(times):.3f} |", flush=True)
    # Side by side: the same algorithm in C and in Python, on the same positions.
    positions = _positions(20, count, 99)
    seconds = {}
    for name, make_solver in (("native", NativeSolver), ("python", PySolver)):
        t = time.perf_counter()
        for state in positions:
            optimal_moves(state, make_solver())  # type: ignore[abstract]
        seconds[name] = time.perf_counter() - t
    ratio = seconds["python"] / seconds["native"]
    print(
        f"\n{count} positions of 20 stones, all optimal moves: native {seconds['native']:.2f} s, "
        f"python twin {seconds['python']:.2f} s: native is {ratio:.0f}x faster"
    )


def speed() -> None:
    rng = random.Random(0)
    positions = []
    while len(positions) < 10:
        s = ConnectFour.initial()
        for _ in range(rng.randint(4, 16)):
            s = s.play(rng.choice(s.legal_moves()))
            if s.is_over():
                break
        if not s.is_over():
            positions.append(s)
    print("| depth | mean s/move | max s/move |\n|---|---|---|")
    for depth in (4, 5, 6, 7, 8):
        times = []
        for s in positions:
            t = time.perf_counter()
            alphabeta(s, depth)
            times.append(time.perf_counter() - t)
        print(f"| {depth} | {sum(times) / len(times):.3f} | {max(times):.3f} |", flush=True)


async def keydoor(n: int) -> None:
    print(f"| level | optimal actions (mean) | oracle success | random success | over {n} |")
    print("|---|---|---|---|---|")
    for level in sorted(LEVELS):
        env = KeyDoorEnv(difficulty=level)
        lengths, oracle, rand = [], 0, 0
        for seed in range(n):
            traj = await oracle_episode(env, seed=seed, max_steps=1000)
            lengths.append(len(traj.turns))
            oracle += traj.milestones.get("goal") is True
            await env.reset(seed=seed)
            rng = random.Random(seed)
            while True:
                pick, call_id = rng.randrange(6), f"r{env.turn}"  # ids are unique per episode
                d = ("north", "south", "east", "west")[pick % 4]
                call = (
                    ToolCall.make("move", {"direction": d}, id=call_id)
                    if pick < 4
                    else ToolCall.make("pick_up", {}, id=call_id)
                    if pick == 4
                    else ToolCall.make("open_door", {"direction": d}, id=call_id)
                )
                result = await env.step(Message.assistant(tool_calls=[call]))
                if result.terminated or result.truncated:
                    rand += result.terminated
                    break
        mean = sum(lengths) / n
        print(f"| {level} | {mean:.1f} | {oracle / n:.2f} | {rand / n:.2f} | |", flush=True)


async def classic(n: int) -> None:
    print(f"| gymforge id | Gymnasium id | reference mean return | random mean return | n={n} |")
    print("|---|---|---|---|---|")
    for env_id, (gym_id, _) in BRIDGED.items():
        env: Any = make(env_id)  # through make, so the turn limit applies to both agents
        n_actions = env.unwrapped.n_actions
        ref = []
        for seed in range(n):
            traj = await oracle_episode(env, seed=seed, max_steps=2000)
            ref.append(sum(t.reward for t in traj.turns))
        rnd = []
        for seed in range(n):
            await env.reset(seed=seed)
            rng = random.Random(seed)
            total = 0.0
            while True:
                action = {"action": rng.randrange(n_actions)}
                call = ToolCall.make("act", action, id=f"r{env.unwrapped.turn}")
                result = await env.step(Message.assistant(tool_calls=[call]))
                total += result.reward
                if result.terminated or result.truncated:
                    break
            rnd.append(total)
        print(f"| {env_id} | {gym_id} | {sum(ref) / n:.2f} | {sum(rnd) / n:.2f} | |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "what",
        nargs="?",
        default="speed",
        choices=["speed", "solver", "games", "keydoor", "classic"],
    )
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--n-c4", type=int, default=40)
    parser.add_argument("--positions", type=int, default=10)
    args = parser.parse_args()
    if args.what == "speed":
        speed()
    elif args.what == "solver":
        solver(args.positions)
    elif args.what == "games":
        asyncio.run(games(args.n, args.n_c4))
    elif args.what == "keydoor":
        asyncio.run(keydoor(args.n))
    else:
        asyncio.run(classic(args.n))


if __name__ == "__main__":
    main()

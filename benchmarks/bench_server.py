"""Env server throughput and latency: concurrent sessions over WebSocket and HTTP.

The server runs in its own process (one uvicorn worker = one core) with a trivial env;
the load generator runs in another process. Each level opens N sessions at once, then
every session steps in a closed loop for a fixed number of rounds. Loopback only,
bounded loops. Prints steps/s, p50/p99 step latency, and the ratio to the targets
(>= 1,000 steps/s per server core over WebSocket; 2,000 sessions with p99 < 250 ms).

    python benchmarks/bench_server.py [--levels 100,500,2000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

ENV_ID = "bench/Echo-v0"


def _serve(port: int) -> None:
    """Server process: a trivial echo env behind the real app."""
    import uvicorn

    from gymforge.env import Env
    from gymforge.server import ServerConfig, create_app
    from gymforge.types import Info, Message, Score, StepResult, Task, Trajectory

    class Family:
        name = "echo"
        difficulty = None

        def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
            return Task(id=f"echo/{index}", prompt="say anything")

    class Grader:
        name = "none"

        async def grade(self, task: Task, trajectory: Trajectory) -> Score:
            return Score(value=0.0)

    class Echo(Env):
        _task = Task(id="echo/0", prompt="say anything")

        async def reset(
            self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
        ) -> tuple[list[Message], Info]:
            return [Message.user("say anything")], Info()

        async def step(self, action: Message) -> StepResult:
            return StepResult(observation=(Message.user(action.content or ""),))

        async def reference_action(self) -> Message:
            return Message.assistant("hi")

        @property
        def task(self) -> Task:
            return self._task

        @property
        def task_family(self) -> Family:
            return Family()

        def grader(self) -> Grader:
            return Grader()

    config = ServerConfig(no_auth=True, max_sessions=10_000, idle_timeout_s=600)
    app = create_app(config, env_factory=lambda env_id: Echo())
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        backlog=8192,
        ws_ping_interval=None,
        limit_max_requests=None,
    )


async def _ws_level(url: str, sessions: int, rounds: int, rate: float = 0.0) -> dict[str, float]:
    """Each session steps `rounds` times over its own socket.

    rate 0: closed loop, every session sends its next step as soon as the last one is
    answered (saturation; latency is then bound by sessions / throughput). rate > 0:
    paced, the sessions together offer `rate` steps/s, each on a fixed schedule, and
    latency counts from the scheduled send time (a stalled server is not hidden).
    """
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    opened = 0
    period = sessions / rate if rate else 0.0

    async def one(i: int) -> None:
        nonlocal opened
        ws_url = url.replace("http", "ws") + "/v1/ws"
        async with connect(ws_url, open_timeout=60, ping_interval=None) as ws:
            await ws.send(json.dumps({"id": 0, "op": "create", "env_id": ENV_ID, "seed": i}))
            sid = json.loads(await ws.recv())["result"]["session_id"]
            opened += 1
            await ready.wait()
            action = {"role": "assistant", "content": "hello"}
            first = start + period * i / sessions
            for r in range(rounds):
                due = first + r * period
                if rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                t0 = due if rate else time.perf_counter()
                frame = {"id": r + 1, "op": "step", "session_id": sid, "action": action}
                await ws.send(json.dumps(frame))
                reply = json.loads(await ws.recv())
                latencies.append(time.perf_counter() - t0)
                if not reply["ok"]:
                    raise RuntimeError(reply)
            await ws.send(json.dumps({"id": -1, "op": "close", "session_id": sid}))
            await ws.recv()

    ready = asyncio.Event()
    start = 0.0
    tasks = [asyncio.create_task(one(i)) for i in range(sessions)]
    while opened < sessions:
        await asyncio.sleep(0.01)
        for t in tasks:
            if t.done() and t.exception():
                raise t.exception()  # type: ignore[misc]
    start = t0 = time.perf_counter() + 0.05
    ready.set()
    await asyncio.gather(*tasks)
    return _figures(latencies, time.perf_counter() - t0, opened)


class _Http11:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams (one connection).

    httpx's connection pool, not the server, becomes the bottleneck past a few dozen
    concurrent requests, which would measure the load generator instead of the server.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> _Http11:
        host, port = url.split("//", 1)[1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, host)

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return status, (json.loads(payload) if payload else None)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def _http_level(url: str, sessions: int, rounds: int) -> dict[str, float]:
    latencies: list[float] = []
    ready = asyncio.Event()
    opened = 0

    async def one(i: int) -> None:
        nonlocal opened
        conn = await _Http11.open(url)
        status, created = await conn.request("POST", "/v1/sessions", {"env_id": ENV_ID, "seed": i})
        if status != 201:
            raise RuntimeError(created)
        sid = created["session_id"]
        opened += 1
        await ready.wait()
        body = {"action": {"role": "assistant", "content": "hello"}}
        for _ in range(rounds):
            t0 = time.perf_counter()
            status, reply = await conn.request("POST", f"/v1/sessions/{sid}/step", body)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(reply)
        await conn.request("DELETE", f"/v1/sessions/{sid}")
        await conn.close()

    tasks = [asyncio.create_task(one(i)) for i in range(sessions)]
    while opened < sessions:
        await asyncio.sleep(0.01)
        for t in tasks:
            if t.done() and t.exception():
                raise t.exception()  # type: ignore[misc]
    t0 = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return _figures(latencies, time.perf_counter() - t0, opened)


def _figures(latencies: list[float], elapsed: float, sessions: int) -> dict[str, float]:
    latencies.sort()
    n = len(latencies)
    return {
        "sessions": sessions,
        "steps": n,
        "steps_per_s": n / elapsed,
        "p50_ms": 1000 * latencies[n // 2],
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))],
    }


def _load(url: str, transport: str, sessions: int, rounds: int, rate: float) -> None:
    """Load-generator process: prints one JSON line of figures."""
    if transport == "ws":
        figures = asyncio.run(_ws_level(url, sessions, rounds, rate))
    else:
        figures = asyncio.run(_http_level(url, sessions, rounds))
    print(json.dumps(figures))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="100,500,2000")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=1000.0,
        help="offered steps/s of the paced WebSocket runs (0: skip them)",
    )
    parser.add_argument("--load", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve)
        return
    if args.load:
        url, transport, sessions, rounds, rate = args.load
        _load(url, transport, int(sessions), int(rounds), float(rate))
        return

    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        print(f"env server: 1 uvicorn worker (1 core of {os.cpu_count()}), trivial echo env")
        head = ("transport", "sessions", "steps", "steps/s", "p50 ms", "p99 ms")
        print("{:9} {:>8} {:>7} {:>9} {:>8} {:>8}".format(*head))
        results: dict[tuple[str, int], dict[str, float]] = {}
        levels = [int(x) for x in args.levels.split(",")]
        runs = [("ws", n, 0.0) for n in levels] + [("http", n, 0.0) for n in levels]
        if args.paced_rate:
            runs += [("ws-paced", n, args.paced_rate) for n in levels]
        for label, level, rate in runs:
            transport = label.split("-")[0]
            argv = [sys.executable, __file__, "--load", url, transport, str(level)]
            out = subprocess.run(
                [*argv, str(args.rounds), str(rate)], capture_output=True, text=True, timeout=900
            )
            if out.returncode != 0:
                print(f"{label:9} {level:>8}  FAILED: {out.stderr.strip().splitlines()[-1:]}")
                continue
            fig = json.loads(out.stdout.strip().splitlines()[-1])
            results[(label, level)] = fig
            print(
                f"{label:9} {level:>8} {fig['steps']:>7.0f} {fig['steps_per_s']:>9.0f} "
                f"{fig['p50_ms']:>8.1f} {fig['p99_ms']:>8.1f}"
            )
        best_ws = max((f["steps_per_s"] for (t, _), f in results.items() if t == "ws"), default=0.0)
        print(f"ratio ws steps/s per server core to the 1,000/s target: {best_ws / 1000:.2f}x")
        print("for scale: OpenEnv reports ~116 requests/s per core (932/s on 8 cores)")
        print(f"ratio ws steps/s to OpenEnv's per-core figure: {best_ws / 116:.1f}x")
        top = max(levels)
        for label, what in (("ws", "closed loop (saturation)"), ("ws-paced", "paced")):
            fig = results.get((label, top))
            if fig:
                print(
                    f"ratio of p99 at {top} ws sessions, {what}, to the 250 ms target: "
                    f"{fig['p99_ms'] / 250:.2f} (below 1 meets it)"
                )
        print(
            "closed loop: every session sends its next step at once, so p99 >= sessions / "
            "throughput (Little's law); paced: the sessions together offer "
            f"{args.paced_rate:.0f} steps/s, as agents waiting on a model do"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

"""A small deterministic env and a real uvicorn server on loopback for the server tests."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
import uvicorn

from gymforge.env import Env, EnvSpec, ToolEnv, tool
from gymforge.errors import NotFoundError, ToolRefused
from gymforge.server import ServerConfig, create_app
from gymforge.types import Info, Message, Score, StepResult, Task, Trajectory


class CountFamily:
    name = "count"
    difficulty = None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(
            id=f"count/{seed}/{index}", prompt=f"count to {3 + index % 3}", answer=3 + index % 3
        )


class LastTextGrader:
    name = "last_text"

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        last = [m for m in trajectory.messages if m.role == "assistant"]
        ok = bool(last) and last[-1].content == str(task.answer)
        return Score(value=1.0 if ok else 0.0, explanation="final count")


class CountEnv(Env):
    """Says a number each step; terminates when the agent says the target."""

    def __init__(
        self, *, sleep_s: float = 0.0, reset_sleep_s: float = 0.0, fail_on: str | None = None
    ):
        self._sleep = sleep_s
        self._reset_sleep = reset_sleep_s
        self._fail_on = fail_on
        self._task: Task | None = None
        self._n = 0
        self.closed = 0

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        if self._reset_sleep:
            await asyncio.sleep(self._reset_sleep)
        options = options or {}
        index = int(options.get("task_index", 0))
        self._task = CountFamily().generate(index, seed=seed or 0)
        self._n = 0
        return [Message.user(f"{self._task.prompt} (seed {seed})")], Info(milestones={"n": 0})

    async def step(self, action: Message) -> StepResult:
        if self._sleep:
            await asyncio.sleep(self._sleep)
        if self._fail_on is not None and action.content == self._fail_on:
            raise RuntimeError("the env broke")
        self._n += 1
        done = action.content == str(self.task.answer)
        return StepResult(
            observation=(Message.user(f"heard {action.content!r} at {self._n}"),),
            reward=1.0 if done else 0.0,
            terminated=done,
            info=Info(milestones={"n": self._n}),
        )

    async def reference_action(self) -> Message:
        return Message.assistant(str(self.task.answer))

    @property
    def task(self) -> Task:
        assert self._task is not None
        return self._task

    @property
    def task_family(self) -> CountFamily:
        return CountFamily()

    def grader(self) -> LastTextGrader:
        return LastTextGrader()

    async def close(self) -> None:
        self.closed += 1


class LedgerFamily:
    name = "ledger"
    difficulty = None

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        return Task(id=f"ledger/{seed}/{index}", prompt="deposit 5 in total", answer=5)


class DepositsGrader:
    """Reads the tool outcomes, never the replies: the sum of the deposits that ran."""

    name = "deposits"

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        ran = [o for o in trajectory.successful_calls(writes_only=True) if o.tool == "deposit"]
        total = sum(int(o.arguments["amount"]) for o in ran)  # type: ignore[call-overload,index]
        kinds = ",".join(o.kind for o in trajectory.tool_outcomes())
        return Score(value=1.0 if total == task.answer else 0.0, explanation=f"{total}; {kinds}")


class LedgerEnv(ToolEnv):
    """A ledger: `deposit` (a write, refused unless positive) and `balance` (a read)."""

    def __init__(self) -> None:
        super().__init__(LedgerFamily(), DepositsGrader())

    @tool(writes=True)
    def deposit(self, amount: int) -> str:
        """Add money.

        Args:
            amount: How much; must be positive.
        """
        if amount <= 0:
            raise ToolRefused("deposits must be positive")
        self.total += amount
        return f"balance {self.total}"

    @tool
    def balance(self) -> str:
        """The balance."""
        return str(self.total)

    async def on_reset(self, options: Any) -> None:
        self.total = 0

    async def opening_messages(self) -> list[Message]:
        return [Message.user(self.task.prompt)]

    async def reference_action(self) -> Message:
        return Message.assistant("done")


ENV_ID = "test/Count-v0"
LEDGER_ID = "test/Ledger-v0"


def count_factory(env_id: str, **kwargs: Any) -> Env:
    if env_id == ENV_ID:
        return CountEnv(**kwargs)
    if env_id == "test/Slow-v0":
        return CountEnv(sleep_s=5.0)
    if env_id == LEDGER_ID:
        return LedgerEnv()
    if env_id == "test/SlowReset-v0":
        return CountEnv(reset_sleep_s=1.5)
    if env_id == "test/SlowStep-v0":
        return CountEnv(sleep_s=0.5)
    if env_id == "test/Broken-v0":
        return CountEnv(fail_on="boom")
    raise NotFoundError(f"unknown env id {env_id!r}")


def count_specs() -> list[EnvSpec]:
    return [
        EnvSpec(id=i, entry_point=count_factory) for i in (ENV_ID, "test/Slow-v0", "test/Broken-v0")
    ]


def make_test_app(config: ServerConfig) -> Any:
    return create_app(config, env_factory=count_factory, specs=count_specs)


def spawn_server(port: int, config: str) -> subprocess.Popen[bytes]:
    """A server in its own process (so a client in the test does not share its GIL)."""
    code = (
        "import sys, uvicorn; sys.path.insert(0, sys.argv[2]);"
        "from conftest import make_test_app;"
        "from gymforge.server import ServerConfig;"
        f"app = make_test_app(ServerConfig({config}));"
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='error')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(port), os.path.dirname(__file__)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the test server did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.app = make_test_app(config)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="error",
                ws_max_size=config.max_body_bytes,
                ws_ping_interval=None,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def manager(self) -> Any:
        return self.app.state.manager


TOKEN_A = "token-a-" + "x" * 24
TOKEN_B = "token-b-" + "y" * 24


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    server = LiveServer(
        ServerConfig(
            tokens=(TOKEN_A, TOKEN_B), step_timeout_s=1.0, max_sessions=64, max_body_bytes=65536
        )
    ).start()
    try:
        yield server
    finally:
        server.stop()

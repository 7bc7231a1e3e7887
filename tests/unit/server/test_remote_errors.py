"""RemoteEnv tells a slow server from a dropped socket, and leaves no orphan session behind."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection, serve

from gymforge.errors import EnvError
from gymforge.policy import ConstantPolicy
from gymforge.rollout import RunConfig, read_trajectories, run_async
from gymforge.server import RemoteEnv, RemoteTimeout, RemoteUnavailable, ServerConfig
from gymforge.types import Message

from .conftest import ENV_ID, TOKEN_A, LiveServer

CLIENT_TIMEOUT_S = 0.25
"""Below the slow envs' 1.0 s reset and 0.5 s step, far below the server's own limit."""


@pytest.fixture
def patient_server() -> Iterator[LiveServer]:
    """A server whose own step timeout (10 s) never fires first: only the client's does."""
    server = LiveServer(ServerConfig(tokens=(TOKEN_A,), step_timeout_s=10.0)).start()
    try:
        yield server
    finally:
        server.stop()


def wait_until_idle(server: LiveServer, deadline_s: float = 10.0) -> None:
    """Wait until no env call runs on the server (the slow reset or step has ended)."""
    deadline = time.monotonic() + deadline_s
    time.sleep(0.05)
    while server.manager.in_flight or server.manager._reserved:
        if time.monotonic() > deadline:
            raise AssertionError("the server still runs an env call")
        time.sleep(0.02)


def sessions_on(server: LiveServer) -> list[dict[str, object]]:
    """The client's open sessions, as the server lists them."""
    r = httpx.get(f"{server.url}/v1/sessions", headers={"Authorization": f"Bearer {TOKEN_A}"})
    assert r.status_code == 200, r.text
    listed: list[dict[str, object]] = r.json()
    assert len(listed) == server.manager.open_sessions  # (only one client here)
    return listed


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_a_slow_create_times_out_and_leaves_no_orphan_session(
    patient_server: LiveServer, transport: str
) -> None:
    async def main() -> EnvError:
        env = RemoteEnv(
            patient_server.url,
            "test/SlowReset-v0",
            token=TOKEN_A,
            transport=transport,  # type: ignore[arg-type]
            timeout_s=CLIENT_TIMEOUT_S,
        )
        with pytest.raises(EnvError) as info:
            await env.reset(seed=1)
        await env.close()
        return info.value

    error = asyncio.run(main())
    assert isinstance(error, RemoteTimeout)
    assert "timed out: no answer within 0.25s (not re-sent" in str(error)
    assert (error.url, error.op, error.session_id) == (patient_server.url, "create", None)
    assert error.cause == "timeout"
    wait_until_idle(patient_server)
    assert sessions_on(patient_server) == []


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_a_slow_step_times_out_once_and_close_frees_the_session(
    patient_server: LiveServer, transport: str
) -> None:
    async def main() -> EnvError:
        env = RemoteEnv(
            patient_server.url,
            "test/SlowStep-v0",
            token=TOKEN_A,
            transport=transport,  # type: ignore[arg-type]
            timeout_s=CLIENT_TIMEOUT_S,
        )
        await env.reset(seed=1)
        with pytest.raises(EnvError) as info:
            await env.step(Message.assistant("1"))
        await env.close()
        return info.value

    error = asyncio.run(main())
    assert isinstance(error, RemoteTimeout)
    assert error.op == "step"
    assert error.session_id is not None
    assert f"step (session {error.session_id[:8]}): timed out" in str(error)
    assert error.cause == "timeout"
    wait_until_idle(patient_server)
    assert sessions_on(patient_server) == []
    metrics = httpx.get(f"{patient_server.url}/metrics").text
    assert "gymforge_steps_total 1.0" in metrics  # the step was sent once, never again


def test_a_dropped_socket_still_reconnects_for_a_step(patient_server: LiveServer) -> None:
    async def main() -> bool:
        env = RemoteEnv(patient_server.url, ENV_ID, token=TOKEN_A)
        await env.reset(seed=3)
        assert env._ws is not None
        await env._ws.close()
        result = await env.step(Message.assistant("3"))
        await env.close()
        return result.terminated

    assert asyncio.run(main())
    assert httpx.get(f"{patient_server.url}/healthz").status_code == 200


class DroppingServer:
    """A WebSocket server that drops the connection instead of answering chosen frames."""

    def __init__(self, drop: set[int]) -> None:
        self.drop = drop  # the 1-based numbers of the frames to drop, over all connections
        self.frames: list[dict[str, Any]] = []
        self.connections = 0

    async def handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        async for raw in ws:
            frame = json.loads(raw)
            self.frames.append(frame)
            if len(self.frames) in self.drop:
                await ws.close()
                return
            if frame["op"] == "create":
                task = {"id": "t", "prompt": "p"}
                result: Any = {"session_id": "s" * 32, "observation": [], "info": {}, "task": task}
            elif frame["op"] == "step":
                result = {"observation": [], "reward": 1.0, "terminated": True}
            else:
                result = None
            await ws.send(json.dumps({"id": frame["id"], "ok": True, "result": result}))

    async def run(self, play: Callable[[str], Awaitable[None]]) -> None:
        async with serve(self.handle, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            await play(f"http://127.0.0.1:{port}")


def test_a_create_whose_connection_drops_is_not_re_sent() -> None:
    fake = DroppingServer(drop={1})

    async def play(url: str) -> None:
        env = RemoteEnv(url, ENV_ID, token="t")
        with pytest.raises(RemoteUnavailable, match="not re-sent") as info:
            await env.reset(seed=1)
        assert (info.value.op, info.value.cause) == ("create", "unavailable")
        await env.close()

    asyncio.run(fake.run(play))
    assert [f["op"] for f in fake.frames] == ["create"]


def test_a_step_whose_connection_drops_is_re_sent_once_with_its_index() -> None:
    fake = DroppingServer(drop={2})

    async def play(url: str) -> None:
        env = RemoteEnv(url, ENV_ID, token="t")
        await env.reset(seed=1)
        assert (await env.step(Message.assistant("1"))).terminated
        await env._drop_socket()

    asyncio.run(fake.run(play))
    assert [(f["op"], f.get("step_index")) for f in fake.frames] == [
        ("create", None),
        ("step", 0),
        ("step", 0),
    ]
    assert fake.connections == 2


def test_a_step_that_drops_twice_names_both_failures() -> None:
    fake = DroppingServer(drop={2, 3})

    async def play(url: str) -> None:
        env = RemoteEnv(url, ENV_ID, token="t")
        await env.reset(seed=1)
        with pytest.raises(
            RemoteUnavailable,
            match=r"lost the connection .*; reconnecting and re-sending failed too",
        ):
            await env.step(Message.assistant("1"))
        await env._drop_socket()

    asyncio.run(fake.run(play))
    assert [f["op"] for f in fake.frames] == ["create", "step", "step"]


def test_the_servers_own_step_timeout_is_a_timeout(live_server: LiveServer) -> None:
    async def main() -> None:
        env = RemoteEnv(live_server.url, "test/Slow-v0", token=TOKEN_A)
        await env.reset(seed=1)
        with pytest.raises(RemoteTimeout, match=r"did not answer within 1s.*\[step_timeout\]"):
            await env.step(Message.assistant("1"))
        await env.close()

    asyncio.run(main())


def test_a_full_server_is_unavailable() -> None:
    server = LiveServer(ServerConfig(tokens=(TOKEN_A,), max_sessions=1)).start()

    async def main() -> None:
        first = RemoteEnv(server.url, ENV_ID, token=TOKEN_A, transport="http")
        await first.reset(seed=1)
        second = RemoteEnv(server.url, ENV_ID, token=TOKEN_A)
        with pytest.raises(RemoteUnavailable, match=r"\[server_full\]"):
            await second.reset(seed=2)
        await second.close()
        await first.close()

    try:
        asyncio.run(main())
    finally:
        server.stop()


def test_a_run_records_a_slow_server_as_infrastructure(
    patient_server: LiveServer, tmp_path: Path
) -> None:
    config = RunConfig(
        env_id="test/SlowStep-v0",
        policy="test",
        num_tasks=1,
        group_size=2,
        out=tmp_path / "t.jsonl",
        max_turns=3,
        max_consecutive_errors=None,
    )
    result = asyncio.run(
        run_async(
            config,
            env_factory=lambda: RemoteEnv(
                patient_server.url,
                "test/SlowStep-v0",
                token=TOKEN_A,
                timeout_s=CLIENT_TIMEOUT_S,
            ),
            policy_factory=lambda _: ConstantPolicy("1"),
        )
    )
    for trajectory in read_trajectories(config.out):
        error = trajectory.error
        assert error is not None
        assert (error.boundary, error.type, error.cause) == ("env", "RemoteTimeout", "timeout")
        assert not error.policy_caused
        assert trajectory.reward is None  # not scored: the policy did nothing wrong
    assert (result.summary.infrastructure, result.summary.policy_failures) == (2, 0)
    wait_until_idle(patient_server)
    assert sessions_on(patient_server) == []  # the engine closed both envs

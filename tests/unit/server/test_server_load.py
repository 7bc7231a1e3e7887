"""Reaper, shutdown and crash behaviour of the env server, and schemathesis on its spec."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from websockets.asyncio.client import connect

from gymforge.errors import EnvError
from gymforge.server import RemoteEnv, ServerConfig, create_app
from gymforge.types import Message

from .conftest import ENV_ID, count_factory, free_port, make_test_app, spawn_server


def test_reaper_returns_every_abandoned_slot() -> None:
    """Open and abandon 10,000 sessions on loopback: the reaper frees all of them."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = spawn_server(
        port, "no_auth=True, max_sessions=10_000, idle_timeout_s=0.5, reap_interval_s=0.2"
    )
    try:

        async def abandon(total: int, sockets: int = 4) -> int:
            """Create sessions over a few sockets, then drop the sockets without closing."""

            async def one_socket(count: int, offset: int) -> int:
                created = 0
                async with connect(url.replace("http", "ws") + "/v1/ws") as ws:
                    for i in range(count):
                        frame = {"id": i, "op": "create", "env_id": ENV_ID, "seed": offset + i}
                        await ws.send(json.dumps(frame))
                        created += json.loads(await ws.recv())["ok"] is True
                return created

            share = total // sockets
            counts = await asyncio.gather(*(one_socket(share, k * share) for k in range(sockets)))
            return sum(counts)

        assert asyncio.run(abandon(10_000)) == 10_000
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "gymforge_sessions_open 0.0" in httpx.get(f"{url}/metrics").text:
                break
            time.sleep(0.2)
        metrics = httpx.get(f"{url}/metrics").text
        assert "gymforge_sessions_open 0.0" in metrics
        # Every slot is usable again.
        assert httpx.post(f"{url}/v1/sessions", json={"env_id": ENV_ID}).status_code == 201
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_shutdown_finishes_in_flight_steps_then_closes_sessions() -> None:
    async def main() -> None:
        config = ServerConfig(no_auth=True, step_timeout_s=10)
        app = create_app(config, env_factory=count_factory)
        manager = app.state.manager
        session, _, _ = await manager.create("anonymous", "test/Slow-v0", 1, None)
        env = session.env
        step = asyncio.create_task(manager.step("anonymous", session.id, Message.assistant("1")))
        await asyncio.sleep(0.1)
        assert manager.in_flight == 1
        await manager.shutdown(grace_s=30)
        result = await step  # the in-flight step was allowed to finish
        assert result.info.milestones == {"n": 1}
        assert manager.open_sessions == 0
        assert env.closed == 1
        with pytest.raises(Exception, match="shutting down"):
            await manager.create("anonymous", ENV_ID, 1, None)

    asyncio.run(main())


def test_killed_server_gives_the_client_a_clear_error_and_a_new_server_serves() -> None:
    """Kill the server process mid-episode: the client fails clearly; a fresh one serves."""
    port = free_port()

    def start() -> subprocess.Popen[bytes]:
        return spawn_server(port, "no_auth=True")

    proc = start()
    try:

        async def episode() -> None:
            env = RemoteEnv(f"http://127.0.0.1:{port}", ENV_ID, timeout_s=5)
            await env.reset(seed=1)
            await env.step(Message.assistant("1"))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            with pytest.raises(EnvError, match=f"127.0.0.1:{port}"):
                await env.step(Message.assistant("2"))
            await env.close()

        asyncio.run(episode())
        proc = start()

        async def fresh() -> bool:
            env = RemoteEnv(f"http://127.0.0.1:{port}", ENV_ID, timeout_s=5)
            await env.reset(seed=1)
            result = await env.step(Message.assistant("3"))
            await env.close()
            return result.terminated

        assert asyncio.run(fresh())
    finally:
        proc.kill()
        proc.wait(timeout=30)


schema = schemathesis.openapi.from_asgi("/openapi.json", make_test_app(ServerConfig(no_auth=True)))


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_makes_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    case.validate_response(response, checks=(not_a_server_error,))

"""The env server over real HTTP and WebSocket on loopback."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from gymforge.errors import ConfigError, EnvError
from gymforge.server import RemoteEnv, ServerConfig, serve
from gymforge.types import Message

from .conftest import ENV_ID, TOKEN_A, TOKEN_B, LiveServer

A = {"Authorization": f"Bearer {TOKEN_A}"}
B = {"Authorization": f"Bearer {TOKEN_B}"}


def create(server: LiveServer, headers: dict[str, str], seed: int = 1) -> str:
    r = httpx.post(
        f"{server.url}/v1/sessions", json={"env_id": ENV_ID, "seed": seed}, headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["session_id"])


def step(
    server: LiveServer, sid: str, text: str, headers: dict[str, str] = A, **extra: object
) -> httpx.Response:
    body = {"action": Message.assistant(text).model_dump(mode="json"), **extra}
    return httpx.post(f"{server.url}/v1/sessions/{sid}/step", json=body, headers=headers)


def test_http_episode_lifecycle(live_server: LiveServer) -> None:
    r = httpx.post(f"{live_server.url}/v1/sessions", json={"env_id": ENV_ID, "seed": 7}, headers=A)
    body = r.json()
    assert body["observation"][0]["content"] == "count to 3 (seed 7)"
    assert body["task"]["answer"] == 3
    sid = body["session_id"]
    assert len(sid) >= 32
    assert step(live_server, sid, "1").json()["terminated"] is False
    done = step(live_server, sid, "3").json()
    assert done["terminated"] is True
    assert done["reward"] == 1.0
    state = httpx.get(f"{live_server.url}/v1/sessions/{sid}", headers=A).json()
    assert state["steps"] == 2
    assert state["done"] is True
    again = step(live_server, sid, "3")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "episode_done"
    assert httpx.delete(f"{live_server.url}/v1/sessions/{sid}", headers=A).status_code == 204
    assert live_server.manager.open_sessions == 0


def test_auth_required_and_errors_are_json(live_server: LiveServer) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN_A}):
        r = httpx.post(f"{live_server.url}/v1/sessions", json={"env_id": ENV_ID}, headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"
        assert "Traceback" not in r.text
    assert httpx.get(f"{live_server.url}/healthz").json() == {"status": "ok"}


def test_one_client_cannot_touch_another_clients_session(live_server: LiveServer) -> None:
    sid = create(live_server, A)
    for r in (
        step(live_server, sid, "1", headers=B),
        httpx.get(f"{live_server.url}/v1/sessions/{sid}", headers=B),
        httpx.delete(f"{live_server.url}/v1/sessions/{sid}", headers=B),
    ):
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "session_not_found"
    assert step(live_server, sid, "1").status_code == 200


def test_unknown_env_and_invalid_body(live_server: LiveServer) -> None:
    r = httpx.post(f"{live_server.url}/v1/sessions", json={"env_id": "test/Nope-v0"}, headers=A)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "env_not_found"
    r = httpx.post(f"{live_server.url}/v1/sessions", json={"env": ENV_ID}, headers=A)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    sid = create(live_server, A)
    r = httpx.post(
        f"{live_server.url}/v1/sessions/{sid}/step",
        json={"action": {"role": "user", "content": "hi"}},
        headers=A,
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_action"


def test_request_body_limit(live_server: LiveServer) -> None:
    sid = create(live_server, A)
    r = step(live_server, sid, "x" * 70_000)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"
    assert step(live_server, sid, "1").status_code == 200


def test_server_full_answers_503_with_retry_after(live_server: LiveServer) -> None:
    for _ in range(live_server.config.max_sessions):
        create(live_server, A)
    r = httpx.post(f"{live_server.url}/v1/sessions", json={"env_id": ENV_ID}, headers=A)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "server_full"
    assert int(r.headers["Retry-After"]) >= 1
    assert httpx.get(f"{live_server.url}/readyz").status_code == 503


def test_step_timeout_closes_the_session(live_server: LiveServer) -> None:
    r = httpx.post(f"{live_server.url}/v1/sessions", json={"env_id": "test/Slow-v0"}, headers=A)
    sid = r.json()["session_id"]
    r = step(live_server, sid, "1")
    assert r.status_code == 504
    assert r.json()["error"]["code"] == "step_timeout"
    assert httpx.get(f"{live_server.url}/v1/sessions/{sid}", headers=A).status_code == 404


def test_env_failure_is_a_clear_error_and_others_keep_working(live_server: LiveServer) -> None:
    broken = httpx.post(
        f"{live_server.url}/v1/sessions", json={"env_id": "test/Broken-v0"}, headers=A
    )
    healthy = create(live_server, A)
    r = step(live_server, broken.json()["session_id"], "boom")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "env_error"
    assert "RuntimeError" in r.json()["error"]["message"]
    assert "Traceback" not in r.text
    assert step(live_server, healthy, "3").json()["terminated"] is True


def test_step_index_makes_a_retried_step_idempotent(live_server: LiveServer) -> None:
    sid = create(live_server, A)
    first = step(live_server, sid, "1", step_index=0).json()
    replay = step(live_server, sid, "1", step_index=0).json()
    assert replay == first
    assert httpx.get(f"{live_server.url}/v1/sessions/{sid}", headers=A).json()["steps"] == 1
    gap = step(live_server, sid, "2", step_index=5)
    assert gap.status_code == 409
    assert gap.json()["error"]["code"] == "step_out_of_order"


def test_metrics_count_sessions_steps_and_errors(live_server: LiveServer) -> None:
    sid = create(live_server, A)
    step(live_server, sid, "1")
    step(live_server, "nope", "1")
    text = httpx.get(f"{live_server.url}/metrics").text
    assert "gymforge_sessions_open 1.0" in text
    assert "gymforge_steps_total 1.0" in text
    assert 'gymforge_errors_total{code="session_not_found"} 1.0' in text
    assert "gymforge_step_latency_seconds_bucket" in text


def test_websocket_and_http_share_one_session_lifecycle(live_server: LiveServer) -> None:
    async def main() -> None:
        ws_url = live_server.url.replace("http", "ws") + "/v1/ws"
        async with connect(ws_url, additional_headers=A) as ws:
            await ws.send(json.dumps({"id": 1, "op": "create", "env_id": ENV_ID, "seed": 7}))
            created = json.loads(await ws.recv())
            assert created["ok"]
            assert created["id"] == 1
            sid = created["result"]["session_id"]
            # The same session is visible and steppable over HTTP...
            r = await asyncio.to_thread(step, live_server, sid, "1")
            assert r.json()["info"]["milestones"] == {"n": 1}
            # ...and back over the socket, which sees the HTTP step.
            await ws.send(json.dumps({"id": 2, "op": "state", "session_id": sid}))
            state = json.loads(await ws.recv())
            assert state["result"]["steps"] == 1
            await ws.send("not json")
            bad = json.loads(await ws.recv())
            assert bad["ok"] is False
            assert bad["error"]["code"] == "invalid_request"
            # A frame over the size limit closes the socket with 1009 (message too big)...
            big = {
                "id": 3,
                "op": "step",
                "session_id": sid,
                "action": {"role": "assistant", "content": "z" * 70_000},
            }
            await ws.send(json.dumps(big))
            with pytest.raises(ConnectionClosedError) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1009
        # ...and the session survives it: a new socket carries on where the old one stopped.
        async with connect(ws_url, additional_headers=A) as ws:
            await ws.send(json.dumps({"id": 4, "op": "state", "session_id": sid}))
            assert json.loads(await ws.recv())["result"]["steps"] == 1

    asyncio.run(main())


def test_websocket_refuses_a_bad_token(live_server: LiveServer) -> None:
    async def main() -> None:
        ws_url = live_server.url.replace("http", "ws") + "/v1/ws"
        with pytest.raises(InvalidStatus) as info:
            await connect(ws_url, additional_headers={"Authorization": "Bearer no"})
        assert info.value.response.status_code == 403  # closed before the handshake completed
        async with connect(ws_url, additional_headers=B) as ws:  # a good token still works
            await ws.send(json.dumps({"id": 9, "op": "ping"}))
            assert json.loads(await ws.recv()) == {"id": 9, "ok": True, "result": {"pong": True}}

    asyncio.run(main())


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_remote_env_matches_the_local_env(live_server: LiveServer, transport: str) -> None:
    from .conftest import CountEnv

    async def play(env: object) -> list[object]:
        out: list[object] = []
        obs, info = await env.reset(seed=11, options={"task_index": 1})  # type: ignore[attr-defined]
        out.append((obs, info))
        for text in ("1", "2", "4"):
            res = await env.step(Message.assistant(text))  # type: ignore[attr-defined]
            out.append(res)
        out.append(await env.reference_action())  # type: ignore[attr-defined]
        await env.close()  # type: ignore[attr-defined]
        return out

    remote = RemoteEnv(live_server.url, ENV_ID, token=TOKEN_A, transport=transport)  # type: ignore[arg-type]
    assert asyncio.run(play(remote)) == asyncio.run(play(CountEnv()))
    assert live_server.manager.open_sessions == 0


def test_remote_env_reconnects_after_a_dropped_socket(live_server: LiveServer) -> None:
    async def main() -> None:
        env = RemoteEnv(live_server.url, ENV_ID, token=TOKEN_A)
        await env.reset(seed=3)
        await env.step(Message.assistant("1"))
        assert env._ws is not None
        await env._ws.close()  # the socket drops; the session lives on the server
        res = await env.step(Message.assistant("3"))
        assert res.terminated
        await env.close()

    asyncio.run(main())


def test_remote_env_reports_a_vanished_session(live_server: LiveServer) -> None:
    async def main() -> None:
        env = RemoteEnv(live_server.url, ENV_ID, token=TOKEN_A)
        await env.reset(seed=3)
        await live_server.manager.shutdown(grace_s=0)  # the server forgets every session
        with pytest.raises(EnvError, match="no such session"):
            await env.step(Message.assistant("1"))
        await env.close()

    asyncio.run(main())


def test_remote_env_reports_a_dead_server() -> None:
    from .conftest import free_port

    async def main() -> None:
        env = RemoteEnv(f"http://127.0.0.1:{free_port()}", ENV_ID, token=TOKEN_A, timeout_s=2)
        with pytest.raises(EnvError, match="could not reconnect|could not reach"):
            await env.reset(seed=0)

    asyncio.run(main())


def test_no_auth_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError, match="loopback"):
        serve(ServerConfig(no_auth=True), host="0.0.0.0")
    with pytest.raises(ValueError, match="token"):
        ServerConfig()


def test_a_client_lists_its_own_sessions_only(live_server: LiveServer) -> None:
    mine = {create(live_server, A, seed=1), create(live_server, A, seed=2)}
    theirs = create(live_server, B)
    listed = httpx.get(f"{live_server.url}/v1/sessions", headers=A).json()
    assert {s["session_id"] for s in listed} == mine
    assert {s["seed"] for s in listed} == {1, 2}
    assert [
        s["session_id"] for s in httpx.get(f"{live_server.url}/v1/sessions", headers=B).json()
    ] == [theirs]
    assert httpx.get(f"{live_server.url}/v1/sessions").status_code == 401

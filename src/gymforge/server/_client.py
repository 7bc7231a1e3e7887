"""`RemoteEnv`: the Env contract over the env server, so remote envs run like local ones."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gymforge.env import Env
from gymforge.errors import ConfigError, EnvError, GraderError
from gymforge.types import Info, Message, Score, StepResult, Task, Trajectory

__all__ = ["RemoteEnv", "RemoteGrader", "RemoteTaskFamily"]

Transport = Literal["ws", "http"]


class _RemoteError(EnvError):
    def __init__(self, code: str, message: str):
        super().__init__(f"{message} [{code}]")
        self.code = code


class RemoteTaskFamily:
    """The task family of an env on a server (one blocking HTTP call per task).

    The rollout engine generates its task list once before it starts, so the calls
    here happen up front and not in the middle of episodes.
    """

    def __init__(self, base_url: str, env_id: str, *, token: str | None, timeout_s: float):
        self.name = env_id
        self.difficulty: int | None = None
        self._url = base_url.rstrip("/") + "/v1/tasks"
        self._env_id = env_id
        self._headers = _auth(token)
        self._timeout = timeout_s

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` at `seed`, as the server's family generates it."""
        params: dict[str, Any] = {"env_id": self._env_id, "index": index, "seed": seed}
        if difficulty is not None:
            params["difficulty"] = difficulty
        try:
            resp = httpx.get(self._url, params=params, headers=self._headers, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise EnvError(f"could not reach the env server at {self._url}: {exc}") from exc
        _raise_for(resp)
        return Task.model_validate(resp.json())


class RemoteGrader:
    """Grades with the env's own grader on the server, through the episode's session."""

    def __init__(self, env: RemoteEnv):
        self.name = f"remote:{env.env_id}"
        self._env = env

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Send the trajectory to the session's grader."""
        try:
            data = await self._env._call("grade", trajectory=trajectory.model_dump(mode="json"))
        except EnvError as exc:
            raise GraderError(f"remote grading failed: {exc}") from exc
        return Score.model_validate(data)


class RemoteEnv(Env):
    """An env that lives on a gymforge server, used exactly like a local one.

    Args:
        base_url: The server, e.g. "http://127.0.0.1:8000".
        env_id: A versioned env id registered on the server.
        token: Bearer token; defaults to the GYMFORGE_TOKEN environment variable.
        transport: "ws" (one socket per env, for long episodes) or "http".
        timeout_s: Per-call timeout.

    A dropped socket is reconnected and the call retried once; a retried step carries
    its index, so the server replays the recorded result instead of acting twice. If
    the session is gone (reaped, server restarted), the call fails with `EnvError`.

    Example:
        >>> env = RemoteEnv("http://127.0.0.1:8000", "gymforge/Arithmetic-v0", token="t")
        >>> env.env_id
        'gymforge/Arithmetic-v0'
    """

    def __init__(
        self,
        base_url: str,
        env_id: str,
        *,
        token: str | None = None,
        transport: Transport = "ws",
        timeout_s: float = 60.0,
    ):
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"env server URL {base_url!r} must start with http:// or https:// "
                "(e.g. --env-url http://127.0.0.1:8000)"
            )
        if transport not in ("ws", "http"):
            raise ConfigError(f"transport must be 'ws' or 'http', got {transport!r}")
        self.base_url = base_url.rstrip("/")
        self.env_id = env_id
        self.transport: Transport = transport
        self.timeout_s = timeout_s
        self._token = token if token is not None else os.environ.get("GYMFORGE_TOKEN")
        self._session_id: str | None = None
        self._task: Task | None = None
        self._steps = 0
        self._http: httpx.AsyncClient | None = None
        self._ws: ClientConnection | None = None
        self._frame = 0
        self._family = RemoteTaskFamily(
            self.base_url, env_id, token=self._token, timeout_s=timeout_s
        )

    # -- the Env contract --------------------------------------------------------------------

    async def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[list[Message], Info]:
        """Create the session on first use, reset it afterwards."""
        opts = _jsonable_options(options)
        if self._session_id is None:
            data = await self._call("create", env_id=self.env_id, seed=seed, options=opts)
        else:
            data = await self._call("reset", seed=seed, options=opts)
        self._session_id = data["session_id"]
        self._task = Task.model_validate(data["task"])
        self._steps = 0
        obs = [Message.model_validate(m) for m in data["observation"]]
        return obs, Info.model_validate(data["info"])

    async def step(self, action: Message) -> StepResult:
        """One step on the server."""
        data = await self._call(
            "step", action=action.model_dump(mode="json"), step_index=self._steps
        )
        self._steps += 1
        return StepResult.model_validate(data)

    async def reference_action(self) -> Message:
        """The server env's reference action."""
        return Message.model_validate(await self._call("reference"))

    @property
    def task(self) -> Task:
        """The current episode's task."""
        if self._task is None:
            raise EnvError("RemoteEnv.task is only known after reset()")
        return self._task

    @property
    def task_family(self) -> RemoteTaskFamily:
        """The server env's task family."""
        return self._family

    def grader(self) -> RemoteGrader:
        """Grades on the server with the env's own grader."""
        return RemoteGrader(self)

    async def close(self) -> None:
        """Close the session (if any) and the connection."""
        if self._session_id is not None:
            with contextlib.suppress(EnvError):  # already gone: nothing to free
                await self._call("close")
            self._session_id = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- transport ---------------------------------------------------------------------------

    async def _call(self, op: str, **args: Any) -> Any:
        if op != "create" and self._session_id is None:
            raise EnvError(f"RemoteEnv.{op} needs a session: call reset() first")
        if self.transport == "http":
            return await self._http_call(op, args)
        try:
            return await self._ws_call(op, args)
        except (ConnectionClosed, OSError):
            # One reconnect: the session outlives the socket on the server.
            self._ws = None
            try:
                return await self._ws_call(op, args)
            except (ConnectionClosed, OSError) as exc:
                raise EnvError(
                    f"lost the connection to the env server at {self.base_url} and could "
                    f"not reconnect: {exc}"
                ) from exc

    async def _ws_call(self, op: str, args: dict[str, Any]) -> Any:
        if self._ws is None:
            url = "ws" + self.base_url[len("http") :] + "/v1/ws"
            try:
                self._ws = await connect(
                    url,
                    additional_headers=_auth(self._token),
                    max_size=None,
                    open_timeout=self.timeout_s,
                    ping_interval=None,
                )
            except InvalidStatus as exc:
                raise EnvError(
                    f"the env server at {self.base_url} refused the WebSocket "
                    f"(HTTP {exc.response.status_code}); check the token"
                ) from exc
        self._frame += 1
        frame: dict[str, Any] = {"id": self._frame, "op": op, **args}
        if op != "create":
            frame["session_id"] = self._session_id
        await self._ws.send(json.dumps(frame))
        raw = await asyncio.wait_for(self._ws.recv(), timeout=self.timeout_s)
        reply = json.loads(raw)
        if not reply.get("ok"):
            err = reply.get("error") or {}
            raise _RemoteError(err.get("code", "unknown"), err.get("message", "unknown error"))
        return reply.get("result")

    async def _http_call(self, op: str, args: dict[str, Any]) -> Any:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url, headers=_auth(self._token), timeout=self.timeout_s
            )
        sid = self._session_id
        routes: dict[str, tuple[str, str]] = {
            "create": ("POST", "/v1/sessions"),
            "reset": ("POST", f"/v1/sessions/{sid}/reset"),
            "step": ("POST", f"/v1/sessions/{sid}/step"),
            "reference": ("POST", f"/v1/sessions/{sid}/reference"),
            "grade": ("POST", f"/v1/sessions/{sid}/grade"),
            "task": ("GET", f"/v1/sessions/{sid}/task"),
            "state": ("GET", f"/v1/sessions/{sid}"),
            "close": ("DELETE", f"/v1/sessions/{sid}"),
        }
        method, path = routes[op]
        body = {k: v for k, v in args.items() if v is not None} if method == "POST" else None
        try:
            resp = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise EnvError(f"could not reach the env server at {self.base_url}: {exc}") from exc
        _raise_for(resp)
        return resp.json() if resp.content else None


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _raise_for(resp: httpx.Response) -> None:
    if resp.is_success:
        return
    try:
        err = resp.json()["error"]
        code, message = err["code"], err["message"]
    except (ValueError, KeyError, TypeError):
        code, message = f"http_{resp.status_code}", resp.text[:500]
    raise _RemoteError(code, message)


def _jsonable_options(options: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if options is None:
        return None
    out: dict[str, Any] = {}
    for key, value in options.items():
        out[key] = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
    return out

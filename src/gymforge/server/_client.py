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

__all__ = [
    "RemoteEnv",
    "RemoteError",
    "RemoteGrader",
    "RemoteTaskFamily",
    "RemoteTimeout",
    "RemoteUnavailable",
]

Transport = Literal["ws", "http"]


_IDEMPOTENT = frozenset({"reset", "step", "state", "task", "reference", "grade", "close"})
"""Ops that are safe to send twice. A repeated reset starts the same episode again and
answers it; a repeated step carries its `step_index`, so the server replays the
recorded result; the rest change nothing. ``create`` is not: sent twice, it opens two
sessions, and the one whose answer was lost is an orphan."""

_SERVER_TIMEOUT_CODES = frozenset({"step_timeout"})
_SERVER_UNAVAILABLE_CODES = frozenset({"server_full", "shutting_down"})


class RemoteError(EnvError):
    """A call to the env server failed: the server's env, the server or the connection.

    The server's env is infrastructure, so an episode that fails with this is recorded
    at the ``env`` boundary and left out of the run's statistics. The message and the
    attributes say where: the server's URL, the op and the session.

    Example:
        >>> err = RemoteError("no such session", url="http://h:8000", op="step",
        ...                   session_id="abcdefghijkl", code="session_not_found")
        >>> str(err)
        'env server http://h:8000, step (session abcdefgh): no such session [session_not_found]'
        >>> err.op, err.code, err.cause
        ('step', 'session_not_found', None)
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        op: str,
        session_id: str | None = None,
        code: str | None = None,
    ):
        where = f"env server {url}, {op}"
        if session_id is not None:
            where += f" (session {session_id[:8]})"  # enough to find it in the server log
        super().__init__(f"{where}: {message}" + (f" [{code}]" if code else ""))
        self.url = url
        """The server's base URL."""
        self.op = op
        """The failed call: create, reset, step, state, task, reference, grade, close, tasks."""
        self.session_id = session_id
        """The session, once the server had given one."""
        self.code = code
        """The server's error code (`gymforge.server` docs), None when it sent none."""


class RemoteTimeout(RemoteError):
    """No answer in time (the server is slow): never re-sent by `RemoteEnv`.

    Either the client's ``timeout_s`` ran out, or the server's env was slower than the
    server's own step timeout (code ``step_timeout``; the server closed the session).
    """

    cause = "timeout"


class RemoteUnavailable(RemoteError):
    """The server could not be reached, or the connection dropped.

    Raised when a safe retry failed too, when re-sending was not safe (a ``create``),
    or when the server refused new sessions (``server_full``, ``shutting_down``).
    """

    cause = "unavailable"


class _Dropped(Exception):
    """The connection failed; `sent` says whether the request may have reached the server."""

    def __init__(self, reason: BaseException, *, sent: bool):
        super().__init__(str(reason) or type(reason).__name__)
        self.reason = reason
        self.sent = sent


class RemoteTaskFamily:
    """The task family of an env on a server (one blocking HTTP call per task).

    The rollout engine generates its task list once before it starts, so the calls
    here happen up front and not in the middle of episodes.
    """

    def __init__(self, base_url: str, env_id: str, *, token: str | None, timeout_s: float):
        self.name = env_id
        self.difficulty: int | None = None
        self._base_url = base_url.rstrip("/")
        self._url = self._base_url + "/v1/tasks"
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
        except httpx.TimeoutException as exc:
            raise RemoteTimeout(
                f"no answer within {self._timeout:g}s", url=self._base_url, op="tasks"
            ) from exc
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(
                f"could not reach the server ({_reason(exc)})", url=self._base_url, op="tasks"
            ) from exc
        _raise_for(resp, url=self._base_url, op="tasks", session_id=None)
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
        timeout_s: Seconds to wait for one call's answer (and to connect).

    A slow server and a dropped connection are different failures. A call with no
    answer within `timeout_s` raises `RemoteTimeout` and is never re-sent: the server
    may still be running it, and a second ``create`` would open a second session. The
    socket is closed, which tells the server to undo a ``create`` still running; after
    a timed-out step the session's state is unknown, so close the env (the rollout
    engine does). A dropped connection is reconnected and the call re-sent once when
    that is safe: when the request never left, or for every op but ``create`` (a
    re-sent step carries its index, so the server replays the recorded result instead
    of acting twice). Otherwise, and when the retry fails too, it raises
    `RemoteUnavailable`. Every error is a `RemoteError` (an `EnvError`) naming the URL,
    the op and the session.

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
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
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
        await self._drop_socket()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- transport ---------------------------------------------------------------------------

    def _error(self, kind: type[RemoteError], op: str, message: str) -> RemoteError:
        return kind(message, url=self.base_url, op=op, session_id=self._session_id)

    async def _call(self, op: str, **args: Any) -> Any:
        if op != "create" and self._session_id is None:
            raise EnvError(f"RemoteEnv.{op} needs a session: call reset() first")
        send = self._http_call if self.transport == "http" else self._ws_call
        try:
            return await send(op, args)
        except _Dropped as dropped:
            if dropped.sent and op not in _IDEMPOTENT:
                raise self._error(
                    RemoteUnavailable,
                    op,
                    f"the connection dropped after the request was sent ({dropped}); not "
                    "re-sent, since a second create would open a second session (the "
                    "server closes a session whose create it could not answer)",
                ) from dropped.reason
            first = dropped
        # One reconnect: the session outlives the connection on the server.
        try:
            return await send(op, args)
        except _Dropped as again:
            if first.sent or again.sent:
                message = (
                    f"lost the connection ({first}); reconnecting and re-sending failed "
                    f"too ({again})"
                )
            else:
                message = f"could not reach the server ({again}); is it running at that URL?"
            raise self._error(RemoteUnavailable, op, message) from again.reason

    def _timed_out(self, op: str) -> RemoteError:
        if op == "create":
            detail = (
                "not re-sent, since a second create would open a second session; the "
                "server closes the session it was still creating"
            )
        else:
            detail = "not re-sent; the server may still be running it"
        return self._error(
            RemoteTimeout,
            op,
            f"timed out: no answer within {self.timeout_s:g}s ({detail}); raise "
            "RemoteEnv(timeout_s=...) if the env is this slow",
        )

    async def _drop_socket(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.close()

    async def _ws_call(self, op: str, args: dict[str, Any]) -> Any:
        try:
            if self._ws is None:
                url = "ws" + self.base_url[len("http") :] + "/v1/ws"
                self._ws = await connect(
                    url,
                    additional_headers=_auth(self._token),
                    max_size=None,
                    open_timeout=self.timeout_s,
                    close_timeout=min(self.timeout_s, 10.0),
                    ping_interval=None,
                )
            ws = self._ws
            self._frame += 1
            frame: dict[str, Any] = {"id": self._frame, "op": op, **args}
            if op != "create":
                frame["session_id"] = self._session_id
            await ws.send(json.dumps(frame))
        except InvalidStatus as exc:
            raise self._error(
                RemoteError,
                op,
                f"the server refused the WebSocket (HTTP {exc.response.status_code}); "
                "check the token",
            ) from exc
        except TimeoutError as exc:  # an OSError: caught first
            await self._drop_socket()
            raise self._timed_out(op) from exc
        except (ConnectionClosed, OSError) as exc:
            await self._drop_socket()
            raise _Dropped(exc, sent=False) from exc
        try:
            async with asyncio.timeout(self.timeout_s):
                while True:
                    reply = json.loads(await ws.recv())
                    if reply.get("id") == frame["id"]:
                        break  # an older frame's late answer is skipped
        except TimeoutError as exc:
            # The socket may still bring the late answer: close it, which also tells
            # the server to undo a create it is still running.
            await self._drop_socket()
            raise self._timed_out(op) from exc
        except (ConnectionClosed, OSError) as exc:
            await self._drop_socket()
            raise _Dropped(exc, sent=True) from exc
        if not reply.get("ok"):
            err = reply.get("error") or {}
            raise _remote_error(
                err.get("code", "unknown"),
                err.get("message", "unknown error"),
                url=self.base_url,
                op=op,
                session_id=self._session_id,
            )
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
        except httpx.TimeoutException as exc:  # the connection is closed with it
            raise self._timed_out(op) from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.NetworkError) as exc:
            # A refused connection never sent the request; a dropped one may have.
            raise _Dropped(exc, sent=not isinstance(exc, httpx.ConnectError)) from exc
        except httpx.HTTPError as exc:
            raise self._error(RemoteUnavailable, op, f"HTTP error: {_reason(exc)}") from exc
        _raise_for(resp, url=self.base_url, op=op, session_id=sid)
        return resp.json() if resp.content else None


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _remote_error(
    code: str, message: str, *, url: str, op: str, session_id: str | None
) -> RemoteError:
    """The error for a server's ``{"code", "message"}``: a server-side timeout is a timeout."""
    kind: type[RemoteError] = RemoteError
    if code in _SERVER_TIMEOUT_CODES:
        kind = RemoteTimeout
    elif code in _SERVER_UNAVAILABLE_CODES:
        kind = RemoteUnavailable
    return kind(message, url=url, op=op, session_id=session_id, code=code)


def _raise_for(resp: httpx.Response, *, url: str, op: str, session_id: str | None) -> None:
    if resp.is_success:
        return
    try:
        err = resp.json()["error"]
        code, message = err["code"], err["message"]
    except (ValueError, KeyError, TypeError):
        code, message = f"http_{resp.status_code}", resp.text[:500]
    raise _remote_error(code, message, url=url, op=op, session_id=session_id)


def _jsonable_options(options: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if options is None:
        return None
    out: dict[str, Any] = {}
    for key, value in options.items():
        out[key] = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
    return out

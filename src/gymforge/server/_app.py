"""The FastAPI application: HTTP and WebSocket routes over one `SessionManager`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gymforge.env import Env, EnvSpec, list_envs, make
from gymforge.errors import GymforgeError, NotFoundError
from gymforge.server._protocol import (
    PROTOCOL_VERSION,
    CreateSession,
    EnvEntry,
    ErrorBody,
    ErrorDetail,
    GradeRequest,
    ResetSession,
    SessionCreated,
    SessionState,
    StepRequest,
    WsReply,
    WsRequest,
)
from gymforge.server._sessions import ServerError, Session, SessionManager
from gymforge.types import Info, Message

__all__ = ["ServerConfig", "create_app"]

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Watch = Callable[[], Coroutine[Any, Any, bool]]
"""Makes a coroutine that waits for the client's next event: True when it went away."""
ANONYMOUS = "anonymous"


class _ClientGone(Exception):
    """The client went away while its create ran; the session was undone."""


async def _create_unless_gone(
    manager: SessionManager,
    owner: str,
    request: CreateSession | WsRequest,
    watch: Watch,
) -> tuple[Session, list[Message], Info]:
    """``manager.create``, undone when the client leaves before it can be answered.

    Only the connection that asked for a session can learn its id, so a session whose
    client left (a timeout on its side closes the connection) would be an orphan until
    the reaper came. The client's connection is watched while the env is made and
    reset: when it goes away, the create is cancelled (the env is closed) or, when it
    had just finished, the new session is closed. A client that sends its next frame
    meanwhile is no longer watched; the frame is kept for the connection to process.
    """
    options: Mapping[str, Any] | None = request.options
    work = asyncio.ensure_future(manager.create(owner, request.env_id or "", request.seed, options))
    left = asyncio.ensure_future(watch())
    try:
        await asyncio.wait({work, left}, return_when=asyncio.FIRST_COMPLETED)
        if not left.done() or left.cancelled() or not _left(left):
            return await work
        if work.done():
            if not work.cancelled() and work.exception() is None:
                await manager.close(owner, work.result()[0].id)
        else:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
        raise _ClientGone
    finally:
        left.cancel()
        if not work.done():  # the request itself was cancelled (shutdown)
            work.cancel()


def _left(watcher: asyncio.Future[bool]) -> bool:
    """Whether the client left; a watcher that failed means the connection is unusable."""
    return watcher.exception() is not None or watcher.result()


@dataclass(frozen=True)
class ServerConfig:
    """How the env server runs (see `gymforge serve --help`).

    Example:
        >>> ServerConfig(no_auth=True).max_sessions
        4096
    """

    tokens: tuple[str, ...] = ()
    """Bearer tokens that may call the server; each token is one client (owner)."""
    no_auth: bool = False
    """Serve without auth (only allowed on a loopback address)."""
    max_sessions: int = 4096
    """Open sessions at most; more get 503 with Retry-After."""
    idle_timeout_s: float = 600.0
    """Sessions unused this long are closed by the reaper."""
    reap_interval_s: float = 10.0
    """How often the reaper runs."""
    step_timeout_s: float = 60.0
    """A reset or step that takes longer fails with `step_timeout`."""
    max_body_bytes: int = 1_048_576
    """Largest request body or WebSocket message accepted."""
    shutdown_grace_s: float = 30.0
    """How long shutdown waits for in-flight steps before closing sessions."""

    def __post_init__(self) -> None:
        if not self.no_auth and not self.tokens:
            raise ValueError(
                "the server needs a bearer token (--token or GYMFORGE_TOKEN), or --no-auth "
                "on a loopback address"
            )


def _owner(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _error(code: str, message: str, status: int, retry_after: int | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message)).model_dump()
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(body, status_code=status, headers=headers)


class _BodyLimit:
    """ASGI middleware: refuse request bodies over the limit with 413 before they are read."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise ServerError(
                        "body_too_large",
                        f"request body over {self.max_bytes} bytes",
                        status=413,
                    )
            return message

        await self.app(scope, limited, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = _error(
            "body_too_large", f"request body over {self.max_bytes} bytes; send less", 413
        )
        await response(scope, receive, send)


class _Metrics:
    def __init__(self, manager_ref: Callable[[], SessionManager]):
        self.registry = CollectorRegistry()
        self.sessions = Gauge(
            "gymforge_sessions_open", "Sessions currently open", registry=self.registry
        )
        self.sessions.set_function(lambda: float(manager_ref().open_sessions))
        self.steps = Counter("gymforge_steps", "Env steps served", registry=self.registry)
        self.latency = Histogram(
            "gymforge_step_latency_seconds",
            "Step latency inside the server",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
            registry=self.registry,
        )
        self.errors = Counter(
            "gymforge_errors", "Errors answered, by code", ["code"], registry=self.registry
        )

    def on_step(self, seconds: float, code: str | None) -> None:
        self.steps.inc()
        self.latency.observe(seconds)
        if code is not None:
            self.errors.labels(code=code).inc()


def _created(session: Session, obs: list[Message], info: Info) -> SessionCreated:
    return SessionCreated(
        session_id=session.id, observation=tuple(obs), info=info, task=session.env.task
    )


def create_app(
    config: ServerConfig,
    *,
    env_factory: Callable[[str], Env] | None = None,
    specs: Callable[[], Sequence[EnvSpec]] | None = None,
) -> FastAPI:
    """Build the env server's ASGI app.

    Args:
        config: Limits and auth.
        env_factory: Makes an env from an id; defaults to `gymforge.env.make`.
        specs: The envs `GET /v1/envs` lists; defaults to `gymforge.env.list_envs`
            (give both arguments to serve envs that are not in the registry).

    Example:
        >>> app = create_app(ServerConfig(no_auth=True))
        >>> sorted({r.path for r in app.routes if r.path.startswith("/v1/sessions")})[:2]
        ['/v1/sessions', '/v1/sessions/{session_id}']
    """
    metrics: _Metrics
    manager = SessionManager(
        env_factory or make,
        max_sessions=config.max_sessions,
        idle_timeout_s=config.idle_timeout_s,
        step_timeout_s=config.step_timeout_s,
        on_step=lambda s, c: metrics.on_step(s, c),
    )
    metrics = _Metrics(lambda: manager)
    token_owners = {t: _owner(t) for t in config.tokens}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        manager.accepting = True  # an app may be started again after a shutdown
        reaper = asyncio.create_task(manager.run_reaper(config.reap_interval_s))
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            await manager.shutdown(config.shutdown_grace_s)

    app = FastAPI(
        title="gymforge env server",
        version=str(PROTOCOL_VERSION),
        lifespan=lifespan,
        responses={
            400: {"model": ErrorBody},
            401: {"model": ErrorBody},
            404: {"model": ErrorBody},
            413: {"model": ErrorBody},
            503: {"model": ErrorBody},
        },
    )
    app.state.manager = manager
    app.state.metrics = metrics

    def authenticate(authorization: str | None) -> str:
        if config.no_auth:
            return ANONYMOUS
        if authorization and authorization.startswith("Bearer "):
            given = authorization[len("Bearer ") :]
            for token, owner in token_owners.items():
                if secrets.compare_digest(given.encode(), token.encode()):
                    return owner
        raise ServerError(
            "unauthorized", "missing or wrong bearer token (Authorization: Bearer ...)", status=401
        )

    def owner_of(request: Request) -> str:
        return authenticate(request.headers.get("authorization"))

    @app.exception_handler(ServerError)
    async def _server_error(request: Request, exc: ServerError) -> JSONResponse:
        metrics.errors.labels(code=exc.code).inc()
        return _error(exc.code, exc.message, exc.status, exc.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.errors.labels(code="invalid_request").inc()
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return _error("invalid_request", f"invalid request: {problems}"[:2000], 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(f"http_{exc.status_code}", str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        metrics.errors.labels(code="internal").inc()
        return _error("internal", "internal server error (details are in the server log)", 500)

    app.add_middleware(_BodyLimit, max_bytes=config.max_body_bytes)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"model": ErrorBody}})
    async def readyz() -> dict[str, Any]:
        """Readiness: accepting sessions and below the session limit."""
        if not manager.accepting:
            raise ServerError("shutting_down", "the server is shutting down", status=503)
        if manager.open_sessions >= manager.max_sessions:
            raise ServerError("server_full", "no free session slots", status=503, retry_after=5)
        return {"status": "ready", "open_sessions": manager.open_sessions}

    @app.get("/metrics")
    async def prometheus() -> Response:
        """Prometheus metrics: sessions open, steps, step latency, errors by code."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    tools_cache: dict[str, tuple[Any, ...]] = {}

    async def tools_of(env_id: str) -> tuple[Any, ...]:
        if env_id not in tools_cache:
            tools_cache[env_id] = ()
            try:
                env = (env_factory or make)(env_id)
                try:
                    _, info = await env.reset(seed=0)
                    tools_cache[env_id] = info.tools
                finally:
                    await env.close()
            except Exception:
                log.exception("could not list the tools of %s", env_id)
        return tools_cache[env_id]

    @app.get("/v1/envs")
    async def envs(owner: str = Depends(owner_of)) -> list[EnvEntry]:
        """Registered envs with the tools they offer at the start of an episode."""
        return [
            EnvEntry(
                id=spec.id,
                description=spec.description,
                max_turns=spec.max_turns,
                nondeterministic=spec.nondeterministic,
                tools=await tools_of(spec.id),
            )
            for spec in (specs or list_envs)()
        ]

    @app.post("/v1/sessions", status_code=201)
    async def create(
        body: CreateSession, request: Request, owner: str = Depends(owner_of)
    ) -> SessionCreated:
        """Open a session: make the env and reset it with the seed.

        A client that disconnects before the answer (its timeout) gets no session: the
        create is undone.
        """

        async def disconnected() -> bool:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            return True

        try:
            session, obs, info = await _create_unless_gone(manager, owner, body, disconnected)
        except _ClientGone:
            raise ServerError(
                "client_gone", "the client left before its session was created", status=499
            ) from None
        return _created(session, obs, info)

    @app.get("/v1/sessions")
    async def sessions(owner: str = Depends(owner_of)) -> list[SessionState]:
        """The caller's open sessions (to find and close ones it lost track of)."""
        return [_state(session) for session in manager.sessions(owner)]

    @app.post("/v1/sessions/{session_id}/reset")
    async def reset(
        session_id: str, body: ResetSession, owner: str = Depends(owner_of)
    ) -> SessionCreated:
        """Start a new episode in the session."""
        session, obs, info = await manager.reset(owner, session_id, body.seed, body.options)
        return _created(session, obs, info)

    @app.post("/v1/sessions/{session_id}/step")
    async def step(session_id: str, body: StepRequest, owner: str = Depends(owner_of)) -> Any:
        """Apply one assistant action; returns a StepResult."""
        result = await manager.step(owner, session_id, body.action, body.step_index)
        return result.model_dump(mode="json")

    @app.get("/v1/sessions/{session_id}")
    async def state(session_id: str, owner: str = Depends(owner_of)) -> SessionState:
        """Where the session's episode stands."""
        return _state(manager.get(owner, session_id))

    @app.get("/v1/sessions/{session_id}/task")
    async def task(session_id: str, owner: str = Depends(owner_of)) -> Any:
        """The current episode's task."""
        return (await manager.task(owner, session_id)).model_dump(mode="json")

    @app.post("/v1/sessions/{session_id}/reference")
    async def reference(session_id: str, owner: str = Depends(owner_of)) -> Any:
        """The reference solution's next action (oracle baselines)."""
        return (await manager.reference(owner, session_id)).model_dump(mode="json")

    @app.post("/v1/sessions/{session_id}/grade")
    async def grade(session_id: str, body: GradeRequest, owner: str = Depends(owner_of)) -> Any:
        """Grade a finished trajectory with the env's own grader."""
        score = await manager.grade(owner, session_id, body.trajectory)
        return score.model_dump(mode="json")

    families: dict[str, Any] = {}

    @app.get("/v1/tasks")
    async def tasks(
        env_id: str,
        index: int,
        seed: int,
        difficulty: int | None = None,
        owner: str = Depends(owner_of),
    ) -> Any:
        """Item `index` of the env's task family at `seed` (what a remote engine runs)."""
        if index < 0:
            raise ServerError("invalid_request", "index must be >= 0")
        if env_id not in families:
            try:
                env = (env_factory or make)(env_id)
            except NotFoundError as exc:
                raise ServerError("env_not_found", str(exc), status=404) from exc
            families[env_id] = env.task_family
            await env.close()
        try:
            task = families[env_id].generate(index, seed=seed, difficulty=difficulty)
        except (ValueError, IndexError, GymforgeError) as exc:
            raise ServerError("invalid_request", f"cannot generate that task: {exc}") from exc
        return task.model_dump(mode="json")

    @app.delete("/v1/sessions/{session_id}", status_code=204)
    async def close(session_id: str, owner: str = Depends(owner_of)) -> Response:
        """Close the session and free its slot."""
        await manager.close(owner, session_id)
        return Response(status_code=204)

    async def dispatch(owner: str, req: WsRequest, watch: Watch) -> Any:
        """One WebSocket op, through the same manager calls as the HTTP routes."""
        if req.op == "ping":
            return {"pong": True}
        if req.op == "create":
            if req.env_id is None:
                raise ServerError("invalid_request", "create needs env_id")
            return _created(*await _create_unless_gone(manager, owner, req, watch))
        if req.session_id is None:
            raise ServerError("invalid_request", f"{req.op} needs session_id")
        sid = req.session_id
        if req.op == "reset":
            return _created(*await manager.reset(owner, sid, req.seed, req.options))
        if req.op == "step":
            if req.action is None:
                raise ServerError("invalid_request", "step needs action")
            return await manager.step(owner, sid, req.action, req.step_index)
        if req.op == "state":
            return _state(manager.get(owner, sid))
        if req.op == "task":
            return await manager.task(owner, sid)
        if req.op == "reference":
            return await manager.reference(owner, sid)
        if req.op == "grade":
            if req.trajectory is None:
                raise ServerError("invalid_request", "grade needs trajectory")
            return await manager.grade(owner, sid, req.trajectory)
        await manager.close(owner, sid)
        return None

    @app.websocket("/v1/ws")
    async def ws(socket: WebSocket) -> None:
        """Long episodes over one socket: JSON frames `WsRequest` -> `WsReply`."""
        try:
            owner = authenticate(socket.headers.get("authorization"))
        except ServerError as exc:
            await socket.close(code=1008, reason=exc.message)
            return
        await socket.accept()
        kept: list[str] = []  # a frame that arrived while a create was watching the socket

        async def disconnected() -> bool:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                return True
            kept.append(message.get("text") or "")
            return False

        try:
            while True:
                raw = kept.pop() if kept else await socket.receive_text()
                reply = await _ws_handle(
                    raw, owner, dispatch, disconnected, config.max_body_bytes, metrics
                )
                await socket.send_text(reply)
        except (WebSocketDisconnect, _ClientGone):
            return  # sessions stay open for a reconnect; the reaper frees abandoned ones

    return app


def _state(session: Session) -> SessionState:
    return SessionState(
        session_id=session.id,
        env_id=session.env_id,
        seed=session.seed,
        steps=session.steps,
        done=session.done,
        idle_s=round(time.monotonic() - session.last_used, 3),
    )


async def _ws_handle(
    raw: str,
    owner: str,
    dispatch: Callable[[str, WsRequest, Watch], Awaitable[Any]],
    watch: Watch,
    max_bytes: int,
    metrics: _Metrics,
) -> str:
    frame_id = 0
    try:
        if len(raw) > max_bytes:
            raise ServerError("body_too_large", f"message over {max_bytes} bytes", status=413)
        try:
            data = json.loads(raw)
            if isinstance(data, dict) and isinstance(data.get("id"), int):
                frame_id = data["id"]
            req = WsRequest.model_validate(data)
        except (ValueError, ValidationError) as exc:
            raise ServerError("invalid_request", f"invalid frame: {exc}"[:2000]) from exc
        result = await dispatch(owner, req, watch)
        payload = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
        return json.dumps({"id": req.id, "ok": True, "result": payload})
    except ServerError as exc:
        metrics.errors.labels(code=exc.code).inc()
        detail = ErrorDetail(code=exc.code, message=exc.message)
        return WsReply(id=frame_id, ok=False, error=detail).model_dump_json()
    except _ClientGone:
        raise
    except Exception:
        log.exception("unhandled error in a WebSocket frame")
        metrics.errors.labels(code="internal").inc()
        detail = ErrorDetail(code="internal", message="internal server error (see server log)")
        return WsReply(id=frame_id, ok=False, error=detail).model_dump_json()

"""Session lifecycle shared by the HTTP and WebSocket paths: one code path, one set of rules."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gymforge.env import Env
from gymforge.errors import GymforgeError, NotFoundError
from gymforge.types import Info, Message, Score, StepResult, Task, Trajectory

__all__ = ["ServerError", "Session", "SessionManager"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class ServerError(GymforgeError):
    """An error answered to a client as ``{"error": {"code", "message"}}`` with an HTTP status."""

    boundary = "server"

    def __init__(
        self, code: str, message: str, *, status: int = 400, retry_after: int | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after


@dataclass
class Session:
    """One env instance owned by one client."""

    id: str
    owner: str
    env_id: str
    env: Env
    seed: int | None = None
    steps: int = 0
    done: bool = False
    last_used: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False
    last_result: StepResult | None = None


class SessionManager:
    """Creates, steps, reaps and closes sessions; enforces limits.

    Args:
        env_factory: Makes an env from an id (normally `gymforge.env.make`).
        max_sessions: Open sessions at most; more are refused with `server_full` (503).
        idle_timeout_s: A session unused this long is closed by the reaper.
        step_timeout_s: A reset or step that takes longer fails with `step_timeout`
            and closes the session (its state is unknown after a cancelled step).
        on_step: Called with (seconds, error code or None) after every step, for metrics.
    """

    def __init__(
        self,
        env_factory: Callable[[str], Env],
        *,
        max_sessions: int = 4096,
        idle_timeout_s: float = 600.0,
        step_timeout_s: float = 60.0,
        on_step: Callable[[float, str | None], None] | None = None,
    ):
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions}")
        if idle_timeout_s <= 0 or step_timeout_s <= 0:
            raise ValueError("idle_timeout_s and step_timeout_s must be > 0")
        self._factory = env_factory
        self.max_sessions = max_sessions
        self.idle_timeout_s = idle_timeout_s
        self.step_timeout_s = step_timeout_s
        self._on_step = on_step
        self._sessions: dict[str, Session] = {}
        self._reserved = 0
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.accepting = True

    @property
    def open_sessions(self) -> int:
        """Sessions currently open."""
        return len(self._sessions)

    @property
    def in_flight(self) -> int:
        """Calls currently running inside envs."""
        return self._in_flight

    # -- lifecycle -------------------------------------------------------------------------

    async def create(
        self, owner: str, env_id: str, seed: int | None, options: Mapping[str, Any] | None
    ) -> tuple[Session, list[Message], Info]:
        """Make and reset a new env; the slot is reserved before any await."""
        if not self.accepting:
            raise ServerError("shutting_down", "the server is shutting down", status=503)
        if len(self._sessions) + self._reserved >= self.max_sessions:
            raise ServerError(
                "server_full",
                f"all {self.max_sessions} session slots are in use; retry later or close "
                "sessions you no longer need",
                status=503,
                retry_after=max(1, int(min(self.idle_timeout_s, 30))),
            )
        self._reserved += 1
        try:
            try:
                env = self._factory(env_id)
            except NotFoundError as exc:
                raise ServerError("env_not_found", str(exc), status=404) from exc
            session = Session(id=secrets.token_urlsafe(24), owner=owner, env_id=env_id, env=env)
            try:
                obs, info = await self._guarded(
                    session, session.env.reset(seed=seed, options=options)
                )
            except BaseException:
                await self._close_env(session)
                raise
            session.seed = seed
            self._sessions[session.id] = session
            return session, obs, info
        finally:
            self._reserved -= 1

    def get(self, owner: str, session_id: str) -> Session:
        """The caller's session; another owner's id answers exactly like an unknown id."""
        session = self._sessions.get(session_id)
        if session is None or not secrets.compare_digest(session.owner, owner):
            raise ServerError(
                "session_not_found",
                "no such session (it was closed, reaped after being idle, or belongs to "
                "another client); create a new one",
                status=404,
            )
        return session

    def sessions(self, owner: str) -> list[Session]:
        """The caller's open sessions, oldest first; another client's are never listed."""
        return [s for s in self._sessions.values() if secrets.compare_digest(s.owner, owner)]

    async def reset(
        self, owner: str, session_id: str, seed: int | None, options: Mapping[str, Any] | None
    ) -> tuple[Session, list[Message], Info]:
        """Start a new episode in an existing session."""
        session = self.get(owner, session_id)
        async with session.lock:
            obs, info = await self._guarded(session, session.env.reset(seed=seed, options=options))
            session.seed, session.steps, session.done = seed, 0, False
            session.last_result = None
        return session, obs, info

    async def step(
        self, owner: str, session_id: str, action: Message, step_index: int | None = None
    ) -> StepResult:
        """One step; steps of one session are serialised.

        With `step_index`, a repeat of the last step (a client retrying after a lost
        reply) gets the recorded result again, and a gap is refused.
        """
        session = self.get(owner, session_id)
        if action.role != "assistant":
            raise ServerError(
                "bad_action", f"an action must be an assistant message, got role {action.role!r}"
            )
        started = time.perf_counter()
        code: str | None = None
        try:
            async with session.lock:
                if step_index is not None and step_index != session.steps:
                    if step_index == session.steps - 1 and session.last_result is not None:
                        return session.last_result
                    raise ServerError(
                        "step_out_of_order",
                        f"step_index {step_index} does not follow the session's "
                        f"{session.steps} steps",
                        status=409,
                    )
                if session.done:
                    raise ServerError(
                        "episode_done",
                        "the episode has ended; reset the session or create a new one",
                        status=409,
                    )
                result = await self._guarded(session, session.env.step(action))
                session.steps += 1
                session.done = result.terminated or result.truncated
                session.last_result = result
                return result
        except ServerError as exc:
            code = exc.code
            raise
        finally:
            if self._on_step is not None:
                self._on_step(time.perf_counter() - started, code)

    async def task(self, owner: str, session_id: str) -> Task:
        """The current episode's task."""
        return self.get(owner, session_id).env.task

    async def reference(self, owner: str, session_id: str) -> Message:
        """The reference solution's next action (for oracle baselines run remotely)."""
        session = self.get(owner, session_id)
        async with session.lock:
            return await self._guarded(session, session.env.reference_action())

    async def grade(self, owner: str, session_id: str, trajectory: Trajectory) -> Score:
        """Grade a trajectory with the session env's own grader."""
        session = self.get(owner, session_id)
        grader = session.env.grader()
        return await self._guarded(session, grader.grade(trajectory.task, trajectory))

    async def close(self, owner: str, session_id: str) -> None:
        """Close a session and free its slot."""
        session = self.get(owner, session_id)
        await self._drop(session)

    # -- housekeeping ----------------------------------------------------------------------

    async def reap(self) -> int:
        """Close every session idle for longer than the timeout; return how many."""
        now = time.monotonic()
        stale = [
            s
            for s in self._sessions.values()
            if now - s.last_used > self.idle_timeout_s and not s.lock.locked()
        ]
        for session in stale:
            await self._drop(session)
        if stale:
            log.info("reaped %d idle sessions", len(stale))
        return len(stale)

    async def run_reaper(self, interval_s: float) -> None:
        """Reap forever every `interval_s` seconds (cancel to stop)."""
        while True:
            await asyncio.sleep(interval_s)
            await self.reap()

    async def shutdown(self, grace_s: float = 30.0) -> None:
        """Refuse new sessions, let in-flight calls finish (up to `grace_s`), close all."""
        self.accepting = False
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace_s)
        except TimeoutError:
            log.warning("shutdown: %d calls still running after %.0fs", self._in_flight, grace_s)
        for session in list(self._sessions.values()):
            await self._drop(session)

    # -- internals -------------------------------------------------------------------------

    async def _guarded(self, session: Session, call: Awaitable[T]) -> T:
        """Run one env call with the step timeout, counting it as in flight."""
        session.last_used = time.monotonic()
        self._in_flight += 1
        self._idle.clear()
        try:
            return await asyncio.wait_for(call, timeout=self.step_timeout_s)
        except TimeoutError as exc:
            await self._drop(session)
            raise ServerError(
                "step_timeout",
                f"the env did not answer within {self.step_timeout_s:g}s; the session was "
                "closed because its state is unknown",
                status=504,
            ) from exc
        except ServerError:
            raise
        except GymforgeError as exc:
            await self._drop(session)
            raise ServerError(
                "env_error", f"the env failed: {exc}; the session was closed", status=500
            ) from exc
        except Exception as exc:
            log.exception("env %s failed in session %s", session.env_id, session.id[:6])
            await self._drop(session)
            raise ServerError(
                "env_error",
                f"the env raised {type(exc).__name__}; the session was closed "
                "(details are in the server log)",
                status=500,
            ) from exc
        finally:
            session.last_used = time.monotonic()
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _drop(self, session: Session) -> None:
        if self._sessions.get(session.id) is session:
            del self._sessions[session.id]
        await self._close_env(session)

    @staticmethod
    async def _close_env(session: Session) -> None:
        if session.closed:
            return
        session.closed = True
        try:
            await session.env.close()
        except Exception:
            log.exception("closing env of session %s failed", session.id[:6])

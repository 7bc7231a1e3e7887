"""Wire format of the env server: request and response bodies, shared by HTTP and WebSocket."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from gymforge.types import Info, Message, Task, ToolSpec, Trajectory

__all__ = [
    "PROTOCOL_VERSION",
    "CreateSession",
    "EnvEntry",
    "ErrorBody",
    "ErrorDetail",
    "GradeRequest",
    "ResetSession",
    "SessionCreated",
    "SessionState",
    "StepRequest",
    "WsReply",
    "WsRequest",
]

PROTOCOL_VERSION = 1
"""Bumped on any incompatible change of these bodies."""


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorDetail(_Body):
    """A machine-readable error code and a message for a person."""

    code: str
    """Stable code, e.g. "session_not_found", "server_full", "step_timeout"."""
    message: str
    """What went wrong and what to do next (never a stack trace)."""


class ErrorBody(_Body):
    """Every error response: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorDetail
    """The error."""


class EnvEntry(_Body):
    """One registered env, as listed by ``GET /v1/envs``."""

    id: str
    """Versioned env id."""
    description: str
    """One line."""
    max_turns: int | None
    """Default turn limit."""
    nondeterministic: bool
    """True when reset is not reproducible from the seed (LLM in the loop)."""
    tools: tuple[ToolSpec, ...] = ()
    """Tools the env offers at the start of an episode (seed 0)."""


class CreateSession(_Body):
    """Open a session: makes the env and resets it."""

    env_id: str
    """Versioned env id, e.g. "gymforge/Arithmetic-v0"."""
    seed: int | None = None
    """Seed for reset; all randomness comes from it."""
    options: dict[str, JsonValue] | None = None
    """Reset options, e.g. {"task": {...}} or {"task_index": 3}."""


class ResetSession(_Body):
    """Start a new episode in an existing session."""

    seed: int | None = None
    """Seed for reset."""
    options: dict[str, JsonValue] | None = None
    """Reset options."""


class SessionCreated(_Body):
    """Answer to create and reset: the opening observation."""

    session_id: str
    """Unguessable id; send it back on every call."""
    observation: tuple[Message, ...]
    """Opening messages."""
    info: Info
    """Tools, policy text, milestones."""
    task: Task
    """The episode's task (the trainer's side needs it for logging and grading)."""


class StepRequest(_Body):
    """One assistant action."""

    action: Message
    """The assistant message (text and/or tool calls)."""
    step_index: int | None = None
    """Index of this step in the episode (0-based). When given, a retried step whose
    reply was lost (dropped connection) replays the recorded result instead of acting
    twice, and an out-of-order step is refused."""


class SessionState(_Body):
    """What ``GET /v1/sessions/{id}`` returns."""

    session_id: str
    """The session."""
    env_id: str
    """Its env."""
    seed: int | None
    """Seed of the current episode."""
    steps: int
    """Steps taken in the current episode."""
    done: bool
    """The current episode has terminated or been truncated."""
    idle_s: float
    """Seconds since the last call."""


class GradeRequest(_Body):
    """Grade a finished trajectory with the env's own grader (server side)."""

    trajectory: Trajectory
    """The episode to grade."""


class WsRequest(_Body):
    """One WebSocket frame from the client."""

    id: int = 0
    """Echoed in the reply, so a client can match replies."""
    op: Literal["create", "reset", "step", "state", "close", "task", "reference", "grade", "ping"]
    """What to do."""
    session_id: str | None = None
    """The session (all ops but create)."""
    env_id: str | None = None
    """For create."""
    seed: int | None = None
    """For create and reset."""
    options: dict[str, JsonValue] | None = None
    """For create and reset."""
    action: Message | None = None
    """For step."""
    step_index: int | None = None
    """For step: see `StepRequest.step_index`."""
    trajectory: Trajectory | None = None
    """For grade."""


class WsReply(_Body):
    """One WebSocket frame from the server."""

    id: int
    """The request's id."""
    ok: bool
    """False when `error` is set."""
    result: JsonValue = None
    """The same body the HTTP route returns."""
    error: ErrorDetail | None = None
    """Set when ok is False."""

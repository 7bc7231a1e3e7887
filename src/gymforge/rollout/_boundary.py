"""`boundary()`: the one place where failures of user code become recorded data."""

from __future__ import annotations

import traceback
from contextlib import AbstractAsyncContextManager
from types import TracebackType

from gymforge.errors import GymforgeError, PolicyOutputError
from gymforge.types import BOUNDARIES, Boundary, ErrorRecord

__all__ = ["Boundary", "BoundaryFailure", "boundary", "classify", "error_record"]

_MAX_MESSAGE = 2000
_FRAMES = 6
"""Traceback frames an `ErrorRecord` keeps (the innermost ones)."""


class BoundaryFailure(Exception):
    """Raised by `boundary` when the code it wraps failed; carries the `ErrorRecord`.

    The engine catches it, records it on the trajectory and goes on with the run.
    """

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(f"{record.boundary}: {record.type}: {record.message}")
        self.record = record


def _origin(exc: BaseException) -> BaseException:
    """The error where the failure began: follow ``raise ... from`` causes to the first."""
    seen = {id(exc)}
    while exc.__cause__ is not None and id(exc.__cause__) not in seen:
        exc = exc.__cause__
        seen.add(id(exc))
    return exc


def traceback_frames(exc: BaseException, *, limit: int = _FRAMES) -> tuple[str, ...]:
    """The last `limit` frames of where `exc` (or the error it was raised from) began.

    Each is ``"file:line in function"``, innermost last, so an env author finds a
    crashing tool from the trajectory alone.

    Example:
        >>> try:
        ...     {}["missing"]
        ... except KeyError as exc:
        ...     frames = traceback_frames(exc)
        >>> frames[-1].endswith("in <module>")
        True
    """
    tb = _origin(exc).__traceback__
    if tb is None:
        return ()
    summary = traceback.extract_tb(tb)[-limit:]
    return tuple(f"{f.filename}:{f.lineno} in {f.name}" for f in summary)


def error_record(boundary: Boundary, exc: BaseException) -> ErrorRecord:
    """The `ErrorRecord` of `exc` failing while `boundary` ran (message cut to 2,000 chars).

    The recorded boundary is the error's own when it is a gymforge error that names
    one (a `SandboxError` raised by a grader is ``sandbox``), else `boundary`. Only a
    `PolicyOutputError` raised while the policy ran is `policy_caused`: the same error
    from inside an env (an LLM user simulator's) is the env's infrastructure.

    Example:
        >>> from gymforge.errors import SandboxError
        >>> record = error_record("grader", SandboxError("bwrap failed"))
        >>> record.boundary, record.policy_caused
        ('sandbox', False)
        >>> error_record("policy", PolicyOutputError("overflow")).policy_caused
        True
    """
    message = str(exc) or repr(exc)
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    own = exc.boundary if isinstance(exc, GymforgeError) else None
    where: Boundary = own if own in BOUNDARIES else boundary
    return ErrorRecord(
        boundary=where,
        type=type(exc).__name__,
        message=message,
        cause=exc.cause if isinstance(exc, GymforgeError) else None,
        policy_caused=boundary == "policy" and isinstance(exc, PolicyOutputError),
        frames=traceback_frames(exc),
    )


def classify(boundary: Boundary, exc: Exception) -> ErrorRecord:
    """The record of `exc` failing at `boundary`, as `boundary()` makes it.

    A `BoundaryFailure` from a nested boundary keeps its own classification. The engine's
    hot path calls this directly instead of entering `boundary()` around every call.

    Example:
        >>> classify("policy", BoundaryFailure(error_record("env", KeyError("x")))).boundary
        'env'
    """
    if isinstance(exc, BoundaryFailure):
        return exc.record
    return error_record(boundary, exc)


class _BoundaryContext:
    """The async context manager `boundary` returns (a class: cheaper than a generator)."""

    __slots__ = ("name",)

    def __init__(self, name: Boundary) -> None:
        self.name: Boundary = name

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or isinstance(exc, BoundaryFailure) or not isinstance(exc, Exception):
            return False
        raise BoundaryFailure(classify(self.name, exc)) from exc


_CONTEXTS = {name: _BoundaryContext(name) for name in BOUNDARIES}


def boundary(name: Boundary) -> AbstractAsyncContextManager[None]:
    """Run user code (policy, env, grader) and turn its failure into a `BoundaryFailure`.

    Any `Exception` raised inside is classified as a failure of `name`: a bad rollout
    is data, not a crash. `BaseException`s that are not `Exception` (cancellation,
    `KeyboardInterrupt`, `SystemExit`) pass through untouched. A `BoundaryFailure`
    from a nested boundary keeps its own classification.

    Example:
        >>> import asyncio
        >>> async def demo() -> str:
        ...     try:
        ...         async with boundary("grader"):
        ...             raise RuntimeError("judge crashed")
        ...     except BoundaryFailure as failure:
        ...         return failure.record.boundary
        ...     return "no failure"
        >>> asyncio.run(demo())
        'grader'
    """
    try:
        return _CONTEXTS[name]
    except KeyError:
        raise ValueError(f"unknown boundary {name!r}; one of {sorted(_CONTEXTS)}") from None

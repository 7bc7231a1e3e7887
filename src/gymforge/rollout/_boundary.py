"""`boundary()`: the one place where failures of user code become recorded data."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Literal, TypeAlias, get_args

from gymforge.types import ErrorRecord

__all__ = ["Boundary", "BoundaryFailure", "boundary"]

Boundary: TypeAlias = Literal["policy", "env", "grader", "timeout", "sandbox", "config"]

_MAX_MESSAGE = 2000


class BoundaryFailure(Exception):
    """Raised by `boundary` when the code it wraps failed; carries the `ErrorRecord`.

    The engine catches it, records it on the trajectory and goes on with the run.
    """

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(f"{record.boundary}: {record.type}: {record.message}")
        self.record = record


def error_record(boundary: Boundary, exc: BaseException) -> ErrorRecord:
    """An `ErrorRecord` for `exc` failing at `boundary` (message cut to 2,000 characters).

    Example:
        >>> error_record("env", ValueError("bad state")).model_dump()
        {'boundary': 'env', 'type': 'ValueError', 'message': 'bad state'}
    """
    message = str(exc) or repr(exc)
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    return ErrorRecord(boundary=boundary, type=type(exc).__name__, message=message)


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


_CONTEXTS = {name: _BoundaryContext(name) for name in get_args(Boundary)}


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

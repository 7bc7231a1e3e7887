"""`boundary()`: the one place where failures of user code become recorded data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal, TypeAlias

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
    return ErrorRecord.model_construct(boundary=boundary, type=type(exc).__name__, message=message)


@asynccontextmanager
async def boundary(name: Boundary) -> AsyncIterator[None]:
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
        yield
    except BoundaryFailure:
        raise
    except Exception as exc:
        raise BoundaryFailure(error_record(name, exc)) from exc

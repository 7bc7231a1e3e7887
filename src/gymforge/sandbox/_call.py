"""`call_function`: call one function of untrusted code in a sandbox, get a typed value."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gymforge.sandbox._codec import CodecError, encode_value
from gymforge.sandbox._types import Limits, Sandbox, SandboxResult
from gymforge.types import JsonValue

__all__ = ["CallOutcome", "CallStatus", "call_function", "harness_source"]

CallStatus = Literal[
    "ok",
    "compile_error",
    "missing_function",
    "exception",
    "exit",
    "unserialisable",
    "timeout",
    "out_of_memory",
    "crash",
    "no_result",
    "tampered",
]
"""How a call ended; everything but "ok" is a failed test, each for its own reason."""

_RECORD_STATUSES = frozenset(
    {"ok", "compile_error", "missing_function", "exception", "exit", "unserialisable"}
)
"""Statuses the harness itself writes; any other status in a record is a forgery."""
_CODEC_IMPORT = "from gymforge.sandbox._codec import decode_value, encode_value"
_FUTURE = "from __future__ import annotations\n"


@cache
def harness_source() -> str:
    """The harness script shipped into the sandbox: the codec's text, then the harness.

    Example:
        >>> compile(harness_source(), "_harness.py", "exec") is not None
        True
    """
    here = Path(__file__).parent
    codec = (here / "_codec.py").read_text(encoding="utf-8").replace(_FUTURE, "")
    harness = (here / "_harness.py").read_text(encoding="utf-8")
    lines = [codec if line.startswith(_CODEC_IMPORT) else line for line in harness.splitlines()]
    return "\n".join(lines) + "\n"


class CallOutcome(BaseModel):
    """What one sandboxed call gave: a status and, when "ok", the typed-JSON value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: CallStatus
    """How the call ended."""
    value: JsonValue = None
    """The return value as typed JSON (see `encode_value`) when ``status == "ok"``."""
    detail: str = ""
    """The error's last line, or what the sandbox saw (timeout, signal, ...)."""
    stdout: str = ""
    """What the code printed (records removed), for feedback to the model."""
    duration: float = 0.0
    """Wall-clock seconds of the sandboxed process."""


def _outcome(result: SandboxResult, nonce: str) -> CallOutcome:
    prefix = nonce + " "
    records: list[dict[str, Any]] = []
    kept: list[str] = []
    for line in result.stdout.split("\n"):
        if line.startswith(prefix):
            try:
                records.append(json.loads(line[len(prefix) :]))
            except ValueError:
                records.append({"status": "tampered", "detail": "unreadable record"})
        else:
            kept.append(line)
    stdout = "\n".join(kept).strip("\n")
    common: dict[str, Any] = {"stdout": stdout[-4000:], "duration": result.duration}
    if len(records) > 1:
        return CallOutcome(status="tampered", detail="more than one result record", **common)
    if records and not (result.timed_out or result.output_truncated):
        record = records[0]
        status = record.get("status")
        if status not in _RECORD_STATUSES:
            return CallOutcome(
                status="tampered", detail=f"unknown record status {status!r}", **common
            )
        if status == "ok":
            return CallOutcome(status="ok", value=record.get("value"), **common)
        detail = str(record.get("detail", ""))
        return CallOutcome(status=status, detail=detail, **common)
    if result.timed_out:
        return CallOutcome(status="timeout", detail=result.outcome, **common)
    if result.out_of_memory:
        return CallOutcome(status="out_of_memory", detail=result.outcome, **common)
    if result.output_truncated:
        return CallOutcome(status="crash", detail="printed more than the output limit", **common)
    tail = result.stderr.strip().splitlines()[-1:] or [result.outcome]
    if result.signal is not None or result.error is not None:
        return CallOutcome(status="crash", detail=f"{result.outcome}: {tail[0][:300]}", **common)
    return CallOutcome(
        status="no_result",
        detail=f"the process ended ({result.outcome}) before the call returned: {tail[0][:300]}",
        **common,
    )


async def call_function(
    sandbox: Sandbox,
    source: str,
    function: str,
    args: Sequence[Any] = (),
    *,
    limits: Limits | None = None,
    encoded: bool = False,
    files: Mapping[str, str | bytes] | None = None,
) -> CallOutcome:
    r"""Run ``source`` as a module in a fresh sandboxed process and call ``function(*args)``.

    The arguments cross as typed JSON (``encoded=True`` says they already are);
    the return value comes back as typed JSON in `CallOutcome.value`, to be compared
    outside the sandbox with `values_equal`. ``files`` are extra files the module may
    import or read (``solution.py`` and ``_harness.py`` are reserved). Compile errors,
    exceptions, ``exit``, timeouts, memory exhaustion, crashes and missing results are
    distinct statuses.

    Example:
        >>> import asyncio
        >>> from gymforge.sandbox import get_sandbox
        >>> code = "def f(a, b):\n    return (a, b)"
        >>> with get_sandbox(pool_size=1) as sb:
        ...     out = asyncio.run(call_function(sb, code, "f", [1, "x"]))
        >>> out.status, out.value
        ('ok', {'$tuple': [1, 'x']})
    """
    try:
        typed = list(args) if encoded else [encode_value(a) for a in args]
    except CodecError as exc:
        raise ValueError(f"call_function arguments must be built-in values: {exc}") from exc
    nonce = secrets.token_hex(16)
    request = json.dumps({"nonce": nonce, "function": function, "args": typed})
    result = await sandbox.run(
        ["python", "_harness.py"],
        files={**(files or {}), "_harness.py": harness_source(), "solution.py": source},
        stdin=request,
        limits=limits,
    )
    return _outcome(result, nonce)

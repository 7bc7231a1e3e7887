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

__all__ = ["CallOutcome", "CallStatus", "call_function", "call_functions", "harness_source"]

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
    {
        "ok",
        "compile_error",
        "missing_function",
        "exception",
        "exit",
        "unserialisable",
        "out_of_memory",
        "timeout",
        "crash",
        "no_result",
    }
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


def _job_failure(result: SandboxResult) -> tuple[CallStatus, str]:
    """What became of calls that have no record, from how the whole job ended."""
    if result.timed_out:
        return "timeout", result.outcome
    if result.out_of_memory:
        return "out_of_memory", result.outcome
    if result.output_truncated:
        return "crash", "printed more than the output limit"
    tail = result.stderr.strip().splitlines()[-1:] or [result.outcome]
    if result.signal is not None or result.error is not None:
        return "crash", f"{result.outcome}: {tail[0][:300]}"
    return "no_result", f"the harness ended ({result.outcome}) before this call: {tail[0][:300]}"


def _outcomes(result: SandboxResult, nonce: str, count: int) -> list[CallOutcome]:
    prefix = nonce + " "
    records: dict[int, list[dict[str, Any]]] = {}
    kept: list[str] = []
    for line in result.stdout.split("\n"):
        if not line.startswith(prefix):
            kept.append(line)
            continue
        index_text, _, body = line[len(prefix) :].partition(" ")
        try:
            index = int(index_text)
            record = json.loads(body)
        except ValueError:
            index, record = -1, {}
        records.setdefault(index, []).append(record if isinstance(record, dict) else {})
    stdout = "\n".join(kept).strip("\n")[-4000:]
    common: dict[str, Any] = {"stdout": stdout, "duration": result.duration}
    out: list[CallOutcome] = []
    for index in range(count):
        found = records.get(index, [])
        if len(found) > 1:
            out.append(CallOutcome(status="tampered", detail="more than one record", **common))
            continue
        if not found:
            failed, why = _job_failure(result)
            out.append(CallOutcome(status=failed, detail=why, **common))
            continue
        record = found[0]
        claimed = record.get("status")
        if claimed not in _RECORD_STATUSES:
            why = f"unknown record status {claimed!r}"
            out.append(CallOutcome(status="tampered", detail=why, **common))
        elif claimed == "ok":
            out.append(CallOutcome(status="ok", value=record.get("value"), **common))
        else:
            why = str(record.get("detail", ""))
            out.append(CallOutcome.model_validate({"status": claimed, "detail": why, **common}))
    return out


async def call_functions(
    sandbox: Sandbox,
    source: str,
    function: str,
    calls: Sequence[Sequence[Any]],
    *,
    limits: Limits | None = None,
    encoded: bool = False,
    files: Mapping[str, str | bytes] | None = None,
    stop_after_timeout: bool = True,
) -> list[CallOutcome]:
    r"""`call_function` for many argument lists in one sandboxed job.

    The harness forks a fresh child per call (the candidate's module is loaded
    anew in each), so one call cannot patch the runner or the next call.
    ``limits.wall`` is the timeout of each call; the job's own wall limit is the
    sum plus a margin. With ``stop_after_timeout`` (the default) the calls after one
    that timed out are not run and count as timeouts ("not run: an earlier call timed
    out"), so an endless loop costs one timeout per job, not one per call. Returns
    one outcome per call, in order.

    Example:
        >>> import asyncio
        >>> from gymforge.sandbox import get_sandbox
        >>> with get_sandbox(pool_size=1) as sb:
        ...     outs = asyncio.run(call_functions(sb, "def f(x):\n    return 10 // x", "f",
        ...                                       [[5], [0]]))
        >>> [(o.status, o.value) for o in outs]
        [('ok', 2), ('exception', None)]
    """
    if not calls:
        return []
    try:
        typed = [list(c) if encoded else [encode_value(a) for a in c] for c in calls]
    except CodecError as exc:
        raise ValueError(f"call arguments must be built-in values: {exc}") from exc
    lim = limits or Limits()
    job = lim.model_copy(update={"wall": lim.wall * len(typed) + 2.0})
    nonce = secrets.token_hex(16)
    request = json.dumps(
        {
            "nonce": nonce,
            "function": function,
            "calls": typed,
            "timeout": lim.wall,
            "stop_after_timeout": stop_after_timeout,
        }
    )
    result = await sandbox.run(
        ["python", "_harness.py"],
        files={**(files or {}), "_harness.py": harness_source(), "solution.py": source},
        stdin=request,
        limits=job,
    )
    return _outcomes(result, nonce, len(typed))


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
    (outcome,) = await call_functions(
        sandbox, source, function, [list(args)], limits=limits, encoded=encoded, files=files
    )
    return outcome

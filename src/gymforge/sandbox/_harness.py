"""The trusted harness that calls a function of untrusted code inside the sandbox.

Stdlib only; shipped as source text (the codec's text spliced in) into the
sandbox's working directory. It reads its request from stdin *before* any
candidate code exists, closes stdin, and then, for each call, forks a fresh
child that loads the candidate's module, calls the function once and writes one
typed-JSON record to a pipe of its own, then leaves with ``os._exit`` (no
``atexit`` hook of the candidate runs). The harness enforces a wall timeout per
call, kills each child's whole session afterwards, and writes one line
``<nonce> <index> <json>`` per call straight to fd 1. A child that dies without a
record becomes a "crash", "timeout" or "no_result" record written by the harness.

It decides nothing: the expected values never enter the sandbox, and the caller
compares outside, type-strictly. A candidate that forges a record can only
claim a return value, which is what returning it does.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
import traceback
from typing import Any, NoReturn

from gymforge.sandbox._codec import decode_value, encode_value  # replaced by the codec's text

SOLUTION = "solution.py"


def _last_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1][:500] if text else type(exc).__name__


def _child(fd: int, source: str, function: str, args: list[Any]) -> NoReturn:
    """Run one call in this fresh fork and write its record to ``fd`` (never returns)."""
    write, dumps, exit_now, encode = os.write, json.dumps, os._exit, encode_value

    def record(payload: dict[str, Any]) -> NoReturn:
        write(fd, dumps(payload).encode("utf-8", "backslashreplace"))
        exit_now(0)

    try:
        code = compile(source, SOLUTION, "exec")
    except (SyntaxError, ValueError) as exc:
        record({"status": "compile_error", "detail": _last_line(exc)})
    module: dict[str, Any] = {"__name__": "solution", "__file__": SOLUTION}
    try:
        exec(code, module)  # noqa: S102 - the candidate, inside the sandbox
        func = module.get(function)
        if not callable(func):
            record({"status": "missing_function", "detail": f"no function named {function!r}"})
        value = func(*args)
    except SystemExit as exc:
        record({"status": "exit", "detail": f"the code called exit({exc.code!r})"})
    except MemoryError:
        record({"status": "out_of_memory", "detail": "MemoryError"})
    except BaseException as exc:  # noqa: BLE001 - any failure of the candidate is an outcome
        record({"status": "exception", "detail": _last_line(exc)})
    try:
        payload = {"status": "ok", "value": encode(value)}
        if len(dumps(payload)) > 1_000_000:
            payload = {"status": "unserialisable", "detail": "return value over 1 MB"}
    except BaseException as exc:  # noqa: BLE001 - e.g. a custom class with a lying __eq__
        payload = {"status": "unserialisable", "detail": _last_line(exc)}
    with contextlib.suppress(BaseException):  # the candidate may have broken stdout
        sys.stdout.flush()
    record(payload)


def _run_one(source: str, function: str, args: list[Any], timeout: float) -> dict[str, Any]:
    """Fork one child for one call; return its record (or what became of it)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.setsid()
        _child(write_fd, source, function, args)
    os.close(write_fd)
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    if timed_out:
        return {"status": "timeout", "detail": f"no result within {timeout:g} s"}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return {"status": "timeout", "detail": "CPU time limit"}
        return {"status": "crash", "detail": f"killed by signal {sig}"}
    try:
        payload: dict[str, Any] = json.loads(b"".join(chunks))
    except ValueError:
        return {"status": "no_result", "detail": "the process ended before the call returned"}
    return payload


def harness_main() -> NoReturn:
    """Run every call of the request and write one record per call (never returns)."""
    request = json.loads(sys.stdin.read())
    sys.stdin.close()
    os.close(0)
    nonce: str = request.pop("nonce")
    with open(SOLUTION, encoding="utf-8", errors="replace") as fh:
        source = fh.read()
    skip = False
    for index, raw in enumerate(request["calls"]):
        if skip:
            payload = {"status": "timeout", "detail": "not run: an earlier call timed out"}
        else:
            args = [decode_value(a) for a in raw]
            payload = _run_one(source, request["function"], args, float(request["timeout"]))
            skip = payload.get("status") == "timeout" and bool(request["stop_after_timeout"])
        line = f"\n{nonce} {index} {json.dumps(payload)}\n"
        os.write(1, line.encode("utf-8", "backslashreplace"))
    os._exit(0)


if __name__ == "__main__":
    harness_main()

"""The trusted harness that calls one function of untrusted code inside the sandbox.

Stdlib only; shipped as source text (after the codec's) into the sandbox's working
directory. It reads its request from stdin *before* the candidate's code exists
in the process, closes stdin, keeps its own references to what it needs, runs
the candidate's module, calls the function once, encodes the return value as
typed JSON and writes one record ``<nonce> <json>`` on its own line straight to
fd 1, then leaves with ``os._exit`` (no ``atexit`` hook of the candidate runs).

It decides nothing: the expected value never enters the sandbox, and the caller
compares outside, type-strictly. A candidate that forges a record can only
claim a return value for its own call, which is what returning it does.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from typing import Any

from gymforge.sandbox._codec import decode_value, encode_value  # replaced by the codec's text

SOLUTION = "solution.py"


def _record(nonce: str, payload: dict[str, Any], write: Any, dumps: Any) -> None:
    line = "\n" + nonce + " " + dumps(payload) + "\n"
    write(1, line.encode("utf-8", "backslashreplace"))


def _last_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1][:500] if text else type(exc).__name__


def harness_main() -> None:
    """Run one call and write its record (never returns)."""
    request = json.loads(sys.stdin.read())
    sys.stdin.close()
    os.close(0)
    nonce: str = request.pop("nonce")
    write, dumps, exit_now, encode = os.write, json.dumps, os._exit, encode_value
    function: str = request["function"]
    args = [decode_value(a) for a in request["args"]]
    with open(SOLUTION, encoding="utf-8", errors="replace") as fh:
        source = fh.read()
    try:
        code = compile(source, SOLUTION, "exec")
    except (SyntaxError, ValueError) as exc:
        _record(nonce, {"status": "compile_error", "detail": _last_line(exc)}, write, dumps)
        exit_now(0)
    module: dict[str, Any] = {"__name__": "solution", "__file__": SOLUTION}
    try:
        exec(code, module)  # noqa: S102 - the candidate, inside the sandbox
        func = module.get(function)
        if not callable(func):
            detail = f"no function named {function!r} is defined"
            _record(nonce, {"status": "missing_function", "detail": detail}, write, dumps)
            exit_now(0)
        value = func(*args)
    except SystemExit as exc:
        detail = f"the code called exit({exc.code!r})"
        _record(nonce, {"status": "exit", "detail": detail}, write, dumps)
        exit_now(0)
    except BaseException as exc:  # noqa: BLE001 - any failure of the candidate is an outcome
        _record(nonce, {"status": "exception", "detail": _last_line(exc)}, write, dumps)
        exit_now(0)
    try:
        payload = {"status": "ok", "value": encode(value)}
        text = dumps(payload)
        if len(text) > 1_000_000:
            payload = {"status": "unserialisable", "detail": "return value over 1 MB"}
    except BaseException as exc:  # noqa: BLE001 - e.g. a custom class with a lying __eq__
        payload = {"status": "unserialisable", "detail": _last_line(exc)}
    with contextlib.suppress(BaseException):  # the candidate may have broken stdout
        sys.stdout.flush()
    _record(nonce, payload, write, dumps)
    exit_now(0)


if __name__ == "__main__":
    harness_main()

r"""Isolated execution of untrusted code: the `Sandbox` protocol, backends and warm pool.

Example:
    >>> from gymforge.sandbox import Limits, get_sandbox
    >>> with get_sandbox(pool_size=1) as sb:
    ...     sb.run_sync(["python", "-c", "print('hi')"], limits=Limits(wall=5)).stdout
    'hi\n'
"""

from gymforge.sandbox._backends import Backend, BwrapBackend, ProcessBackend
from gymforge.sandbox._call import CallOutcome, CallStatus, call_function, call_functions
from gymforge.sandbox._codec import CodecError, decode_value, encode_value, values_equal
from gymforge.sandbox._pool import (
    ENTRY_POINT_GROUP,
    IsolatedSandbox,
    backend_names,
    default_backend_name,
    get_sandbox,
)
from gymforge.sandbox._types import Limits, Sandbox, SandboxResult

__all__ = [
    "Backend",
    "BwrapBackend",
    "CallOutcome",
    "CallStatus",
    "CodecError",
    "ENTRY_POINT_GROUP",
    "IsolatedSandbox",
    "Limits",
    "ProcessBackend",
    "Sandbox",
    "SandboxResult",
    "backend_names",
    "call_function",
    "call_functions",
    "decode_value",
    "default_backend_name",
    "encode_value",
    "get_sandbox",
    "values_equal",
]

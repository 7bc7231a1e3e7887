"""A small pool of spawned worker processes that run sympy/math-verify with a hard budget.

math-verify's own timeout uses ``signal.alarm``, which only works on the main
thread of the main interpreter, and a sympy call stuck in C code cannot be
interrupted from Python anyway. So every parse/verify runs in a worker process
(a fresh interpreter, never forked from a threaded parent); a call
that exceeds its budget gets its worker killed and replaced, and the caller gets
`PoolTimeout` instead of a hang. Calls are thread-safe: each one borrows an idle
worker for its duration.

A worker imports this module, `gymforge.graders._math_worker` and what those two
import, and nothing else of gymforge: `_BOOTSTRAP` puts ``gymforge`` and
``gymforge.graders`` into ``sys.modules`` as bare packages, so neither ``__init__``
runs (gymforge's registers every env plugin with gymforge and Gymnasium; the
graders' imports every grader and the sandbox).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["PoolTimeout", "VerifierPool", "shared_pool", "worker_main"]

_log = logging.getLogger(__name__)

_STARTUP_S = 120.0
"""How long a fresh worker may take to import sympy and math-verify (not the call budget)."""


@dataclass(frozen=True)
class PoolTimeout:
    """A call that did not finish in time, or whose worker died."""

    reason: str
    """What happened, for the grader's explanation."""


def worker_main(fd: int) -> None:  # pragma: no cover - runs in the child process
    """Serve requests on the socket `fd` until the parent closes it."""
    conn = Connection(fd)
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    from gymforge.graders._math_worker import handle

    # Prime the LaTeX parser (ANTLR) and sympy's simplifier, so the first real call's
    # budget is not spent on one-time set-up.
    handle("verify", "\\frac{x+1}{2}", "\\frac{1}{2} + \\frac{x}{2}", False)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", handle(*request)))
        except Exception as exc:  # a parse failure is a verdict, not a crash
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


_GRADERS_DIR = os.path.dirname(os.path.abspath(__file__))

_BOOTSTRAP = """\
import sys, types
for name, path in (("gymforge", sys.argv[2]), ("gymforge.graders", sys.argv[3])):
    package = types.ModuleType(name)
    package.__path__ = [path]
    sys.modules[name] = package
from gymforge.graders._math_pool import worker_main
worker_main(int(sys.argv[1]))
"""
"""What a worker runs (``python -c``; argv: the socket's fd, gymforge's and the graders' dirs).

``gymforge`` and ``gymforge.graders`` become bare packages (a ``__path__`` and no
``__init__``), through which the import system finds their submodules as usual.
"""


class _Worker:
    """One fresh interpreter running `_BOOTSTRAP`, never a fork.

    A fresh interpreter (not `multiprocessing`'s spawn) so that the caller's
    ``__main__`` is never re-imported: the grader works from any script, REPL,
    notebook or test runner without an ``if __name__ == "__main__"`` guard.
    """

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        argv = [str(child.fileno()), os.path.dirname(_GRADERS_DIR), _GRADERS_DIR]
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOTSTRAP, *argv],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False

    def wait_ready(self) -> bool:
        try:
            if not self.ready and self.conn.poll(_STARTUP_S):
                self.ready = self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            return False
        return self.ready

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.conn.close()


class VerifierPool:
    """`size` spawned workers; `call` runs one request in one of them within a budget.

    Workers start lazily (on the first call) and a killed worker is replaced at
    once, so its imports overlap with other work.

    Example:
        >>> pool = VerifierPool(size=1)
        >>> pool.size
        1
        >>> pool.close()
    """

    def __init__(self, size: int = 2) -> None:
        if size < 1:
            raise ValueError(f"VerifierPool needs at least one worker, got size={size}")
        self.size = size
        # Last in, first out: the most recently used worker has the warmest sympy caches.
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started = 0
        self._closed = False
        self._all: weakref.WeakSet[_Worker] = weakref.WeakSet()

    def _spawn(self) -> None:
        worker = _Worker()
        self._all.add(worker)
        self._idle.put(worker)

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("VerifierPool is closed; build a new one")
            if self._started < self.size and self._idle.empty():
                self._started += 1
                self._spawn()
        return self._idle.get()

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            if not self._closed:
                self._spawn()

    def call(self, request: tuple[Any, ...], *, timeout_s: float) -> Any:
        """Run `request` in a worker; `PoolTimeout` when it takes longer than `timeout_s`.

        Raises:
            RuntimeError: the request raised inside the worker (the message says what).
        """
        worker = self._acquire()
        if not worker.wait_ready():
            self._replace(worker)
            return PoolTimeout("math worker failed to start (could not import sympy/math-verify)")
        try:
            worker.conn.send(request)
            finished = worker.conn.poll(timeout_s)
            status, payload = worker.conn.recv() if finished else ("timeout", None)
        except (EOFError, OSError) as exc:
            self._replace(worker)
            return PoolTimeout(f"math worker died ({type(exc).__name__}); it was replaced")
        if status == "timeout":
            _log.info("math worker exceeded %.1fs; killing and replacing it", timeout_s)
            self._replace(worker)
            return PoolTimeout(f"timed out after {timeout_s:g}s (worker killed and replaced)")
        self._idle.put(worker)
        if status == "error":
            raise RuntimeError(payload)
        return payload

    def warm_up(self) -> None:
        """Start every worker now and wait until they have imported sympy."""
        with self._lock:
            while self._started < self.size:
                self._started += 1
                self._spawn()
        workers = [self._idle.get() for _ in range(self.size)]
        for worker in workers:
            worker.wait_ready()
            self._idle.put(worker)

    def close(self) -> None:
        """Kill every worker; calling it twice is harmless."""
        with self._lock:
            self._closed = True
        for worker in list(self._all):
            worker.kill()


_POOLS: dict[int, VerifierPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(size: int | None = None) -> VerifierPool:
    """The process-wide pool of `size` workers (default: min(2, CPUs)), created once.

    Example:
        >>> shared_pool(1) is shared_pool(1)
        True
    """
    n = size if size is not None else min(2, os.cpu_count() or 1)
    with _POOLS_LOCK:
        pool = _POOLS.get(n)
        if pool is None or pool._closed:
            pool = _POOLS[n] = VerifierPool(n)
        return pool


@atexit.register
def _close_pools() -> None:  # pragma: no cover - interpreter shutdown
    for pool in list(_POOLS.values()):
        pool.close()

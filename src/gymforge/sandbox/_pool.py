"""`IsolatedSandbox`: a pool of sandboxed supervisors, warm or one-shot, and `get_sandbox`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.metadata
import json
import logging
import os
import queue
import selectors
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from gymforge.errors import ConfigError, SandboxError
from gymforge.sandbox._backends import BACKENDS, Backend, interpreter
from gymforge.sandbox._call import harness_source
from gymforge.sandbox._types import TRUNCATION_MARKER, Limits, SandboxResult

__all__ = [
    "ENTRY_POINT_GROUP",
    "IsolatedSandbox",
    "backend_names",
    "default_backend_name",
    "get_sandbox",
]

logger = logging.getLogger(__name__)

_PYTHON_NAMES = ("python", "python3")
_START_TIMEOUT = 20.0
_GRACE = 5.0
_OOM_HINTS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")


class _Worker:
    """One supervisor process inside its own sandbox (used by one thread at a time)."""

    def __init__(self, argv: list[str]) -> None:
        self.jobs = 0
        self.proc = subprocess.Popen(  # noqa: S603 - argv built by the backend
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
            close_fds=True,
        )
        ready = self._read_frame(time.monotonic() + _START_TIMEOUT)
        self.inner = _children(self.proc.pid)
        """Host pids of the supervisor (the launcher's children), waited for on kill."""
        if ready is None or not ready.get("ready"):
            err = self._stderr()
            self.kill()
            raise SandboxError(
                "the sandbox could not start its supervisor: "
                f"{err.strip() or 'no answer within the start timeout'}"
            )

    def _stderr(self) -> str:
        assert self.proc.stderr is not None  # noqa: S101 - Popen(stderr=PIPE) guarantees it
        try:
            os.set_blocking(self.proc.stderr.fileno(), False)
            data = self.proc.stderr.read(65536) or b""
        except OSError:
            data = b""
        return data.decode("utf-8", "replace")

    def _read_exact(self, n: int, deadline: float) -> bytes | None:
        assert self.proc.stdout is not None  # noqa: S101 - Popen(stdout=PIPE) guarantees it
        fd = self.proc.stdout.fileno()
        chunks: list[bytes] = []
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while n:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, min(n, 1 << 20))
                if not chunk:
                    return None
                chunks.append(chunk)
                n -= len(chunk)
        return b"".join(chunks)

    def _read_frame(self, deadline: float) -> dict[str, Any] | None:
        head = self._read_exact(8, deadline)
        if head is None:
            return None
        body = self._read_exact(int.from_bytes(head, "big"), deadline)
        if body is None:
            return None
        value: dict[str, Any] = json.loads(body)
        return value

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send one request and wait for its answer (None: the worker is lost)."""
        assert self.proc.stdin is not None  # noqa: S101 - Popen(stdin=PIPE) guarantees it
        self.jobs += 1
        data = json.dumps(request).encode()
        try:
            self.proc.stdin.write(len(data).to_bytes(8, "big") + data)
        except OSError:
            return None
        deadline = time.monotonic() + timeout
        answer = self._read_frame(deadline)
        if answer is None or "lost" in answer:
            return answer
        clean = self._read_frame(deadline)
        if clean is None or not clean.get("clean"):
            return {"lost": True}
        return answer

    def close(self) -> None:
        """Ask the supervisor to stop (EOF on its stdin), then make sure it did."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=2.0)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self) -> None:
        """Kill the whole sandbox (its process group; the kernel ends its PID namespace)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=10.0)
        except subprocess.TimeoutExpired:
            logger.warning("sandbox worker %d did not exit after SIGKILL", self.proc.pid)
        # The supervisor dies with its launcher (PDEATHSIG); wait until it has, so that
        # nothing of this sandbox is running when close() returns.
        deadline = time.monotonic() + 10.0
        while any(_alive(pid) for pid in self.inner) and time.monotonic() < deadline:
            time.sleep(0.005)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _kill_all(workers: set[_Worker]) -> None:
    for worker in list(workers):
        worker.kill()
    workers.clear()


def _check_files(files: Mapping[str, str | bytes], limits: Limits) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, content in files.items():
        path = PurePosixPath(name)
        if not name or path.is_absolute() or ".." in path.parts or "\0" in name:
            raise ValueError(
                f"sandbox file name {name!r} must be a relative path inside the working "
                "directory (no leading '/', no '..')"
            )
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if len(data) > limits.file_size:
            raise ValueError(
                f"sandbox file {name!r} has {len(data)} bytes, over Limits.file_size="
                f"{limits.file_size}: raise the limit or send a smaller file"
            )
        out[str(path)] = base64.b64encode(data).decode()
    return out


def _decode(data: str, size: int, kept_limit: int) -> str:
    raw = base64.b64decode(data)
    text = raw.decode("utf-8", "replace")
    if size > len(raw) and size > kept_limit:
        text += TRUNCATION_MARKER.format(n=size - len(raw))
    return text


class IsolatedSandbox:
    r"""A `Sandbox` over one backend, with a pool of pre-started supervisors.

    With ``warm=True`` (the default) each supervisor stays up and serves runs one
    after the other: every run is a fresh fork of the pristine pre-imported
    interpreter, and after it every process of the run is killed and ``/tmp`` and
    the working directory are wiped, so no state crosses between runs. With
    ``warm=False`` every run gets a brand-new sandbox that is torn down after it.
    At most ``pool_size`` runs go at once; the rest wait their turn, so thousands
    of callers may await `run` together. Usable from any event loop and from
    sync code (`run_sync`); the work happens on the sandbox's own threads.

    Example:
        >>> sb = get_sandbox()
        >>> sb.run_sync(["python", "-c", "print(6 * 7)"]).stdout
        '42\n'
        >>> sb.close()
    """

    def __init__(
        self,
        backend: Backend,
        *,
        pool_size: int = 2,
        warm: bool = True,
        max_runs_per_worker: int = 1000,
    ) -> None:
        if pool_size < 1:
            raise ValueError(f"pool_size must be >= 1, got {pool_size}")
        self.backend = backend
        self.name = backend.name
        self.pool_size = pool_size
        self.warm = warm
        self.max_runs_per_worker = max_runs_per_worker
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._executor = ThreadPoolExecutor(pool_size, thread_name_prefix="gymforge-sandbox")
        self._finalizer = weakref.finalize(self, _kill_all, self._all)

    def __repr__(self) -> str:
        return f"<IsolatedSandbox {self.name} pool={self.pool_size} warm={self.warm}>"

    async def run(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str | bytes] | None = None,
        stdin: str | bytes = b"",
        limits: Limits | None = None,
        env: Mapping[str, str] | None = None,
    ) -> SandboxResult:
        """Run one program; see `gymforge.sandbox.Sandbox`."""
        request, lim = self._request(argv, files, stdin, limits, env)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run_blocking, request, lim)

    def run_sync(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str | bytes] | None = None,
        stdin: str | bytes = b"",
        limits: Limits | None = None,
        env: Mapping[str, str] | None = None,
    ) -> SandboxResult:
        """`run` for sync callers (must not be called from inside an event loop's thread)."""
        request, lim = self._request(argv, files, stdin, limits, env)
        return self._executor.submit(self._run_blocking, request, lim).result()

    def _request(
        self,
        argv: Sequence[str],
        files: Mapping[str, str | bytes] | None,
        stdin: str | bytes,
        limits: Limits | None,
        env: Mapping[str, str] | None,
    ) -> tuple[dict[str, Any], Limits]:
        if self._closed:
            raise SandboxError("this sandbox is closed; get a new one with get_sandbox()")
        if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
            raise TypeError("argv must be a non-empty sequence of str, e.g. ['python', 'main.py']")
        lim = limits or Limits()
        args = list(argv)
        inprocess = args[0] in _PYTHON_NAMES and (
            (len(args) >= 3 and args[1] == "-c") or (len(args) >= 2 and not args[1].startswith("-"))
        )
        exe, prefix = interpreter()
        if args[0] in _PYTHON_NAMES:
            args[0] = exe
        full_env = {
            "PATH": f"{prefix}/bin:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/work/job",
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            **(env or {}),
        }
        data = stdin.encode("utf-8") if isinstance(stdin, str) else bytes(stdin)
        request = {
            "argv": args,
            "inprocess": inprocess,
            "files": _check_files(files or {}, lim),
            "stdin": base64.b64encode(data).decode(),
            "env": full_env,
            "limits": lim.model_dump(),
        }
        return request, lim

    def _take(self, network: bool) -> _Worker:
        if self.warm and not network:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
        worker = _Worker(self.backend.command(network=network))
        with self._lock:
            self._all.add(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.close()

    def _run_blocking(self, request: dict[str, Any], limits: Limits) -> SandboxResult:
        worker = self._take(limits.network)
        answer = worker.run(request, limits.wall + _GRACE)
        reusable = (
            self.warm
            and not limits.network
            and answer is not None
            and "lost" not in answer
            and worker.jobs < self.max_runs_per_worker
            and not self._closed
        )
        if reusable:
            self._idle.put(worker)
        else:
            self._drop(worker)
        if answer is None or "lost" in answer or "error" in answer:
            why = (answer or {}).get("error") or (
                "the program killed or stopped the sandbox's job manager"
                if answer is not None
                else "the sandbox stopped answering and was killed"
            )
            return SandboxResult(exit_code=None, error=str(why), timed_out=answer is None)
        return self._result(answer, limits)

    @staticmethod
    def _result(answer: dict[str, Any], limits: Limits) -> SandboxResult:
        stdout = _decode(answer["stdout"], answer["stdout_size"], limits.output)
        stderr = _decode(answer["stderr"], answer["stderr_size"], limits.output)
        sig = answer["signal"]
        # SIGXCPU only comes from RLIMIT_CPU; a SIGKILL near the limit is its hard edge.
        cpu_out = sig == signal.SIGXCPU or (
            sig == signal.SIGKILL and limits.cpu is not None and answer["cpu_time"] >= limits.cpu
        )
        tail = stderr[-2000:]
        oom = limits.memory is not None and any(hint in tail for hint in _OOM_HINTS)
        return SandboxResult(
            stdout=stdout,
            stderr=stderr,
            exit_code=answer["exit_code"],
            signal=sig,
            timed_out=bool(answer["timed_out"] or cpu_out),
            out_of_memory=oom,
            output_truncated=bool(answer["output_truncated"]),
            duration=float(answer["duration"]),
            cpu_time=float(answer["cpu_time"]),
        )

    async def aclose(self) -> None:
        """Stop every supervisor; calling it twice is harmless."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def close(self) -> None:
        """Sync `aclose`."""
        self._closed = True
        self._executor.shutdown(wait=True)
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            self._drop(worker)
        _kill_all(self._all)

    def __enter__(self) -> IsolatedSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> IsolatedSandbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


ENTRY_POINT_GROUP = "gymforge.sandboxes"
"""Entry-point group where other packages register `Backend` subclasses by name."""


def _all_backends() -> dict[str, type[Backend]]:
    found = dict(BACKENDS)
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in found:
            continue
        try:
            backend = entry.load()
        except Exception:  # a broken plugin must not hide the built-in backends
            logger.warning("sandbox backend plugin %r failed to load", entry.name, exc_info=True)
            continue
        if isinstance(backend, type) and issubclass(backend, Backend):
            found[entry.name] = backend
    return found


def backend_names() -> list[str]:
    """Names of the registered backends (built-in and ``gymforge.sandboxes`` plugins).

    Example:
        >>> backend_names()
        ['bwrap', 'process']
    """
    return sorted(_all_backends())


def default_backend_name() -> str:
    """``"bwrap"`` where bubblewrap is installed, else ``"process"``.

    Example:
        >>> default_backend_name() in backend_names()
        True
    """
    return "bwrap" if BACKENDS["bwrap"]().available() else "process"


def get_sandbox(
    name: str | None = None, *, pool_size: int = 2, warm: bool = True
) -> IsolatedSandbox:
    r"""A sandbox over the backend ``name`` (None: `default_backend_name`).

    Backends are the built-in ``"bwrap"`` and ``"process"`` and any `Backend`
    subclass another package registers in the ``gymforge.sandboxes`` entry-point
    group.

    Raises `gymforge.errors.SandboxError` naming the Debian package to install when
    the backend's tool is missing, and `ConfigError` for an unknown name.

    Example:
        >>> with get_sandbox("process", pool_size=1) as sb:
        ...     sb.run_sync(["python", "-c", "import os; print(os.getuid() != 0)"]).stdout
        'True\n'
    """
    chosen = name or default_backend_name()
    backends = _all_backends()
    if chosen not in backends:
        raise ConfigError(f"unknown sandbox backend {chosen!r}; choose one of {sorted(backends)}")
    backend = backends[chosen](scripts=(harness_source(),))
    backend.command(network=False)  # fail early, naming the package, when the tool is missing
    return IsolatedSandbox(backend, pool_size=pool_size, warm=warm)

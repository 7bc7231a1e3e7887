"""The supervisor that runs *inside* a sandbox (stdlib only; shipped as source text).

This file is never imported by gymforge at run time: its text is passed to the
sandboxed interpreter with ``python -I -S -c <source> <config-json>``. It is
PID 1 of the sandbox's PID namespace, so the kernel drops SIGKILL and every
signal it does not handle when they come from inside the namespace: the
program under test cannot kill it. It is made non-dumpable, so a program
running under the same uid cannot ptrace it or read its memory or file
descriptors through ``/proc``.

Three roles, one file:

- **S, the supervisor** (PID 1): optionally builds the private root filesystem
  (``process`` backend), pre-imports modules, then loops: for each request it
  forks a fresh job manager, waits for it, kills every other process in the
  namespace, reaps them, wipes ``/tmp`` and ``/work`` and only then says
  ``{"clean": true}``, so a run is over only when nothing of it is left. It never reads a
  request itself, so no job's data is ever in the memory later jobs fork from.
- **M, the job manager** (a fork of the pristine S): reads one request frame,
  writes the files into a fresh directory, forks the program, enforces the wall
  timeout and the output cap, and writes one response frame.
- **C, the program** (a fork of M): new session, rlimits, scrubbed environment,
  an unprivileged uid where one is mapped; then either runs Python source in the
  pre-imported interpreter (``python FILE`` / ``python -c CODE``) or ``execve``.

Frames are an 8-byte big-endian length followed by UTF-8 JSON.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import errno
import gc
import hashlib
import json
import os
import resource
import select
import shutil
import signal
import sys
import time
from typing import Any

MARKER = "gymforge-sandbox-supervisor"
WORK = "/work"
JOB = "/work/job"

_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2
_SYS_PIVOT_ROOT = 155
_PR_SET_DUMPABLE = 4
_PR_SET_PDEATHSIG = 1
_COMPILED: dict[str, Any] = {}
"""Trusted scripts compiled once in the supervisor, by SHA-256 of their text."""


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    libc = _libc()
    enc = [None if v is None else v.encode() for v in (src, target, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), f"mount {target}")


def _locked_flags(path: str) -> int:
    """Flags of the source mount that a user namespace may not drop on remount."""
    st = os.statvfs(path)
    flags = 0
    for bit, ms in (
        (os.ST_NOSUID, _MS_NOSUID),
        (os.ST_NODEV, _MS_NODEV),
        (os.ST_NOEXEC, _MS_NOEXEC),
    ):
        if st.f_flag & bit:
            flags |= ms
    return flags


def _bind_ro(src: str, dst: str) -> None:
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "w"):
            pass
    _mount(src, dst, None, _MS_BIND | _MS_REC, None)
    flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _locked_flags(src)
    _mount(None, dst, None, flags, None)


def build_root(cfg: dict[str, Any]) -> None:
    """Build a private root from read-only binds and tmpfs, then pivot into it.

    Runs as root of a fresh user+mount namespace (``process`` backend only).
    """
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE, None)
    new = "/tmp"
    _mount("tmpfs", new, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=16m,mode=755")
    for path in cfg["binds"]:
        if os.path.islink(path):
            os.makedirs(os.path.dirname(new + path), exist_ok=True)
            os.symlink(os.readlink(path), new + path)
        elif os.path.exists(path):
            _bind_ro(path, new + path)
    for path in cfg["hide"]:
        if os.path.isdir(new + path):
            _mount("tmpfs", new + path, "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_RDONLY, "size=4k")
    os.makedirs(new + "/dev", exist_ok=True)
    _mount("tmpfs", new + "/dev", "tmpfs", _MS_NOSUID | _MS_NOEXEC, "size=64k,mode=755")
    for dev in ("null", "zero", "full", "random", "urandom"):
        with open(f"{new}/dev/{dev}", "w"):
            pass
        _mount(f"/dev/{dev}", f"{new}/dev/{dev}", None, _MS_BIND, None)
    os.makedirs(new + "/proc", exist_ok=True)
    _mount("proc", new + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)
    for path, size in ((WORK, cfg["work_size"]), ("/tmp", cfg["tmp_size"])):
        os.makedirs(new + path, exist_ok=True)
        _mount("tmpfs", new + path, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size},mode=1777")
    os.chdir(new)
    _check(_libc().syscall(_SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(_libc().umount2(b".", _MNT_DETACH), "umount old root")
    os.chdir("/")
    _mount(None, "/", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None)


def write_frame(fd: int, obj: dict[str, Any]) -> None:
    """Write one length-prefixed JSON frame."""
    data = json.dumps(obj).encode()
    data = len(data).to_bytes(8, "big") + data
    while data:
        data = data[os.write(fd, data) :]


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly n bytes (EOFError on a short stream)."""
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("stream closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict[str, Any]:
    """Read one length-prefixed JSON frame."""
    size = int.from_bytes(read_exact(fd, 8), "big")
    value: dict[str, Any] = json.loads(read_exact(fd, size))
    return value


def _wipe(path: str) -> None:
    for root, dirs, _files in os.walk(path):
        for d in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, d), 0o700)
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(full)


def _kill_others() -> None:
    """Kill every other process of the namespace and reap them (we are PID 1)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _write_files(files: dict[str, str], uid: int | None) -> None:
    os.mkdir(JOB, 0o755)
    for rel, b64 in files.items():
        target = os.path.join(JOB, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(base64.b64decode(b64))
    if uid is not None:
        for root, dirs, names in os.walk(JOB):
            for name in dirs + names:
                os.chown(os.path.join(root, name), uid, uid)
        os.chown(JOB, uid, uid)


def _limit(kind: int, value: int | None) -> None:
    if value is not None:
        resource.setrlimit(kind, (value, value))


def _exec_program(req: dict[str, Any], cfg: dict[str, Any], fds: tuple[int, int, int]) -> None:
    """Become the program (C). Never returns."""
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for name in os.listdir("/proc/self/fd"):
            if int(name) > 2:
                with contextlib.suppress(OSError):
                    os.close(int(name))
        uid = cfg["job_uid"]
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        lim = req["limits"]
        _limit(resource.RLIMIT_CORE, 0)
        _limit(resource.RLIMIT_NPROC, lim["processes"] + cfg["nproc_extra"])
        _limit(resource.RLIMIT_FSIZE, lim["file_size"])
        _limit(resource.RLIMIT_NOFILE, 256)
        if lim["memory"] is not None:
            resource.setrlimit(resource.RLIMIT_AS, (lim["memory"], lim["memory"]))
        if lim["cpu"] is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (lim["cpu"], lim["cpu"] + 1))
        os.chdir(JOB)
        env = dict(req["env"])
        argv: list[str] = req["argv"]
        if req["inprocess"]:
            _run_python(argv, env)
        os.execvpe(argv[0], argv, env)
    except BaseException as exc:  # noqa: BLE001 - report anything, then die
        os.write(2, f"sandbox: cannot start {req['argv'][:1]}: {exc}\n".encode())
    os._exit(127)


def _run_python(argv: list[str], env: dict[str, str]) -> None:
    """Run ``python FILE args`` or ``python -c CODE args`` in this pre-imported interpreter."""
    import runpy
    import traceback

    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = [JOB]
    sys.stdin = open(0, closefd=False, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    code = 0
    try:
        if argv[1] == "-c":
            sys.argv = ["-c", *argv[3:]]
            namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
            exec(compile(argv[2], "<string>", "exec"), namespace)  # noqa: S102 - the sandboxed program
        else:
            sys.argv = argv[1:]
            with open(argv[1], "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            if digest in _COMPILED:
                namespace = {
                    "__name__": "__main__",
                    "__file__": argv[1],
                    "__builtins__": __builtins__,
                }
                exec(_COMPILED[digest], namespace)  # noqa: S102 - a trusted precompiled script
            else:
                runpy.run_path(argv[1], run_name="__main__")
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    except MemoryError:
        code = 1
        os.write(2, b"MemoryError\n")
    except BaseException:  # noqa: BLE001 - like the interpreter: print and exit 1
        code = 1
        traceback.print_exc()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001, S110
        pass
    os._exit(code)


def _collect(
    pid: int, out: int, err: int, stdin_data: bytes, stdin_fd: int, req: dict[str, Any]
) -> dict[str, Any]:
    """Pump the pipes of C until it exits, its time is up or it prints too much (M)."""
    lim = req["limits"]
    cap: int = lim["output"]
    deadline = time.monotonic() + lim["wall"]
    bufs = {out: bytearray(), err: bytearray()}
    sizes = {out: 0, err: 0}
    open_fds = {out, err}
    writing = stdin_fd if stdin_data else -1
    if writing < 0:
        os.close(stdin_fd)
    else:
        os.set_blocking(stdin_fd, False)
    timed_out = truncated = False
    status: int | None = None
    rusage: Any = None
    exited_at: float | None = None
    while True:
        if status is None:
            wpid, st, ru = os.wait4(pid, os.WNOHANG)
            if wpid:
                status, rusage, exited_at = st, ru, time.monotonic()
                _killpg(pid)
        now = time.monotonic()
        if not open_fds or (exited_at is not None and now - exited_at > 0.2):
            break
        if now > deadline and status is None:
            timed_out = True
            _killpg(pid)
            deadline = now + 3600
        wlist = [writing] if writing >= 0 else []
        r, w, _ = select.select(list(open_fds), wlist, [], 0.02)
        if w:
            try:
                n = os.write(writing, stdin_data[:65536])
                stdin_data = stdin_data[n:]
            except OSError:
                stdin_data = b""
            if not stdin_data:
                os.close(writing)
                writing = -1
        for fd in r:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            room = cap - sizes[fd]
            sizes[fd] += len(chunk)
            if room > 0:
                bufs[fd] += chunk[:room]
            if sizes[fd] > cap and not truncated:
                truncated = True
                _killpg(pid)
    if status is None:
        _killpg(pid)
        _pid, status, rusage = os.wait4(pid, 0)
    cpu = rusage.ru_utime + rusage.ru_stime
    return {
        "stdout": base64.b64encode(bytes(bufs[out])).decode(),
        "stderr": base64.b64encode(bytes(bufs[err])).decode(),
        "stdout_size": sizes[out],
        "stderr_size": sizes[err],
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "output_truncated": truncated,
        "cpu_time": cpu,
        "max_rss": rusage.ru_maxrss * 1024,
    }


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_job(cfg: dict[str, Any]) -> None:
    """One job, as M: read the request, run C, answer. Never returns."""
    try:
        req = read_frame(0)
        started = time.monotonic()
        _write_files(req["files"], cfg["job_uid"])
        pipes = [os.pipe() for _ in range(3)]
        pid = os.fork()
        if pid == 0:
            _exec_program(req, cfg, (pipes[0][0], pipes[1][1], pipes[2][1]))
        for fd in (pipes[0][0], pipes[1][1], pipes[2][1]):
            os.close(fd)
        stdin_data = base64.b64decode(req["stdin"])
        result = _collect(pid, pipes[1][0], pipes[2][0], stdin_data, pipes[0][1], req)
        result["duration"] = time.monotonic() - started
        write_frame(1, result)
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - the host must always get an answer
        try:
            write_frame(1, {"error": f"{type(exc).__name__}: {exc}"})
        finally:
            os._exit(0)


def serve(cfg: dict[str, Any]) -> None:
    """The supervisor loop (S)."""
    for name in cfg["preload"]:
        with contextlib.suppress(ImportError):
            __import__(name)
    for source in cfg["scripts"]:
        digest = hashlib.sha256(source.encode()).hexdigest()
        _COMPILED[digest] = compile(source, "<precompiled>", "exec")
    # Objects made so far are never collected: the garbage collector then leaves
    # their pages alone, so forked children copy far fewer pages on write.
    gc.collect()
    gc.freeze()
    write_frame(1, {"ready": True, "pid": os.getpid()})
    while True:
        select.select([0], [], [])
        if _eof(0):
            break
        manager = os.fork()
        if manager == 0:
            run_job(cfg)
        status = 0
        while True:
            try:
                wpid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            if wpid == manager:
                break
        _kill_others()
        _wipe(WORK)
        _wipe("/tmp")
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            write_frame(1, {"lost": True})
            break
        write_frame(1, {"clean": True})


def _eof(fd: int) -> bool:
    """True when the host closed our stdin (peek without consuming)."""
    import fcntl
    import termios

    buf = bytearray(4)
    try:
        fcntl.ioctl(fd, termios.FIONREAD, buf)
    except OSError:
        return True
    return int.from_bytes(buf, sys.byteorder) == 0


def main(argv: list[str]) -> None:
    """Entry point: ``python -I -S -c <this file> <config-json>``."""
    cfg: dict[str, Any] = json.loads(argv[0])
    if cfg["build_root"]:
        build_root(cfg)
    libc = _libc()
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    for sig in (signal.SIGPIPE, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    if not os.path.isdir(WORK):
        os.makedirs(WORK, exist_ok=True)
    os.umask(0o022)
    os.chdir(WORK)
    try:
        serve(cfg)
    except BrokenPipeError:
        pass
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
    _kill_others()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])

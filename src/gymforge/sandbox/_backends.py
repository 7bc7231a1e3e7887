"""Isolation backends: how the supervisor process is started inside a fresh sandbox.

A backend only builds the command that starts the in-sandbox supervisor
(`gymforge.sandbox._supervisor`) under its isolation; limits, timeouts, output caps
and cleanup are enforced by that supervisor the same way for every backend.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from gymforge.errors import SandboxError

__all__ = ["Backend", "BwrapBackend", "ProcessBackend", "interpreter", "supervisor_source"]

_SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/sbin")
_PRELOAD = (
    "collections",
    "itertools",
    "functools",
    "math",
    "re",
    "json",
    "runpy",
    "traceback",
)
_HOST_UID_BASE = 3_100_000
"""First host uid given to sandboxed programs under root (unused by any real account)."""
_uid_counter = itertools.count()


def _next_job_uid() -> int:
    """A host uid for one supervisor's programs, distinct from every other live one.

    The gymforge process's pid spreads concurrent processes apart, so two test runs
    or rollout workers on one host do not share a uid (and its process count).
    """
    return _HOST_UID_BASE + (os.getpid() * 256 + next(_uid_counter) % 256) % 1_000_000


@cache
def supervisor_source() -> str:
    """The text of the in-sandbox supervisor, passed with ``python -c``."""
    return (Path(__file__).parent / "_supervisor.py").read_text(encoding="utf-8")


def interpreter() -> tuple[str, str]:
    """(real path of the base interpreter, its prefix): what the sandbox may see of Python.

    A virtualenv's own directory (where gymforge and its dependencies live) is never
    bound: the sandbox runs the base interpreter with ``-I -S``.
    """
    exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    return exe, os.path.realpath(sys.base_prefix)


def _site_packages(prefix: str) -> list[str]:
    lib = Path(prefix) / "lib"
    return sorted(str(p) for p in lib.glob("python3*/site-packages")) if lib.is_dir() else []


def _require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SandboxError(
            f"the sandbox needs `{tool}`, which is not installed on this host: "
            f"install the Debian package `{package}` (apt-get install -y {package}), "
            "or choose another backend with get_sandbox(name=...)"
        )
    return path


@dataclass(frozen=True)
class Backend:
    """How to start the supervisor inside a sandbox; subclasses say what they isolate."""

    name: ClassVar[str] = ""
    """Registered name."""
    package: ClassVar[str] = ""
    """Debian package providing the tool this backend needs."""
    tool: ClassVar[str] = ""
    """Executable this backend needs on PATH."""

    tmp_size: int = 64 * 1024 * 1024
    """Size of the private /tmp (tmpfs, memory-backed)."""
    work_size: int = 128 * 1024 * 1024
    """Size of the private /work holding the program's working directory (tmpfs)."""
    scripts: tuple[str, ...] = ()
    """Trusted Python scripts the supervisor compiles once; a ``python FILE`` run whose
    file has exactly one of these texts reuses the compiled code."""

    def available(self) -> bool:
        """Whether this host has what the backend needs."""
        return sys.platform == "linux" and shutil.which(self.tool) is not None

    def command(self, *, network: bool) -> list[str]:
        """The argv that starts a supervisor under this backend's isolation."""
        raise NotImplementedError

    def _config(self, *, build_root: bool, job_uid: int | None, nproc_extra: int) -> str:
        exe, prefix = interpreter()
        cfg: dict[str, Any] = {
            "build_root": build_root,
            "binds": [*_SYSTEM_DIRS, prefix],
            "hide": _site_packages(prefix),
            "tmp_size": self.tmp_size,
            "work_size": self.work_size,
            "job_uid": job_uid,
            "nproc_extra": nproc_extra,
            "preload": list(_PRELOAD),
            "scripts": list(self.scripts),
        }
        return json.dumps(cfg)

    def _python(self) -> list[str]:
        exe, _prefix = interpreter()
        return [exe, "-I", "-S", "-B", "-c", supervisor_source()]


@dataclass(frozen=True)
class ProcessBackend(Backend):
    """Linux namespaces via util-linux ``unshare``, with a root built by the supervisor.

    Isolates: new mount, PID, network, IPC and UTS namespaces. The root
    filesystem is a fresh tmpfs holding read-only binds of ``/usr`` (and the
    ``/bin``, ``/lib*`` links), the interpreter's prefix with its site-packages
    hidden, a minimal ``/dev`` (null, zero, full, random, urandom), a new ``/proc`` of
    the sandbox's own PID namespace, and private size-limited tmpfs ``/tmp`` and
    ``/work``; the host root is detached after ``pivot_root``, so ``/etc``, ``/root``,
    ``/home``, the project tree, the hidden tests and gymforge's own source do not
    exist inside. The environment is scrubbed. When gymforge runs as root, the
    supervisor builds that root and then every program runs as an unprivileged
    host uid of its own (from 3,100,000 up, one per supervisor) with no
    capabilities, so it cannot signal, ptrace or read the supervisor or another
    sandbox, and its process limit is its own; no user namespace is needed for
    that. When gymforge does not run as root, a new user namespace maps the caller
    to root inside. Rlimits bound CPU, address space, processes, file size and open
    files.

    Does not isolate: the kernel itself (no seccomp filter; a kernel exploit
    escapes), CPU time across processes and total memory (rlimits are per process;
    no cgroup), the host's read-only system files under ``/usr`` (readable). When
    gymforge does not run as root, programs run as the one mapped uid, the same as
    the supervisor's, which stays protected as PID 1 and non-dumpable.
    """

    name: ClassVar[str] = "process"
    package: ClassVar[str] = "util-linux"
    tool: ClassVar[str] = "unshare"

    def command(self, *, network: bool) -> list[str]:
        """The ``unshare`` argv that starts the supervisor."""
        unshare = _require(self.tool, self.package)
        if os.geteuid() == 0:
            user: list[str] = []
            job_uid: int | None = _next_job_uid()
        else:
            user = ["--user", "--map-root-user"]
            job_uid = None
        spaces = ["--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child"]
        if not network:
            spaces.append("--net")
        cfg = self._config(build_root=True, job_uid=job_uid, nproc_extra=0 if job_uid else 3)
        return [unshare, *user, *spaces, "--", *self._python(), cfg]


@dataclass(frozen=True)
class BwrapBackend(Backend):
    """Bubblewrap (Debian package ``bubblewrap``): the same layout, built by ``bwrap``.

    Isolates: new user, mount, PID, network, IPC, UTS and cgroup namespaces
    (``--unshare-all``), the same read-only root as the ``process`` backend (system
    dirs and the interpreter's prefix, site-packages hidden), bubblewrap's minimal
    ``/dev`` and its ``/proc`` with ``/proc/sys`` read-only, private size-limited tmpfs
    ``/tmp`` and ``/work``, a cleared environment, ``--die-with-parent``, and the
    supervisor as PID 1 (``--as-pid-1``) and non-dumpable; rlimits as for ``process``.

    Does not isolate: the kernel (no seccomp filter), CPU and memory across
    processes (no cgroup). Bubblewrap maps only the caller's uid: run by root, the
    sandbox's single user is host root without capabilities, confined to the
    read-only binds above (nothing secret is bound); the program runs under the
    supervisor's uid, protected as PID 1 and non-dumpable.
    """

    name: ClassVar[str] = "bwrap"
    package: ClassVar[str] = "bubblewrap"
    tool: ClassVar[str] = "bwrap"

    def command(self, *, network: bool) -> list[str]:
        """The ``bwrap`` argv that starts the supervisor."""
        bwrap = _require(self.tool, self.package)
        _exe, prefix = interpreter()
        args = [bwrap, "--unshare-all", "--die-with-parent", "--as-pid-1", "--new-session"]
        if network:
            args.append("--share-net")
        for path in (*_SYSTEM_DIRS, prefix):
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.exists(path):
                args += ["--ro-bind", path, path]
        for path in _site_packages(prefix):
            args += ["--size", "4096", "--tmpfs", path, "--remount-ro", path]
        args += ["--dev", "/dev", "--proc", "/proc"]
        args += ["--size", str(self.tmp_size), "--perms", "1777", "--tmpfs", "/tmp"]
        args += ["--size", str(self.work_size), "--perms", "1777", "--tmpfs", "/work"]
        args += ["--remount-ro", "/", "--clearenv", "--chdir", "/work"]
        cfg = self._config(build_root=False, job_uid=None, nproc_extra=3)
        return [*args, "--", *self._python(), cfg]


BACKENDS: dict[str, type[Backend]] = {"bwrap": BwrapBackend, "process": ProcessBackend}
"""Backends by name; `get_sandbox(name)` picks from here."""

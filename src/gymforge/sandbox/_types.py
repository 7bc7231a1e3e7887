"""What a sandbox takes and returns: limits, the result, and the `Sandbox` protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits", "Sandbox", "SandboxResult"]

TRUNCATION_MARKER = "\n[gymforge sandbox: output truncated, {n} more bytes not shown]\n"
"""Appended to stdout/stderr when a stream went over `Limits.output`."""


class Limits(BaseModel):
    """Resource limits of one sandboxed run.

    Example:
        >>> Limits(wall=2.0).memory
        536870912
        >>> Limits(cpu=1, processes=4).network
        False
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    wall: float = Field(default=10.0, gt=0)
    """Wall-clock seconds before the whole program (every process it made) is killed."""
    cpu: int | None = Field(default=10, gt=0)
    """CPU seconds per process (RLIMIT_CPU); None for no CPU limit."""
    memory: int | None = Field(default=512 * 1024 * 1024, gt=0)
    """Address-space bytes per process (RLIMIT_AS); None for no memory limit."""
    processes: int = Field(default=32, gt=0)
    """Processes the program may have at once (RLIMIT_NPROC in its own user namespace)."""
    output: int = Field(default=1024 * 1024, gt=0)
    """Bytes kept per stream (stdout, stderr); past it the program is killed and the stream
    is cut with a marker."""
    file_size: int = Field(default=16 * 1024 * 1024, gt=0)
    """Largest file the program may write (RLIMIT_FSIZE), and largest input file accepted."""
    network: bool = False
    """Share the host's network. False (the default) gives a private network namespace
    with no interface but a down loopback: no connection leaves the sandbox."""


class SandboxResult(BaseModel):
    r"""What happened to a sandboxed program.

    ``stdout``/``stderr`` are decoded as UTF-8 with replacement characters (non-UTF-8
    output never raises) and end with a marker when they were cut.

    Example:
        >>> r = SandboxResult(exit_code=0, stdout="hi\n")
        >>> r.ok, r.outcome
        (True, 'exited 0')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    stdout: str = ""
    """Standard output (cut at `Limits.output` bytes, with a marker)."""
    stderr: str = ""
    """Standard error (cut at `Limits.output` bytes, with a marker)."""
    exit_code: int | None = None
    """Exit status, or None when the program was killed by a signal or never ran."""
    signal: int | None = None
    """Number of the signal that killed the program, if any."""
    timed_out: bool = False
    """Killed for going over the wall-clock or the CPU-time limit."""
    out_of_memory: bool = False
    """The program ran out of its memory limit (MemoryError or an allocation failure)."""
    output_truncated: bool = False
    """A stream went over `Limits.output`; the program was killed there."""
    duration: float = 0.0
    """Wall-clock seconds from start to the end of the program."""
    cpu_time: float = 0.0
    """User + system CPU seconds of the program's main process."""
    error: str | None = None
    """Set when the sandbox itself lost the run (for example its job manager was killed)."""

    @property
    def ok(self) -> bool:
        """The program exited 0 within its limits."""
        return (
            self.exit_code == 0
            and not self.timed_out
            and not self.out_of_memory
            and not self.output_truncated
            and self.error is None
        )

    @property
    def outcome(self) -> str:
        """A short phrase for people: "exited 0", "timed out", "killed by signal 9", ..."""
        if self.error is not None:
            return f"sandbox error: {self.error}"
        if self.timed_out:
            return "timed out"
        if self.out_of_memory:
            return "out of memory"
        if self.output_truncated:
            return "output limit exceeded"
        if self.signal is not None:
            return f"killed by signal {self.signal}"
        return f"exited {self.exit_code}"


@runtime_checkable
class Sandbox(Protocol):
    """Runs untrusted programs over a set of files, within `Limits`.

    ``argv[0]`` of ``"python"`` or ``"python3"`` runs the sandbox's interpreter
    (stdlib only, no site-packages); ``python FILE`` and ``python -c CODE`` may run in a
    pre-started interpreter. Files are relative paths inside a fresh private working
    directory, which is the program's current directory. Every process the program
    starts is killed when it ends.
    """

    name: str
    """The backend's name ("bwrap", "process")."""

    async def run(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str | bytes] | None = None,
        stdin: str | bytes = b"",
        limits: Limits | None = None,
        env: Mapping[str, str] | None = None,
    ) -> SandboxResult:
        """Run one program and return what happened; see the class docstring."""
        ...

    async def aclose(self) -> None:
        """Stop every process the sandbox keeps; calling it twice is harmless."""
        ...

"""Trajectory files: the append-only writer, reading, damage repair, manifest and report."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from gymforge._util import atomic_write_text
from gymforge.errors import ConfigError, ResumeError
from gymforge.types import TRAJECTORY_SCHEMA_VERSION, Trajectory

__all__ = [
    "DamagedLine",
    "RunLock",
    "TrajectoryFile",
    "TrajectoryWriter",
    "check_writable",
    "read_trajectories",
    "scan_trajectories",
]


@dataclass(frozen=True)
class DamagedLine:
    """A line of a trajectories file that is not a whole, valid trajectory."""

    line: int
    """1-based line number in the file as it was read."""
    reason: str
    """Why it is damaged (truncated, invalid JSON, schema mismatch)."""
    text: str
    """The raw text of the line (without its newline)."""


@dataclass(frozen=True)
class TrajectoryFile:
    """The parsed content of a trajectories file."""

    trajectories: tuple[Trajectory, ...]
    """Every valid line, in file order."""
    lines: tuple[str, ...]
    """The raw text of each valid line (aligned with `trajectories`)."""
    numbers: tuple[int, ...]
    """The 1-based line number of each valid line (aligned with `trajectories`)."""
    damaged: tuple[DamagedLine, ...]
    """Lines that could not be parsed."""


def scan_trajectories(path: Path | str) -> TrajectoryFile:
    r"""Read a trajectories file, separating valid lines from damaged ones.

    A last line without its newline (the process was killed mid-write) and any line
    that is not a valid `Trajectory` are reported as `DamagedLine` with their number.
    A missing file reads as empty.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
        >>> _ = p.write_text('{"not": "a trajectory"}\\n')
        >>> scan_trajectories(p).damaged[0].line
        1
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return TrajectoryFile((), (), (), ())
    except OSError as exc:
        raise ConfigError(f"cannot read trajectories file {path}: {exc.strerror}") from exc
    raw_lines = data.split(b"\n")
    complete_last = data.endswith(b"\n") or not data
    if complete_last:
        raw_lines = raw_lines[:-1]
    good: list[Trajectory] = []
    texts: list[str] = []
    numbers: list[int] = []
    damaged: list[DamagedLine] = []
    for number, raw in enumerate(raw_lines, start=1):
        text = raw.decode("utf-8", errors="replace")
        if not text.strip():
            continue
        is_truncated = number == len(raw_lines) and not complete_last
        try:
            traj = Trajectory.from_json_line(text)
        except ValidationError as exc:
            reason = "truncated (no newline at end of file)" if is_truncated else _reason(exc)
            damaged.append(DamagedLine(number, reason, text))
            continue
        if is_truncated:
            damaged.append(DamagedLine(number, "truncated (no newline at end of file)", text))
            continue
        good.append(traj)
        texts.append(text)
        numbers.append(number)
    return TrajectoryFile(tuple(good), tuple(texts), tuple(numbers), tuple(damaged))


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "line"
    if first.get("type") == "json_invalid":
        return f"invalid JSON: {first.get('msg', '')}"
    return f"not a trajectory: {where}: {first.get('msg', '')}"


def read_trajectories(path: Path | str, *, skip_damaged: bool = False) -> list[Trajectory]:
    """Every trajectory of a JSONL file, in file order.

    Args:
        path: The trajectories file.
        skip_damaged: Leave damaged lines out instead of raising.

    Raises:
        NotFoundError: The file does not exist.
        ResumeError: A line is damaged (its number and the reason are in the message).

    Example:
        >>> import tempfile, pathlib
        >>> read_trajectories(pathlib.Path(tempfile.mkdtemp()) / "none.jsonl")
        Traceback (most recent call last):
        ...
        gymforge.errors.NotFoundError: no trajectories file at ...
    """
    from gymforge.errors import NotFoundError

    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"no trajectories file at {path}")
    scanned = scan_trajectories(path)
    if scanned.damaged and not skip_damaged:
        first = scanned.damaged[0]
        raise ResumeError(
            f"{path} line {first.line}: {first.reason} ({len(scanned.damaged)} damaged "
            "line(s) in all); resume the run to repair it, or read with skip_damaged=True"
        )
    return list(scanned.trajectories)


def move_lines(
    source: Path, keep: Iterable[str], moved: Iterable[tuple[int, str, str]], dest: Path
) -> None:
    """Append `moved` (line, reason, text) to `dest` as JSONL, then rewrite `source` with `keep`.

    The destination is written and synced first, so a crash in between loses nothing.
    """
    with dest.open("a", encoding="utf-8") as fh:
        for line, reason, text in moved:
            record = {"source": str(source), "line": line, "reason": reason, "text": text}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    atomic_write_text(source, "".join(line + "\n" for line in keep))


def check_writable(path: Path) -> None:
    """Raise `ConfigError` naming `path` unless a trajectories file can be appended there.

    Creates missing parent directories. Runs before any rollout starts.
    """
    if path.is_dir():
        raise ConfigError(f"--out {path} is a directory; give a file path such as {path}/run.jsonl")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the directory of --out {path}: {exc.strerror or exc}"
        ) from exc
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write --out {path}: {exc.strerror or exc}") from exc
    finally:
        if not existed and path.exists() and path.stat().st_size == 0:
            with contextlib.suppress(OSError):
                path.unlink()


_SERIALIZE = Trajectory.__pydantic_serializer__.to_json
"""What `Trajectory.model_dump_json` runs, before decoding the bytes to `str`."""


class TrajectoryWriter:
    """Appends one JSONL line per finished episode, flushed to the OS at once; fsync at close.

    `write` writes and flushes its line. `write_soon` (what the engine uses) serialises
    the line at once and writes it, together with every other line queued in the same
    pass of the event loop, with one write + flush at the start of the loop's next pass:
    before the loop next waits on anything, never held back for a timer or a count.
    Killing the process therefore loses at most the episodes still in flight and those
    that ended in the loop pass it was killed in (and possibly one truncated last line,
    which the next resume repairs).

    Example:
        >>> import tempfile, pathlib
        >>> from gymforge.types import Task
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
        >>> t = Trajectory(run_id="r", env_id="e", task_id="t0", sample=0, seed=0,
        ...                policy="p", task=Task(id="t0", prompt="?"))
        >>> with TrajectoryWriter(p) as w:
        ...     w.write(t)
        >>> len(read_trajectories(p))
        1
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.written = 0
        # Binary: pydantic serialises to UTF-8 bytes, so the line goes out as it comes
        # (the bytes of `to_json_line()`), without a decode and a re-encode per episode.
        self._fh: IO[bytes] | None = self.path.open("ab")
        self._queued: list[bytes] = []
        """Lines of `write_soon`, each followed by its newline."""

    def write(self, trajectory: Trajectory) -> None:
        """Append one trajectory (the bytes of `to_json_line()`) and flush it to the OS."""
        fh = self._file()
        self.flush_queued()  # the file keeps the order of the calls
        fh.write(_SERIALIZE(trajectory) + b"\n")
        fh.flush()
        self.written += 1

    def write_soon(self, trajectory: Trajectory) -> None:
        """Serialise `trajectory` now; write + flush it at the start of the loop's next pass.

        Every line queued in one pass of the running event loop goes out in one write
        and one flush (`flush_queued`, scheduled with `call_soon` by the first of them),
        so a burst of episodes ending together costs one system call, not one each.
        The bytes are those `write` appends. Must be called from a running event loop.
        """
        self.queue_line(_SERIALIZE(trajectory))

    def queue_line(self, line: bytes) -> None:
        """`write_soon` of a line serialised by the caller (without its newline)."""
        self._file()
        queued = self._queued
        if not queued:
            asyncio.get_running_loop().call_soon(self.flush_queued)
        queued += (line, b"\n")

    def flush_queued(self) -> None:
        """Write and flush the lines `write_soon` queued (a no-op when there are none)."""
        queued = self._queued
        if not queued or self._fh is None:
            return
        self._queued = []
        self._fh.write(b"".join(queued))
        self._fh.flush()
        self.written += len(queued) // 2

    def _file(self) -> IO[bytes]:
        if self._fh is None:
            raise ValueError(f"TrajectoryWriter for {self.path} is closed")
        return self._fh

    def close(self) -> None:
        """Write what is queued, flush, fsync and close (idempotent)."""
        if self._fh is None:
            return
        self.flush_queued()
        fh, self._fh = self._fh, None
        try:
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def manifest_data(
    run_id: str, identity: dict[str, Any], config: dict[str, Any], recipe: dict[str, Any]
) -> dict[str, Any]:
    """The manifest written to `<out>.run.json` (`recipe`: the run's `RewardRecipe` as JSON)."""
    return {
        "schema_version": TRAJECTORY_SCHEMA_VERSION,
        "run_id": run_id,
        "identity": identity,
        "config": config,
        "recipe": recipe,
    }


def check_manifest(manifest: Path, run_id: str, identity: dict[str, Any], out: Path) -> bool:
    """Compare an existing manifest with this run; False when there is none yet.

    Raises:
        ResumeError: The file belongs to a run with another configuration.
    """
    if not manifest.exists() or manifest.stat().st_size == 0:
        return False
    try:
        old = json.loads(manifest.read_text(encoding="utf-8"))
        old_identity = old["identity"]
        old_run_id = old["run_id"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResumeError(
            f"{manifest} is unreadable ({exc}); it records which run wrote {out}. "
            "Use a new --out, or delete both files to start over."
        ) from exc
    if old_run_id == run_id:
        return True
    changed = sorted(
        key
        for key in set(old_identity) | set(identity)
        if old_identity.get(key) != identity.get(key)
    )
    details = ", ".join(
        f"{key}: {old_identity.get(key)!r} -> {identity.get(key)!r}" for key in changed
    )
    raise ResumeError(
        f"{out} holds run {old_run_id}, written with a different configuration "
        f"({details or 'schema'}). Resuming would mix two runs in one file: use a new --out "
        f"(e.g. {out.with_name(out.stem + '-2' + out.suffix)}), or run the original command again."
    )


class RunLock:
    """An exclusive lock on ``<out>.lock`` so two runs never append to one file.

    The OS releases it when the process dies (even on SIGKILL), so a stale lock file
    never blocks a resume.

    Raises:
        ConfigError: Another process holds the lock.
    """

    def __init__(self, out: Path) -> None:
        self.path = out.with_name(out.name + ".lock")
        self._fh: IO[str] | None = self.path.open("a", encoding="utf-8")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            self._fh = None
            raise ConfigError(
                f"another gymforge run is writing {out} right now; wait for it to finish, "
                "or use another --out"
            ) from None

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fh is not None:
            fh, self._fh = self._fh, None
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

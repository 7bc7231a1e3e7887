"""Task files: JSONL, one `Task` per line, with errors that name the file, line and field."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from gymforge._util import atomic_write_text
from gymforge.errors import ConfigError, NotFoundError
from gymforge.tasks._base import TaskFamily, TaskValidator
from gymforge.types import Task

__all__ = ["load_tasks", "save_tasks"]


def save_tasks(path: str | os.PathLike[str], tasks: Iterable[Task]) -> int:
    """Write tasks as JSONL (one JSON object per line) and return how many were written.

    The file is written to a temporary sibling and renamed into place, so a crash
    never leaves a half-written task file; parent directories are created.

    Example:
        >>> import tempfile, pathlib
        >>> from gymforge.types import Task
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tasks.jsonl"
        >>> save_tasks(path, [Task(id="a", prompt="1+1?", answer=2)])
        1
        >>> load_tasks(path)[0].answer
        2
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for task in tasks:
        if not isinstance(task, Task):
            raise TypeError(f"save_tasks: expected Task objects, got {type(task).__name__}")
        lines.append(task.model_dump_json() + "\n")
    atomic_write_text(target, "".join(lines))
    count = len(lines)
    return count


def load_tasks(path: str | os.PathLike[str], *, validate: TaskFamily | None = None) -> list[Task]:
    r"""Read a JSONL task file (blank lines are skipped).

    Args:
        path: The file.
        validate: The family whose env will run the tasks: when it has the
            ``validate_task`` hook (`TaskValidator`), every task must pass it, so a
            task that lacks what the env needs fails here, not in the middle of a run.
            None (or a family without the hook): any valid `Task` is accepted.

    Raises:
        NotFoundError: The file does not exist.
        ConfigError: A line is not JSON, not an object, not a valid `Task`, repeats
            an id, or fails `validate`; the message names the file, the line and the
            field, e.g. ``tasks.jsonl line 3: field 'id': field required`` or
            ``tasks.jsonl line 7: task 'x': metadata.world_seed: missing (...)``.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tasks.jsonl"
        >>> _ = path.write_text('{"id": "a", "prompt": "?"}\n{"prompt": "?"}\n')
        >>> load_tasks(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        gymforge.errors.ConfigError: ...tasks.jsonl line 2: field 'id': field required
        >>> from gymforge.tasks import ArithmeticFamily
        >>> _ = path.write_text('{"id": "a", "prompt": "1+1?", "answer": "two"}\n')
        >>> load_tasks(path, validate=ArithmeticFamily())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        gymforge.errors.ConfigError: ...tasks.jsonl line 1: task 'a': answer: expected a number, ...
    """
    check = validate.validate_task if isinstance(validate, TaskValidator) else None
    source = Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"task file {source} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read task file {source}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{source} line {bad}: not UTF-8 text ({exc.reason})") from None
    lines = text.split("\n")
    truncated = bool(lines[-1].strip())  # a complete file ends with a newline
    tasks: list[Task] = []
    first_seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            hint = (
                " (the file looks truncated: its last line has no newline)"
                if truncated and number == len(lines)
                else ""
            )
            raise ConfigError(
                f"{where}: invalid JSON at column {exc.colno}: {exc.msg}{hint}"
            ) from None
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a JSON object, got {type(data).__name__}")
        try:
            task = Task.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{where}: {_describe(exc)}") from None
        if task.id in first_seen:
            raise ConfigError(
                f"{where}: duplicate task id {task.id!r} (first on line {first_seen[task.id]})"
            )
        first_seen[task.id] = number
        if check is not None:
            try:
                check(task)
            except ValueError as exc:
                raise ConfigError(f"{where}: task {task.id!r}: {exc}") from None
        tasks.append(task)
    return tasks


def _describe(exc: ValidationError) -> str:
    """Pydantic errors as ``field 'x': what is wrong`` (all of them, joined)."""
    parts = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or "(line)"
        message = error["msg"]
        parts.append(f"field {field!r}: {message[:1].lower()}{message[1:]}")
    return "; ".join(parts)

"""`task_field`: read one field of a task, or say exactly which field is wrong and why.

The families' ``validate_task`` hooks are written with it, so every task-file error has
one form: ``metadata.world_seed: missing (<what the env needs it for>)``. `load_tasks`
prefixes the file, line and task id.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from gymforge.types import Task

__all__ = ["task_field"]

Kind = type | tuple[type, ...]
"""The JSON kinds a field may have, as Python types (``int`` never matches a bool)."""

_KIND_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def _json_name(value: object) -> str:
    """``a string "x"``, ``an integer 3``, ``null``: what a value is, as a user wrote it."""
    if value is None:
        return "null"
    name = _KIND_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list)):
        return name
    shown = repr(value)
    return f"{name} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _kind_text(kind: Kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if set(kinds) == {int, float}:
        return "a number"
    return " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)


def _matches(value: object, kind: Kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def _dotted(path: tuple[str | int, ...]) -> str:
    """``("metadata", "intents", 0, "request")`` -> ``metadata.intents[0].request``."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def task_field(
    task: Task,
    *path: str | int,
    kind: Kind,
    why: str,
    optional: bool = False,
    choices: Collection[object] | None = None,
) -> Any:
    """The value at `path` in `task`, checked; else a `ValueError` naming the field.

    `path` starts with a `Task` field (``"metadata"``, ``"answer"``, ``"difficulty"``,
    ``"reference"``, ...) and goes on with object keys (str) and list indices (int).
    A field that is absent or null is missing: an error, or None when `optional`.

    Args:
        task: The task to read.
        *path: Where the field is.
        kind: The type(s) the value must have (JSON kinds: str, int, float, bool,
            list, dict; ``int`` never accepts a bool).
        why: What the env needs the field for; the error ends with it in parentheses.
        optional: Return None instead of failing when the field is missing.
        choices: The values the field may take (checked after `kind`).

    Raises:
        ValueError: The field (or an object or list on its way) is missing or of the
            wrong kind, or not one of `choices`.

    Example:
        >>> t = Task(id="r/1", prompt="?", metadata={"world_seed": "7", "numbers": [1]})
        >>> task_field(t, "metadata", "world_seed", kind=int, why="the world")
        Traceback (most recent call last):
        ...
        ValueError: metadata.world_seed: expected an integer, got a string '7' (the world)
        >>> task_field(t, "metadata", "user_id", kind=str, why="the customer")
        Traceback (most recent call last):
        ...
        ValueError: metadata.user_id: missing (the customer)
        >>> task_field(t, "metadata", "numbers", 0, kind=int, why="-", choices=(1, 2))
        1
        >>> task_field(t, "metadata", "opening", kind=list, why="-", optional=True) is None
        True
    """
    if not path:
        raise TypeError("task_field needs a path, e.g. task_field(task, 'metadata', 'seed', ...)")
    value: Any = getattr(task, str(path[0]))
    for depth, key in enumerate(path[1:], start=1):
        if isinstance(key, int) and isinstance(value, list):
            value = value[key] if 0 <= key < len(value) else None
        elif isinstance(key, str) and isinstance(value, dict):
            value = value.get(key)
        elif value is None and optional:
            return None
        else:
            where = _dotted(path[:depth])
            if value is None:
                raise ValueError(f"{where}: missing ({why})")
            expected = _KIND_NAMES[list if isinstance(key, int) else dict]
            raise ValueError(f"{where}: expected {expected}, got {_json_name(value)} ({why})")
    where = _dotted(path)
    if value is None:
        if optional:
            return None
        raise ValueError(f"{where}: missing ({why})")
    if not _matches(value, kind):
        raise ValueError(f"{where}: expected {_kind_text(kind)}, got {_json_name(value)} ({why})")
    if choices is not None and value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{where}: expected one of {allowed}, got {value!r} ({why})")
    return value

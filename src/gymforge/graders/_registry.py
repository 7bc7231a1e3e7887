"""Built-in grader base class and the registry that records how each grader was built.

`register_grader` wraps a factory function: every grader it returns carries a
``config`` (the factory's name and its bound arguments, JSON-ready), so a log
shows exactly how the reward was configured, like Inspect's ``@scorer``.
Graders are small classes, not closures, so they pickle (multiprocessing, Ray).
"""

from __future__ import annotations

import abc
import difflib
import functools
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from gymforge.errors import ConfigError, NotFoundError
from gymforge.types import JsonValue, Score, Task, Trajectory

__all__ = ["BuiltinGrader", "grader_factories", "grader_from_config", "register_grader"]

P = ParamSpec("P")
G = TypeVar("G", bound="BuiltinGrader")

_FACTORIES: dict[str, Callable[..., BuiltinGrader]] = {}


class BuiltinGrader(abc.ABC):
    """Base of the built-in graders: a `name`, a recorded `config`, and `grade`.

    Satisfies the `gymforge.graders.Grader` protocol. Subclass it for your own
    grader and build it through a factory decorated with `register_grader` to get
    the same logging.
    """

    name: str
    """Metric name of this grader's value in reports and in composite components."""
    config: dict[str, JsonValue]
    """How it was built: ``{"factory": ..., "args": {...}}`` (set by `register_grader`)."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"grader name must be a non-empty string without '/', got {name!r} "
                "('/' separates a composite's name from its children's in components)"
            )
        self.name = name
        self.config = {"factory": type(self).__name__, "args": {}}

    @abc.abstractmethod
    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Score one finished episode (never raises for a wrong or missing answer)."""

    def __repr__(self) -> str:
        args = self.config.get("args")
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items()) if isinstance(args, dict) else ""
        return f"{self.config.get('factory')}({shown})"


def register_grader(factory: Callable[P, G]) -> Callable[P, G]:
    """Decorate a grader factory so its graders record ``config`` and it is listed.

    The factory's name is the registry key; registering a different function
    under a taken name raises `ValueError`.

    Example:
        >>> from gymforge.types import Score
        >>> class Always(BuiltinGrader):
        ...     def __init__(self, value, name):
        ...         super().__init__(name)
        ...         self.value = value
        ...     async def grade(self, task, trajectory):
        ...         return Score(value=self.value)
        >>> @register_grader
        ... def always(value: float = 1.0, *, name: str = "always") -> Always:
        ...     return Always(value, name)
        >>> always(0.5).config
        {'factory': 'always', 'args': {'value': 0.5, 'name': 'always'}}
        >>> "always" in grader_factories()
        True
    """
    key = factory.__name__
    known = _FACTORIES.get(key)
    if known is not None and getattr(known, "__wrapped__", None) is not factory:
        old = getattr(known, "__wrapped__", known)
        if (old.__module__, old.__qualname__) != (factory.__module__, factory.__qualname__):
            raise ValueError(
                f"a grader factory named {key!r} is already registered from "
                f"{old.__module__}.{old.__qualname__}: rename one of them"
            )
    signature = inspect.signature(factory)

    @functools.wraps(factory)
    def build(*args: P.args, **kwargs: P.kwargs) -> G:
        grader = factory(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        grader.config = {
            "factory": key,
            "args": {k: to_config_value(v) for k, v in bound.arguments.items()},
        }
        return grader

    _FACTORIES[key] = build
    return build


def grader_factories() -> dict[str, Callable[..., BuiltinGrader]]:
    """Registered grader factories by name (a copy).

    Example:
        >>> from gymforge.graders import grader_factories
        >>> "exact_match" in grader_factories()
        True
    """
    return dict(sorted(_FACTORIES.items()))


def grader_from_config(config: Mapping[str, Any]) -> BuiltinGrader:
    """Rebuild a grader from its recorded ``config`` (e.g. read back from a run log).

    Child graders recorded as configs (``{"factory": ..., "args": ...}`` of a
    registered factory) are rebuilt first, so composites round-trip.

    Raises:
        NotFoundError: The factory is not registered (with close names).
        ConfigError: The config is malformed or its arguments do not fit the factory.

    Example:
        >>> from gymforge.graders import grader_from_config, numeric, weighted_sum
        >>> g = weighted_sum({"ok": (numeric(rel_tol=0.01), 1.0)})
        >>> grader_from_config(g.config).config == g.config
        True
    """
    if not _is_config(config):
        want = "{'factory': str, 'args': {...}}"
        raise ConfigError(f"not a grader config (want {want}): {config!r}")
    name = config["factory"]
    factory = _FACTORIES.get(name)
    if factory is None:
        close = difflib.get_close_matches(name, list(_FACTORIES), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise NotFoundError(f"no grader factory named {name!r}{hint}")
    args = {k: _rebuild(v) for k, v in config["args"].items()}
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for param in inspect.signature(factory).parameters.values():
        if param.name not in args:
            continue
        value = args.pop(param.name)
        if param.kind is param.VAR_POSITIONAL:
            positional.extend(value)
        elif param.kind is param.POSITIONAL_ONLY:
            positional.append(value)
        else:
            keywords[param.name] = value
    if args:
        raise ConfigError(f"grader {name!r} has no argument(s) {sorted(args)}")
    try:
        return factory(*positional, **keywords)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot rebuild grader {name!r}: {exc}") from exc


def _is_config(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and set(value) == {"factory", "args"}
        and isinstance(value["factory"], str)
        and isinstance(value["args"], Mapping)
    )


def _rebuild(value: Any) -> Any:
    if _is_config(value) and value["factory"] in _FACTORIES:
        return grader_from_config(value)
    if isinstance(value, list):
        return [_rebuild(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _rebuild(v) for k, v in value.items()}
    return value


def to_config_value(value: Any) -> JsonValue:
    """A JSON-ready picture of a factory argument (graders become their config)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, BuiltinGrader):
        return value.config
    config = getattr(value, "config", None)
    if isinstance(config, dict):
        return config
    if hasattr(value, "grade") and hasattr(value, "name"):
        return {"factory": type(value).__qualname__, "name": str(value.name)}
    if isinstance(value, re.Pattern):
        return str(value.pattern)
    if isinstance(value, Mapping):
        return {str(k): to_config_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_config_value(v) for v in items]
    return repr(value)

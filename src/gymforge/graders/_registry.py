"""Built-in grader base class and the registry that records how each grader was built.

`register_grader` wraps a factory function: every grader it returns carries a
``config`` (the factory's registry key and its bound arguments, JSON-ready), so a
log shows exactly how the reward was configured, like Inspect's ``@scorer``, and
`grader_from_config` rebuilds the grader from it. Keys are namespaced,
``<namespace>/<factory name>``: ``gymforge/numeric`` for ours and, by default, the
top-level package of the factory's module for anyone else's, so a plugin's own
``numeric()`` registers beside ours instead of clashing with it.
Graders are small classes, not closures, so they pickle (multiprocessing, Ray).
"""

from __future__ import annotations

import abc
import dataclasses
import difflib
import functools
import inspect
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar, overload

from pydantic import BaseModel, ValidationError

from gymforge.errors import ConfigError, NotFoundError
from gymforge.types import JsonValue, Score, Task, Trajectory

__all__ = [
    "GYMFORGE_NAMESPACE",
    "BuiltinGrader",
    "grader_config",
    "grader_factories",
    "grader_from_config",
    "register_grader",
    "to_config_value",
]

P = ParamSpec("P")
G = TypeVar("G", bound="BuiltinGrader")

GYMFORGE_NAMESPACE = "gymforge"
"""The namespace of gymforge's own grader factories; a bare key (a config written
before keys were namespaced) means one of them."""

_FACTORIES: dict[str, Callable[..., BuiltinGrader]] = {}
_NAMESPACE_RE = re.compile(r"^[A-Za-z_][\w.-]*$")


class BuiltinGrader(abc.ABC):
    """Base of the built-in graders: a `name`, a recorded `config`, and `grade`.

    Satisfies the `gymforge.graders.Grader` protocol. Subclass it for your own
    grader and build it through a factory decorated with `register_grader` to get
    the same logging; one built directly records that it was not (`grader_config`).
    """

    name: str
    """Metric name of this grader's value in reports and in composite components."""
    config: dict[str, JsonValue]
    """How it was built: ``{"factory": key, "args": {...}}`` (set by `register_grader`),
    or, for one built without a registered factory, ``{"unregistered": "module:Class",
    "name": name}``."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"grader name must be a non-empty string without '/', got {name!r} "
                "('/' separates a composite's name from its children's in components)"
            )
        self.name = name
        self.config = _unregistered(self)

    @abc.abstractmethod
    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Score one finished episode (never raises for a wrong or missing answer)."""

    def __repr__(self) -> str:
        if not _is_config(self.config):
            return f"<{type(self).__name__} {self.name!r} (no registered factory)>"
        args = self.config["args"]
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items()) if isinstance(args, dict) else ""
        return f"{str(self.config['factory']).rsplit('/', 1)[-1]}({shown})"


def _unregistered(grader: Any) -> dict[str, JsonValue]:
    cls = type(grader)
    return {
        "unregistered": f"{cls.__module__}:{cls.__qualname__}",
        "name": str(getattr(grader, "name", "")),
    }


def grader_config(grader: Any) -> dict[str, JsonValue]:
    """How `grader` was built, as a run log records it.

    A grader built by a registered factory gives its ``config``
    (``{"factory": key, "args": {...}}``, which `grader_from_config` rebuilds). Any
    other grader (a class of your own, a `BuiltinGrader` built directly, a server's
    grader) gives ``{"unregistered": "module:Class", "name": name}``: which class it
    was, and that it cannot be rebuilt from the record.

    Example:
        >>> from gymforge.graders import exact_match
        >>> grader_config(exact_match())["factory"]
        'gymforge/exact_match'
        >>> class Mine:
        ...     name = "mine"
        ...     async def grade(self, task, trajectory): ...
        >>> grader_config(Mine())
        {'unregistered': 'gymforge.graders._registry:Mine', 'name': 'mine'}
    """
    config = getattr(grader, "config", None)
    if _is_config(config):
        return typing.cast(dict[str, JsonValue], config)
    return _unregistered(grader)


@overload
def register_grader(factory: Callable[P, G], /) -> Callable[P, G]: ...


@overload
def register_grader(
    *, namespace: str | None = None
) -> Callable[[Callable[P, G]], Callable[P, G]]: ...


def register_grader(
    factory: Callable[P, G] | None = None, /, *, namespace: str | None = None
) -> Callable[P, G] | Callable[[Callable[P, G]], Callable[P, G]]:
    """Decorate a grader factory so its graders record ``config`` and it is listed.

    The registry key is ``<namespace>/<factory name>``; the namespace defaults to
    the top-level package of the factory's module (``gymforge`` for ours, ``acme``
    for ``acme.graders``). Registering a different function under a taken key
    raises `ValueError`; the same function again (a reloaded module) replaces it.

    Args:
        factory: The factory (when used bare, ``@register_grader``).
        namespace: The key's namespace instead of the module's top-level package
            (``@register_grader(namespace="acme")``); letters, digits, ``_ . -``.

    Returns:
        The wrapped factory, or a decorator when called with options only.

    Raises:
        ValueError: The key is taken by another function, or the namespace is malformed.

    Example:
        >>> from gymforge.types import Score
        >>> class Always(BuiltinGrader):
        ...     def __init__(self, value, name):
        ...         super().__init__(name)
        ...         self.value = value
        ...     async def grade(self, task, trajectory):
        ...         return Score(value=self.value)
        >>> @register_grader(namespace="demo")
        ... def always(value: float = 1.0, *, name: str = "always") -> Always:
        ...     return Always(value, name)
        >>> always(0.5).config
        {'factory': 'demo/always', 'args': {'value': 0.5, 'name': 'always'}}
        >>> "demo/always" in grader_factories()
        True
    """
    if namespace is not None and (
        not isinstance(namespace, str) or not _NAMESPACE_RE.match(namespace)
    ):
        raise ValueError(
            f"grader namespace {namespace!r} is malformed: use letters, digits, '_', '.' or "
            "'-' (no '/'), e.g. your package's name"
        )
    if factory is None:

        def decorate(f: Callable[P, G]) -> Callable[P, G]:
            return _register(f, namespace)

        return decorate
    return _register(factory, namespace)


def _register(factory: Callable[P, G], namespace: str | None) -> Callable[P, G]:
    space = namespace or str(factory.__module__).split(".", 1)[0]
    key = f"{space}/{factory.__name__}"
    known = _FACTORIES.get(key)
    if known is not None and getattr(known, "__wrapped__", None) is not factory:
        old = getattr(known, "__wrapped__", known)
        if (old.__module__, old.__qualname__) != (factory.__module__, factory.__qualname__):
            raise ValueError(
                f"a grader factory {key!r} is already registered from "
                f"{old.__module__}.{old.__qualname__}: rename one of them, or register "
                "yours under another namespace (register_grader(namespace=...))"
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
    """Registered grader factories by key, ``namespace/name`` (a copy).

    Example:
        >>> from gymforge.graders import grader_factories
        >>> "gymforge/exact_match" in grader_factories()
        True
    """
    return dict(sorted(_FACTORIES.items()))


def _lookup(key: str) -> Callable[..., BuiltinGrader] | None:
    """The factory of a config's key; a bare key (an old config) names one of ours."""
    found = _FACTORIES.get(key)
    if found is None and "/" not in key:
        found = _FACTORIES.get(f"{GYMFORGE_NAMESPACE}/{key}")
    return found


def _not_registered(key: str) -> NotFoundError:
    bare = key.rsplit("/", 1)[-1]
    by_name: dict[str, list[str]] = {}
    for known in sorted(_FACTORIES):
        by_name.setdefault(known.rsplit("/", 1)[-1], []).append(known)
    names = difflib.get_close_matches(bare, list(by_name), n=3)
    close = [k for n in names for k in by_name[n] if k != key]
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return NotFoundError(
        f"no grader factory named {key!r}{hint} (a factory is registered when the module "
        "that defines it is imported; `grader_factories()` lists them)"
    )


def grader_from_config(config: Mapping[str, Any]) -> BuiltinGrader:
    """Rebuild a grader from its recorded ``config`` (e.g. read back from a run log).

    Child graders recorded as configs (``{"factory": ..., "args": ...}`` of a
    registered factory) are rebuilt first, so composites round-trip. A bare key
    (``"numeric"``, from a log written before keys were namespaced) names one of
    gymforge's own factories; the rebuilt grader records the namespaced key. An
    argument recorded from a pydantic model (e.g. `Limits`) is validated back into
    the model the factory's signature names.

    Raises:
        NotFoundError: The factory is not registered (with close names).
        ConfigError: The config is malformed, its arguments do not fit the factory, or
            it records a grader that no registered factory built (``"unregistered"``).

    Example:
        >>> from gymforge.graders import grader_from_config, numeric, weighted_sum
        >>> g = weighted_sum({"ok": (numeric(rel_tol=0.01), 1.0)})
        >>> grader_from_config(g.config).config == g.config
        True
    """
    if _is_unregistered(config):
        raise ConfigError(
            f"grader {config.get('name')!r} is a {config['unregistered']} that was not built "
            "by a registered factory, so its record cannot be rebuilt: build it through a "
            "factory decorated with @register_grader to make it rebuildable"
        )
    if not _is_config(config):
        want = "{'factory': str, 'args': {...}}"
        raise ConfigError(f"not a grader config (want {want}): {config!r}")
    name = config["factory"]
    factory = _lookup(name)
    if factory is None:
        raise _not_registered(name)
    args = {k: _rebuild(v) for k, v in config["args"].items()}
    hints = _hints(factory)
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for param in inspect.signature(factory).parameters.values():
        if param.name not in args:
            continue
        value = _as_model(name, param.name, hints.get(param.name), args.pop(param.name))
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


def _hints(factory: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(getattr(factory, "__wrapped__", factory))
    except (NameError, TypeError):  # a hint only importable under TYPE_CHECKING
        return {}


def _as_model(factory: str, arg: str, hint: Any, value: Any) -> Any:
    """A recorded pydantic model (a dict in the config) as the model the factory takes."""
    if not isinstance(value, Mapping):
        return value
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            try:
                return candidate.model_validate(dict(value))
            except ValidationError as exc:
                raise ConfigError(
                    f"cannot rebuild grader {factory!r}: argument {arg!r} is not a valid "
                    f"{candidate.__name__}: {exc.errors(include_url=False)[0]['msg']}"
                ) from exc
    return value


def _is_unregistered(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and set(value) == {"unregistered", "name"}
        and isinstance(value["unregistered"], str)
    )


def _rebuild(value: Any) -> Any:
    if (_is_config(value) and _lookup(value["factory"]) is not None) or _is_unregistered(value):
        return grader_from_config(value)  # a child grader (an unregistered one raises)
    if isinstance(value, list):
        return [_rebuild(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _rebuild(v) for k, v in value.items()}
    return value


def to_config_value(value: Any) -> JsonValue:
    """A JSON-ready picture of a factory argument (graders become `grader_config`).

    Example:
        >>> from gymforge.sandbox import Limits
        >>> to_config_value({"limits": Limits(wall=2.0), "tags": ("a", "b")})["tags"]
        ['a', 'b']
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, BuiltinGrader) or (hasattr(value, "grade") and hasattr(value, "name")):
        return grader_config(value)
    config = getattr(value, "config", None)
    if isinstance(config, dict):
        return config
    if isinstance(value, BaseModel):
        return typing.cast(JsonValue, value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_config_value(dataclasses.asdict(value))
    if isinstance(value, re.Pattern):
        return str(value.pattern)
    if isinstance(value, Mapping):
        return {str(k): to_config_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_config_value(v) for v in items]
    return repr(value)

"""The env registry: versioned ids, entry-point plugins, `make` with default wrappers.

Envs are registered by id (``namespace/Name-vN``) with an entry point: a
``"module:Attr"`` string (nothing is imported until `make`) or a callable.
`load_plugins` loads every plugin of the ``gymforge.envs`` entry-point group, once;
gymforge's own envs come in through it too (``builtin =
"gymforge.envs:register_builtins"``). ``import gymforge`` calls it, and so does the
first lookup (`make`, `spec`, `list_envs`) should it not have run. Every registered id
is also registered with Gymnasium, so ``gymnasium.make(id)`` works once it is
registered.

This module is imported by ``import gymforge``, so it imports only what registering
needs: `Env` (whose module imports no pydantic), the wrappers and the errors.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import importlib
import logging
import math
import re
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from gymforge.env._env import Env, EnvSpec
from gymforge.env._wrappers import MaxTurns, TimeLimit
from gymforge.errors import ConfigError, EnvError, NotFoundError

__all__ = [
    "ENTRY_POINT_GROUP",
    "list_envs",
    "load_plugins",
    "make",
    "parse_env_id",
    "register",
    "spec",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gymforge.envs"
"""Entry-point group whose callables register envs (third-party packages use it too)."""

_ID_RE = re.compile(
    r"^(?P<namespace>[A-Za-z0-9_][\w.-]*)/(?P<name>[A-Za-z0-9_][\w.-]*?)-v(?P<version>0|[1-9]\d*)$"
)
_ENTRY_POINT_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_GYM_ENTRY_POINT = "gymforge.env._gym:GymnasiumEnv"

_SPECS: dict[str, EnvSpec] = {}


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = _Unset.UNSET


class _PluginState:
    loaded = False
    loading = False


def parse_env_id(env_id: str) -> tuple[str, str, int]:
    """Split ``namespace/Name-vN`` into its parts.

    Raises:
        ValueError: The id does not have that shape.

    Example:
        >>> parse_env_id("gymforge/Arithmetic-v0")
        ('gymforge', 'Arithmetic', 0)
    """
    match = _ID_RE.match(env_id) if isinstance(env_id, str) else None
    if match is None:
        raise ValueError(
            f"malformed env id {env_id!r}: use 'namespace/Name-vN', e.g. 'myorg/Retail-v0'"
        )
    return match["namespace"], match["name"], int(match["version"])


def register(
    id: str,
    entry_point: str | Callable[..., Env],
    *,
    kwargs: Mapping[str, Any] | None = None,
    description: str = "",
    max_turns: int | None = 32,
    nondeterministic: bool = False,
    oracle_score: float | None = 1.0,
    reward_range: tuple[float, float] | None = None,
) -> EnvSpec:
    """Register an env id.

    Registering the exact same spec again is a no-op, so registration functions
    are idempotent; a different spec under an existing id is an error (bump the
    version instead: changed grading or dynamics means a new ``-vN``).

    Args:
        id: ``namespace/Name-vN``.
        entry_point: ``"module:Attr"`` (imported by `make`) or a callable returning an `Env`.
        kwargs: Default keyword arguments for the entry point.
        description: One line for ``gymforge list``.
        max_turns: Turn limit `make` applies with `MaxTurns` (None: no limit).
        nondeterministic: True when reset is not reproducible from the seed
            (an LLM user simulator or judge in the loop).
        oracle_score: What the reference solution scores under the env's grader,
            checked by `check_env`; None when it is not a fixed number.
        reward_range: ``(lo, hi)``, the inclusive bounds of an episode's reward
            (``-math.inf``/``math.inf`` for an open side); a run counts and warns
            about episodes outside them. None: undeclared.

    Returns:
        The registered `EnvSpec`.

    Raises:
        ValueError: Malformed id, entry point, max_turns or reward_range.
        ConfigError: The id is already registered with a different spec.

    Example:
        >>> spec = register("demo/Echo-v0", "gymforge.envs.arithmetic:ArithmeticEnv")
        >>> spec.name, spec.version
        ('Echo', 0)
    """
    parse_env_id(id)
    if isinstance(entry_point, str):
        if not _ENTRY_POINT_RE.match(entry_point):
            raise ValueError(f"entry point {entry_point!r} of {id!r} must be 'package.module:Attr'")
    elif not callable(entry_point):
        raise ValueError(f"entry point of {id!r} must be 'module:Attr' or a callable")
    if max_turns is not None and (
        isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1
    ):
        raise ValueError(f"max_turns of {id!r} must be an int >= 1 or None, got {max_turns!r}")
    new = EnvSpec(
        id=id,
        entry_point=entry_point,
        kwargs=MappingProxyType(dict(kwargs or {})),
        description=description,
        max_turns=max_turns,
        nondeterministic=nondeterministic,
        oracle_score=oracle_score,
        reward_range=_check_reward_range(id, reward_range),
    )
    old = _SPECS.get(id)
    if old is not None:
        if old == new:
            return old
        raise ConfigError(
            f"env id {id!r} is already registered (entry point {old.entry_point!r}); "
            "pick another id, or bump the version if grading or dynamics changed"
        )
    _SPECS[id] = new
    _register_with_gymnasium(new)
    return new


def _check_reward_range(env_id: str, value: Any) -> tuple[float, float] | None:
    """`register`'s reward_range as a pair of floats, or a ValueError naming what is wrong."""
    if value is None:
        return None
    how = "give (lo, hi) with numbers lo <= hi, e.g. (0, 1), or math.inf for an open side"
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(
            f"reward_range of {env_id!r} must be a pair (lo, hi), got {value!r}: {how}"
        )
    for bound in value:
        if isinstance(bound, bool) or not isinstance(bound, int | float) or math.isnan(bound):
            raise ValueError(
                f"reward_range of {env_id!r} has a bound {bound!r} that is not a number: {how}"
            )
    lo, hi = float(value[0]), float(value[1])
    if lo > hi:
        raise ValueError(f"reward_range of {env_id!r} is empty ({lo:g} > {hi:g}): {how}")
    return lo, hi


def _register_with_gymnasium(env_spec: EnvSpec) -> None:
    """Mirror an id into Gymnasium's registry (adapter entry point, same id).

    The entry point is a string, so the adapter (`gymforge.env._gym`) is imported by
    ``gymnasium.make``, not here.
    """
    import gymnasium

    if env_spec.id in gymnasium.registry:
        return
    gymnasium.register(
        id=env_spec.id,
        entry_point=_GYM_ENTRY_POINT,
        kwargs={"env_id": env_spec.id},
        nondeterministic=env_spec.nondeterministic,
    )


def load_plugins() -> None:
    """Load the ``gymforge.envs`` entry-point group once (later calls do nothing).

    ``import gymforge`` calls it, so every env is registered, with gymforge and with
    Gymnasium, as soon as any part of gymforge is imported. Each entry point is a
    callable that registers envs. A failure in gymforge's own plugin raises
    `EnvError`; a third-party plugin that fails is logged and skipped so that one
    broken package does not hide every env.

    Example:
        >>> load_plugins()
        >>> "gymforge/Arithmetic-v0" in [s.id for s in list_envs()]
        True
    """
    if _PluginState.loaded or _PluginState.loading:
        return
    _PluginState.loading = True
    try:
        seen: set[tuple[str, str]] = set()
        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value))
        for ep in eps:
            if (ep.name, ep.value) in seen:
                continue
            seen.add((ep.name, ep.value))
            try:
                ep.load()()
            except Exception as exc:
                if ep.value.startswith("gymforge."):
                    raise EnvError(f"gymforge's env plugin {ep.value!r} failed: {exc}") from exc
                logger.error(
                    "env plugin %r (%s) failed and was skipped: %s", ep.name, ep.value, exc
                )
        _PluginState.loaded = True
    finally:
        _PluginState.loading = False


def _not_found(env_id: str) -> NotFoundError:
    ids = sorted(_SPECS)
    hint = "Run `gymforge list` to see every registered env."
    if not ids:
        return NotFoundError(
            f"no env with id {env_id!r}: no envs are registered at all. Is gymforge installed "
            f"(`pip install -e .` makes its '{ENTRY_POINT_GROUP}' entry points visible)?"
        )
    base = env_id.rsplit("-v", 1)[0] if re.search(r"-v\d+$", env_id) else env_id
    versions = sorted(s.version for s in _SPECS.values() if s.id.rsplit("-v", 1)[0] == base)
    if versions:
        listed = ", ".join(f"v{v}" for v in versions)
        if base == env_id:
            return NotFoundError(
                f"env id {env_id!r} needs a version; did you mean '{base}-v{versions[-1]}'? "
                f"Registered versions: {listed}."
            )
        return NotFoundError(
            f"env {base!r} has no version {env_id[len(base) + 1 :]}; registered versions: "
            f"{listed}. {hint}"
        )
    lowered = {i.lower(): i for i in ids}
    close = difflib.get_close_matches(env_id.lower(), list(lowered), n=1, cutoff=0.6)
    suggestion = f" did you mean {lowered[close[0]]!r}?" if close else ""
    return NotFoundError(f"no env with id {env_id!r};{suggestion} {hint}".replace(";  ", "; "))


def spec(id: str) -> EnvSpec:
    """The registered spec of `id`.

    Raises:
        NotFoundError: No such id; the message suggests the closest one.

    Example:
        >>> spec("gymforge/Arithmetic-v0").max_turns
        1
    """
    load_plugins()
    found = _SPECS.get(id)
    if found is None:
        raise _not_found(id)
    return found


def list_envs() -> list[EnvSpec]:
    """Every registered spec, sorted by id (plugins loaded first).

    Example:
        >>> ids = [s.id for s in list_envs()]
        >>> ids == sorted(ids)
        True
    """
    load_plugins()
    return [_SPECS[i] for i in sorted(_SPECS)]


def _resolve(env_spec: EnvSpec) -> Callable[..., Any]:
    entry = env_spec.entry_point
    if callable(entry):
        factory: Callable[..., Any] = entry
        return factory
    module_name, _, attr = str(entry).partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise EnvError(
            f"cannot import {module_name!r} for env {env_spec.id!r}: {exc}. "
            "If it needs an optional extra, install it (e.g. pip install 'gymforge[all]')."
        ) from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise EnvError(
                f"entry point {entry!r} of {env_spec.id!r}: {module_name!r} has no {attr!r}"
            ) from None
    if not callable(obj):
        raise EnvError(f"entry point {entry!r} of {env_spec.id!r} is not callable")
    resolved: Callable[..., Any] = obj
    return resolved


def make(
    id: str,
    *,
    max_turns: int | None | _Unset = UNSET,
    time_limit: float | None = None,
    **kwargs: Any,
) -> Env:
    """Build the env registered as `id`, with its default wrappers.

    The env's ``spec`` is the spec as built: the registered one with the merged
    kwargs, the turn limit and the time limit in force, and the wrappers applied
    (see `EnvSpec`). With no override the unwrapped env shares the registered spec.

    Args:
        id: A registered id, ``namespace/Name-vN``.
        max_turns: Override the spec's turn limit (None: no `MaxTurns`; not given:
            the spec's own).
        time_limit: Wall-clock seconds per episode (`TimeLimit`); None: no limit.
        **kwargs: Keyword arguments for the entry point, over the spec's defaults.

    Returns:
        The env, wrapped in `MaxTurns` (and `TimeLimit`) as asked; ``repr`` shows it.

    Raises:
        NotFoundError: Unknown id (with a suggestion).
        EnvError: The entry point cannot be imported or does not return an `Env`.

    Example:
        >>> env = make("gymforge/Arithmetic-v0", difficulty=2)
        >>> env
        <MaxTurns<ArithmeticEnv gymforge/Arithmetic-v0>>
        >>> env.spec.max_turns, dict(env.spec.kwargs), [w.name for w in env.spec.wrappers]
        (1, {'difficulty': 2}, ['MaxTurns'])
    """
    env_spec = spec(id)
    merged = {**env_spec.kwargs, **kwargs}
    built = _resolve(env_spec)(**merged)
    if not isinstance(built, Env):
        raise EnvError(f"entry point of {id!r} returned {type(built).__name__}, not a gymforge Env")
    env: Env = built
    limit = env_spec.max_turns if max_turns is UNSET else max_turns
    if (
        not kwargs
        and limit == env_spec.max_turns
        and time_limit == env_spec.time_limit
        and type(env_spec.kwargs) is MappingProxyType
    ):
        # Nothing overridden: the registered spec already says exactly this (and is
        # frozen), so it is shared instead of copied for every episode.
        env.unwrapped.spec = env_spec
    else:
        env.unwrapped.spec = dataclasses.replace(
            env_spec, kwargs=MappingProxyType(merged), max_turns=limit, time_limit=time_limit
        )
    if limit is not None:
        env = MaxTurns(env, limit)
    if time_limit is not None:
        env = TimeLimit(env, time_limit)
    return env


def _snapshot() -> dict[str, EnvSpec]:
    """A copy of the registry (tests restore it with `_restore`)."""
    return dict(_SPECS)


def _restore(saved: Mapping[str, EnvSpec]) -> None:
    _SPECS.clear()
    _SPECS.update(saved)

"""Reference environments, one subpackage each, registered through an entry point.

`register_builtins` (the ``builtin`` plugin of the ``gymforge.envs`` entry-point
group) walks the subpackages of this package in name order and, for each one that
has a ``_register`` module, calls its ``register_envs()``. A new env subpackage
therefore registers itself by adding ``envs/<name>/_register.py``; no shared file
changes. Keep ``_register.py`` (and the subpackage's ``__init__``) light: register
``"module:Class"`` entry points, so nothing heavy is imported until `make`.

Example:
    >>> from gymforge.env import spec
    >>> spec("gymforge/CalculatorAgent-v0").entry_point
    'gymforge.envs.calculator._env:CalculatorAgentEnv'
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from gymforge import errors as _errors

__all__ = ["builtin_subpackages", "register_builtins"]

_REGISTER_MODULE = "_register"
_REGISTER_FUNCTION = "register_envs"


def builtin_subpackages() -> list[str]:
    """Names of the env subpackages of `gymforge.envs`, sorted.

    Example:
        >>> {"arithmetic", "calculator"} <= set(builtin_subpackages())
        True
    """
    return sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and not m.name.startswith("_")
    )


def register_builtins() -> None:
    """Register every built-in env: each subpackage's ``_register.register_envs()``.

    Idempotent (registering an identical spec twice is a no-op). A subpackage
    without a ``_register`` module is skipped.

    Raises:
        EnvError: A ``_register`` module fails to import, lacks ``register_envs``,
            or raises; the message names the subpackage.

    Example:
        >>> register_builtins()
        >>> register_builtins()  # again: nothing changes
    """
    for name in builtin_subpackages():
        module_name = f"{__name__}.{name}.{_REGISTER_MODULE}"
        try:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            register_envs = getattr(module, _REGISTER_FUNCTION, None)
            if not callable(register_envs):
                raise _errors.EnvError(f"{module_name} must define {_REGISTER_FUNCTION}()")
            register_envs()
        except _errors.EnvError:
            raise
        except Exception as exc:
            raise _errors.EnvError(
                f"registering the envs of {__name__}.{name} failed: {exc!r}"
            ) from exc

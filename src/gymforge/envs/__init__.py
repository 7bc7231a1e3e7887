"""Reference environments, one subpackage each, registered through an entry point.

`register_builtins` (the ``builtin`` plugin of the ``gymforge.envs`` entry-point
group) walks the subpackages of this package in name order and, for each one that
has a ``_register.py``, runs it and calls its ``register_envs()``. A new env
subpackage therefore registers itself by adding ``envs/<name>/_register.py``; no
shared file changes.

``import gymforge`` runs all of this (through `gymforge.env.load_plugins`), so it
must stay cheap. ``_register.py`` is run from its file *without importing its
package*, so however heavy an env package is, registering it costs only its
``_register.py``: keep that file to absolute imports of `gymforge.env` and register
``"module:Class"`` entry points, so the env's code loads only at `make`.

Example:
    >>> from gymforge.env import spec
    >>> spec("gymforge/CalculatorAgent-v0").entry_point
    'gymforge.envs.calculator._env:CalculatorAgentEnv'
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import sys
from types import ModuleType

from gymforge import errors as _errors

__all__ = ["builtin_subpackages", "register_builtins"]

_REGISTER_MODULE = "_register"
_REGISTER_FUNCTION = "register_envs"


def _subpackages() -> list[tuple[str, str]]:
    """(name, directory) of each env subpackage, sorted by name."""
    found: dict[str, str] = {}
    for m in pkgutil.iter_modules(__path__):
        if m.ispkg and not m.name.startswith("_") and m.name not in found:
            found[m.name] = os.path.join(str(getattr(m.module_finder, "path", "")), m.name)
    return sorted(found.items())


def builtin_subpackages() -> list[str]:
    """Names of the env subpackages of `gymforge.envs`, sorted.

    Example:
        >>> {"arithmetic", "calculator"} <= set(builtin_subpackages())
        True
    """
    return [name for name, _ in _subpackages()]


def _load_register_module(name: str, directory: str) -> ModuleType | None:
    """Run ``<directory>/_register.py`` as ``gymforge.envs.<name>._register``, or None.

    The package itself is not imported: its ``__init__`` may be heavy.
    """
    module_name = f"{__name__}.{name}.{_REGISTER_MODULE}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = os.path.join(directory, f"{_REGISTER_MODULE}.py")
    if not os.path.isfile(path):
        return None
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def register_builtins() -> None:
    """Register every built-in env: each subpackage's ``_register.register_envs()``.

    Idempotent (registering an identical spec twice is a no-op). A subpackage
    without a ``_register.py`` is skipped.

    Raises:
        EnvError: A ``_register.py`` fails to run, lacks ``register_envs``, or
            raises; the message names the subpackage.

    Example:
        >>> register_builtins()
        >>> register_builtins()  # again: nothing changes
    """
    for name, directory in _subpackages():
        try:
            module = _load_register_module(name, directory)
            if module is None:
                continue
            register_envs = getattr(module, _REGISTER_FUNCTION, None)
            if not callable(register_envs):
                raise _errors.EnvError(f"{module.__name__} must define {_REGISTER_FUNCTION}()")
            register_envs()
        except _errors.EnvError:
            raise
        except Exception as exc:
            raise _errors.EnvError(
                f"registering the envs of {__name__}.{name} failed: {exc!r}"
            ) from exc

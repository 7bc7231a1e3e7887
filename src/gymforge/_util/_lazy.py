"""Re-exports that load on first use (PEP 562), so importing a package imports nothing else.

A package lists where each public name lives and binds the two hooks this returns::

    __getattr__, __dir__ = lazy_exports(globals(), {"ArithmeticEnv": "._env"})

and imports the same names under ``typing.TYPE_CHECKING`` for type checkers. The
first ``package.Name`` (or ``from package import Name``) imports the home module
and keeps the value in the package, so later lookups are plain attribute reads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: dict[str, Any], homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Args:
        namespace: The package's ``globals()``.
        homes: Public name -> the module defining it: absolute (``"gymforge.rollout"``)
            or relative to the package (``"._env"``).

    Returns:
        ``(__getattr__, __dir__)``, to bind at module level.

    Example:
        >>> ns = {"__name__": "gymforge._util"}
        >>> getattr_, dir_ = lazy_exports(ns, {"derive_seed": "._seeding"})
        >>> getattr_("derive_seed")("demo", 0) == ns["derive_seed"]("demo", 0)
        True
        >>> "derive_seed" in dir_()
        True
        >>> getattr_("nothing")
        Traceback (most recent call last):
        ...
        AttributeError: module 'gymforge._util' has no attribute 'nothing'
    """
    package = namespace["__name__"]
    table = dict(homes)

    def __getattr__(name: str) -> Any:
        home = table.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__

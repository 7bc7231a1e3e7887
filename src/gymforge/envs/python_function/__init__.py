"""``gymforge/PythonFunction-v0``: implement a function; hidden unit tests in the sandbox."""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.python_function._env import PythonFunctionEnv

__all__ = ["PythonFunctionEnv"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(globals(), {"PythonFunctionEnv": "._env"})

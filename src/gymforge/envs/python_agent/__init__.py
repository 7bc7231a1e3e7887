"""``gymforge/PythonAgent-v0``: a multi-turn coding agent with sandboxed tools."""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.python_agent._env import PythonAgentEnv

__all__ = ["PythonAgentEnv"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(globals(), {"PythonAgentEnv": "._env"})

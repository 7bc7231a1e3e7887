"""``gymforge/CalculatorAgent-v0``: multi-step arithmetic with a safe calculator tool."""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.calculator._env import CalculatorAgentEnv

__all__ = ["CalculatorAgentEnv"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(globals(), {"CalculatorAgentEnv": "._env"})

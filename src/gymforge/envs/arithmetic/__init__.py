r"""``gymforge/Arithmetic-v0``: one arithmetic question, answered in ``\boxed{}``."""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.arithmetic._env import ArithmeticEnv

__all__ = ["ArithmeticEnv"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(globals(), {"ArithmeticEnv": "._env"})

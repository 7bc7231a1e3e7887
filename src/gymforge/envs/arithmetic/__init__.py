r"""``gymforge/Arithmetic-v0``: one arithmetic question, answered in ``\boxed{}``.

Names load on first use, so the registry can import ``_register`` cheaply.
"""

from __future__ import annotations

import typing
from typing import Any

if typing.TYPE_CHECKING:
    from gymforge.envs.arithmetic._env import ArithmeticEnv

__all__ = ["ArithmeticEnv"]


def __getattr__(name: str) -> Any:
    if name == "ArithmeticEnv":
        from gymforge.envs.arithmetic._env import ArithmeticEnv

        return ArithmeticEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

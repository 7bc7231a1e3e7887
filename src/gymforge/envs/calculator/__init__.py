"""``gymforge/CalculatorAgent-v0``: multi-step arithmetic with a safe calculator tool.

Names load on first use, so the registry can import ``_register`` cheaply.
"""

from __future__ import annotations

import importlib
import typing
from typing import Any

if typing.TYPE_CHECKING:
    from gymforge.envs.calculator._env import CalculatorAgentEnv
    from gymforge.envs.calculator._evaluator import (
        MAX_DEPTH,
        MAX_EXPONENT,
        MAX_EXPRESSION_LENGTH,
        format_number,
        safe_eval,
    )

__all__ = [
    "CalculatorAgentEnv",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_EXPRESSION_LENGTH",
    "format_number",
    "safe_eval",
]

_HOME = {name: "_evaluator" for name in __all__} | {"CalculatorAgentEnv": "_env"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

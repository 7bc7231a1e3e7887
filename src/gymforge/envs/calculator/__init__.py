"""``gymforge/CalculatorAgent-v0``: multi-step arithmetic with a safe calculator tool."""

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

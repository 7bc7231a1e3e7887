"""Registers the calculator envs (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/CalculatorAgent-v0``."""
    register(
        "gymforge/CalculatorAgent-v0",
        "gymforge.envs.calculator._env:CalculatorAgentEnv",
        description="Hard arithmetic with a calculate(expression) tool; answer in \\boxed{}",
        max_turns=16,
        reward_range=(0.0, 1.0),
    )

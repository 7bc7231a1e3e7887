"""Registers the arithmetic envs (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/Arithmetic-v0``."""
    register(
        "gymforge/Arithmetic-v0",
        "gymforge.envs.arithmetic._env:ArithmeticEnv",
        description="One integer arithmetic question (levels 1-5), answer in \\boxed{}",
        max_turns=1,
        reward_range=(0.0, 1.0),
    )

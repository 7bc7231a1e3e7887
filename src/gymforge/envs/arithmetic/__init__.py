r"""``gymforge/Arithmetic-v0``: one arithmetic question, answered in ``\boxed{}``."""

from gymforge.envs.arithmetic._env import ArithmeticEnv

__all__ = ["ArithmeticEnv"]

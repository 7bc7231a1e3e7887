"""Registers the PythonFunction env (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/PythonFunction-v0``."""
    register(
        "gymforge/PythonFunction-v0",
        "gymforge.envs.python_function._env:PythonFunctionEnv",
        description="Implement a Python function (5 categories, levels 1-3); hidden unit "
        "tests run in the sandbox",
        max_turns=1,
        reward_range=(0.0, 1.0),
    )

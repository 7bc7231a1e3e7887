"""Registers the PythonAgent env (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/PythonAgent-v0``."""
    register(
        "gymforge/PythonAgent-v0",
        "gymforge.envs.python_agent._env:PythonAgentEnv",
        description="Multi-turn coding: write_file, run_tests (visible), run_python "
        "(sandboxed), submit; hidden unit tests grade solution.py",
        max_turns=24,
    )

"""Registers the PythonAgent env (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/PythonAgent-v1`` and, for comparing old runs, ``-v0``."""
    register(
        "gymforge/PythonAgent-v1",
        "gymforge.envs.python_agent._env:PythonAgentEnv",
        kwargs={"graded_files": "all"},
        description="Multi-turn coding: write_file, run_tests (visible), run_python "
        "(sandboxed), submit; hidden unit tests grade solution.py with the other files written",
        max_turns=24,
        reward_range=(0.0, 1.0),
    )
    register(
        "gymforge/PythonAgent-v0",
        "gymforge.envs.python_agent._env:PythonAgentEnv",
        kwargs={"graded_files": "solution"},
        description="PythonAgent as first released: hidden tests see solution.py alone "
        "(a split solution scores 0); use -v1",
        max_turns=24,
        reward_range=(0.0, 1.0),
    )

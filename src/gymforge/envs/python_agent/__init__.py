"""``gymforge/PythonAgent-v0``: a multi-turn coding agent with sandboxed tools."""

from gymforge.envs.python_agent._env import (
    MAX_FILE_BYTES,
    MAX_FILES,
    NUDGE,
    RUN_LIMITS,
    SOLUTION,
    SYSTEM_PROMPT,
    PythonAgentEnv,
)

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "NUDGE",
    "PythonAgentEnv",
    "RUN_LIMITS",
    "SOLUTION",
    "SYSTEM_PROMPT",
]

"""``gymforge/PythonFunction-v0``: implement a function; hidden unit tests in the sandbox."""

from gymforge.envs.python_function._env import SYSTEM_PROMPT, PythonFunctionEnv

__all__ = ["PythonFunctionEnv", "SYSTEM_PROMPT"]

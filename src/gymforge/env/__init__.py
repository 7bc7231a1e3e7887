"""The Env contract, tool-using envs, the registry, wrappers and the Gymnasium adapter."""

from gymforge.env._env import Env, EnvSpec

__all__ = ["Env", "EnvSpec"]

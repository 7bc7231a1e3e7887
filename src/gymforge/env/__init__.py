"""The Env contract, tool-using envs, the registry, wrappers and the Gymnasium adapter.

The Gymnasium adapter (`GymnasiumEnv`, `AnyText`, `parse_action`, ...) lives in
``gymforge.env._gym`` and is loaded on first use, so importing this package does
not import Gymnasium.
"""

from __future__ import annotations

import typing
from typing import Any

from gymforge.env._check import EnvCheckError, check_env, oracle_episode
from gymforge.env._env import Env, EnvSpec, WrapperSpec
from gymforge.env._episode import (
    RESET_OPTIONS,
    SeedStream,
    TaskBound,
    episode_trajectory,
    reference_answer,
    resolve_task,
    task_index_for,
    turn_record,
)
from gymforge.env._registry import (
    ENTRY_POINT_GROUP,
    list_envs,
    load_plugins,
    make,
    parse_env_id,
    register,
    spec,
)
from gymforge.env._single import SingleTurnEnv
from gymforge.env._toolenv import ToolEnv, answer_tool_calls
from gymforge.env._tools import Tool, parse_google_docstring, tool
from gymforge.env._wrappers import MaxTurns, TimeLimit, Wrapper

if typing.TYPE_CHECKING:
    from gymforge.env._gym import (
        AnyText,
        GymnasiumEnv,
        decode_observation,
        encode_observation,
        parse_action,
    )

__all__ = [
    "AnyText",
    "ENTRY_POINT_GROUP",
    "Env",
    "EnvCheckError",
    "EnvSpec",
    "GymnasiumEnv",
    "MaxTurns",
    "RESET_OPTIONS",
    "SeedStream",
    "SingleTurnEnv",
    "TaskBound",
    "TimeLimit",
    "Tool",
    "ToolEnv",
    "Wrapper",
    "WrapperSpec",
    "answer_tool_calls",
    "check_env",
    "decode_observation",
    "encode_observation",
    "episode_trajectory",
    "list_envs",
    "load_plugins",
    "make",
    "oracle_episode",
    "parse_action",
    "parse_env_id",
    "parse_google_docstring",
    "reference_answer",
    "register",
    "resolve_task",
    "spec",
    "task_index_for",
    "tool",
    "turn_record",
]

_LAZY = frozenset(
    {"AnyText", "GymnasiumEnv", "decode_observation", "encode_observation", "parse_action"}
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from gymforge.env import _gym

        return getattr(_gym, name)
    raise AttributeError(f"module 'gymforge.env' has no attribute {name!r}")

"""The Env contract, tool-using envs, the registry, wrappers and the Gymnasium adapter.

What a user of envs needs is here; the plumbing an env author's own base class needs
(seed streams, task resolution from reset options, trajectory records) is in
`gymforge.env.authoring`.

Every name loads on first use, so importing this package costs nothing by itself.
(Importing any part of gymforge runs ``gymforge/__init__``, which registers every
env with gymforge's registry and with Gymnasium's: see `gymforge`.)

Example:
    >>> from gymforge.env import make
    >>> make("gymforge/Arithmetic-v0")
    <MaxTurns<ArithmeticEnv gymforge/Arithmetic-v0>>
"""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.env._check import EnvCheckError, check_env, oracle_episode
    from gymforge.env._env import Env, EnvSpec, WrapperSpec
    from gymforge.env._gym import (
        AnyText,
        GymnasiumEnv,
        decode_observation,
        encode_observation,
        parse_action,
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
    from gymforge.env._toolenv import ToolEnv, replay_calls
    from gymforge.env._tools import Tool, tool
    from gymforge.env._wrappers import MaxTurns, TimeLimit, Wrapper

__all__ = [
    "AnyText",
    "ENTRY_POINT_GROUP",
    "Env",
    "EnvCheckError",
    "EnvSpec",
    "GymnasiumEnv",
    "MaxTurns",
    "SingleTurnEnv",
    "TimeLimit",
    "Tool",
    "ToolEnv",
    "Wrapper",
    "WrapperSpec",
    "check_env",
    "decode_observation",
    "encode_observation",
    "list_envs",
    "load_plugins",
    "make",
    "oracle_episode",
    "parse_action",
    "parse_env_id",
    "register",
    "replay_calls",
    "spec",
    "tool",
]

_HOMES = {
    **dict.fromkeys(["EnvCheckError", "check_env", "oracle_episode"], "._check"),
    **dict.fromkeys(["Env", "EnvSpec", "WrapperSpec"], "._env"),
    **dict.fromkeys(
        ["AnyText", "GymnasiumEnv", "decode_observation", "encode_observation", "parse_action"],
        "._gym",
    ),
    **dict.fromkeys(
        ["ENTRY_POINT_GROUP", "list_envs", "load_plugins", "make", "parse_env_id", "register"],
        "._registry",
    ),
    "spec": "._registry",
    "SingleTurnEnv": "._single",
    **dict.fromkeys(["ToolEnv", "replay_calls"], "._toolenv"),
    **dict.fromkeys(["Tool", "tool"], "._tools"),
    **dict.fromkeys(["MaxTurns", "TimeLimit", "Wrapper"], "._wrappers"),
}

__getattr__, __dir__ = _lazy_exports(globals(), _HOMES)

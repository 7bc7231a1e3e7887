"""gymforge: build, run, grade and audit reinforcement-learning environments for LLM agents.

The front door: the registry (`make`, `register`, `spec`), the env base classes
(`Env`, `ToolEnv`) and `tool`, the rollout engine (`run`, `run_async`, `RunConfig`),
the data types every layer shares (`Message`, `Task`, `Trajectory`, ...) and the
root of the error tree, `GymforgeError`. Each subpackage (`gymforge.env`,
`gymforge.graders`, `gymforge.rollout`, ...) has the rest of its part.

What importing gymforge does: it registers every env (ours and those of installed
packages, through the ``gymforge.envs`` entry-point group) with gymforge's registry
and with Gymnasium's, as Gymnasium plugins do, so ``gymnasium.make("gymforge/...")``
works after it. Registering runs each env package's small ``_register.py`` and
imports Gymnasium (and so numpy); it imports no env's code, no grader, policy,
sandbox or engine, and none of the optional extras. The names below load on first
use.

Example:
    >>> import gymnasium, gymforge
    >>> "gymforge/Arithmetic-v0" in gymnasium.registry
    True
    >>> gymforge.make("gymforge/Arithmetic-v0")
    <MaxTurns<ArithmeticEnv gymforge/Arithmetic-v0>>
"""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports
from gymforge.env._registry import load_plugins as _load_plugins

if typing.TYPE_CHECKING:
    from gymforge.env import Env, ToolEnv, make, register, spec, tool
    from gymforge.errors import GymforgeError
    from gymforge.rollout import RunConfig, run, run_async
    from gymforge.types import (
        ErrorRecord,
        Info,
        Message,
        Sampling,
        Score,
        StepResult,
        Task,
        ToolCall,
        ToolOutcome,
        ToolSpec,
        Trajectory,
        Turn,
    )

__all__ = [
    "Env",
    "ErrorRecord",
    "GymforgeError",
    "Info",
    "Message",
    "RunConfig",
    "Sampling",
    "Score",
    "StepResult",
    "Task",
    "ToolCall",
    "ToolEnv",
    "ToolOutcome",
    "ToolSpec",
    "Trajectory",
    "Turn",
    "make",
    "register",
    "run",
    "run_async",
    "spec",
    "tool",
]
__version__ = "0.1.0"

_HOMES = {
    **dict.fromkeys(["Env", "ToolEnv", "make", "register", "spec", "tool"], "gymforge.env"),
    "GymforgeError": "gymforge.errors",
    **dict.fromkeys(["RunConfig", "run", "run_async"], "gymforge.rollout"),
    **dict.fromkeys(
        [
            "ErrorRecord",
            "Info",
            "Message",
            "Sampling",
            "Score",
            "StepResult",
            "Task",
            "ToolCall",
            "ToolOutcome",
            "ToolSpec",
            "Trajectory",
            "Turn",
        ],
        "gymforge.types",
    ),
}

__getattr__, __dir__ = _lazy_exports(globals(), _HOMES)

_load_plugins()

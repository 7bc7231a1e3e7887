"""Reasoning envs: one per procedural family (algebra, word problems, Countdown, logic).

Each registers as ``gymforge/<Family>-v0``; see ``docs/envs/reasoning.md``.
"""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.reasoning._env import (
        FamilyGrader,
        MultiStepEnv,
        ReasoningEnv,
        family_grader,
    )

__all__ = ["FamilyGrader", "MultiStepEnv", "ReasoningEnv", "family_grader"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(
    globals(),
    dict.fromkeys(["FamilyGrader", "MultiStepEnv", "ReasoningEnv", "family_grader"], "._env"),
)

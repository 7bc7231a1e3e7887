"""Reasoning envs: one per procedural family (algebra, word problems, Countdown, logic).

Each registers as ``gymforge/<Family>-v0``; see ``docs/envs/reasoning.md``.
"""

from gymforge.envs.reasoning._env import FamilyGrader, MultiStepEnv, ReasoningEnv, family_grader

__all__ = ["FamilyGrader", "MultiStepEnv", "ReasoningEnv", "family_grader"]

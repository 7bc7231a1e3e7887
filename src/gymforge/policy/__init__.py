"""Policies: model clients (OpenAI-compatible, local GGUF) and scripted/oracle/random baselines."""

from gymforge.policy._base import Policy, ReferenceSource

__all__ = ["Policy", "ReferenceSource"]

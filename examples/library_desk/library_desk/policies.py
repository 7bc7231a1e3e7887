"""Baseline policies of the desk: a constant refusal, as a ``py:`` factory.

``--policy py:library_desk.policies:refuse`` answers every turn with "I cannot help
with that." A refusal must score 0: nothing was done for the member.

Example:
    >>> import asyncio
    >>> from gymforge.policy import PolicyContext
    >>> from gymforge.types import Sampling
    >>> ctx = PolicyContext(env_id="example/LibraryDesk-v0", run_id="r", task_id="t",
    ...                     sample=0, seed=0)
    >>> asyncio.run(refuse(ctx).act([], [], seed=0, sampling=Sampling())).content
    'I cannot help with that.'
"""

from __future__ import annotations

from gymforge.policy import ConstantPolicy, Policy, PolicyContext

__all__ = ["REFUSAL", "refuse"]

REFUSAL = "I cannot help with that."
"""What the refusal baseline says, every turn."""

_REFUSE = ConstantPolicy(REFUSAL, name="refuse")


def refuse(context: PolicyContext) -> Policy:
    """The refusal baseline for an episode (one shared instance: it has no state).

    Args:
        context: The episode's ids and seed (unused: a refusal needs nothing).
    """
    return _REFUSE

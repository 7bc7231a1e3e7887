"""Test-only policy for curriculum runs, loaded through ``--policy py:level_policies:capped``.

``capped`` plays the episode's reference solution (rebuilt from its context, see
`shadow_oracle`) on tasks below level ``GYMFORGE_TEST_LEVEL_CAP`` (default 3) and a
wrong boxed answer at or above it, after sleeping ``GYMFORGE_TEST_POLICY_DELAY`` seconds
(so a run can be killed mid-way).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

from gymforge.policy import Policy, PolicyContext
from gymforge.types import Message, Sampling, ToolSpec

try:  # run by the CLI, with this folder on PYTHONPATH
    from shadow_oracle import ShadowOracle
except ImportError:  # collected by pytest (--doctest-modules) as part of tests.integration
    from .shadow_oracle import ShadowOracle

CAP = int(os.environ.get("GYMFORGE_TEST_LEVEL_CAP", "3"))
DELAY_S = float(os.environ.get("GYMFORGE_TEST_POLICY_DELAY", "0"))


class CappedOracle(ShadowOracle):
    """Right below level `CAP`, wrong from it on."""

    name = "capped-oracle"

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        if DELAY_S:
            await asyncio.sleep(DELAY_S)
        task = await self.start(messages)
        if (task.difficulty or 0) < CAP:
            return await super().act(messages, tools, seed=seed, sampling=sampling)
        return Message.assistant("The answer is \\boxed{no idea}.")


def capped(context: PolicyContext) -> Policy:
    """Policy factory for ``--policy py:level_policies:capped``."""
    return CappedOracle(context)

"""Test-only policy for curriculum runs, loaded through ``--policy py:level_policies:capped``.

``capped`` plays the env's reference solution on tasks below level
``GYMFORGE_TEST_LEVEL_CAP`` (default 3) and a wrong boxed answer at or above it,
after sleeping ``GYMFORGE_TEST_POLICY_DELAY`` seconds (so a run can be killed mid-way).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from gymforge.policy import OraclePolicy, Policy
from gymforge.types import Message, Sampling, ToolSpec

CAP = int(os.environ.get("GYMFORGE_TEST_LEVEL_CAP", "3"))
DELAY_S = float(os.environ.get("GYMFORGE_TEST_POLICY_DELAY", "0"))


class CappedOracle:
    """Right below level `CAP`, wrong from it on."""

    name = "capped-oracle"

    def __init__(self, env: Any) -> None:
        self._env = env
        self._oracle = OraclePolicy(env)

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
        if (self._env.task.difficulty or 0) < CAP:
            return await self._oracle.act(messages, tools, seed=seed, sampling=sampling)
        return Message.assistant("The answer is \\boxed{no idea}.")


def capped(env: Any) -> Policy:
    """Policy factory for ``--policy py:level_policies:capped``."""
    return CappedOracle(env)

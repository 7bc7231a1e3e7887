"""Test-only policies loaded by the CLI through ``--policy py:slow_policies:NAME``.

The subprocess tests put this directory on PYTHONPATH. ``slow_oracle`` plays the
env's reference solution (so results are deterministic) but sleeps first, which
keeps episodes in flight long enough to interrupt or kill a run mid-way.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

from gymforge.policy import OraclePolicy, Policy, ReferenceSource
from gymforge.types import Message, Sampling, ToolSpec

DELAY_S = float(os.environ.get("GYMFORGE_TEST_POLICY_DELAY", "0.05"))


class SlowOracle:
    """The oracle, `DELAY_S` seconds late on every turn."""

    name = "slow-oracle"

    def __init__(self, source: ReferenceSource) -> None:
        self._oracle = OraclePolicy(source)

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        await asyncio.sleep(DELAY_S)
        return await self._oracle.act(messages, tools, seed=seed, sampling=sampling)


def slow_oracle(source: ReferenceSource) -> Policy:
    """Policy factory for ``--policy py:slow_policies:slow_oracle``."""
    return SlowOracle(source)

"""Test-only policies loaded by the CLI through ``--policy py:slow_policies:NAME``.

The subprocess tests put this directory on PYTHONPATH. ``slow_oracle`` plays the
episode's reference solution (so results are deterministic; a ``py:`` factory is not
given the env, so it rebuilds the episode, see `shadow_oracle`) but sleeps first, which
keeps episodes in flight long enough to interrupt or kill a run mid-way.
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

DELAY_S = float(os.environ.get("GYMFORGE_TEST_POLICY_DELAY", "0.05"))


class SlowOracle(ShadowOracle):
    """The oracle, `DELAY_S` seconds late on every turn."""

    name = "slow-oracle"

    async def act(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        seed: int,
        sampling: Sampling,
    ) -> Message:
        await asyncio.sleep(DELAY_S)
        return await super().act(messages, tools, seed=seed, sampling=sampling)


def slow_oracle(context: PolicyContext) -> Policy:
    """Policy factory for ``--policy py:slow_policies:slow_oracle``."""
    return SlowOracle(context)

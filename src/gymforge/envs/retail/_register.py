"""Registers the Retail and Shopping envs (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/Retail-v0``, ``Retail-faults-v0`` and ``Shopping-v0``."""
    register(
        "gymforge/Retail-v0",
        "gymforge.envs.retail._env:RetailEnv",
        description="Customer service of an online shop: tools, a policy, a scripted customer",
        max_turns=80,
        reward_range=(0.0, 1.0),
    )
    register(
        "gymforge/Retail-faults-v0",
        "gymforge.envs.retail._env:RetailEnv",
        kwargs={"faults": True},
        description="Retail-v0 with seeded tool faults (errors, timeouts, partial data, outages)",
        max_turns=80,
        reward_range=(0.0, 1.0),
    )
    register(
        "gymforge/Shopping-v0",
        "gymforge.envs.retail._shopping:ShoppingEnv",
        description="Buy the item an instruction asks for: search, view, select options, buy",
        max_turns=24,
        reward_range=(0.0, 1.0),
    )

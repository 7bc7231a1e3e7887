"""Registers the bridged Gymnasium envs (called by `gymforge.envs.register_builtins`)."""

import math

from gymforge.env import register

__all__ = ["BRIDGED", "REWARD_RANGES", "register_envs"]

BRIDGED: dict[str, tuple[str, int]] = {
    "gymforge/FrozenLake-v0": ("FrozenLake-v1", 200),
    "gymforge/FrozenLake8x8-v0": ("FrozenLake8x8-v1", 400),
    "gymforge/CliffWalking-v0": ("CliffWalking-v1", 200),
    "gymforge/CliffWalkingSlippery-v0": ("CliffWalkingSlippery-v1", 400),
    "gymforge/Taxi-v0": ("Taxi-v4", 400),
    "gymforge/Blackjack-v0": ("Blackjack-v1", 20),
    "gymforge/MountainCar-v0": ("MountainCar-v0", 400),
    "gymforge/Acrobot-v0": ("Acrobot-v1", 1000),
    "gymforge/CartPole-v0": ("CartPole-v1", 1000),
}
"""gymforge id -> (Gymnasium id, turn limit).

Each turn limit is twice the Gymnasium time limit (where there is one), so an agent
that sends one ``act`` per message still meets the env's own horizon: CartPole-v1 is
truncated by Gymnasium at 500 steps (return 500), before the gymforge limit.
"""

REWARD_RANGES: dict[str, tuple[float, float]] = {
    "gymforge/FrozenLake-v0": (0.0, 1.0),
    "gymforge/FrozenLake8x8-v0": (0.0, 1.0),
    "gymforge/CliffWalking-v0": (-math.inf, 0.0),
    "gymforge/CliffWalkingSlippery-v0": (-math.inf, 0.0),
    "gymforge/Taxi-v0": (-2000.0, 15.0),
    "gymforge/Blackjack-v0": (-1.0, 1.0),
    "gymforge/MountainCar-v0": (-200.0, 0.0),
    "gymforge/Acrobot-v0": (-500.0, 0.0),
    "gymforge/CartPole-v0": (0.0, 500.0),
}
"""gymforge id -> the bounds of an episode's return (the env reward summed), from the
Gymnasium env's rewards and time limit; 0 is always in them (an agent that never acts).

FrozenLake pays 1 at the goal only. CliffWalking pays -1 a step and -100 at the cliff,
with no Gymnasium time limit and several ``act`` calls allowed per turn, so its return
has no lower bound. Taxi pays -1 a step, -10 for an illegal pick-up or drop-off and +20
for the delivery, over at most 200 steps: at worst -2000, at best 15 (the optimal return
from its best start state, by value iteration). Blackjack (``sab=True``) pays -1/0/+1
once. MountainCar and Acrobot pay -1 a step (Acrobot 0 on reaching the goal) for at most
200 and 500 steps; CartPole +1 a step for at most 500.
"""


def register_envs() -> None:
    """Register every bridged env in `BRIDGED`.

    The reference policies' returns vary with the seed (slippery ice, random cards,
    random starts), so ``oracle_score`` is None; docs/envs/classic.md has their means.
    CartPole's is the exception: its reference balances until Gymnasium's time limit
    truncates the episode, as the bridge declares to `check_env`
    (``oracle_truncates_at``), so it scores the full 500 on every seed.

    Example:
        >>> from gymforge.env import spec
        >>> spec("gymforge/CartPole-v0").max_turns
        1000
    """
    for env_id, (gym_id, max_turns) in BRIDGED.items():
        register(
            env_id,
            "gymforge.envs.classic._bridge:GymToolEnv",
            kwargs={"env": gym_id},
            description=f"Gymnasium {gym_id} via the text bridge: act(action), env reward",
            max_turns=max_turns,
            oracle_score=500.0 if gym_id == "CartPole-v1" else None,
            reward_range=REWARD_RANGES[env_id],
        )

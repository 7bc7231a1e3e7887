"""A bridge from Gymnasium: any env with a `Discrete` action space as a gymforge env.

`GymToolEnv` renders observations as text and takes actions through an ``act``
tool validated against the action space; the env's reward, ``terminated`` and
``truncated`` pass through. Gymnasium's classic-control and toy-text envs are
registered as ``gymforge/<Name>-v0`` with default renderers and reference policies.
"""

from gymforge.envs.classic._bridge import GymFamily, GymToolEnv
from gymforge.envs.classic._reference import (
    ReferencePolicy,
    acrobot_policy,
    blackjack_policy,
    cartpole_policy,
    default_reference,
    mountain_car_policy,
    value_iteration,
)
from gymforge.envs.classic._render import KNOWN_ENVS, KnownEnv, Renderer, known_env, render_generic

__all__ = [
    "GymFamily",
    "GymToolEnv",
    "KNOWN_ENVS",
    "KnownEnv",
    "ReferencePolicy",
    "Renderer",
    "acrobot_policy",
    "blackjack_policy",
    "cartpole_policy",
    "default_reference",
    "known_env",
    "mountain_car_policy",
    "render_generic",
    "value_iteration",
]

"""Text renderers and action names for Gymnasium's classic-control and toy-text envs.

A renderer is any ``(gym_env, observation) -> str``. The defaults below know the
envs that ship with Gymnasium (matched by the unwrapped env's class name, so
custom maps and kwargs still render); anything else falls back to `render_generic`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

__all__ = ["KNOWN_ENVS", "KnownEnv", "Renderer", "known_env", "render_generic"]

Renderer: TypeAlias = Callable[[Any, Any], str]
"""``(gym_env, observation) -> text`` shown to the model."""


def _fmt(value: float) -> str:
    return f"{float(value):+.4f}"


def render_generic(env: Any, obs: Any) -> str:
    """Any observation as text: arrays with 4 decimals, ints as states, the rest by repr.

    Example:
        >>> import numpy as np
        >>> render_generic(None, np.array([0.5, -1.0]))
        'observation: [+0.5000, -1.0000]'
        >>> render_generic(None, 7)
        'observation: state 7'
    """
    if isinstance(obs, np.ndarray):
        flat = ", ".join(_fmt(v) for v in obs.ravel().tolist())
        shape = "" if obs.ndim == 1 else f" (shape {obs.shape}, row-major)"
        return f"observation: [{flat}]{shape}"
    if isinstance(obs, (int, np.integer)):
        return f"observation: state {int(obs)}"
    return f"observation: {obs!r}"


def _grid(rows: Sequence[str], pos: tuple[int, int], legend: str) -> str:
    out = []
    for r, row in enumerate(rows):
        cells = list(row)
        if r == pos[0]:
            cells[pos[1]] = "@"
        out.append("".join(cells))
    return "\n".join(out) + f"\n{legend}"


def _frozen_lake(env: Any, obs: Any) -> str:
    base = env.unwrapped
    rows = [b"".join(r).decode() for r in base.desc.tolist()]
    ncol = len(rows[0])
    pos = divmod(int(obs), ncol)
    slip = " The ice is slippery: you may slide sideways." if _slippery(base) else ""
    legend = f"Legend: @ you, S start, F frozen, H hole, G goal.{slip}"
    return _grid(rows, pos, legend)


def _slippery(base: Any) -> bool:
    # FrozenLake keeps is_slippery only through its transition model: a slippery
    # move from the start has three outcomes.
    return len(base.P[0][0]) > 1


def _cliff(env: Any, obs: Any) -> str:
    base = env.unwrapped
    nrow, ncol = base.shape
    rows = []
    for r in range(nrow):
        row = []
        for c in range(ncol):
            if r == nrow - 1 and c == 0:
                row.append("S")
            elif r == nrow - 1 and c == ncol - 1:
                row.append("G")
            elif base._cliff[r, c]:
                row.append("C")
            else:
                row.append(".")
        rows.append("".join(row))
    legend = "Legend: @ you, S start, G goal, C cliff (-100, back to start), . path."
    return _grid(rows, divmod(int(obs), ncol), legend)


_TAXI_LOCS = ("R", "G", "Y", "B")


def _taxi(env: Any, obs: Any) -> str:
    base = env.unwrapped
    taxi_row, taxi_col, passenger, dest = base.decode(int(obs))
    rows = [b"".join(r).decode() for r in base.desc.tolist()]
    grid = [list(r) for r in rows]
    grid[taxi_row + 1][2 * taxi_col + 1] = "@"
    where = "in the taxi" if passenger == 4 else f"waiting at {_TAXI_LOCS[passenger]}"
    return (
        "\n".join("".join(r) for r in grid)
        + f"\nLegend: @ taxi, | wall, R/G/Y/B stops. The passenger is {where}; "
        + f"the destination is {_TAXI_LOCS[dest]}."
    )


def _blackjack(env: Any, obs: Any) -> str:
    player, dealer, usable = (int(v) for v in obs)
    card = "an ace" if dealer == 1 else str(dealer)
    ace = " (with an ace counted as 11)" if usable else ""
    return f"Your hand totals {player}{ace}. The dealer shows {card}."


def _cartpole(env: Any, obs: Any) -> str:
    x, v, theta, omega = (float(o) for o in obs)
    return (
        f"cart position {_fmt(x)} (|x| > 2.4 ends the episode), cart velocity {_fmt(v)}, "
        f"pole angle {_fmt(theta)} rad (|angle| > 0.2095 ends it; > 0 leans right), "
        f"pole angular velocity {_fmt(omega)}"
    )


def _mountain_car(env: Any, obs: Any) -> str:
    x, v = (float(o) for o in obs)
    return f"car position {_fmt(x)} (goal at +0.5; valley bottom near -0.52), velocity {_fmt(v)}"


def _acrobot(env: Any, obs: Any) -> str:
    c1, s1, c2, s2, w1, w2 = (float(o) for o in obs)
    t1, t2 = math.atan2(s1, c1), math.atan2(s2, c2)
    height = -c1 - math.cos(t1 + t2)
    return (
        f"joint angles {_fmt(t1)} and {_fmt(t2)} rad (0 = hanging down), angular velocities "
        f"{_fmt(w1)} and {_fmt(w2)}; tip height {_fmt(height)} (goal: above +1.0)"
    )


@dataclass(frozen=True)
class KnownEnv:
    """What the bridge knows about one Gymnasium env class."""

    title: str
    """Human name."""
    goal: str
    """What the agent should achieve (the first line of the prompt)."""
    actions: tuple[str, ...]
    """Meaning of each action index."""
    renderer: Renderer
    """Default observation renderer."""
    survival: bool = False
    """Success is lasting until the time limit: a good episode is truncated, not terminated."""


KNOWN_ENVS: dict[str, KnownEnv] = {
    "FrozenLakeEnv": KnownEnv(
        "FrozenLake",
        "Walk from S to the goal G across the frozen lake without falling into a hole H "
        "(reward 1 at the goal).",
        ("move left", "move down", "move right", "move up"),
        _frozen_lake,
    ),
    "CliffWalkingEnv": KnownEnv(
        "CliffWalking",
        "Walk from S to G; each step costs 1 and stepping into the cliff costs 100.",
        ("move up", "move right", "move down", "move left"),
        _cliff,
    ),
    "TaxiEnv": KnownEnv(
        "Taxi",
        "Drive the taxi to the passenger, pick them up, drive to the destination and drop "
        "them off (+20; each step -1; illegal pick-up/drop-off -10).",
        ("drive south", "drive north", "drive east", "drive west", "pick up", "drop off"),
        _taxi,
    ),
    "BlackjackEnv": KnownEnv(
        "Blackjack",
        "Beat the dealer at Blackjack without going over 21 (+1 win, 0 draw, -1 loss).",
        ("stick (stop drawing)", "hit (draw a card)"),
        _blackjack,
    ),
    "CartPoleEnv": KnownEnv(
        "CartPole",
        "Keep the pole upright by pushing the cart (reward 1 per step it stays up).",
        ("push the cart left", "push the cart right"),
        _cartpole,
        survival=True,
    ),
    "MountainCarEnv": KnownEnv(
        "MountainCar",
        "Drive the underpowered car up the right hill to the flag at +0.5 (each step -1); "
        "build momentum by rocking back and forth.",
        ("accelerate left", "do not accelerate", "accelerate right"),
        _mountain_car,
    ),
    "AcrobotEnv": KnownEnv(
        "Acrobot",
        "Swing the two-link arm's tip above the line at height 1.0 (each step -1).",
        ("apply torque -1", "apply no torque", "apply torque +1"),
        _acrobot,
    ),
}
"""Known envs by the unwrapped env's class name."""


def known_env(env: Any) -> KnownEnv | None:
    """The `KnownEnv` entry of a Gymnasium env (wrapped or not), or None.

    Example:
        >>> import gymnasium
        >>> known_env(gymnasium.make("FrozenLake-v1")).actions[0]
        'move left'
    """
    return KNOWN_ENVS.get(type(env.unwrapped).__name__)

"""Two-player games with a real win condition, and the KeyDoor gridworld.

``gymforge/TicTacToe-v0`` and ``gymforge/ConnectFour-v0`` are played through a
``move`` tool against a random, alpha-beta, perfect or `Policy` opponent, with
reward +1/0/-1 from the rules (ConnectFour's perfect play comes from an exact
solver); ``gymforge/KeyDoor-v0`` is a gridworld of rooms, keys and doors with a
sparse reward at the goal and env-verified milestones. See ``docs/envs/games.md``
and ``docs/envs/keydoor.md``.
"""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.games._game_env import ConnectFourEnv, GameFamily, TicTacToeEnv
    from gymforge.envs.games._keydoor_env import KeyDoorEnv, KeyDoorFamily

__all__ = ["ConnectFourEnv", "GameFamily", "KeyDoorEnv", "KeyDoorFamily", "TicTacToeEnv"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(
    globals(),
    {
        "ConnectFourEnv": "._game_env",
        "GameFamily": "._game_env",
        "KeyDoorEnv": "._keydoor_env",
        "KeyDoorFamily": "._keydoor_env",
        "TicTacToeEnv": "._game_env",
    },
)

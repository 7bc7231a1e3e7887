"""Registers the game envs (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register ``gymforge/TicTacToe-v0``, ``gymforge/ConnectFour-v0`` and ``gymforge/KeyDoor-v0``.

    The games end by their rules (a move limit bounds illegal turns), and KeyDoor
    truncates at its own horizon, so none takes a `make` turn limit. A game pays
    +1/0/-1 once, at its end (an illegal-move forfeit is -1); KeyDoor pays 1 at the
    goal. The reference of a game is optimal play, which wins against a weak opponent
    but may only draw against a strong one, so its score is not a fixed 1.0
    (``oracle_score=None``).
    """
    register(
        "gymforge/TicTacToe-v0",
        "gymforge.envs.games._game_env:TicTacToeEnv",
        description="TicTacToe vs random/alpha-beta/Policy opponent via move(cell); +1/0/-1",
        max_turns=None,
        oracle_score=None,
        reward_range=(-1.0, 1.0),
    )
    register(
        "gymforge/ConnectFour-v0",
        "gymforge.envs.games._game_env:ConnectFourEnv",
        description="ConnectFour vs random/alpha-beta/Policy opponent via move(column); +1/0/-1",
        max_turns=None,
        oracle_score=None,
        reward_range=(-1.0, 1.0),
    )
    register(
        "gymforge/KeyDoor-v0",
        "gymforge.envs.games._keydoor_env:KeyDoorEnv",
        description="Gridworld of rooms, keys and doors; sparse reward at the goal, milestones",
        max_turns=None,
        reward_range=(0.0, 1.0),
    )

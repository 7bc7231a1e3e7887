"""Two-player games with a real win condition, and the KeyDoor gridworld.

``gymforge/TicTacToe-v0`` and ``gymforge/ConnectFour-v0`` are played through a
``move`` tool against a random, alpha-beta, perfect or `Policy` opponent, with
reward +1/0/-1 from the rules (ConnectFour's perfect play comes from an exact
solver, `solve` / `optimal_moves`); ``gymforge/KeyDoor-v0`` is a gridworld of rooms, keys and
doors with a sparse reward at the goal and env-verified milestones.
"""

from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._game_env import ConnectFourEnv, GameFamily, TicTacToeEnv, draw_opening
from gymforge.envs.games._keydoor import (
    KeyDoorLayout,
    KeyDoorState,
    generate_layout,
    shortest_plan,
)
from gymforge.envs.games._keydoor_env import KeyDoorEnv, KeyDoorFamily
from gymforge.envs.games._opponents import (
    Opponent,
    PerfectOpponent,
    PolicyOpponent,
    RandomOpponent,
    SearchOpponent,
)
from gymforge.envs.games._search import GameState, alphabeta, choose_move, minimax, move_values
from gymforge.envs.games._solver import (
    NativeSolver,
    PySolver,
    Solver,
    default_solver,
    optimal_moves,
    perfect_connect4_move,
    solve,
)
from gymforge.envs.games._tictactoe import TicTacToe, perfect_move

__all__ = [
    "ConnectFour",
    "ConnectFourEnv",
    "GameFamily",
    "GameState",
    "KeyDoorEnv",
    "KeyDoorFamily",
    "KeyDoorLayout",
    "KeyDoorState",
    "NativeSolver",
    "Opponent",
    "PerfectOpponent",
    "PolicyOpponent",
    "PySolver",
    "RandomOpponent",
    "SearchOpponent",
    "Solver",
    "TicTacToe",
    "TicTacToeEnv",
    "alphabeta",
    "choose_move",
    "default_solver",
    "draw_opening",
    "generate_layout",
    "minimax",
    "move_values",
    "optimal_moves",
    "perfect_connect4_move",
    "perfect_move",
    "shortest_plan",
    "solve",
]

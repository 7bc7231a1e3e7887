"""Two-player games with a real win condition, and the KeyDoor gridworld."""

from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._search import alphabeta, choose_move, minimax, move_values
from gymforge.envs.games._tictactoe import TicTacToe, perfect_move

__all__ = [
    "ConnectFour",
    "TicTacToe",
    "alphabeta",
    "choose_move",
    "minimax",
    "move_values",
    "perfect_move",
]

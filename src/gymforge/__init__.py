"""gymforge: build, run, grade and audit reinforcement-learning environments for LLM agents.

Importing gymforge registers every env (ours and those of installed packages, through
the ``gymforge.envs`` entry-point group) with gymforge's registry and with Gymnasium's,
as Gymnasium plugins do, so ``gymnasium.make("gymforge/Arithmetic-v0")`` works after it.

Example:
    >>> import gymnasium, gymforge
    >>> "gymforge/Arithmetic-v0" in gymnasium.registry
    True
"""

from gymforge.env import load_plugins as _load_plugins
from gymforge.errors import GymforgeError
from gymforge.types import Message, Score, StepResult, Task, ToolCall, Trajectory

__all__ = ["GymforgeError", "Message", "Score", "StepResult", "Task", "ToolCall", "Trajectory"]
__version__ = "0.1.0"

_load_plugins()

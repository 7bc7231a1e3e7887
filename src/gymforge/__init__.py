"""gymforge: build, run, grade and audit reinforcement-learning environments for LLM agents."""

from gymforge.errors import GymforgeError
from gymforge.types import Message, Score, StepResult, Task, ToolCall, Trajectory

__all__ = ["GymforgeError", "Message", "Score", "StepResult", "Task", "ToolCall", "Trajectory"]
__version__ = "0.1.0"

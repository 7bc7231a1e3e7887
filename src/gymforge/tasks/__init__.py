"""Task families: seeded generators of tasks, and task files (JSONL)."""

from gymforge.tasks._arithmetic import ArithmeticFamily
from gymforge.tasks._base import TaskFamily

__all__ = ["ArithmeticFamily", "TaskFamily"]

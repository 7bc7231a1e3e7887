"""Task families: seeded generators of tasks, and task files (JSONL)."""

from gymforge.tasks._arithmetic import ArithmeticFamily
from gymforge.tasks._base import TaskFamily, TaskValidator
from gymforge.tasks._fields import task_field
from gymforge.tasks._io import load_tasks, save_tasks
from gymforge.tasks._static import StaticTasks, generate_tasks

__all__ = [
    "ArithmeticFamily",
    "StaticTasks",
    "TaskFamily",
    "TaskValidator",
    "generate_tasks",
    "load_tasks",
    "save_tasks",
    "task_field",
]

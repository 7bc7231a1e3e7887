"""Code task families: seeded "implement this function" tasks with hidden unit tests."""

from gymforge.tasks.code._family import LEVELS, CodeFunctionFamily
from gymforge.tasks.code._templates import CATEGORIES, TEMPLATES, Template

__all__ = ["CATEGORIES", "CodeFunctionFamily", "LEVELS", "TEMPLATES", "Template"]

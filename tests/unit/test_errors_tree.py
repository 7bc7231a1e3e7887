"""The drawing of the error tree in gymforge/errors.py is the real class tree."""

from __future__ import annotations

import importlib
import pkgutil
import re

import gymforge
from gymforge import errors

_NODE = re.compile(r"^    [│├└─ ]*(?P<name>[A-Z]\w+)(\s|$)")


def _drawn() -> dict[str, str | None]:
    """Class name -> the name of its parent in the drawing (None for a root)."""
    doc = errors.__doc__ or ""
    block = doc.split("::\n\n", 1)[1].split("\n\n")
    parents: dict[str, str | None] = {}
    for tree in block[:2]:  # the GymforgeError tree, then the ToolError tree
        stack: list[str] = []
        for line in tree.splitlines():
            match = _NODE.match(line)
            assert match, f"not a line of the drawing: {line!r}"
            depth = (match.start("name") - 4) // 4  # 4 columns per level
            del stack[depth:]
            parents[match["name"]] = stack[-1] if stack else None
            stack.append(match["name"])
    return parents


def _real() -> dict[str, str | None]:
    """Every gymforge error class a public module exports -> its gymforge parent's name."""
    for module in pkgutil.walk_packages(gymforge.__path__, "gymforge."):
        if not any(part.startswith("_") for part in module.name.split(".")[1:]):
            public = importlib.import_module(module.name)
            for name in getattr(public, "__all__", ()):
                getattr(public, name)  # names that load on first use (PEP 562) load now
    found: dict[str, str | None] = {}
    todo: list[type[BaseException]] = [errors.GymforgeError, errors.ToolError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("gymforge") and not cls.__name__.startswith("_"):
            base = cls.__bases__[0]
            found[cls.__name__] = base.__name__ if base.__module__.startswith("gymforge") else None
    return found


def test_the_drawing_is_the_class_tree() -> None:
    assert _drawn() == _real()


def test_the_drawing_names_the_module_of_each_class_defined_elsewhere() -> None:
    doc = errors.__doc__ or ""
    for name in _real():
        if not hasattr(errors, name):
            line = next(line for line in doc.splitlines() if f"── {name} " in line)
            module = re.search(r"\((gymforge\.[\w.]+)", line)
            assert module, f"{name} is not in gymforge.errors: the drawing must name its module"
            assert hasattr(importlib.import_module(module[1]), name)

from __future__ import annotations

import sys
from collections.abc import Iterator

import gymnasium
import pytest

from gymforge.env import _registry


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Restore gymforge's and Gymnasium's registries after the test."""
    _registry.load_plugins()
    saved = _registry._snapshot()
    gym_saved = dict(gymnasium.registry)
    try:
        yield
    finally:
        _registry._restore(saved)
        gymnasium.registry.clear()
        gymnasium.registry.update(gym_saved)


@pytest.fixture
def isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`--import` may put the cwd on sys.path and add modules: undo both after the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]

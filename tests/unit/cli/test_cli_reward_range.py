"""The run summary warns about episodes whose reward is outside the env's declared range."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gymnasium
import pytest
from rich.console import Console

from gymforge.cli import run_cli
from gymforge.cli._render import summary_table
from gymforge.env import _registry, register
from gymforge.rollout import RewardRangeCheck, summarize
from gymforge.types import Task, Trajectory


def _render(check: RewardRangeCheck | None) -> str:
    task = Task(id="t", prompt="?")
    traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0, policy="p", task=task)
    summary = summarize([traj]).model_copy(update={"reward_range": check})
    console = Console(width=200, record=True)
    console.print(summary_table(summary, title="t"))
    return console.export_text()


def test_the_table_has_a_warning_row_only_when_episodes_are_outside() -> None:
    text = _render(RewardRangeCheck(low=None, high=1.0, outside=3))
    assert "warning" in text
    assert "3 episode(s) with a reward outside the env's declared range [-inf, 1]" in text
    assert "warning" not in _render(RewardRangeCheck(low=0.0, high=1.0, outside=0))
    assert "warning" not in _render(None)


@pytest.fixture
def generous() -> Iterator[str]:
    """Arithmetic (reward 0 or 1) registered as if it declared (0, 0.5)."""
    _registry.load_plugins()
    saved, gym_saved = _registry._snapshot(), dict(gymnasium.registry)
    register(
        "test/Generous-v0",
        "gymforge.envs.arithmetic._env:ArithmeticEnv",
        max_turns=1,
        reward_range=(0, 0.5),
    )
    try:
        yield "test/Generous-v0"
    finally:
        _registry._restore(saved)
        gymnasium.registry.clear()
        gymnasium.registry.update(gym_saved)


def test_gymforge_run_prints_the_warning(
    generous: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run_cli(["run", generous, "-n", "2", "--out", str(tmp_path / "t.jsonl")])
    out = capsys.readouterr().out
    assert code == 0
    assert "warning" in out
    assert "2 episode(s)" in out

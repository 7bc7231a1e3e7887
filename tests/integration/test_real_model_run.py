"""`gymforge run` with the real local model (SmolLM2-135M GGUF via llama.cpp), end to end.

Runs the console entry point in a subprocess against the real in-process model: the
trajectories must carry real generations (token usage), be graded, resume cleanly and
be identical across two processes under greedy decoding (except wall-clock fields).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gymforge.rollout import read_trajectories

from ._trajectories import comparable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARGS = (
    "run",
    "gymforge/Arithmetic-v0",
    "--policy",
    "local",
    "-n",
    "1",
    "-g",
    "2",
    "-c",
    "2",
    "--max-tokens",
    "32",
    "--difficulty",
    "1",
)


def _run(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from gymforge.cli import main; main()", *ARGS, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_real_model_run_is_graded_resumable_and_reproducible(tmp_path: Path) -> None:
    first = _run(tmp_path / "a.jsonl")
    assert first.returncode == 0, first.stderr
    assert "pass@2" in first.stdout
    trajs = read_trajectories(tmp_path / "a.jsonl")
    assert len(trajs) == 2
    for t in trajs:
        assert t.error is None, t.error
        assert t.reward in (0.0, 1.0)  # graded: the model's answer is right or wrong
        assert t.usage.prompt_tokens > 0
        assert t.usage.completion_tokens > 0
        assert t.messages[-1].role == "assistant"
        assert t.messages[-1].generation is not None
    again = _run(tmp_path / "a.jsonl")
    assert again.returncode == 0, again.stderr
    assert "0 episode(s) run, 2 already in the file" in again.stdout
    other = _run(tmp_path / "b.jsonl")
    assert other.returncode == 0, other.stderr
    assert comparable(tmp_path / "a.jsonl") == comparable(tmp_path / "b.jsonl")

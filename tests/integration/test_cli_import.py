"""The installed `gymforge` console script runs an env defined in a local file.

The env module is written to a temporary folder, which is the working directory of the
process and on no path: ``--import tinyenvs`` alone must find it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gymforge.rollout import read_trajectories

pytestmark = pytest.mark.slow

GYMFORGE = Path(sys.executable).with_name("gymforge")

TINY = """
from gymforge.env import SingleTurnEnv, register
from gymforge.graders import exact_match
from gymforge.types import Task


class Family:
    name = "tiny"
    difficulty = None

    def generate(self, index, *, seed, difficulty=None):
        return Task(id=f"tiny/s{seed}/{index}", prompt=f"Say {index}.", answer=str(index))


register(
    "local/Tiny-v0",
    lambda: SingleTurnEnv(Family(), grader=exact_match()),
    max_turns=1,
    description="says a number back",
)
"""


def _gymforge(cwd: Path, *args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [str(GYMFORGE), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not GYMFORGE.exists(), reason="the gymforge console script is not installed")
def test_console_script_runs_a_local_env_module_with_the_nothing_and_oracle_baselines(
    tmp_path: Path,
) -> None:
    (tmp_path / "tinyenvs.py").write_text(TINY)
    listed = _gymforge(tmp_path, "list", "--import", "tinyenvs")
    assert listed.returncode == 0, listed.stderr
    assert "local/Tiny-v0" in listed.stdout

    nothing = _gymforge(
        tmp_path, "run", "local/Tiny-v0", "--import", "tinyenvs", "--policy", "nothing",
        "-n", "4", "--out", "nothing.jsonl",
    )  # fmt: skip
    assert nothing.returncode == 0, nothing.stderr
    runs = read_trajectories(tmp_path / "nothing.jsonl")
    assert [t.reward for t in runs] == [0.0] * 4
    assert all(t.policy == "nothing" and t.error is None for t in runs)

    oracle = _gymforge(
        tmp_path, "run", "local/Tiny-v0", "--import", "tinyenvs", "-n", "4",
        "--out", "oracle.jsonl",
    )  # fmt: skip
    assert oracle.returncode == 0, oracle.stderr
    assert [t.reward for t in read_trajectories(tmp_path / "oracle.jsonl")] == [1.0] * 4

    missing = _gymforge(tmp_path, "run", "local/Tiny-v0", "--out", "x.jsonl")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: no env with id 'local/Tiny-v0'")
    assert "Traceback" not in missing.stderr

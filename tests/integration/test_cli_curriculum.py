"""`gymforge run --curriculum` as a real process: levels follow success, SIGKILL + resume.

The policy is ``tests/integration/level_policies.py`` (right below level 3, wrong from it
on), loaded through ``--policy py:level_policies:capped``; this directory goes on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gymforge.rollout import read_trajectories, scan_trajectories

from ._trajectories import comparable

HERE = Path(__file__).parent
ENV = "gymforge/LinearEquations-v0"
pytestmark = pytest.mark.slow


def _same(path: Path) -> list[object]:
    """`comparable` without the grader's explanation, which says whether its cache answered
    (a process-wide cache, so it depends on which episodes ran before in that process)."""
    rows = comparable(path)
    for row in rows:
        if row["score"] is not None:
            row["score"].pop("explanation")
    return rows


def _env(delay: float) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["GYMFORGE_TEST_POLICY_DELAY"] = str(delay)
    env["GYMFORGE_TEST_LEVEL_CAP"] = "3"
    env["COLUMNS"] = "200"
    return env


def _args(out: Path, *extra: object) -> list[str]:
    args = [ENV, "--policy", "py:level_policies:capped", "--curriculum", "--curriculum-window"]
    args += ["4", "-n", "24", "-g", "2", "--seed", "3", "--out", str(out)]
    return [sys.executable, "-c", "from gymforge.cli import main; main()", "run", *args] + [
        str(e) for e in extra
    ]


def _gymforge(out: Path, *extra: object, delay: float = 0.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _args(out, *extra), env=_env(delay), capture_output=True, text=True, timeout=120
    )


def test_curriculum_levels_follow_success_and_ignore_concurrency(tmp_path: Path) -> None:
    one = _gymforge(tmp_path / "c1.jsonl", "-c", "1")
    assert one.returncode == 0, one.stderr
    # waves of 2 tasks x 2 samples: right at 1 and 2, wrong at 3
    assert "(levels 1-5, 12 waves of 2 tasks): 1 -> 2 -> 3 -> 2 -> 3 -> 2" in one.stdout
    report = json.loads((tmp_path / "c1.jsonl.report.json").read_text())["curriculum"]
    assert [w["level"] for w in report["waves"]] == [1, 2] + [3, 2] * 5
    assert report["final_level"] == 3
    trajs = read_trajectories(tmp_path / "c1.jsonl")
    assert {t.task.difficulty for t in trajs if t.reward == 1.0} == {1, 2}
    assert {t.task.difficulty for t in trajs if t.reward != 1.0} == {3}
    eight = _gymforge(tmp_path / "c8.jsonl", "-c", "8", delay=0.01)
    assert eight.returncode == 0, eight.stderr
    assert _same(tmp_path / "c1.jsonl") == _same(tmp_path / "c8.jsonl")


def test_sigkill_then_resume_gives_the_uninterrupted_file(tmp_path: Path) -> None:
    whole = _gymforge(tmp_path / "whole.jsonl", "-c", "4")
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "k.jsonl"
    proc = subprocess.Popen(
        _args(out, "-c", "4"),
        env=_env(0.05),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_bytes().count(b"\n") >= 10):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never wrote 10 lines"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    killed_at = scan_trajectories(out)
    assert 10 <= len(killed_at.trajectories) < 48
    with out.open("a") as fh:  # the worst case too: a half-written last line
        fh.write(killed_at.lines[0][:50])
    again = _gymforge(out, "-c", "3")
    assert again.returncode == 0, again.stderr
    assert "truncated" in again.stderr
    assert f"{len(killed_at.trajectories)} already in the file" in again.stdout
    assert _same(out) == _same(tmp_path / "whole.jsonl")  # none lost, none twice
    resumed = json.loads((tmp_path / "k.jsonl.report.json").read_text())["curriculum"]
    whole_report = json.loads((tmp_path / "whole.jsonl.report.json").read_text())["curriculum"]
    assert resumed == whole_report

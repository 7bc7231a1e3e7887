"""`gymforge run --curriculum`: the flags, their validation, and the printed level path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gymforge.cli import run_cli
from gymforge.rollout import read_trajectories

ENV = "gymforge/Arithmetic-v0"


def _cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_curriculum_run_prints_and_reports_the_level_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "c.jsonl"
    code, stdout, err = _cli(
        capsys, "run", ENV, "--curriculum", "--curriculum-window", "4", "-n", "12", "--out", out
    )
    assert code == 0, err
    # The oracle always succeeds: one level up per wave of 4 tasks.
    assert "curriculum arithmetic (levels 1-5, 3 waves of 4 tasks): 1 -> 2 -> 3; final level 4" in (
        stdout
    )
    assert [t.task.difficulty for t in read_trajectories(out)] == [1] * 4 + [2] * 4 + [3] * 4
    report = json.loads(out.with_name("c.jsonl.report.json").read_text())
    assert [w["level"] for w in report["curriculum"]["waves"]] == [1, 2, 3]
    assert report["config"]["curriculum"] == {
        "window": 4,
        "up": 0.8,
        "down": 0.3,
        "start_level": 1,
        "threshold": 1.0,
    }
    assert set(report["summary"]["by_difficulty"]) == {"1", "2", "3"}


def test_every_curriculum_flag_reaches_the_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "f.jsonl"
    args = ["--curriculum-window", "2", "--curriculum-up", "0.9", "--curriculum-down", "0.1"]
    args += ["--curriculum-start", "3", "--curriculum-threshold", "0.5"]
    code, stdout, err = _cli(capsys, "run", ENV, "--curriculum", *args, "-n", "4", "--out", out)
    assert code == 0, err
    manifest = json.loads(out.with_name("f.jsonl.run.json").read_text())
    assert manifest["identity"]["curriculum"] == {
        "window": 2,
        "up": 0.9,
        "down": 0.1,
        "start_level": 3,
        "threshold": 0.5,
    }
    assert "3 -> 4; final level 5" in stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--curriculum", "--curriculum-window", "0"), "--curriculum-window"),
        (("--curriculum", "--curriculum-up", "1.5"), "--curriculum-up"),
        (("--curriculum", "--curriculum-down", "-0.1"), "--curriculum-down"),
        (("--curriculum", "--curriculum-start", "0"), "--curriculum-start"),
        (("--curriculum", "--curriculum-down", "0.9"), "--curriculum-down 0.9 must be below"),
        (("--curriculum", "--curriculum-up", "0.2"), "--curriculum-up 0.2"),
        (("--curriculum", "--curriculum-start", "6"), "--curriculum-start 6 is not a level"),
        (("--curriculum-window", "8"), "--curriculum-window needs --curriculum"),
        (("--curriculum-threshold", "0.5"), "--curriculum-threshold needs --curriculum"),
        (("--curriculum", "--difficulty", "2"), "cannot be combined with --difficulty"),
        (("--curriculum", "--retry-errors"), "cannot be combined with --retry-errors"),
    ],
)
def test_bad_curriculum_flags_exit_2_naming_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    out = tmp_path / "bad.jsonl"
    code, _, err = _cli(capsys, "run", ENV, *args, "-n", "2", "--out", out)
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert needle in err
    assert not out.exists()


def test_tasks_file_and_levelless_env_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "a", "prompt": "1+1", "answer": 2}\n')
    code, _, err = _cli(capsys, "run", ENV, "--curriculum", "--tasks-file", tasks, "--out", "x")
    assert (code, "cannot be combined with --tasks-file" in err) == (2, True)
    out = tmp_path / "lake.jsonl"
    code, _, err = _cli(capsys, "run", "gymforge/FrozenLake-v0", "--curriculum", "--out", out)
    assert code == 2
    assert "Traceback" not in err
    assert "'FrozenLake-v1'" in err
    assert "difficulty levels" in err


def test_resume_with_other_curriculum_flags_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.jsonl"
    base = ("run", ENV, "-n", "4", "--out", out, "--curriculum")
    assert _cli(capsys, *base)[0] == 0
    code, _, err = _cli(capsys, *base, "--curriculum-window", "4")
    assert code == 2
    assert "different configuration" in err
    assert "curriculum" in err
    code, stdout, _ = _cli(capsys, *base, "-c", "2")  # concurrency is not identity
    assert code == 0
    assert "0 episode(s) run, 4 already in the file" in stdout

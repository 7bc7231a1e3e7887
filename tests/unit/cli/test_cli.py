"""The CLI in-process: every command, and every bad input ends in one clear line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gymforge.cli import run_cli
from gymforge.rollout import read_trajectories

ENV = "gymforge/Arithmetic-v0"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _bad(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, _, err = _cli(capsys, *args)
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: ")
    return err


def test_list_shows_registered_envs(capsys: pytest.CaptureFixture[str]) -> None:
    from gymforge.env import list_envs

    code, out, _ = _cli(capsys, "list")
    assert code == 0
    assert "v0" in out
    for spec in list_envs():
        assert spec.id in out  # ids are never truncated: users copy them


def test_show_prints_tools_policy_and_a_sample_task(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "show", ENV)
    assert code == 0
    for part in ("tools", "policy", "sample task (seed 0)", '"answer"', "opening messages"):
        assert part in out


def test_run_then_inspect(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "runs" / "a.jsonl"
    code, stdout, _ = _cli(capsys, "run", ENV, "--tasks", "3", "-g", "2", "--out", out)
    assert code == 0
    assert "pass@2" in stdout
    assert "pass^2" in stdout
    assert "zero-variance groups (no learning signal): 3 of 3" in stdout
    assert len(read_trajectories(out)) == 6
    report = json.loads(out.with_name("a.jsonl.report.json").read_text())
    assert report["summary"]["pass_at_k"] == 1.0

    code, stdout, _ = _cli(capsys, "inspect", out)
    assert code == 0
    assert "mean reward" in stdout
    assert "zero-variance groups: 3 of 3" in stdout

    first = read_trajectories(out)[0]
    code, by_id, _ = _cli(capsys, "inspect", out, "--episode", f"{first.task_id}#{first.sample}")
    assert code == 0
    assert first.task_id in by_id
    assert "reward: 1.000" in by_id
    code, by_line, _ = _cli(capsys, "inspect", out, "--episode", "1")
    assert code == 0
    assert by_line == by_id

    code, as_json, _ = _cli(capsys, "inspect", out, "--json")
    assert json.loads(as_json)["summary"]["episodes"] == 6


def test_unknown_env_suggests_the_nearest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    err = _bad(capsys, "run", "gymforge/Arithmetik-v0", "--out", tmp_path / "x.jsonl")
    assert "did you mean" in err
    assert ENV in err
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("spec", ["openai:", "locl", "py:nonexistent_module_xyz:f", "py:json"])
def test_malformed_policy_spec(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, spec: str
) -> None:
    err = _bad(capsys, "run", ENV, "--policy", spec, "--out", tmp_path / "x.jsonl")
    assert repr(spec) in err
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("case", ["directory", "parent_is_file", "proc"])
def test_unwritable_out_is_refused_before_any_rollout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    out = {
        "directory": tmp_path,
        "parent_is_file": blocker / "out.jsonl",
        "proc": Path("/proc/gymforge-test/out.jsonl"),
    }[case]
    err = _bad(capsys, "run", ENV, "--out", out)
    assert str(out) in err
    assert "--out" in err


def test_resume_with_a_different_config_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "a.jsonl"
    assert _cli(capsys, "run", ENV, "--tasks", "2", "--out", out)[0] == 0
    before = out.read_bytes()
    err = _bad(capsys, "run", ENV, "--tasks", "2", "--seed", "1", "--out", out)
    assert "different configuration" in err
    assert "seed: 0 -> 1" in err
    assert "new --out" in err
    assert out.read_bytes() == before


def test_resume_repairs_corrupt_middle_and_truncated_last_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "a.jsonl"
    assert _cli(capsys, "run", ENV, "--tasks", "4", "--out", out)[0] == 0
    lines = out.read_text().splitlines(keepends=True)
    out.write_text(lines[0] + lines[1][:25] + "}\n" + lines[2] + lines[3][:60])
    code, _, err = _cli(capsys, "run", ENV, "--tasks", "4", "--out", out)
    assert code == 0
    assert "line 2: invalid JSON" in err
    assert "line 4: truncated" in err
    damaged = [json.loads(x) for x in out.with_name("a.jsonl.damaged").read_text().splitlines()]
    assert [d["line"] for d in damaged] == [2, 4]
    assert damaged[1]["text"] == lines[3][:60]
    trajs = read_trajectories(out)
    assert len(trajs) == 4
    assert len({t.key for t in trajs}) == 4


@pytest.mark.parametrize(
    "args",
    [
        ["run", ENV],  # --out missing
        ["run", ENV, "--tasks", "0", "--out", "x.jsonl"],
        ["run", ENV, "--out", "x.jsonl", "--env-kwarg", "novalue"],
        ["run", ENV, "--out", "x.jsonl", "--env-kwarg", "bogus=1"],
        ["run", ENV, "--out", "x.jsonl", "--difficulty", "99"],
        ["frobnicate"],
        ["inspect"],
    ],
)
def test_usage_errors_are_one_clear_message(
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _bad(capsys, *args)
    assert not (tmp_path / "x.jsonl").exists()


def test_inspect_missing_file_and_unknown_episode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "no trajectories file" in _bad(capsys, "inspect", tmp_path / "none.jsonl")
    out = tmp_path / "a.jsonl"
    assert _cli(capsys, "run", ENV, "--tasks", "1", "--out", out)[0] == 0
    assert "no episode" in _bad(capsys, "inspect", out, "--episode", "nope#0")
    assert "no trajectory on line 7" in _bad(capsys, "inspect", out, "--episode", "7")


def test_tasks_file_runs_its_tasks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    rows = [{"id": f"mine/{i}", "prompt": f"What is {i}+{i}?", "answer": 2 * i} for i in range(3)]
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "t.jsonl"
    code, _, err = _cli(capsys, "run", ENV, "--tasks-file", tasks, "-g", "2", "--out", out)
    assert code == 0, err
    trajs = read_trajectories(out)
    assert sorted({t.task_id for t in trajs}) == ["mine/0", "mine/1", "mine/2"]
    assert len(trajs) == 6
    too_many = _bad(capsys, "run", ENV, "--tasks-file", tasks, "--tasks", "5", "--out", out)
    assert "holds only 3 task(s)" in too_many


def test_invalid_tasks_file_names_line_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "a", "prompt": "1+1?", "answer": 2}\n{"id": "b"}\n')
    out = tmp_path / "t.jsonl"
    err = _bad(capsys, "run", ENV, "--tasks-file", tasks, "--out", out)
    assert "line 2" in err
    assert "prompt" in err
    assert not out.exists()
    missing = _bad(capsys, "run", ENV, "--tasks-file", tmp_path / "nope.jsonl", "--out", out)
    assert "nope.jsonl" in missing


def test_forced_progress_bar_reports_episodes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "p.jsonl"
    code, _, err = _cli(capsys, "run", ENV, "-n", "4", "--progress", "--out", out)
    assert code == 0
    assert "4/4" in err
    assert "reward 1.000" in err


def test_inspect_reports_damaged_lines_and_keeps_line_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "a.jsonl"
    assert _cli(capsys, "run", ENV, "--tasks", "2", "--out", out)[0] == 0
    good = out.read_text().splitlines(keepends=True)
    out.write_text("not json\n" + good[0] + good[1])
    code, stdout, err = _cli(capsys, "inspect", out)
    assert code == 0
    assert "line 1: invalid JSON" in err
    assert "episodes" in stdout
    second = json.loads(good[1])
    code, shown, _ = _cli(capsys, "inspect", out, "--episode", "3")
    assert code == 0
    assert f"{second['task_id']}#{second['sample']}" in shown

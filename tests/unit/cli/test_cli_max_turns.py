"""`gymforge run --max-turns`: N, 'none' for no limit, or left out for the env's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gymforge.cli import run_cli

ENV = "gymforge/MultiStep-v0"


def _manifest_config(capsys: pytest.CaptureFixture[str], out: Path, *flags: str) -> object:
    code = run_cli(["run", ENV, "-n", "1", "--out", str(out), *flags])
    assert code == 0, capsys.readouterr().err
    return json.loads(out.with_name(out.name + ".run.json").read_text())["config"]["max_turns"]


def test_max_turns_values_reach_the_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _manifest_config(capsys, tmp_path / "a.jsonl") == "default"
    assert _manifest_config(capsys, tmp_path / "b.jsonl", "--max-turns", "none") is None
    assert _manifest_config(capsys, tmp_path / "c.jsonl", "--max-turns", "NONE") is None
    assert _manifest_config(capsys, tmp_path / "d.jsonl", "--max-turns", "3") == 3


@pytest.mark.parametrize("bad", ["0", "-2", "many", "2.5"])
def test_a_bad_max_turns_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad: str
) -> None:
    code = run_cli(["run", ENV, "--out", str(tmp_path / "t.jsonl"), "--max-turns", bad])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: --max-turns {bad!r}: give a whole number >= 1, or 'none'")
    assert "Traceback" not in err

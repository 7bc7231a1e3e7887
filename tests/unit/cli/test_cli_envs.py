"""`--import`, `show` on a broken env, `--policy nothing`, and text that looks like markup."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer

from gymforge.cli import app, run_cli
from gymforge.rollout import read_trajectories

MODULE = """
from gymforge.env import SingleTurnEnv, register
from gymforge.graders import exact_match
from gymforge.types import Task


class Family:
    name = "local_echo"
    difficulty = None

    def generate(self, index, *, seed, difficulty=None):
        return Task(id=f"echo/s{seed}/{index}", prompt=f"Say {index}.", answer=str(index))


def make_echo():
    return SingleTurnEnv(Family(), grader=exact_match())


class Broken(SingleTurnEnv):
    def __init__(self):
        raise RuntimeError("no database at /srv/db")


class BadReset(SingleTurnEnv):
    def __init__(self):
        super().__init__(Family(), grader=exact_match())

    async def reset(self, *, seed=None, options=None):
        raise KeyError("seed")


register("local/Echo-v0", make_echo, max_turns=1,
         description="echoes; needs gymforge[server] and [bold]nothing[/bold]")
register("local/Broken-v0", Broken, max_turns=1)
register("local/BadReset-v0", BadReset, max_turns=1)
"""


def _cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _error_line(capsys: pytest.CaptureFixture[str], *args: object) -> str:
    code, _, err = _cli(capsys, *args)
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err  # one line
    return err


@pytest.fixture
def envs_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_registry: None, isolated_imports: None
) -> Path:
    """A folder holding ``myenvs.py`` (three local envs), as the current directory."""
    (tmp_path / "myenvs.py").write_text(MODULE)
    (tmp_path / "crashing.py").write_text("x = 1\nraise RuntimeError('boom at import')\n")
    (tmp_path / "needs_dep.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("envs_dir")
def test_import_makes_a_local_env_listable_showable_and_runnable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _cli(capsys, "list", "--import", "myenvs")
    assert code == 0, err
    assert "local/Echo-v0" in out
    code, out, err = _cli(capsys, "show", "local/Echo-v0", "--import", "myenvs")
    assert code == 0, err
    assert re.search(r"opening messages\nuser: Say \d+\.", out)
    trajectories = tmp_path / "echo.jsonl"
    code, out, err = _cli(
        capsys, "run", "local/Echo-v0", "--import", "myenvs", "-n", "3", "--out", trajectories
    )
    assert code == 0, err
    assert [t.reward for t in read_trajectories(trajectories)] == [1.0, 1.0, 1.0]


@pytest.mark.usefixtures("envs_dir")
def test_without_import_the_local_env_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert "no env with id 'local/Echo-v0'" in _error_line(capsys, "show", "local/Echo-v0")


@pytest.mark.usefixtures("envs_dir")
@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("nope_xyz", "error: --import 'nope_xyz': no module named 'nope_xyz' in the current "),
        ("myenvs.py", "; for the file myenvs.py, give its module name: --import myenvs"),
        ("./lib/myenvs.py", "(e.g. --import myenvs for myenvs.py in the current directory)"),
        ("crashing", "error: --import 'crashing' failed: RuntimeError: boom at import ("),
        ("needs_dep", "failed: ModuleNotFoundError: No module named 'no_such_dependency_xyz'"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["show", "local/Echo-v0"]])
def test_a_module_that_fails_to_import_is_one_error_line_naming_it(
    capsys: pytest.CaptureFixture[str], command: list[str], module: str, expected: str
) -> None:
    assert expected in _error_line(capsys, *command, "--import", module)


@pytest.mark.usefixtures("envs_dir")
def test_import_failure_in_run_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "x.jsonl"
    err = _error_line(capsys, "run", "local/Echo-v0", "--import", "crashing", "--out", out)
    assert "crashing.py:2)" in err  # where the module failed
    assert not out.exists()


@pytest.mark.usefixtures("envs_dir")
@pytest.mark.parametrize(
    ("env_id", "expected"),
    [
        (
            "local/Broken-v0",
            "error: env local/Broken-v0 failed to build: RuntimeError: no database at /srv/db (",
        ),
        ("local/BadReset-v0", "error: env local/BadReset-v0 failed on reset(seed=0): KeyError: "),
    ],
)
def test_show_on_an_env_that_fails_is_one_error_line(
    capsys: pytest.CaptureFixture[str], env_id: str, expected: str
) -> None:
    err = _error_line(capsys, "show", env_id, "--import", "myenvs")
    assert err.startswith(expected)
    assert "myenvs.py:" in err  # the env author's line


@pytest.mark.usefixtures("envs_dir")
def test_env_text_that_looks_like_markup_prints_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _cli(capsys, "show", "local/Echo-v0", "--import", "myenvs")
    assert code == 0
    assert "echoes; needs gymforge[server] and [bold]nothing[/bold]" in out
    code, out, _ = _cli(capsys, "list", "--import", "myenvs")
    assert code == 0
    assert "echoes; needs gymforge[server] and [bold]nothing[/bold]" in out


def test_nothing_policy_scores_zero_and_sends_empty_replies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "n.jsonl"
    code, stdout, err = _cli(
        capsys, "run", "gymforge/Arithmetic-v0", "--policy", "nothing", "-n", "4", "--out", out
    )
    assert code == 0, err
    trajectories = read_trajectories(out)
    assert [t.reward for t in trajectories] == [0.0] * 4
    assert {t.policy for t in trajectories} == {"nothing"}
    for t in trajectories:
        (reply,) = [m for m in t.messages if m.role == "assistant"]
        assert (reply.content, reply.tool_calls) == ("", None)


def _help_texts(command: Any) -> list[str]:
    texts = [command.help or ""]
    texts += [getattr(param, "help", None) or "" for param in command.params]
    return texts


EXTRA = re.compile(r"\S*\w\[[\w,]+\]\S*")  # gymforge[server], local[:GGUF] and the like


def test_help_shows_every_bracketed_text_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    group = typer.main.get_command(app)
    checked = []
    commands: dict[str, Any] = group.commands  # type: ignore[attr-defined]
    for name, command in commands.items():
        code, out, _ = _cli(capsys, name, "--help")
        assert code == 0
        flat = " ".join(out.split())
        for text in _help_texts(command):
            for token in EXTRA.findall(text):
                assert token in flat, f"{name} --help lost {token!r}"
                checked.append(token)
    assert "gymforge[server])." in checked  # serve's own line
    assert "gymforge[ray])." in checked  # run --backend
    code, out, _ = _cli(capsys, "serve", "--help")
    assert "(needs gymforge[server])" in textwrap.dedent(out)

"""The writing-an-env example (examples/library_desk) works as docs/writing-an-env.md says.

A module fixture copies the example to a temporary folder and installs it from there
with pip (``--no-deps --no-build-isolation --no-index --target``: offline, with the
build backend already in the venv, and nothing written to the repository or to the
venv); the subprocesses see it through ``PYTHONPATH``, as they would see it installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

import pytest

from gymforge.rollout import read_trajectories

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "library_desk"
GUIDE = REPO / "docs" / "writing-an-env.md"
ENV_ID = "example/LibraryDesk-v0"
CHECKLIST = (
    "test_oracle_scores_1",
    "test_do_nothing_scores_0",
    "test_random_scores_about_0",
    "test_a_constant_refusal_scores_0",
    "test_gymforge_check_env_passes",
    "test_gymnasium_check_env_passes",
)


class Installed(NamedTuple):
    source: Path
    """A copy of the example folder (the pip install built from it)."""
    work: Path
    """An empty working directory."""
    with_site: dict[str, str]
    """Process environment in which the example is installed."""
    without_site: dict[str, str]
    """Process environment in which it is not."""


def _environ(*paths: Path) -> dict[str, str]:
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([*map(str, paths), *inherited]),
        COLUMNS="200",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("library_desk")
    source = root / "source"
    shutil.copytree(
        EXAMPLE,
        source,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".*_cache"),
    )
    site = root / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", "--target", str(site), str(source)],
        capture_output=True, text=True, timeout=300, check=False, env=_environ(),
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    work = root / "work"
    work.mkdir()
    return Installed(source, work, _environ(site), _environ())


def _gymforge(cwd: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gymforge.cli", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_entry_point_registers_the_env(installed: Installed) -> None:
    listed = _gymforge(installed.work, installed.with_site, "list")
    assert listed.returncode == 0, listed.stderr
    assert ENV_ID in listed.stdout
    shown = _gymforge(installed.work, installed.with_site, "show", ENV_ID)
    assert shown.returncode == 0, shown.stderr
    assert "checkout  (writes)" in shown.stdout
    # The control: the same command without the installed package does not know it.
    bare = _gymforge(installed.work, installed.without_site, "list")
    assert bare.returncode == 0, bare.stderr
    assert ENV_ID not in bare.stdout


def test_gymforge_run_oracle_and_nothing_on_the_installed_env(installed: Installed) -> None:
    for policy, reward in (("oracle", 1.0), ("nothing", 0.0)):
        out = installed.work / f"{policy}.jsonl"
        done = _gymforge(
            installed.work, installed.with_site,
            "run", ENV_ID, "--policy", policy, "-n", "9", "--out", str(out),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs = read_trajectories(out)
        assert sorted(t.reward for t in runs) == [reward] * 9
        assert {t.task.difficulty for t in runs} == {1, 2, 3}
        report = json.loads(out.with_name(out.name + ".report.json").read_text())
        assert report["summary"]["mean_reward"] == reward
        assert report["recipe"]["grader"] == {
            "factory": "library_desk/library_state",
            "args": {"name": "library_state"},
        }
        assert report["recipe"]["env"]["reward_range"] == [0.0, 1.0]
    inspected = _gymforge(
        installed.work, installed.with_site,
        "inspect", str(installed.work / "oracle.jsonl"), "--episode", "library/d1/s0/0#0",
    )  # fmt: skip
    assert inspected.returncode == 0, inspected.stderr
    assert "lookup_member" in inspected.stdout
    oracle = read_trajectories(installed.work / "oracle.jsonl")
    assert all(o.kind == "ok" for t in oracle for o in t.tool_outcomes())
    assert all(t.milestones["all_done"] is True for t in oracle)


def test_the_import_route_runs_the_env_without_packaging(installed: Installed) -> None:
    for policy, reward in (("oracle", 1.0), ("py:library_desk.policies:refuse", 0.0)):
        out = installed.work / f"import-{policy.split(':')[0]}.jsonl"
        done = _gymforge(
            installed.source, installed.without_site,
            "run", ENV_ID, "--import", "library_desk.registered", "--policy", policy,
            "-n", "4", "--out", str(out),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert [t.reward for t in read_trajectories(out)] == [reward] * 4


def test_the_examples_own_checklist_passes(installed: Installed) -> None:
    report = installed.work / "junit.xml"
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"--junitxml={report}"],
        cwd=installed.source, env=installed.with_site,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    ran = {case.get("name") for case in suite.iter("testcase")}
    assert set(CHECKLIST) <= ran


def _excerpts() -> list[tuple[str, list[str]]]:
    """The guide's code blocks that name a file of the example on their first line."""
    blocks = re.findall(r"^```(?:python|toml)\n(.*?)^```", GUIDE.read_text(), re.M | re.S)
    named = []
    for block in blocks:
        first, *rest = block.splitlines()
        if first.startswith("# ") and (EXAMPLE / first[2:]).is_file():
            named.append((first[2:], rest))
    return named


def test_the_guides_excerpts_are_in_the_example_files_in_order() -> None:
    excerpts = _excerpts()
    assert {path for path, _ in excerpts} >= {
        "library_desk/world.py", "library_desk/tasks.py", "library_desk/grader.py",
        "library_desk/env.py", "library_desk/__init__.py", "pyproject.toml",
    }  # fmt: skip
    for path, lines in excerpts:
        source = (EXAMPLE / path).read_text().splitlines()
        at = 0
        for line in lines:
            if not line.strip() or line.strip() == "...":
                continue  # a blank line, or an elision
            try:
                at = source.index(line, at) + 1
            except ValueError:
                pytest.fail(f"{GUIDE.name}: {line!r} is not in {path} (in this order)")


def test_the_guides_python_session_runs(installed: Installed) -> None:
    (session,) = (
        block
        for block in re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(), re.M | re.S)
        if "asyncio.run(check_env(LibraryDeskEnv()))" in block
    )
    ran = subprocess.run(
        [sys.executable, "-c", session],
        cwd=installed.work, env=installed.with_site,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "value=1.0" in ran.stdout

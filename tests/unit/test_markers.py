"""The ``slow``/``e2e`` table of tests/conftest.py names real tests and marks what it says."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_tests_conftest", ROOT / "tests" / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFTEST = _conftest()


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


@pytest.mark.parametrize("prefix", sorted(CONFTEST.MARKS))
def test_every_rule_names_an_existing_directory_file_or_test(prefix: str) -> None:
    where, _, test = prefix.partition("::")
    path = ROOT / where
    if where.endswith("/"):
        assert path.is_dir(), f"{prefix}: no such directory"
        return
    assert path.is_file(), f"{prefix}: no such file"
    if test:
        assert test in _test_functions(path), f"{prefix}: no test {test!r} in {where}"
    names, why = CONFTEST.MARKS[prefix]
    assert why.strip(), f"{prefix}: say why it is marked"


def test_every_marker_used_is_declared_in_pyproject() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = declared["tool"]["pytest"]["ini_options"]["markers"]
    names = {m.split(":", 1)[0].strip() for m in markers}
    used = {name for names_, _ in CONFTEST.MARKS.values() for name in names_}
    assert used <= names


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/e2e/test_local_policy.py::test_answers_a_short_chat", {"e2e", "slow"}),
        ("tests/integration/test_cli_process.py::test_x[a-b]", {"slow"}),
        ("tests/integration/test_remote_and_ray.py::test_x", {"slow", "e2e"}),
        (
            "tests/unit/sandbox/test_battery_sandbox.py::test_fork_bomb_is_contained[bwrap]",
            {"slow"},
        ),
        ("tests/unit/graders/test_math.py::test_pool_reports_worker_errors", {"slow"}),
        # a test is matched with its parametrisations, not by a longer name's prefix
        ("tests/unit/graders/test_math.py::test_pool_reports_worker_errors_too", set()),
        ("tests/unit/graders/test_math.py::test_cache_answers_repeats", set()),
        ("tests/unit/graders/test_code_files_more.py::test_x", set()),
        ("tests/unit/tasks/test_io.py::test_round_trip_keeps_every_field", set()),
        ("src/gymforge/tasks/_io.py::gymforge.tasks._io.load_tasks", set()),
    ],
)
def test_marks_for_reads_the_table(nodeid: str, expected: set[str]) -> None:
    assert CONFTEST.marks_for(nodeid) == expected


def test_this_session_applied_the_table(request: pytest.FixtureRequest) -> None:
    """Every collected test the table covers carries its markers (run with the suite)."""
    covered = [i for i in request.session.items if CONFTEST.marks_for(i.nodeid)]
    missing = [
        (item.nodeid, name)
        for item in covered
        for name in CONFTEST.marks_for(item.nodeid)
        if item.get_closest_marker(name) is None
    ]
    assert missing == []

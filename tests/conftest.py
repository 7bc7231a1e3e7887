"""Which tests are ``slow`` and which are ``e2e``, in one reviewable table.

``make test`` (plain ``pytest``) runs everything; the markers only select. The quick
loop while working is ``pytest -m "not slow"`` (see README.md, "Development").

- ``slow``: starts processes or waits: the real model, subprocesses, the sandbox,
  servers, Ray, or a long game-tree search.
- ``e2e``: talks to a real model, a real server process or a database server.

A rule is a node-id prefix (a directory, a file, or ``file::test`` with every
parametrisation) and the markers it adds, with the reason. `MARKS` is checked by
``tests/unit/test_markers.py``: every prefix must name an existing directory, file
or test function, so a renamed test cannot silently drop out of the table. When the
quick loop gets slow, find the tests to add with ``pytest -m "not slow" --durations=60``.
"""

from __future__ import annotations

import pytest

MARKS: dict[str, tuple[tuple[str, ...], str]] = {
    # Whole directories.
    "tests/e2e/": (("e2e", "slow"), "a real local model (llama.cpp) and its server"),
    "tests/integration/": (("slow",), "the console script in subprocesses, servers, Ray"),
    "tests/unit/sandbox/": (("slow",), "sandboxed processes: fork bombs, CPU spins, timeouts"),
    "tests/unit/envs/python_agent/": (("slow",), "every episode runs code in the sandbox"),
    "tests/unit/envs/python_function/": (("slow",), "every episode runs code in the sandbox"),
    # Files.
    "tests/integration/test_real_model_run.py": (("e2e",), "a real local model"),
    "tests/integration/test_remote_and_ray.py": (("e2e",), "`gymforge serve` processes"),
    "tests/unit/envs/reasoning/test_local_model_e2e.py": (("e2e", "slow"), "a real model"),
    "tests/unit/server/test_server_load.py": (
        ("e2e", "slow"),
        "server processes: 10,000 sessions, SIGKILL, schemathesis",
    ),
    "tests/unit/server/test_server.py": (("slow",), "a live server on loopback, its timeouts"),
    "tests/unit/envs/games/test_connect4_perfect.py": (("slow",), "perfect-play searches"),
    "tests/unit/graders/test_code.py": (("slow",), "hidden tests run in sandboxed processes"),
    "tests/unit/graders/test_code_battery.py": (("slow",), "attacks run in the sandbox"),
    "tests/unit/graders/test_code_files.py": (("slow",), "shadowing attacks in the sandbox"),
    "tests/unit/graders/test_math_worker_isolation.py": (("slow",), "a worker subprocess"),
    "tests/unit/test_import.py": (("slow",), "fresh interpreters in subprocesses"),
    # Single tests (every parametrisation).
    "tests/unit/env/test_gym.py::test_a_fresh_interpreter_finds_the_envs_through_the_entry_point": (
        ("slow",),
        "a fresh interpreter in a subprocess",
    ),
    "tests/unit/tasks/test_arithmetic.py"
    "::test_deterministic_across_processes_with_different_hash_seeds": (
        ("slow",),
        "fresh interpreters in subprocesses",
    ),
    "tests/unit/tasks/reasoning/test_families.py::test_deterministic_across_processes": (
        ("slow",),
        "fresh interpreters in subprocesses",
    ),
    "tests/unit/graders/test_math.py::test_pool_timeout_kills_and_replaces_worker": (
        ("slow",),
        "waits for a worker process to time out",
    ),
    "tests/unit/graders/test_math.py::test_hack_huge_expression_times_out_with_none": (
        ("slow",),
        "waits for a worker process to time out",
    ),
    "tests/unit/graders/test_math.py::test_timeout_score_is_none_through_the_grader": (
        ("slow",),
        "waits for a worker process to time out",
    ),
    "tests/unit/graders/test_math.py::test_pool_reports_worker_errors": (
        ("slow",),
        "starts and crashes worker processes",
    ),
    "tests/unit/envs/retail/test_env.py"
    "::test_oracle_scores_one_and_do_nothing_scores_zero_on_many_tasks": (
        ("slow",),
        "plays and grades 420 whole Retail episodes",
    ),
    "tests/unit/envs/games/test_solver.py::test_optimal_self_play_ends_exactly_as_the_score_says": (
        ("slow",),
        "solves Connect Four positions to the end",
    ),
    "tests/unit/envs/games/test_solver.py"
    "::test_optimal_play_never_lets_a_random_player_spoil_its_result": (
        ("slow",),
        "solves Connect Four positions to the end",
    ),
}
"""Node-id prefix -> (markers, why)."""


def marks_for(nodeid: str) -> set[str]:
    """The markers `MARKS` gives the test with this node id.

    Example:
        >>> sorted(marks_for("tests/e2e/test_local_policy.py::test_answers_a_short_chat"))
        ['e2e', 'slow']
        >>> marks_for("tests/unit/tasks/test_io.py::test_round_trip_keeps_every_field")
        set()
    """
    found: set[str] = set()
    for prefix, (names, _) in MARKS.items():
        if _covers(prefix, nodeid):
            found.update(names)
    return found


def _covers(prefix: str, nodeid: str) -> bool:
    """A directory covers what is under it; a file its tests; a test its parametrisations."""
    if prefix.endswith("/"):
        return nodeid.startswith(prefix)
    if "::" in prefix:
        return nodeid == prefix or nodeid.startswith((prefix + "[", prefix + "::"))
    return nodeid.split("::", 1)[0] == prefix


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add the table's markers before ``-m`` selects (hence ``tryfirst``)."""
    for item in items:
        for name in sorted(marks_for(item.nodeid)):
            item.add_marker(name)

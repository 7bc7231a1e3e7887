"""Task files fail at load, with file, line and field, when they lack what the env reads.

Each bad file below ran on the old code: Retail failed mid-run (a ``KeyError:
'world_seed'`` recorded on the episode), KeyDoor silently played layout 0 for a task
without its ``layout_seed``, and a code task with a broken hidden test was graded on
the tests that still parsed. Now each stops `load_tasks` (and ``gymforge run``) with
one message.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gymforge.cli import run_cli
from gymforge.env import list_envs, make
from gymforge.envs.classic import GymFamily
from gymforge.envs.games import GameFamily, KeyDoorFamily
from gymforge.envs.retail import RetailTaskFamily, ShoppingTaskFamily
from gymforge.errors import ConfigError
from gymforge.rollout import RunConfig, run
from gymforge.tasks import (
    ArithmeticFamily,
    StaticTasks,
    TaskFamily,
    TaskValidator,
    load_tasks,
    save_tasks,
    task_field,
)
from gymforge.tasks.code import CodeFunctionFamily
from gymforge.tasks.reasoning import CountdownFamily, MultiStepFamily, Sudoku4Family
from gymforge.types import Task

Row = dict[str, Any]
Mutation = Callable[[Row], object]


def _write(path: Path, rows: list[Row]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _bad_file(tmp_path: Path, family: TaskFamily, mutate: Mutation) -> tuple[Path, str]:
    """Two tasks of `family`; the second one changed by `mutate`. Returns (file, its id)."""
    rows = [family.generate(i, seed=0).model_dump(mode="json") for i in range(2)]
    mutate(rows[1])
    return _write(tmp_path / "tasks.jsonl", rows), str(rows[1]["id"])


RETAIL = RetailTaskFamily(difficulty=1)
WORLD_WHY = "Retail tasks need the seed of the world they are built on, or metadata.world_file"
TESTS_WHY = '(the hidden tests, [{"args": [...], "expected": ...}, ...])'
OPENING_WHY = "(the moves played before the agent's first, 0-based)"

CASES: list[tuple[str, TaskFamily, Mutation, str]] = [
    (
        "missing field",
        RETAIL,
        lambda r: r["metadata"].pop("world_seed"),
        f"metadata.world_seed: missing ({WORLD_WHY})",
    ),
    (
        "wrong type",
        RETAIL,
        lambda r: r["metadata"].update(world_seed="7"),
        f"metadata.world_seed: expected an integer, got a string '7' ({WORLD_WHY})",
    ),
    (
        "file that does not exist",
        RETAIL,
        lambda r: r["metadata"].update(world_file="/nope/world.json"),
        "metadata.world_file: no such file '/nope/world.json' (Retail tasks are replayed on "
        "that world when they run and when they are graded, so it must stay readable)",
    ),
    (
        "unknown config key",
        RETAIL,
        lambda r: r["metadata"].update(world_config={"n_shops": 3}),
        "metadata.world_config: not a WorldConfig (WorldConfig.__init__() got an unexpected "
        "keyword argument 'n_shops'); save it with dataclasses.asdict(WorldConfig(...)), or "
        "leave it out for the default",
    ),
    (
        "value not among the choices, inside a list",
        RETAIL,
        lambda r: r["metadata"]["intents"][0].update(done_when="never"),
        "metadata.intents[0].done_when: expected one of 'db', 'outputs', 'refusal', 'handoff', "
        "got 'never' (how the customer sees the intent served)",
    ),
    (
        "no answer",
        RETAIL,
        lambda r: r.update(answer=None),
        "answer: missing (the gold change of the database the grader compares with)",
    ),
    (
        "a broken step of the gold script",
        RETAIL,
        lambda r: r["metadata"]["gold"].__setitem__(1, {"call": "get_user_details"}),
        'metadata.gold[1].args: missing (a gold step is {"say": text} or '
        '{"call": tool, "args": {...}})',
    ),
    (
        "empty list",
        ShoppingTaskFamily(difficulty=1),
        lambda r: r["answer"].update(options=[]),
        "answer.options: empty (the [attribute, value] options asked for, one or more; the "
        "grader scores the share)",
    ),
    (
        "a saved world where the env has none",
        ShoppingTaskFamily(difficulty=1),
        lambda r: (r["metadata"].pop("world_seed"), r["metadata"].update(world_file="w.json")),
        "metadata.world_seed: missing (Shopping tasks need the seed of the world they are built "
        "on)",
    ),
    (
        "wrong type deep in the answer",
        CodeFunctionFamily(),
        lambda r: r["answer"]["tests"][0].update(args="1, 2"),
        f"answer.tests[0].args: expected a list, got a string '1, 2' {TESTS_WHY}",
    ),
    (
        "a value the sandbox cannot decode",
        CodeFunctionFamily(),
        lambda r: r["answer"]["tests"][0].update(args=[{"$set": 3}]),
        "answer.tests[0].args: not the sandbox's typed JSON ('int' object is not iterable); "
        "write values with gymforge.sandbox.encode_value",
    ),
    (
        "what only the oracle reads",
        CodeFunctionFamily(),
        lambda r: r["metadata"].pop("solution"),
        "metadata.solution: missing (the code the agent env's oracle writes)",
    ),
    (
        "an illegal move",
        GameFamily("connectfour"),
        lambda r: r["metadata"].update(opening=[9]),
        f"metadata.opening[0]: 9 is not a legal connectfour move after [] {OPENING_WHY}",
    ),
    (
        "an opening that ends the game",
        GameFamily("tictactoe"),
        lambda r: r["metadata"].update(opening=[0, 3, 1, 4, 2]),
        f"metadata.opening: [0, 3, 1, 4, 2] ends the game; shorten it {OPENING_WHY}",
    ),
    (
        "a level out of range",
        GameFamily("tictactoe"),
        lambda r: r.update(difficulty=7),
        "difficulty: expected one of 1, 2, 3, 4, 5, got 7 (the opponent's level)",
    ),
    (
        "a side that does not exist",
        GameFamily("tictactoe"),
        lambda r: r["metadata"].update(agent_player=3),
        "metadata.agent_player: expected one of 1, 2, got 3 (1: the agent plays X and moves "
        "first; 2: O)",
    ),
    (
        "a field the env defaulted silently",
        KeyDoorFamily(),
        lambda r: r["metadata"].pop("layout_seed"),
        "metadata.layout_seed: missing (the seed the layout is built from)",
    ),
    (
        "a negative seed",
        KeyDoorFamily(),
        lambda r: r["metadata"].update(layout_seed=-1),
        "metadata.layout_seed: must be >= 0, got -1",
    ),
    (
        "a seed the env ignored silently",
        GymFamily("FrozenLake-v1", "Reach the goal."),
        lambda r: r["metadata"].update(env_seed="5"),
        "metadata.env_seed: expected an integer, got a string '5' (the seed passed to the "
        "Gymnasium env's reset)",
    ),
    (
        "metadata the grader reads",
        CountdownFamily(),
        lambda r: r["metadata"].pop("target"),
        "metadata.target: missing (the value the expression must reach)",
    ),
    (
        "a list of the wrong length",
        Sudoku4Family(),
        lambda r: r["metadata"]["puzzle"].pop(),
        "metadata.puzzle: expected 16 cells, got 15 (the givens the grader keeps: 16 integers "
        "row by row, 1-4 or 0 for empty)",
    ),
    (
        "the milestones' source",
        MultiStepFamily(),
        lambda r: r["metadata"].pop("steps"),
        'metadata.steps: missing (the steps whose stated values are the milestones, [{"name", '
        '"value"}, ...])',
    ),
    (
        "an answer the grader cannot read",
        ArithmeticFamily(),
        lambda r: r.update(answer="two"),
        "answer: expected a number, got a string 'two' (arithmetic tasks are graded against "
        "their integer value)",
    ),
]


@pytest.mark.parametrize(
    ("family", "mutate", "message"),
    [pytest.param(f, m, msg, id=name) for name, f, m, msg in CASES],
)
def test_a_bad_task_file_fails_at_load_with_file_line_and_field(
    tmp_path: Path, family: TaskFamily, mutate: Mutation, message: str
) -> None:
    path, task_id = _bad_file(tmp_path, family, mutate)
    with pytest.raises(ConfigError) as caught:
        load_tasks(path, validate=family)
    assert str(caught.value) == f"{path} line 2: task {task_id!r}: {message}"
    assert len(load_tasks(path)) == 2  # without a family, any valid Task is accepted


@pytest.mark.parametrize("env_id", [s.id for s in list_envs() if s.id.startswith("gymforge/")])
def test_every_builtin_family_validates_and_accepts_its_own_tasks(
    tmp_path: Path, env_id: str
) -> None:
    """Every built-in env's family has the hook, and its generated tasks pass it."""
    env = make(env_id)
    family = env.task_family
    asyncio.run(env.close())
    assert isinstance(family, TaskValidator), f"{env_id}: {type(family).__name__} has no hook"
    tasks = [family.generate(i, seed=seed) for seed in (0, 1) for i in range(4)]
    save_tasks(tmp_path / "tasks.jsonl", tasks)
    assert load_tasks(tmp_path / "tasks.jsonl", validate=family) == tasks


def test_a_family_without_the_hook_accepts_any_task(tmp_path: Path) -> None:
    family = StaticTasks([Task(id="a", prompt="?")])
    assert not isinstance(family, TaskValidator)
    path = _write(tmp_path / "t.jsonl", [{"id": "x", "prompt": "p", "metadata": {"k": 1}}])
    assert [t.id for t in load_tasks(path, validate=family)] == ["x"]


def test_the_run_fails_before_any_episode(tmp_path: Path) -> None:
    """The old engine ran the good task, then recorded ``KeyError: 'world_seed'`` mid-run."""
    path, _ = _bad_file(tmp_path, RETAIL, lambda r: r["metadata"].pop("world_seed"))
    out = tmp_path / "out.jsonl"
    config = RunConfig(env_id="gymforge/Retail-v0", tasks_file=path, policy="oracle", out=out)
    with pytest.raises(ConfigError, match=r"line 2: task 'retail/s0/1': metadata\.world_seed"):
        run(config)
    assert not out.exists()


def test_the_cli_says_one_error_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The old CLI played layout 0 for this task and exited 0."""
    path, _ = _bad_file(tmp_path, KeyDoorFamily(), lambda r: r["metadata"].pop("layout_seed"))
    out = tmp_path / "out.jsonl"
    code = run_cli(
        ["run", "gymforge/KeyDoor-v0", "--tasks-file", str(path), "--out", str(out)]
        + ["--policy", "oracle"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: {path} line 2: task 'keydoor/L3/s0/1': metadata.layout_seed: missing "
        "(the seed the layout is built from)\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("path", "kind", "optional", "message"),
    [
        (("answer",), int, False, "answer: missing (why)"),
        (("metadata", "a", "b"), int, False, "metadata.a: missing (why)"),
        (("metadata", "n"), int, False, "metadata.n: expected an integer, got true or false True"),
        (("metadata", "n"), (int, float), False, "metadata.n: expected a number, got true or"),
        (("metadata", "xs", 5), int, False, "metadata.xs[5]: missing (why)"),
        (("metadata", "xs", "k"), int, False, "metadata.xs: expected an object, got a list"),
        (("metadata", "s", 0), int, False, "metadata.s: expected a list, got a string 'text'"),
        (
            ("metadata", "long"),
            int,
            False,
            "metadata.long: expected an integer, got a string '" + "x" * 36 + "... (why)",
        ),
    ],
)
def test_task_field_names_the_field_and_what_is_wrong(
    path: tuple[str | int, ...], kind: type | tuple[type, ...], optional: bool, message: str
) -> None:
    task = Task(
        id="t",
        prompt="?",
        metadata={"n": True, "xs": [1, 2], "s": "text", "long": "x" * 60},
    )
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        task_field(task, *path, kind=kind, optional=optional, why="why")


def test_task_field_returns_values_and_none_for_missing_optional_fields() -> None:
    task = Task(id="t", prompt="?", answer=3, metadata={"xs": [1, None], "flag": False})
    assert task_field(task, "answer", kind=int, why="-") == 3
    assert task_field(task, "metadata", "xs", 0, kind=int, why="-", choices=(1, 2)) == 1
    assert task_field(task, "metadata", "xs", 1, kind=int, why="-", optional=True) is None
    assert task_field(task, "metadata", "xs", 9, kind=int, why="-", optional=True) is None
    assert task_field(task, "metadata", "flag", kind=bool, why="-") is False
    assert task_field(task, "reference", "x", kind=str, why="-", optional=True) is None
    with pytest.raises(ValueError, match=r"^metadata\.flag: expected an integer, got true or"):
        task_field(task, "metadata", "flag", kind=int, why="-")
    with pytest.raises(TypeError, match="needs a path"):
        task_field(task, kind=int, why="-")

"""Reasoning families: determinism, oracle/do-nothing baselines, and each verifier's rules."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from fractions import Fraction

import pytest

from gymforge.tasks import TaskFamily
from gymforge.tasks.reasoning import (
    FAMILIES,
    CountdownFamily,
    KnightsKnavesFamily,
    LinearSystemsFamily,
    MultiStepFamily,
    ReasoningFamily,
    Sudoku4Family,
    count_sudoku_solutions,
    evaluate_countdown,
    stated_values,
)

NAMES = [f.name for f in FAMILIES]


def digest(family: type[ReasoningFamily], seed: int) -> str:
    fam = family()
    tasks = [fam.generate(i, seed=seed).model_dump() for i in range(15)]
    return hashlib.sha256(json.dumps(tasks, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("family", FAMILIES, ids=NAMES)
def test_is_a_task_family(family: type[ReasoningFamily]) -> None:
    assert isinstance(family(), TaskFamily)


def test_deterministic_across_processes() -> None:
    script = (
        "import sys, json, hashlib\n"
        "from gymforge.tasks.reasoning import FAMILIES\n"
        "def digest(family, seed):\n"
        "    fam = family()\n"
        "    tasks = [fam.generate(i, seed=seed).model_dump() for i in range(15)]\n"
        "    return hashlib.sha256(json.dumps(tasks, sort_keys=True).encode()).hexdigest()\n"
        "print(json.dumps([digest(f, 11) for f in FAMILIES]))\n"
    )
    outputs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                check=True,
                env={"PYTHONHASHSEED": str(salt), "PATH": ""},
            ).stdout
        )
        for salt in (1, 2)
    ]
    assert outputs[0] == outputs[1] == [digest(f, 11) for f in FAMILIES]


@pytest.mark.parametrize("family", FAMILIES, ids=NAMES)
def test_seeds_and_indices_give_different_tasks(family: type[ReasoningFamily]) -> None:
    fam = family(difficulty=3)
    prompts = {fam.generate(i, seed=s).prompt for i in range(10) for s in (0, 1)}
    assert len(prompts) >= 15


@pytest.mark.parametrize("family", FAMILIES, ids=NAMES)
def test_oracle_scores_one_and_do_nothing_zero(family: type[ReasoningFamily]) -> None:
    fam = family()
    for level in (1, 2, 3, 4, 5):
        for i in range(25):
            task = fam.generate(i, seed=5, difficulty=level)
            assert task.difficulty == level
            assert task.family == fam.name
            assert fam.score(task, str(task.reference)).value == 1.0, task
            assert fam.score(task, "").value == 0.0
            assert fam.score(task, "I do not know.").value == 0.0


@pytest.mark.parametrize("family", FAMILIES, ids=NAMES)
def test_hedging_with_several_boxes_gets_nothing(family: type[ReasoningFamily]) -> None:
    fam = family()
    task = fam.generate(0, seed=1, difficulty=2)
    ref = str(task.reference)
    score = fam.score(task, ref + r" or maybe \boxed{12345}")
    assert score.value == 0.0
    assert "several" in score.explanation


@pytest.mark.parametrize("family", FAMILIES, ids=NAMES)
def test_rejects_bad_arguments(family: type[ReasoningFamily]) -> None:
    with pytest.raises(ValueError, match="difficulty"):
        family(difficulty=6)
    with pytest.raises(ValueError, match="index"):
        family().generate(-1, seed=0)


def test_difficulty_none_cycles_levels() -> None:
    fam = FAMILIES[0]()
    assert {fam.generate(i, seed=0).difficulty for i in range(5)} == {1, 2, 3, 4, 5}


# Countdown: any valid solution, never eval.
def test_countdown_accepts_any_valid_solution() -> None:
    fam = CountdownFamily()
    task = fam.generate(0, seed=0, difficulty=1).model_copy(
        update={"metadata": {"numbers": [2, 3, 4, 6], "target": 12, "reference": ""}}
    )
    for other in ("6 * 2", "4 * 6 / 2", "(6 - 2) * 3", "6 / (2 / 4)"):
        assert fam.score(task, rf"\boxed{{{other}}}").value == 1.0, other
    assert fam.score(task, r"\boxed{3 * 4}").value == 1.0
    assert fam.score(task, r"\boxed{4 \times 3}").value == 1.0
    assert fam.score(task, r"\boxed{2 * (4 + 2)}").value == 0.0  # 2 used twice
    assert fam.score(task, r"\boxed{(2 * 3) * (4 / 2)}").value == 0.0  # 2 used twice
    assert fam.score(task, r"\boxed{(2 + 4) * 2}").value == 0.0  # 2 used twice
    assert fam.score(task, r"\boxed{4 * 3 = 12}").value == 1.0
    assert fam.score(task, r"\boxed{(4 / 2 + 2) * 3}").value == 0.0


def test_countdown_exact_rational_arithmetic() -> None:
    assert evaluate_countdown("(6 / 4) * 8", [4, 6, 8])[0] == Fraction(12)
    assert evaluate_countdown("1 / 3 + 1 / 3 + 1 / 3", [1, 1, 1, 3, 3, 3])[0] == 1
    assert evaluate_countdown("5 / (3 - 3)", [5, 3, 3])[0] is None


@pytest.mark.parametrize(
    "expr",
    ["__import__('os').system('true')", "2 ** 10", "-3 + 5", "2.5 * 2", "True + 1", "(1" * 150],
)
def test_countdown_rejects_anything_but_plain_arithmetic(expr: str) -> None:
    value, reason = evaluate_countdown(expr, [1, 2, 3, 5, 10])
    assert value is None
    assert reason


# Logic.
def test_knights_knaves_scorer_needs_everyone_right_once() -> None:
    fam = KnightsKnavesFamily()
    task = fam.generate(0, seed=3, difficulty=3)
    gold = str(task.answer)
    assert fam.score(task, rf"\boxed{{{gold}}}").value == 1.0
    spoken = gold.replace(": knight", " is a knight").replace(": knave", " is a knave")
    assert fam.score(task, rf"\boxed{{{spoken}}}").value == 1.0
    first = gold.split(",")[0]
    flipped = gold.replace(first, first.replace("knight", "KNAVE").replace("knave", "knight"))
    assert fam.score(task, rf"\boxed{{{flipped.lower()}}}").value == 0.0
    both = (
        gold + ", " + first.replace("knight", "x").replace("knave", "knight").replace("x", "knave")
    )
    assert fam.score(task, rf"\boxed{{{both}}}").value == 0.0
    assert fam.score(task, rf"\boxed{{{first}}}").value == 0.0


def test_sudoku_puzzles_are_unique_and_scored_by_rules() -> None:
    fam = Sudoku4Family()
    givens = {1: 12, 2: 10, 3: 8, 4: 6}
    for level in (1, 2, 3, 4, 5):
        for i in range(10):
            task = fam.generate(i, seed=2, difficulty=level)
            puzzle = list(task.metadata["puzzle"])  # type: ignore[arg-type]
            assert count_sudoku_solutions(puzzle) == 1
            if level in givens:
                assert sum(1 for v in puzzle if v) == givens[level]
    task = fam.generate(0, seed=2, difficulty=4)
    rows = str(task.answer).split("/")
    assert fam.score(task, "\\boxed{" + "\n".join(" ".join(r) for r in rows) + "}").value == 1.0
    swapped = "/".join(rows[1:2] + rows[0:1] + rows[2:])
    assert fam.score(task, rf"\boxed{{{swapped}}}").value == 0.0
    assert fam.score(task, r"\boxed{1234}").value == 0.0


def test_linear_systems_tuple_order_matters() -> None:
    fam = LinearSystemsFamily()
    task = fam.generate(0, seed=0, difficulty=2)
    x, y = str(task.answer).strip("()").split(", ")
    assert fam.score(task, rf"\boxed{{x = {x}, y = {y}}}").value == 1.0
    if x != y:
        assert fam.score(task, rf"\boxed{{({y}, {x})}}").value == 0.0


# Intermediate results.
def test_multi_step_milestones_follow_stated_values() -> None:
    fam = MultiStepFamily()
    task = fam.generate(0, seed=4, difficulty=4)
    steps = task.metadata["steps"]
    assert isinstance(steps, list)
    assert len(steps) == 5
    first = steps[0]
    assert isinstance(first, dict)
    partial = f"a = {first['value']}, b = 999999"
    marks = fam.milestones(task, partial)
    assert marks["step_a"] is True
    assert marks["step_b"] is False
    assert sum(marks.values()) == 1


def test_stated_values_reads_worked_lines_not_operands() -> None:
    assert stated_values("a = 7 + 8") == {}
    assert stated_values("a = 7 + 8 = 15.") == {"a": Fraction(15)}
    assert stated_values(r"so c is -4 and \boxed{-4}") == {"c": Fraction(-4)}

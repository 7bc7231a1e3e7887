"""The curriculum: difficulty follows the recent success rate and replays from the seed."""

from __future__ import annotations

import pytest

from gymforge.tasks.reasoning import (
    CountdownFamily,
    Curriculum,
    CurriculumConfig,
    LinearEquationsFamily,
)

CONFIG = CurriculumConfig(window=4, up=0.75, down=0.25)


def make(seed: int = 0) -> Curriculum:
    return Curriculum([LinearEquationsFamily(), CountdownFamily()], seed=seed, config=CONFIG)


def test_moves_up_when_success_passes_threshold() -> None:
    cur = make()
    for ok in (True, True, False, True):
        cur.record("countdown", ok)
    assert cur.level("countdown") == 2
    assert cur.level("linear_equations") == 1  # per family
    assert cur.next_task("countdown").difficulty == 2


def test_moves_down_below_the_other_threshold_and_stays_in_range() -> None:
    cur = Curriculum([CountdownFamily()], seed=0, config=CurriculumConfig(window=2, start_level=2))
    for _ in range(2):
        cur.record("countdown", False)
    assert cur.level("countdown") == 1
    for _ in range(6):
        cur.record("countdown", False)
    assert cur.level("countdown") == 1
    for _ in range(20):
        cur.record("countdown", True)
    assert cur.level("countdown") == 5


def test_middling_success_holds_the_level() -> None:
    cur = make()
    for ok in (True, False, True, False) * 3:
        cur.record("linear_equations", ok)
    assert cur.level("linear_equations") == 1


def test_replay_is_a_pure_function_of_seed_and_outcomes() -> None:
    outcomes = [("countdown", i % 3 != 0) for i in range(12)] + [
        ("linear_equations", True) for _ in range(8)
    ]
    fams = [LinearEquationsFamily(), CountdownFamily()]
    tasks_a, levels_a = Curriculum.replay(fams, seed=9, outcomes=outcomes, config=CONFIG)
    tasks_b, levels_b = Curriculum.replay(fams, seed=9, outcomes=outcomes, config=CONFIG)
    assert tasks_a == tasks_b
    assert levels_a == levels_b == {"linear_equations": 3, "countdown": 3}
    tasks_c, _ = Curriculum.replay(fams, seed=10, outcomes=outcomes, config=CONFIG)
    assert [t.id for t in tasks_c] != [t.id for t in tasks_a]
    live = make(seed=9)
    drawn = []
    for name, ok in outcomes:
        drawn.append(live.next_task(name))
        live.record(name, ok)
    assert drawn == tasks_a


def test_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="down < up"):
        CurriculumConfig(up=0.2, down=0.5)
    with pytest.raises(ValueError, match="window"):
        CurriculumConfig(window=0)
    with pytest.raises(ValueError, match="unique"):
        Curriculum([CountdownFamily(), CountdownFamily()], seed=0)
    with pytest.raises(KeyError, match="has: countdown"):
        Curriculum([CountdownFamily()], seed=0).level("chess")

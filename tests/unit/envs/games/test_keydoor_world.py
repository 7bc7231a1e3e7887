"""KeyDoor worlds: solvable over many seeds, deterministic, milestones fire, rules hold."""

import pytest

from gymforge.envs.games._keydoor import (
    DECOY_COLOR,
    LEVELS,
    KeyDoorState,
    apply_action,
    generate_layout,
    milestones,
    render,
    shortest_plan,
)


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_every_layout_is_solvable_by_its_bfs_plan(level: int) -> None:
    for seed in range(40):
        lay = generate_layout(level, seed, decoy=seed % 2 == 0)
        state = KeyDoorState(lay.start)
        plan = shortest_plan(lay, state)
        assert len(plan) >= LEVELS[level].min_plan
        for action in plan:
            state, _, legal = apply_action(lay, state, action)
            assert legal
        assert state.pos == lay.goal
        doors = {c for c in lay.doors.values()}
        assert {f"door:{c}" for c in doors} <= set(milestones(lay, state))
        assert milestones(lay, state)["goal"] is True
        assert {f"room:{i + 1}" for i in range(1, LEVELS[level].rooms)} <= set(
            milestones(lay, state)
        )


def test_harder_levels_need_at_least_eight_actions() -> None:
    for level in (3, 4, 5):
        assert LEVELS[level].min_plan >= 8


def test_layout_is_a_pure_function_of_level_seed_and_decoy() -> None:
    assert generate_layout(4, 11) == generate_layout(4, 11)
    assert generate_layout(4, 11) != generate_layout(4, 12)
    with_decoy = generate_layout(4, 11, decoy=True)
    assert DECOY_COLOR in with_decoy.keys.values()
    assert DECOY_COLOR not in with_decoy.doors.values()
    assert DECOY_COLOR not in generate_layout(4, 11).keys.values()


def test_keys_lie_before_their_doors() -> None:
    for level in sorted(LEVELS):
        for seed in range(20):
            lay = generate_layout(level, seed)
            for door_cell, color in lay.doors.items():
                key_cell = next(c for c, k in lay.keys.items() if k == color)
                assert key_cell[0] < door_cell[0]


def test_milestones_fire_in_order_along_the_plan() -> None:
    lay = generate_layout(3, 5)
    state = KeyDoorState(lay.start)
    seen: list[str] = []
    for action in shortest_plan(lay, state):
        before = set(milestones(lay, state))
        state, _, _ = apply_action(lay, state, action)
        seen += sorted(set(milestones(lay, state)) - before)
    assert seen == ["key:red", "door:red", "room:2", "key:blue", "door:blue", "room:3", "goal"]


def test_decoy_key_fires_a_milestone_that_does_not_shorten_the_plan() -> None:
    lay = generate_layout(2, 3, decoy=True)
    cell = next(c for c, k in lay.keys.items() if k == DECOY_COLOR)
    state = KeyDoorState(cell)
    state, text, legal = apply_action(lay, state, ("pick_up", None))
    assert legal
    assert "yellow" in text
    assert milestones(lay, state) == {"key:yellow": True}
    assert shortest_plan(lay, state) == shortest_plan(lay, KeyDoorState(cell))


def test_illegal_actions_leave_the_state_unchanged() -> None:
    lay = generate_layout(2, 0)
    door_cell, color = next(iter(lay.doors.items()))
    in_front = (door_cell[0] - 1, door_cell[1])
    state = KeyDoorState(in_front)
    nxt, text, legal = apply_action(lay, state, ("open", "east"))
    assert (nxt, legal) == (state, False)
    assert f"need the {color} key" in text
    nxt, text, legal = apply_action(lay, state, ("move", "east"))
    assert nxt == state
    assert legal
    assert "locked" in text
    nxt, text, legal = apply_action(lay, state, ("open", "west"))
    assert (nxt, legal) == (state, False)
    assert "no door" in text
    holding = KeyDoorState(in_front, held=frozenset({color}))
    opened, text, legal = apply_action(lay, holding, ("open", "east"))
    assert legal
    assert opened.opened == {color}
    walked, _, _ = apply_action(lay, opened, ("move", "east"))
    assert walked.pos == door_cell
    assert "_" in render(lay, opened)
    assert color[0].upper() not in render(lay, opened)


def test_walls_block_and_render_marks_everything() -> None:
    lay = generate_layout(3, 2, decoy=True)
    text = render(lay, KeyDoorState(lay.start))
    rows = text.splitlines()
    assert len(rows) == lay.height
    assert all(len(r) == lay.width for r in rows)
    assert text.count("@") == 1
    assert text.count("*") == 1
    assert "R" in text
    assert "B" in text
    assert "r" in text
    assert "b" in text
    assert "y" in text
    corner = KeyDoorState((1, 1))
    nxt, text, legal = apply_action(lay, corner, ("move", "north"))
    assert nxt == corner
    assert legal
    assert "wall" in text


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="level must be one of"):
        generate_layout(9, 0)

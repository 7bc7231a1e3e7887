"""KeyDoor world: seeded room-and-door layouts, their rules, and a BFS planner.

Rooms sit side by side, left to right. Door ``i`` joins room ``i`` and room
``i + 1`` and opens with the key of its colour, which lies in a room the agent can
reach before that door (the same room at levels 1-3, any earlier room at levels
4-5, so the agent must walk back). The goal is in the last room. A layout is kept
only when the BFS planner finds a plan at least as long as the level's minimum,
so every generated world is solvable by construction *and* by search.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

__all__ = [
    "COLORS",
    "DECOY_COLOR",
    "LEVELS",
    "Action",
    "KeyDoorLayout",
    "KeyDoorState",
    "Level",
    "apply_action",
    "generate_layout",
    "milestones",
    "render",
    "shortest_plan",
]

Direction: TypeAlias = Literal["north", "south", "east", "west"]
Action: TypeAlias = tuple[Literal["move", "pick_up", "open"], Direction | None]
"""("move", dir), ("pick_up", None) or ("open", dir)."""

COLORS = ("red", "blue", "green", "purple")
"""Door/key colours in door order (door 0 is red)."""
DECOY_COLOR = "yellow"
"""Colour of the decoy key: it opens no door."""
_DELTAS: dict[Direction, tuple[int, int]] = {
    "north": (0, -1),
    "east": (1, 0),
    "south": (0, 1),
    "west": (-1, 0),
}
_DIRS: tuple[Direction, ...] = ("north", "east", "south", "west")


@dataclass(frozen=True)
class Level:
    """How a difficulty level builds its worlds."""

    rooms: int
    """Number of rooms (doors = rooms - 1)."""
    width: tuple[int, int]
    """Inclusive range of a room's inner width."""
    height: tuple[int, int]
    """Inclusive range of the inner height (shared by all rooms)."""
    backtrack: bool
    """Keys may lie in any earlier room, not just the room before their door."""
    min_plan: int
    """Layouts whose shortest plan is shorter are redrawn."""


LEVELS: dict[int, Level] = {
    1: Level(rooms=1, width=(3, 4), height=(3, 4), backtrack=False, min_plan=2),
    2: Level(rooms=2, width=(3, 4), height=(3, 4), backtrack=False, min_plan=5),
    3: Level(rooms=3, width=(3, 4), height=(3, 4), backtrack=False, min_plan=10),
    4: Level(rooms=3, width=(3, 5), height=(3, 5), backtrack=True, min_plan=14),
    5: Level(rooms=4, width=(3, 5), height=(3, 5), backtrack=True, min_plan=20),
}
"""Difficulty 1..5: one room; one door; two doors; two doors with backtracking; three doors."""


@dataclass(frozen=True)
class KeyDoorLayout:
    """The static part of a world (walls, doors, items, goal)."""

    width: int
    """Grid width, walls included."""
    height: int
    """Grid height, walls included."""
    walls: frozenset[tuple[int, int]]
    """Wall cells (x, y)."""
    doors: dict[tuple[int, int], str]
    """Door cell -> colour."""
    keys: dict[tuple[int, int], str]
    """Key cell -> colour (the decoy key included)."""
    goal: tuple[int, int]
    """The goal cell."""
    start: tuple[int, int]
    """Where the agent starts."""
    room_bounds: tuple[tuple[int, int], ...]
    """Inclusive x range of each room's interior, left to right."""
    level: int
    """The difficulty level it was generated for."""

    def room_of(self, cell: tuple[int, int]) -> int | None:
        """The room whose interior holds `cell` (None on walls and doors)."""
        for i, (lo, hi) in enumerate(self.room_bounds):
            if lo <= cell[0] <= hi:
                return i
        return None


@dataclass(frozen=True)
class KeyDoorState:
    """The dynamic part: where the agent is, what it holds, what it opened, where it went."""

    pos: tuple[int, int]
    """Agent cell."""
    held: frozenset[str] = frozenset()
    """Colours of keys picked up (keys are kept after use)."""
    opened: frozenset[str] = frozenset()
    """Colours of doors opened."""
    visited: frozenset[int] = field(default_factory=lambda: frozenset({0}))
    """Rooms entered so far (room 0 is the start)."""

    @property
    def plan_key(self) -> tuple[tuple[int, int], frozenset[str], frozenset[str]]:
        """What matters for planning (visited rooms do not)."""
        return (self.pos, self.held, self.opened)


def generate_layout(level: int, seed: int, *, decoy: bool = False) -> KeyDoorLayout:
    """The world of `level` at `seed`: a pure function of its arguments.

    Example:
        >>> a = generate_layout(3, seed=7)
        >>> a == generate_layout(3, seed=7), len(a.doors)
        (True, 2)
        >>> len(shortest_plan(a, KeyDoorState(a.start))) >= LEVELS[3].min_plan
        True
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {sorted(LEVELS)}, got {level!r}")
    spec = LEVELS[level]
    rng = random.Random(seed * 10 + level)
    for _ in range(1000):
        layout = _draw(spec, level, rng, decoy)
        plan = shortest_plan(layout, KeyDoorState(layout.start))
        if len(plan) >= spec.min_plan:
            return layout
    raise RuntimeError(f"no layout with a plan of >= {spec.min_plan} steps at level {level}")


def _draw(spec: Level, level: int, rng: random.Random, decoy: bool) -> KeyDoorLayout:
    height = rng.randint(*spec.height)
    widths = [rng.randint(*spec.width) for _ in range(spec.rooms)]
    bounds, x = [], 1
    for w in widths:
        bounds.append((x, x + w - 1))
        x += w + 1
    total_w, total_h = x, height + 2
    walls = {(cx, cy) for cx in range(total_w) for cy in (0, total_h - 1)}
    walls |= {(cx, cy) for cx in (0, total_w - 1) for cy in range(total_h)}
    doors: dict[tuple[int, int], str] = {}
    for i in range(spec.rooms - 1):
        wx = bounds[i][1] + 1
        door_y = rng.randint(1, height)
        walls |= {(wx, cy) for cy in range(total_h) if cy != door_y}
        doors[(wx, door_y)] = COLORS[i]

    def cells(room: int) -> list[tuple[int, int]]:
        lo, hi = bounds[room]
        return [(cx, cy) for cx in range(lo, hi + 1) for cy in range(1, height + 1)]

    used: set[tuple[int, int]] = set()

    def place(room: int) -> tuple[int, int]:
        cell = rng.choice([c for c in cells(room) if c not in used])
        used.add(cell)
        return cell

    start = place(0)
    goal = place(spec.rooms - 1)
    keys: dict[tuple[int, int], str] = {}
    for i in range(spec.rooms - 1):
        room = rng.randint(0, i) if spec.backtrack else i
        keys[place(room)] = COLORS[i]
    if decoy:
        keys[place(rng.randrange(spec.rooms))] = DECOY_COLOR
    return KeyDoorLayout(
        width=total_w,
        height=total_h,
        walls=frozenset(walls),
        doors=doors,
        keys=keys,
        goal=goal,
        start=start,
        room_bounds=tuple(bounds),
        level=level,
    )


def apply_action(
    layout: KeyDoorLayout, state: KeyDoorState, action: Action
) -> tuple[KeyDoorState, str, bool]:
    """Apply `action`: (new state, what happened in words, whether it was legal).

    An illegal action (nothing to pick up, no door to open, no matching key) leaves
    the state unchanged. Bumping into a wall or a locked door is legal and wastes
    the action.

    Example:
        >>> lay = generate_layout(1, seed=0)
        >>> apply_action(lay, KeyDoorState(lay.start), ("pick_up", None))[2]
        False
    """
    kind, direction = action
    if kind == "pick_up":
        color = layout.keys.get(state.pos)
        if color is None:
            return state, "There is no key here to pick up.", False
        if color in state.held:
            return state, f"You already hold the {color} key.", False
        return replace(state, held=state.held | {color}), f"You picked up the {color} key.", True
    if direction is None or direction not in _DELTAS:
        return state, f"Unknown direction {direction!r}: use one of {', '.join(_DIRS)}.", False
    dx, dy = _DELTAS[direction]
    target = (state.pos[0] + dx, state.pos[1] + dy)
    door = layout.doors.get(target)
    if kind == "open":
        if door is None:
            return state, f"There is no door to the {direction}.", False
        if door in state.opened:
            return state, f"The {door} door to the {direction} is already open.", False
        if door not in state.held:
            return state, f"The {door} door is locked: you need the {door} key.", False
        return replace(state, opened=state.opened | {door}), f"You opened the {door} door.", True
    if target in layout.walls:
        return state, f"You bump into a wall to the {direction}.", True
    if door is not None and door not in state.opened:
        return state, f"The {door} door to the {direction} is locked.", True
    room = layout.room_of(target)
    visited = state.visited | {room} if room is not None else state.visited
    moved = replace(state, pos=target, visited=visited)
    if target == layout.goal:
        return moved, "You reached the goal!", True
    if room is not None and room not in state.visited:
        return moved, f"You moved {direction} into room {room + 1}.", True
    return moved, f"You moved {direction}.", True


def _successors(layout: KeyDoorLayout, state: KeyDoorState) -> list[tuple[Action, KeyDoorState]]:
    out: list[tuple[Action, KeyDoorState]] = []
    candidates: list[Action] = [("pick_up", None)]
    candidates += [("open", d) for d in _DIRS]
    candidates += [("move", d) for d in _DIRS]
    for action in candidates:
        nxt, _, legal = apply_action(layout, state, action)
        if legal and nxt.plan_key != state.plan_key:
            out.append((action, nxt))
    return out


def shortest_plan(layout: KeyDoorLayout, state: KeyDoorState) -> list[Action]:
    """A shortest action sequence from `state` to the goal (BFS; [] when already there).

    Ties are broken by a fixed action order (pick up, open, then move north, east,
    south, west), so the plan is a pure function of the layout and the state.
    Raises `ValueError` when the goal cannot be reached (never for generated layouts).

    Example:
        >>> lay = generate_layout(2, seed=1)
        >>> ("pick_up", None) in shortest_plan(lay, KeyDoorState(lay.start))
        True
    """
    if state.pos == layout.goal:
        return []
    parents: dict[object, tuple[object, Action] | None] = {state.plan_key: None}
    queue = deque([state])
    while queue:
        cur = queue.popleft()
        for action, nxt in _successors(layout, cur):
            if nxt.plan_key in parents:
                continue
            parents[nxt.plan_key] = (cur.plan_key, action)
            if nxt.pos == layout.goal:
                plan: list[Action] = []
                key: object = nxt.plan_key
                while (link := parents[key]) is not None:
                    key, step = link
                    plan.append(step)
                return plan[::-1]
            queue.append(nxt)
    raise ValueError("the goal is unreachable from this state")


def milestones(layout: KeyDoorLayout, state: KeyDoorState) -> dict[str, bool]:
    """Env-verified facts: ``key:<colour>``, ``door:<colour>``, ``room:<n>`` (n >= 2), ``goal``.

    Example:
        >>> lay = generate_layout(1, seed=0)
        >>> milestones(lay, KeyDoorState(lay.start))
        {}
    """
    out: dict[str, bool] = {}
    for color in sorted(state.held):
        out[f"key:{color}"] = True
    for color in sorted(state.opened):
        out[f"door:{color}"] = True
    for room in sorted(state.visited - {0}):
        out[f"room:{room + 1}"] = True
    if state.pos == layout.goal:
        out["goal"] = True
    return out


def render(layout: KeyDoorLayout, state: KeyDoorState) -> str:
    """The grid as text, one character per cell.

    Example:
        >>> lay = generate_layout(1, seed=0)
        >>> print(render(lay, KeyDoorState(lay.start)).splitlines()[0])
        ######
    """
    rows = []
    for y in range(layout.height):
        row = []
        for x in range(layout.width):
            cell = (x, y)
            if cell == state.pos:
                row.append("@")
            elif cell in layout.walls:
                row.append("#")
            elif cell in layout.doors:
                color = layout.doors[cell]
                row.append("_" if color in state.opened else color[0].upper())
            elif cell == layout.goal:
                row.append("*")
            elif cell in layout.keys and layout.keys[cell] not in state.held:
                row.append(layout.keys[cell][0])
            else:
                row.append(".")
        rows.append("".join(row))
    return "\n".join(rows)

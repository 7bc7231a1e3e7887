"""KeyDoor-v0: a text gridworld of rooms, keys and doors with a sparse reward at the goal."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from gymforge._util import derive_seed
from gymforge.env import ToolEnv, tool
from gymforge.envs.games._keydoor import (
    DECOY_COLOR,
    LEVELS,
    Action,
    KeyDoorLayout,
    KeyDoorState,
    apply_action,
    generate_layout,
    milestones,
    render,
    shortest_plan,
)
from gymforge.errors import ToolError, ToolRefused
from gymforge.graders import env_reward
from gymforge.tasks import task_field
from gymforge.types import JsonValue, Message, Task, ToolCall, ToolOutcome

__all__ = ["KeyDoorEnv", "KeyDoorFamily"]

_LEGEND = (
    "Legend: @ you, # wall, . floor, * goal, lower-case letters are keys "
    "(r red, b blue, g green, p purple, y yellow), upper-case letters are locked doors "
    "of that colour, _ an open door. North is up."
)


@functools.lru_cache(maxsize=256)
def _world(level: int, layout_seed: int, decoy: bool) -> tuple[KeyDoorLayout, int]:
    """A layout and its optimal number of actions (cached: the env's reset rebuilds the world).

    Both are pure functions of the arguments, so the family's draw and the reset share them.
    """
    layout = generate_layout(level, layout_seed, decoy=decoy)
    return layout, len(shortest_plan(layout, KeyDoorState(layout.start)))


class KeyDoorFamily:
    """KeyDoor tasks: item i at seed s is one layout of the given level.

    Example:
        >>> t = KeyDoorFamily(difficulty=3).generate(0, seed=0)
        >>> t.difficulty, t.answer >= 10
        (3, True)
    """

    def __init__(self, *, difficulty: int = 3, decoy: bool = False) -> None:
        if difficulty not in LEVELS:
            raise ValueError(f"difficulty must be one of {sorted(LEVELS)}, got {difficulty!r}")
        self.name = "keydoor"
        self.difficulty: int | None = difficulty
        self.decoy = decoy

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Task `index` at `seed`; the answer is the optimal number of actions."""
        level = self.difficulty if difficulty is None else difficulty
        if level not in LEVELS:
            raise ValueError(f"difficulty must be one of {sorted(LEVELS)}, got {level!r}")
        layout_seed = derive_seed("gymforge.keydoor", seed, index) % 2**31
        _, optimal = _world(level, layout_seed, self.decoy)
        return Task(
            id=f"keydoor/L{level}/s{seed}/{index}",
            prompt="Reach the goal (*). Pick up keys and open the doors of their colour.",
            answer=optimal,
            family=self.name,
            difficulty=level,
            metadata={"layout_seed": layout_seed, "decoy": self.decoy},
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what `KeyDoorEnv` reads.

        Needed: ``metadata.layout_seed`` (an integer >= 0), which with the level
        (``difficulty``, 1-5; none: 3) rebuilds the layout. Optional:
        ``metadata.decoy`` (true adds the decoy key) and ``answer`` (the optimal
        number of actions, reported in the episode's info).

        Raises:
            ValueError: Naming the field that is missing or wrong.
        """
        task_field(
            task,
            "difficulty",
            kind=int,
            optional=True,
            choices=sorted(LEVELS),
            why="the level of the layout (see docs/envs/keydoor.md)",
        )
        seed = task_field(
            task, "metadata", "layout_seed", kind=int, why="the seed the layout is built from"
        )
        if seed < 0:
            raise ValueError(f"metadata.layout_seed: must be >= 0, got {seed}")
        task_field(task, "metadata", "decoy", kind=bool, optional=True, why="add the decoy key")
        task_field(task, "answer", kind=int, optional=True, why="the optimal number of actions")


class KeyDoorEnv(ToolEnv):
    """``gymforge/KeyDoor-v0``: find keys, open doors, reach the goal; reward 1 only there.

    Tools: ``move(direction)``, ``pick_up()``, ``open_door(direction)``; each call
    is one action. Milestones are env-verified: ``key:<colour>`` (picked up),
    ``door:<colour>`` (opened), ``room:<n>`` (entered), ``goal``. With
    ``decoy=True`` a yellow key that opens nothing fires ``key:yellow``, a
    milestone that does not lead to the goal (`Info.extra["decoy_milestones"]`
    names it). The episode is truncated after ``horizon`` turns. The reference
    action is the next step of a BFS-shortest plan from the current state.

    Args:
        difficulty: Default level 1-5 (see docs/envs/keydoor.md).
        decoy: Add the decoy key.
        horizon: Turn limit (default: twice the optimal number of actions plus 8).

    Example:
        >>> import asyncio
        >>> env = KeyDoorEnv(difficulty=2)
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> sorted(t.name for t in info.tools)
        ['move', 'open_door', 'pick_up']
    """

    def __init__(
        self, *, difficulty: int = 3, decoy: bool = False, horizon: int | None = None
    ) -> None:
        super().__init__(KeyDoorFamily(difficulty=difficulty, decoy=decoy), env_reward())
        if horizon is not None and (
            isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1
        ):
            raise ValueError(f"horizon must be an int >= 1 or None, got {horizon!r}")
        self._horizon = horizon
        self.horizon = horizon or 8
        """This episode's turn limit."""
        self.layout: KeyDoorLayout = _world(1, 0, False)[0]
        """The current world."""
        self.state = KeyDoorState(self.layout.start)
        """The agent's position, keys, opened doors and visited rooms."""

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Rebuild the layout from the task (a pure function of level and layout seed)."""
        level = self.task.difficulty or 3
        seed = self.task.metadata.get("layout_seed", 0)
        decoy = self.task.metadata.get("decoy") is True
        self.layout, optimal = _world(level, seed if isinstance(seed, int) else 0, decoy)
        self.state = KeyDoorState(self.layout.start)
        self.horizon = self._horizon or 2 * optimal + 8
        self.milestones = dict(milestones(self.layout, self.state))

    def _view(self) -> str:
        held = ", ".join(f"{c} key" for c in sorted(self.state.held)) or "nothing"
        return f"{render(self.layout, self.state)}\nYou hold: {held}."

    async def opening_messages(self) -> Sequence[Message]:
        """Rules, legend and the grid."""
        return [
            Message.system(
                "You are in a gridworld of rooms. Reach the goal (*). Doors are locked; "
                "pick up the key of a door's colour (stand on it and call pick_up), then "
                "stand next to the door and call open_door with its direction. Move one "
                f"cell per move call. You have {self.horizon} turns. {_LEGEND}"
            ),
            Message.user(f"{self.task.prompt}\n{self._view()}"),
        ]

    async def on_text(self, message: Message) -> Sequence[Message]:
        """Text alone does nothing here: say so."""
        return [Message.user("error: nothing happened; act with move, pick_up or open_door.")]

    def info_extra(self) -> dict[str, JsonValue]:
        """Level, optimal plan length, horizon and which milestones are decoys."""
        decoys: list[JsonValue] = (
            [f"key:{DECOY_COLOR}"] if DECOY_COLOR in self.layout.keys.values() else []
        )
        return {
            "level": self.layout.level,
            "horizon": self.horizon,
            "optimal_actions": self.task.answer,
            "decoy_milestones": decoys,
        }

    def _act(self, action: Action) -> str:
        if self.ended:
            raise ToolRefused("the episode has ended")
        new, text, legal = apply_action(self.layout, self.state, action)
        if not legal:
            raise ToolError(text)
        self.state = new
        self.milestones = dict(milestones(self.layout, self.state))
        if self.state.pos == self.layout.goal:
            self.add_reward(1.0)
            self.end_episode()
            return text
        return f"{text}\n{self._view()}"

    @tool
    def move(self, direction: Literal["north", "south", "east", "west"]) -> str:
        """Move one cell.

        Args:
            direction: north (up), south (down), east (right) or west (left).
        """
        return self._act(("move", direction))

    @tool
    def pick_up(self) -> str:
        """Pick up the key on your cell."""
        return self._act(("pick_up", None))

    @tool
    def open_door(self, direction: Literal["north", "south", "east", "west"]) -> str:
        """Open the adjacent door in a direction (you must hold the key of its colour).

        Args:
            direction: Where the door is: north, south, east or west of you.
        """
        return self._act(("open", direction))

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        """After `horizon` turns without reaching the goal, the episode is truncated."""
        if not self.ended and self.turn >= self.horizon:
            self.truncate_episode()
        return ()

    async def reference_action(self) -> Message:
        """The next action of a BFS-shortest plan from the current state."""
        plan = shortest_plan(self.layout, self.state)
        if not plan:
            return Message.assistant("I am at the goal.")
        kind, direction = plan[0]
        call_id = f"ref-{self.turn}"
        if kind == "pick_up":
            return Message.assistant(tool_calls=[ToolCall.make("pick_up", {}, id=call_id)])
        name = "move" if kind == "move" else "open_door"
        return Message.assistant(
            tool_calls=[ToolCall.make(name, {"direction": direction}, id=call_id)]
        )

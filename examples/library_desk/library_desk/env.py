"""The front desk env: an agent serves one library member's requests with tools.

Each episode builds a fresh `Library` from its task (`TaskData.world`). The desk's
own rule (look a member up in an earlier turn before any write on their account) is
the env's, not the library's: `LibraryDeskEnv.before_call` refuses a call that
breaks it before its tool runs. A plain-text reply ends the episode. The reward is
the `library_state` grader's: does the final database match the gold?

Example:
    >>> import asyncio
    >>> from gymforge.env import oracle_episode
    >>> task = LibraryTasks().generate(0, seed=0)
    >>> traj = asyncio.run(oracle_episode(LibraryDeskEnv(), options={"task": task}))
    >>> [o.tool for o in traj.tool_outcomes()]
    ['lookup_member', 'search_books', 'checkout']
    >>> score = asyncio.run(LibraryDeskEnv().grader().grade(task, traj))
    >>> traj.milestones["requests_done"], score.value
    (1, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gymforge.env import Tool, ToolEnv
from gymforge.errors import ToolRefused
from gymforge.graders import Grader
from gymforge.tasks import TaskFamily
from gymforge.types import Message, ToolCall, ToolOutcome

from library_desk.grader import library_state
from library_desk.tasks import LibraryTasks, TaskData, goals_met, task_data
from library_desk.world import MAX_LOANS, Library, normalize_card

__all__ = ["DESK_POLICY", "LibraryDeskEnv"]

DESK_POLICY = "\n".join(
    [
        "You work at the front desk of the Riverside library and serve one member at a time.",
        "- Look the member up with lookup_member first, and wait for its answer before you "
        "change anything on their account: writes on a member nobody looked up in an earlier "
        "turn are refused.",
        f"- Do what the member asks, and nothing more. A member may hold {MAX_LOANS} loans at "
        "most, must have paid their fines before borrowing, and may renew a loan once, never "
        "when it is overdue.",
        "- Take a payment only when the member offered to pay.",
        "- When you are done, reply in plain text (no tool call): that reply ends the "
        "conversation.",
    ]
)
"""The desk's written policy: the system message, and `Info.policy`."""


class LibraryDeskEnv(ToolEnv):
    """Serve a library member's requests (borrow, return, renew) over SQLite.

    The desk's rule: a write on a member's account (``checkout`` and ``pay_fine``
    name the card, ``return_book`` and ``renew`` a loan the member holds) is refused
    (`ToolRefused`, outcome kind ``refused``) unless that member was looked up with
    a successful ``lookup_member`` in an *earlier* turn: the agent must read who it
    is dealing with before it acts.

    Milestones (updated after every step, from the step's tool outcomes):
    ``looked_up`` (bool: the member was looked up), ``writes`` (int: successful
    writes), ``refused`` (int: calls the desk's rule refused), ``tool_errors`` (int:
    calls the library said no to), ``requests_done`` (int: goals met now) and
    ``all_done`` (bool).

    Args:
        family: Where tasks come from (default: `LibraryTasks`).
        grader: How episodes are graded (default: `library_state`).
        difficulty: The default family's level (1-3).
    """

    def __init__(
        self,
        family: TaskFamily | None = None,
        grader: Grader | None = None,
        *,
        difficulty: int | None = None,
    ) -> None:
        super().__init__(
            family if family is not None else LibraryTasks(difficulty),
            grader if grader is not None else library_state(),
            policy=DESK_POLICY,
        )
        self._library: Library | None = None
        self._tools: list[Tool] = []
        self._writers: frozenset[str] = frozenset()
        self._looked_up: set[str] = set()  # cards, normalized
        self._data: TaskData | None = None
        self._progress = 0  # gold calls done, in order
        self._turns = 0
        self._writes = self._refused = self._tool_errors = 0

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Build this episode's library from the task (a bad task is a `ConfigError`)."""
        if self._library is not None:
            self._library.close()
        self._data = task_data(self.task)
        self._library = Library(self._data.world)
        self._tools = self._library.tools()
        self._writers = frozenset(t.name for t in self._tools if t.writes)
        self._looked_up = set()
        self._progress = self._turns = 0
        self._writes = self._refused = self._tool_errors = 0
        self._update_milestones()

    def available_tools(self) -> Sequence[Tool]:
        """The library's tools (none before the first reset)."""
        return self._tools

    async def opening_messages(self) -> Sequence[Message]:
        """The desk's policy as the system message, then the member's request."""
        return [Message.system(DESK_POLICY), Message.user(self.task.prompt)]

    async def before_call(self, call: ToolCall, arguments: Mapping[str, Any]) -> None:
        """The desk's rule: refuse a write on an account whose member is not looked up yet.

        Runs before each valid call's tool, with the validated arguments (a card is
        a str, a loan number an int). Lookups count from the turn after they
        succeeded (`after_step` records them), so a lookup and a write in one turn
        get the write refused.
        """
        if call.name not in self._writers:
            return
        card = self._account(arguments)
        if card is not None and card not in self._looked_up:
            raise ToolRefused(
                f"{card} has not been looked up yet: call lookup_member(card={card!r}) "
                "and read its answer before changing their account"
            )

    def _account(self, arguments: Mapping[str, Any]) -> str | None:
        """The card whose account a write is on (None: no such loan, the tool says so)."""
        if "card" in arguments:
            return normalize_card(arguments["card"])
        loan = self._library.loan(arguments["loan_id"]) if self._library is not None else None
        return None if loan is None else str(loan["card"])

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        """Read what the step's calls did: who was looked up, counters, gold progress."""
        self._turns += 1
        gold = self._data.gold if self._data is not None else ()
        for outcome in outcomes:
            self._refused += outcome.kind == "refused"
            self._tool_errors += outcome.kind == "tool_raised"
            if not outcome.ok:
                continue
            if outcome.tool == "lookup_member" and isinstance(outcome.arguments, dict):
                card = outcome.arguments.get("card")
                if isinstance(card, str):
                    self._looked_up.add(normalize_card(card))
            self._writes += bool(outcome.writes)
            if self._progress < len(gold):
                step = gold[self._progress]
                if (outcome.tool, outcome.arguments) == (step.tool, step.arguments):
                    self._progress += 1
        self._update_milestones()
        return ()

    def _update_milestones(self) -> None:
        done = 0
        if self._data is not None and self._library is not None:
            done = goals_met(self._data.goals, self._data.world, self._library)
        goals = len(self._data.goals) if self._data is not None else 0
        self.milestones = {
            "looked_up": bool(self._looked_up),
            "writes": self._writes,
            "refused": self._refused,
            "tool_errors": self._tool_errors,
            "requests_done": done,
            "all_done": goals > 0 and done == goals,
        }

    async def reference_action(self) -> Message:
        """The gold script's next call, then the reference's closing reply (pure)."""
        gold = self._data.gold if self._data is not None else ()
        if self._progress < len(gold):
            step = gold[self._progress]
            call = ToolCall.make(step.tool, step.arguments, id=f"ref-{self._turns}")
            return Message.assistant(tool_calls=[call])
        return Message.assistant(self.task.reference or "Done.")

    async def close(self) -> None:
        """Close the episode's database, then the env."""
        if self._library is not None:
            self._library.close()
            self._library = None
            self._tools = []
        await super().close()

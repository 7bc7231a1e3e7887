"""The desk's task family: a seeded library, a member's requests, and their gold script.

`LibraryTasks.generate(i, seed=s)` is a pure function of ``(i, s, difficulty)``: it
draws a world and a member with 1-3 requests (the difficulty) from a
``random.Random`` seeded with the text ``"library/{s}/{i}/{level}/{attempt}"``
(text seeds hash the same in every process, unlike ``hash()``), writes the gold
script (the calls that serve the requests) and **replays it on a fresh world**
before returning anything. A draft whose gold script fails (a checkout over the loan
limit, a renewal of an overdue loan, a book with every copy out) or does not meet
its goals is dropped and the next attempt is drawn, so no task is ever produced
whose gold does not reach its goal. The task's hidden ``answer`` is the gold's
final `Library.state`, and its metadata (`TaskData`) holds the world, the gold
script and the goals, so a grader can rebuild everything from the task alone.

Example:
    >>> family = LibraryTasks()
    >>> task = family.generate(0, seed=0)
    >>> task == family.generate(0, seed=0), task.id
    (True, 'library/d1/s0/0')
    >>> check_gold(task)
    []
"""

from __future__ import annotations

import random
from typing import Literal, NamedTuple

from gymforge.errors import ConfigError, ToolError
from gymforge.types import JsonValue, Task
from pydantic import BaseModel, ConfigDict, ValidationError

from library_desk.world import (
    LATE_FEE_CENTS,
    LOAN_DAYS,
    Book,
    Library,
    Loan,
    Member,
    WorldData,
    money,
)

__all__ = [
    "LEVELS",
    "GoldCall",
    "GoldReplay",
    "Goal",
    "Kind",
    "LibraryTasks",
    "TaskData",
    "check_gold",
    "draft_task",
    "goals_met",
    "replay_gold",
    "task_data",
]

Kind = Literal["borrow", "return", "renew"]
"""The requests a member may bring."""

LEVELS = (1, 2, 3)
"""Difficulty: how many requests the member brings."""
MAX_ATTEMPTS = 64
"""Drafts tried per item before giving up (a bug, never seen: most first drafts pass)."""

_CATALOGUE = (
    ("Middlemarch", "George Eliot"),
    ("Moby-Dick", "Herman Melville"),
    ("Persuasion", "Jane Austen"),
    ("Emma", "Jane Austen"),
    ("Dracula", "Bram Stoker"),
    ("Frankenstein", "Mary Shelley"),
    ("The Time Machine", "H. G. Wells"),
    ("Great Expectations", "Charles Dickens"),
    ("Jane Eyre", "Charlotte Bronte"),
    ("Walden", "Henry David Thoreau"),
    ("The Odyssey", "Homer"),
    ("Little Women", "Louisa May Alcott"),
)
_NAMES = (
    "Ada Byrne", "Tomas Okafor", "Mei Lindqvist", "Ravi Castell", "Ines Moreau",
    "Kofi Adler", "Sara Novak", "Liam Ferreira", "Yuki Brennan", "Omar Haddad",
)  # fmt: skip


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoldCall(_Frozen):
    """One call of a gold script."""

    tool: str
    """Tool name."""
    arguments: dict[str, JsonValue]
    """Its arguments."""


class Goal(_Frozen):
    """One request, as a fact about the final state."""

    kind: Kind
    """What the member asked for."""
    card: str
    """The member."""
    book_id: int
    """The book concerned."""
    loan_id: int | None = None
    """The loan concerned (return, renew)."""


class TaskData(_Frozen):
    """What a desk task carries in ``metadata``: the world, the gold script, the goals."""

    world: WorldData
    """The library at the start of the episode."""
    gold: tuple[GoldCall, ...]
    """The calls that serve the requests, one per turn, in order."""
    goals: tuple[Goal, ...]
    """The requests, checked on the final state."""


def task_data(task: Task) -> TaskData:
    """The desk data of a task, or a `ConfigError` naming the task and the field.

    Example:
        >>> task_data(Task(id="t", prompt="?"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        gymforge.errors.ConfigError: task 't' is not a library desk task: metadata ...
    """
    try:
        return TaskData.model_validate(task.metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"task {task.id!r} is not a library desk task: metadata field {where!r}: {first['msg']}"
        ) from None


def goals_met(goals: tuple[Goal, ...], world: WorldData, library: Library) -> int:
    """How many of the goals hold in the library now (the env's ``requests_done``)."""
    before = {loan.id: loan for loan in world.loans}
    met = 0
    for goal in goals:
        if goal.kind == "borrow":
            met += library.active_loan_of(goal.card, goal.book_id)
            continue
        start = before.get(goal.loan_id) if goal.loan_id is not None else None
        now = library.loan(goal.loan_id) if goal.loan_id is not None else None
        if start is None or now is None:
            continue
        if goal.kind == "return":
            met += now["returned_day"] == world.today
        else:
            met += now["returned_day"] is None and now["due_day"] == start.due_day + LOAN_DAYS
    return met


def _play(world: WorldData, gold: tuple[GoldCall, ...]) -> tuple[Library, list[str]]:
    """Run a gold script on a fresh library, in order; the first call the library refuses."""
    library = Library(world)
    tools = {t.name: t for t in library.tools()}
    for step, call in enumerate(gold):
        chosen = tools.get(call.tool)
        if chosen is None:
            return library, [f"gold step {step}: no tool {call.tool!r}"]
        try:
            chosen(**chosen.validate(call.arguments))
        except ToolError as exc:
            return library, [f"gold step {step} {call.tool}({call.arguments}): {exc}"]
    return library, []


class GoldReplay(NamedTuple):
    """What replaying a gold script found."""

    problems: list[str]
    """Everything wrong (empty: the script is valid)."""
    state: dict[str, JsonValue]
    """The `Library.state` it ended in."""


def replay_gold(data: TaskData) -> GoldReplay:
    """Replay a gold script on a fresh world: every call must succeed, every goal be met.

    The world is the bare `Library`, as the grader's replay uses it: the desk's own
    rule is the env's, and a gold script obeys it by construction (`draft_task`
    looks the member up first, and every write is on that member's account).
    """
    library, problems = _play(data.world, data.gold)
    with library:
        met = goals_met(data.goals, data.world, library)
        state = library.state()
    if not problems and met < len(data.goals):
        problems.append(f"the gold script meets {met} of {len(data.goals)} goals")
    return GoldReplay(problems, state)


def check_gold(task: Task) -> list[str]:
    """Every problem of a finished task's gold script (none: valid).

    `replay_gold`'s, and the state it ends in must be the task's ``answer``.
    """
    problems, state = replay_gold(task_data(task))
    if not problems and task.answer != state:
        problems.append("the task's answer is not the state the gold script ends in")
    return problems


def _world(rng: random.Random) -> WorldData:
    today = rng.randint(60, 300)
    book_ids = sorted(rng.sample(range(1, 100), len(_CATALOGUE)))
    books = tuple(
        Book(id=i, title=t, author=a, copies=rng.randint(1, 3))
        for i, (t, a) in zip(book_ids, _CATALOGUE, strict=True)
    )
    cards = rng.sample(range(1000, 10000), 5)
    members = tuple(
        Member(
            card=f"C-{card}",
            name=name,
            fine_cents=LATE_FEE_CENTS * rng.randint(1, 20) if rng.random() < 0.35 else 0,
        )
        for card, name in zip(cards, rng.sample(_NAMES, 5), strict=True)
    )
    out = {b.id: 0 for b in books}
    loans: list[Loan] = []
    for member in members:
        for book in rng.sample(books, rng.randint(0, 2)):
            if out[book.id] < book.copies:
                out[book.id] += 1
                loans.append(
                    Loan(
                        id=len(loans) + 1,
                        book_id=book.id,
                        card=member.card,
                        due_day=today + rng.randint(-9, 13),
                        renewals=int(rng.random() < 0.3),
                    )
                )
    return WorldData(today=today, books=books, members=members, loans=tuple(loans))


def draft_task(index: int, *, seed: int, level: int, attempt: int) -> Task:
    """One draft of item `index`: a world, a member's requests and a gold script.

    Not yet checked (its ``answer`` is None): `LibraryTasks.generate` replays the
    gold script and keeps the first draft that passes.
    """
    rng = random.Random(f"library/{seed}/{index}/{level}/{attempt}")
    world = _world(rng)
    member = rng.choice(world.members)
    card = member.card
    first_name = member.name.split()[0]
    titles = {b.id: b.title for b in world.books}
    held = [loan for loan in world.loans if loan.card == card]
    gold = [GoldCall(tool="lookup_member", arguments={"card": card})]
    goals: list[Goal] = []
    asks: list[str] = []
    dones: list[str] = []
    tags: set[str] = set()
    fine = member.fine_cents
    for _ in range(level):
        kinds: list[Kind] = ["borrow", "return", "renew"] if held else ["borrow"]
        kind = rng.choice(kinds)
        if kind == "borrow":
            wanted = {g.book_id for g in goals} | {
                loan.book_id for loan in world.loans if loan.card == card
            }
            book = rng.choice([b for b in world.books if b.id not in wanted])
            gold.append(GoldCall(tool="search_books", arguments={"query": book.title}))
            if fine:
                gold.append(
                    GoldCall(tool="pay_fine", arguments={"card": card, "amount_cents": fine})
                )
                dones.append(f"took your payment of {money(fine)}")
                tags.add("fine")
                fine = 0
            gold.append(GoldCall(tool="checkout", arguments={"card": card, "book_id": book.id}))
            goals.append(Goal(kind="borrow", card=card, book_id=book.id))
            asks.append(f"I'd like to borrow {book.title!r} (if I owe anything, I'll pay it first)")
            dones.append(f"lent you {book.title!r}, due on day {world.today + LOAN_DAYS}")
            continue
        loan = held.pop(rng.randrange(len(held)))
        title = titles[loan.book_id]
        gold.append(GoldCall(tool="member_loans", arguments={"card": card}))
        gold.append(GoldCall(tool="return_book" if kind == "return" else "renew",
                             arguments={"loan_id": loan.id}))  # fmt: skip
        goals.append(Goal(kind=kind, card=card, book_id=loan.book_id, loan_id=loan.id))
        if kind == "return":
            late = max(0, world.today - loan.due_day)
            fine += late * LATE_FEE_CENTS
            asks.append(f"I'm returning {title!r}")
            dones.append(f"took back {title!r}" + (f" ({late} days late)" if late else ""))
            if late:
                tags.add("late")
        else:
            asks.append(f"please renew my loan of {title!r}")
            dones.append(f"renewed {title!r} to day {loan.due_day + LOAN_DAYS}")
    tags.update(g.kind for g in goals)
    prompt = f"Hello, this is {member.name}, card {card}. " + "; and ".join(asks) + "."
    data = TaskData(world=world, gold=tuple(gold), goals=tuple(goals))
    return Task(
        id=f"library/d{level}/s{seed}/{index}",
        prompt=prompt,
        family="library",
        difficulty=level,
        tags=tuple(sorted(tags)),
        reference=f"All done, {first_name}: I " + "; ".join(dones) + ".",
        metadata=data.model_dump(mode="json"),
    )


class LibraryTasks:
    """The desk's seeded task family (levels 1-3: requests per member).

    Args:
        difficulty: The default level (None: levels cycle 1, 2, 3 over consecutive
            items, starting where the seed says).
    """

    name = "library"

    def __init__(self, difficulty: int | None = None) -> None:
        if difficulty is not None and difficulty not in LEVELS:
            raise ValueError(f"difficulty must be one of {LEVELS} or None, got {difficulty!r}")
        self.difficulty = difficulty

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` at `seed`: the first draft whose gold script passes `check_gold`."""
        if index < 0:
            raise ValueError(f"index must be >= 0, got {index}")
        level = difficulty if difficulty is not None else self.difficulty
        if level is None:
            level = LEVELS[(index + seed) % len(LEVELS)]
        elif level not in LEVELS:
            raise ValueError(f"difficulty must be one of {LEVELS} or None, got {level!r}")
        for attempt in range(MAX_ATTEMPTS):
            draft = draft_task(index, seed=seed, level=level, attempt=attempt)
            problems, state = replay_gold(task_data(draft))
            if not problems:
                return draft.model_copy(update={"answer": state})
        raise RuntimeError(f"no valid draft for library item {index} at seed {seed} level {level}")
